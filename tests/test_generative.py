"""The generative backends, run for real on tiny random-weight models built here."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest
import tiny_models as tm
from conftest import deleted_from
from typer.testing import CliRunner

from briefing.apps.cli import app
from briefing.config import Settings
from briefing.documents import Article
from briefing.errors import ModelError
from briefing.models.bundle import get_summarizer
from briefing.models.registry import resolve
from briefing.read.files import read_inputs
from briefing.summarize.generative import GenerativeSummarizer, _headline
from briefing.summarize.guard import claims, unsupported

ROOT = Path(__file__).parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def corpus() -> list[str]:
    return tm.corpus(next(SEEDS.glob("*.txt")))


@pytest.fixture(scope="session")
def tiny(tmp_path_factory, corpus) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("models")
    t5 = tm.tiny_t5(root / "t5", corpus)
    assert not (t5 / "tokenizer.json").exists()  # loading must convert spiece.model
    return {
        "bart": tm.tiny_bart(root / "bart", corpus),
        "bart-1k": tm.tiny_bart(root / "bart-1k", corpus, positions=1024),
        "t5": t5,
        "causal": tm.tiny_causal(root / "causal", corpus, positions=1024),
        "causal-plain": tm.tiny_causal(root / "causal-plain", corpus, positions=1024, chat=False),
    }


@pytest.fixture(scope="session")
def articles():
    arts, problems = read_inputs([SEEDS])
    assert not problems
    return arts


def summarizer(path: Path, **settings) -> GenerativeSummarizer:
    s = get_summarizer(Settings(model=str(path), **settings))
    assert isinstance(s, GenerativeSummarizer)
    return s


# -- the faithfulness guard ---------------------------------------------------------------------

SOURCE = ("Oman's foreign minister said 1,200 people met in Muscat on Tuesday. Officials were hopeful. "
          "Five delegations from Iran and the United States attended the U.S.-Iran talks.")


@pytest.mark.parametrize("text", [
    "Oman hosted talks in Muscat.",  # possessive in the source
    "The talks drew 1200 people on Tuesday.",  # thousands separator
    "5 delegations attended.",  # spelled-out number in the source
    "The United States and Iran attended the U.S.-Iran talks.",
    "Officials met in Muscat.",  # a sentence-initial capital that the source has in lower case
    "Delegates met on Tuesday.",  # same stem as "delegations"
])
def test_guard_accepts_facts_of_the_source(text):
    assert unsupported(text, SOURCE) == []


@pytest.mark.parametrize("text, bad", [
    ("1,300 people met in Muscat.", ["1,300"]),
    ("Delegations met in Doha on Tuesday.", ["Doha"]),
    ("They met on Wednesday in 2024.", ["2024", "Wednesday"]),
    ("Iranian officials met.", ["Iranian"]),  # a new adjective is a new name
])
def test_guard_flags_invented_numbers_dates_and_names(text, bad):
    assert sorted(unsupported(text, SOURCE)) == sorted(bad)


def test_claims_are_numbers_and_capitalised_words():
    assert claims("The 3 ministers met Ali in May.") == ["3", "Ali", "May"]


def test_headline_is_cut_at_a_clause_or_marked():
    long = "The minister, speaking in the capital on a rainy day after the long talks, said the deal was near"
    assert _headline(long, 12) == "The minister, speaking in the capital on a rainy day after the …"
    assert _headline(long, 15) == "The minister, speaking in the capital on a rainy day after the long talks"
    assert _headline("Short and sweet.", 12) == "Short and sweet."


# -- loading and generation --------------------------------------------------------------------

@pytest.mark.parametrize("name", ["bart", "t5", "causal", "causal-plain"])
@pytest.mark.e2e
def test_each_architecture_summarizes_and_guard_decides(tiny, articles, name):
    s = summarizer(tiny[name], beams=1, summary_words=20)
    out = s.summarize(articles, 3)
    assert [x.article_id for x in out] == [a.id for a in articles]
    assert s.calls >= 1
    for art, summ in zip(articles, out, strict=False):
        assert summ.headline
        if summ.method == "generated":
            assert summ.backend == tiny[name].name
            assert unsupported(" ".join((summ.headline,) + summ.sentences), art.text + (art.title or "")) == []
        else:  # random weights write nonsense names: the extractive summary replaces them
            assert summ.method == "extractive" and summ.backend == "minilm"
            assert deleted_from(summ.headline.rstrip(" …"), art.text)  # a compression keeps the source's words in order
            assert all(x.rstrip(" …") in art.text for x in summ.sentences)


@pytest.mark.parametrize("name", ["bart", "t5", "causal"])
@pytest.mark.e2e
def test_without_guard_the_generated_text_is_kept(tiny, articles, name):
    s = summarizer(tiny[name], beams=2, guard=False, summary_words=15, headline_words=8)
    out = s.summarize(articles[:2], 2)
    for summ in out:
        assert summ.method == "generated" and summ.backend == tiny[name].name
        assert len(summ.headline.split()) <= 9
        assert 1 <= len(summ.sentences) <= 2


@pytest.mark.e2e
def test_t5_prefix_and_chat_template_shape_the_prompt(tiny):
    t5 = summarizer(tiny["t5"])
    t5.spec = t5.spec.__class__(**{**{f: getattr(t5.spec, f) for f in t5.spec.__slots__}, "prefix": "summarize: "})
    t5.load()
    assert t5._prepare("Rain in Rome.") == "summarize: Rain in Rome."
    chat = summarizer(tiny["causal"])
    chat.load()
    assert chat._prepare("Rain in Rome.").endswith("<s>assistant:") and "Rain in Rome." in chat._prepare("Rain in Rome.")
    plain = summarizer(tiny["causal-plain"])
    plain.load()
    assert plain._prepare("Rain in Rome.").rstrip().endswith("Summary:")


@pytest.mark.e2e
def test_generation_lengths_never_conflict(tiny):
    s = summarizer(tiny["bart"], summary_words=70)
    s.load()
    for tokens in (0, 1, 3, 10, 100, 1000):
        plan = s.plan(70, tokens)
        assert 1 <= plan.min_new_tokens <= plan.max_new_tokens
        assert plan.max_new_tokens <= max(8, tokens + 8)


@pytest.mark.e2e
def test_short_input_makes_no_length_warnings(tiny, capfd, monkeypatch):
    monkeypatch.setattr("briefing.summarize.generative.quiet_transformers", lambda: None)
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_warning()
    try:
        s = summarizer(tiny["bart"], guard=False)
        out = s.summarize([Article("s", None, "Rain fell in Rome.", "t"), Article("e", "Only a title", "", "t")], 3)
    finally:
        hf_logging.set_verbosity_error()
    err = capfd.readouterr().err
    assert "min_length" not in err and "Token indices" not in err and "max_length" not in err
    assert out[0].method == "generated"
    assert out[1].headline == "Only a title" and out[1].method == "extractive"


@pytest.mark.e2e
def test_a_50000_word_article_is_map_reduced_without_truncation(tiny, corpus, capfd, monkeypatch):
    monkeypatch.setattr("briefing.summarize.generative.quiet_transformers", lambda: None)
    paras = [p for p in corpus if len(p.split()) > 20]
    text, words = [], 0
    for i, p in enumerate(itertools.cycle(paras)):
        text.append(f"Paragraph {i}. {p}")
        words += len(p.split()) + 2
        if words >= 50_000:
            break
    art = Article("long", "A long read", "\n".join(text), "test")
    s = summarizer(tiny["bart-1k"], guard=False, beams=1, summary_words=12, batch_size=128)
    s.load()
    budget = s.budget(18)
    segs = s.segments(art, budget)
    assert len(segs) > 100
    assert all(s.count(seg.text) <= budget for seg in segs)
    assert "".join(seg.text for seg in segs).replace(" ", "").replace("\n", "") == art.text.replace(" ", "").replace("\n", "")
    seen: list[int] = []
    real = s._generate

    def spy(texts, *a, **kw):
        seen.extend(s.count(s._prepare(t)) for t in texts)
        return real(texts, *a, **kw)

    monkeypatch.setattr(s, "_generate", spy)
    (summ,) = s.summarize([art], 3)
    assert summ.method == "generated"
    assert max(seen) + 2 <= s.context  # every input fitted the window: nothing was cut
    assert len(seen) > len(segs)  # at least one reduce round on top of the map round
    assert "Token indices" not in capfd.readouterr().err


def test_unloadable_model_is_a_one_line_model_error(tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"architectures": ["BartForConditionalGeneration"],
                                                    "model_type": "bart", "is_encoder_decoder": True}))
    s = get_summarizer(Settings(model=str(folder)))
    with pytest.raises(ModelError) as e:
        s.summarize([Article("a", None, "Rain fell in Rome today.", "t")], 1)
    assert "broken" in str(e.value) and "\n" not in str(e.value)


def test_gguf_path_resolves_to_a_causal_model(tmp_path):
    f = tmp_path / "tiny.Q4_K_M.gguf"
    f.write_bytes(b"GGUF\x03\x00\x00\x00")
    spec = resolve(str(f))
    assert spec.kind == "causal" and spec.gguf_file == f.name and spec.path == tmp_path
    with pytest.raises(ModelError) as e:
        get_summarizer(Settings(model=str(f))).summarize([Article("a", None, "Rain fell in Rome.", "t")], 1)
    assert "\n" not in str(e.value)


# -- through the CLI -----------------------------------------------------------------------------

@pytest.mark.e2e
def test_cli_summarize_with_a_model_folder_reports_the_method(tiny):
    r = CliRunner().invoke(app, ["summarize", str(SEEDS), "--model", str(tiny["t5"]), "-f", "json"])
    assert r.exit_code == 0, r.output
    records = json.loads(r.stdout)
    assert len(records) == 4
    assert {rec["method"] for rec in records} <= {"generated", "extractive"}
    assert all(rec["model"] in ("t5", "minilm") for rec in records)


@pytest.mark.e2e
def test_cli_build_with_a_missing_hub_model_names_the_fix(tmp_path):
    r = CliRunner().invoke(app, ["build", str(SEEDS), "--model", "distilbart-cnn", "-o", str(tmp_path / "b")])
    assert r.exit_code == 4
    line = r.stderr.strip()
    assert "\n" not in line and re.search(r"briefing models pull distilbart-cnn", line)
    assert not list((tmp_path / "b").glob("*.md")) and not list((tmp_path / "b").glob("*.html"))


@pytest.mark.e2e
def test_cli_build_with_a_generative_model_summarizes_each_story_from_all_its_reports(tiny, tmp_path, monkeypatch):
    seen = []
    real = GenerativeSummarizer.summarize

    def recording(self, articles, n_sentences, progress=None):
        seen.extend(articles)
        return real(self, articles, n_sentences, progress)

    monkeypatch.setattr(GenerativeSummarizer, "summarize", recording)
    day = Path(__file__).parent / "fixtures" / "day.jsonl"
    r = CliRunner().invoke(app, ["build", str(day), "--model", str(tiny["bart"]), "-o", str(tmp_path / "b"),
                                 "-d", "2026-02-05", "-f", "json"])
    assert r.exit_code == 0, r.output
    storm = [a for a in seen if a.id in ("harbour-1", "radio-7")]
    assert len(storm) == 1 and "told Coast Radio" in storm[0].text and "Aileen Ward said twelve" in storm[0].text
    stories = [s for sec in json.loads((tmp_path / "b" / "2026-02-05.json").read_text())["sections"]
               for s in sec["stories"]]
    assert len(stories) == 7
    assert max(len(s["sources"]) for s in stories) == 2
