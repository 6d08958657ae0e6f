"""The staged engine (issue 14): one table of backends, caches keyed by what determines a result,
sentences split once, frozen settings, precision that does not change results."""

from __future__ import annotations

import json
import types

import pytest
from conftest import ROOT

from briefing.config import DEFAULT_SECTIONS, Settings
from briefing.documents import Article
from briefing.models.bundle import get_summarizer
from briefing.models.registry import fingerprint
from briefing.read.files import read_inputs
from briefing.stories.sections import DEFAULT_PHRASES
from briefing.summarize.registry import BACKENDS, KINDS, factory
from briefing.text import sentences as segment

GOLDEN = ROOT / "tests" / "golden" / "seeds-minilm.json"


def test_model_kinds_derive_from_the_one_backend_table(tmp_path, monkeypatch):
    from briefing.errors import ConfigError
    from briefing.models.registry import registry
    from briefing.summarize.registry import kinds

    assert kinds() == KINDS == tuple(BACKENDS)
    for kind in KINDS:
        assert callable(factory(kind))
    (tmp_path / "registry.toml").write_text('[mine]\nkind = "mine"\n')
    with pytest.raises(ConfigError, match="kind 'mine'; choose from extractive, lead, seq2seq, causal"):
        registry(tmp_path)
    monkeypatch.setenv("BRIEFING_BACKENDS", "mine=fakes:make_echo")  # a backend added from outside: the same table
    assert kinds() == (*KINDS, "mine") and registry(tmp_path)["mine"]["kind"] == "mine"


def test_default_sections_are_listed_once_and_all_described():
    assert tuple(DEFAULT_PHRASES) == DEFAULT_SECTIONS == Settings().sections


def test_settings_are_frozen_all_the_way_down():
    s = Settings(section_descriptions={"World": ["wars"]})
    assert isinstance(s.section_descriptions, types.MappingProxyType)
    with pytest.raises(TypeError):
        s.section_descriptions["World"] = ["peace"]  # type: ignore[index]


def _folder(root, name: str, weights: bytes):
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "config.json").write_text('{"model_type": "bert"}')
    (folder / "model.safetensors").write_bytes(weights)
    return folder


def test_fingerprint_tells_apart_folders_of_one_name_and_retrained_weights(tmp_path):
    a = _folder(tmp_path / "a", "ckpt", b"x" * 10)
    b = _folder(tmp_path / "b", "ckpt", b"x" * 10)
    assert fingerprint(a) != fingerprint(b)  # a/ckpt and b/ckpt no longer share cache entries
    before = fingerprint(a)
    (a / "config.json").write_text('{"model_type": "bert", "hidden_size": 8}')  # retrained: new config
    fingerprint.cache_clear()
    assert fingerprint(a) != before


def test_summary_cache_key_names_the_model_files_and_settings():
    s = get_summarizer(Settings(model="minilm", precision="fp32"))
    key = s.cache_key
    assert str(s.encoder.path.resolve()) in key and fingerprint(s.encoder.path) in key and "fp32" in key
    other = get_summarizer(Settings(model="minilm", precision="fp32", max_sentences=10))
    assert other.cache_key != key
    assert get_summarizer(Settings(model="lead")).cache_key.startswith("lead|")


def test_sentences_split_in_a_process_pool_match_those_split_here(monkeypatch):
    arts, _ = read_inputs([ROOT / "seeds"])
    here = segment.with_sentences(arts, workers=1)
    monkeypatch.setattr(segment, "POOL_FROM", 2)
    pooled = segment.with_sentences(arts, workers=2)
    assert [a.sentences for a in pooled] == [a.sentences for a in here]
    assert all(a.sentences for a in pooled)
    # an article given another text gets its sentences split again, never the old ones
    changed = pooled[0].with_text("One new sentence. And another.")
    assert [s.text for s in segment.sentences(changed)] == ["One new sentence.", "And another."]


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
@pytest.mark.e2e
def test_golden_holds_in_both_precisions(precision):
    """bf16 (the default where the CPU has it) and fp32 (elsewhere) pick the same sentences and headlines."""
    arts, _ = read_inputs([ROOT / "seeds"])
    summarizer = get_summarizer(Settings(model="minilm", precision=precision))
    got = [{"id": a.id, "headline": s.headline, "headline_from": s.headline_from, "summary_ids": list(s.sentence_ids)}
           for a, s in zip(arts, summarizer.summarize(arts, 3), strict=False)]
    assert got == json.loads(GOLDEN.read_text())


def test_bf16_vectors_are_close_to_fp32():
    from briefing.models.encoder import Encoder

    path = get_summarizer(Settings(model="minilm")).encoder.path
    texts = ["The central bank raised interest rates on Thursday.", "Rain is expected in Rome.",
             "A magnitude 6.1 earthquake struck off the coast of Japan, officials said."]
    exact = Encoder(path, precision="fp32").encode(texts)
    fast = Encoder(path, precision="bf16").encode(texts)
    assert (exact * fast).sum(1).min() > 0.999


def test_unknown_precision_is_a_config_error():
    from briefing.errors import ConfigError

    with pytest.raises(ConfigError, match="precision"):
        Settings(precision="int4")


def test_article_sentences_do_not_change_equality_or_hash():
    a = Article("x", "T", "One. Two.", "s")
    [b] = segment.with_sentences([a])
    assert a == b and hash(a) == hash(b) and b.sentences


def test_a_dry_run_on_a_cache_from_before_the_grouping_table_warns_nothing(tmp_path, caplog):
    import sqlite3

    from briefing.store import SummaryCache

    db = sqlite3.connect(tmp_path / "cache.db")  # the schema of the previous version: no groups table
    db.executescript("CREATE TABLE summaries (key TEXT PRIMARY KEY, summary TEXT NOT NULL, used REAL NOT NULL);"
                     "CREATE TABLE vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL, used REAL NOT NULL);"
                     "CREATE TABLE splits (key TEXT PRIMARY KEY, sentences TEXT NOT NULL, used REAL NOT NULL);")
    db.close()
    cache = SummaryCache(tmp_path, read_only=True)
    assert cache.groups("any", 3) is None
    assert "failed" not in caplog.text
    cache.close()


@pytest.mark.e2e
def test_light_bert_equals_transformers_bert():
    """bert.py (MiniLM without importing transformers) gives transformers' token ids and hidden states."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    from briefing.models import bert
    from briefing.models.encoder import inference
    from briefing.models.registry import resolve

    path = resolve("minilm").path
    assert bert.supported(path)
    mine, tok = bert.load(path)
    theirs, their_tok = AutoModel.from_pretrained(path).eval(), AutoTokenizer.from_pretrained(path)
    texts = ["The council approved the budget on Tuesday.", "", "Ünïcödé façade — “quotes” 🎉", "word " * 200,
             "A short one.", "Officials said 1,200 homes lost power after the storm hit the U.S. coast."]
    for max_length in (48, 128):
        a = tok(texts, max_length=max_length)
        b = their_tok(texts, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
        assert torch.equal(a["input_ids"], b["input_ids"]) and torch.equal(a["attention_mask"], b["attention_mask"])
        for precision in ("fp32", "bf16"):
            with inference(precision):
                assert torch.allclose(mine(**a).float(), theirs(**b).last_hidden_state.float(), atol=1e-5)
    words = [t.split() for t in texts if t.split()]
    a = tok(words, max_length=96, is_split_into_words=True)
    b = their_tok(words, is_split_into_words=True, truncation=True, max_length=96, padding=True, return_tensors="pt")
    assert torch.equal(a["input_ids"], b["input_ids"])
    assert [tok.word_ids(i) for i in range(len(words))] == [
        [w for w, m in zip(b.word_ids(i), b["attention_mask"][i], strict=False) if m] for i in range(len(words))]


@pytest.mark.parametrize("light", [True, pytest.param(False, marks=pytest.mark.e2e)])  # False: transformers loads
def test_encoder_vectors_do_not_depend_on_batching(light, monkeypatch):
    """Texts are tokenized once and batched by token count (little padding): each text's vector is the one
    it gets encoded alone, through bert.py and through the transformers fallback alike."""
    import numpy as np

    from briefing.models import bert, encoder
    from briefing.models.registry import resolve

    if not light:
        monkeypatch.setattr(bert, "supported", lambda path: False)
    texts = ["The council approved the budget on Tuesday.", "Storm.", "word " * 80, "",
             "Officials said 1,200 homes lost power after the storm hit the U.S. coast.", "A short one."]
    enc = encoder.Encoder(resolve("minilm").path, batch_size=4, precision="fp32")
    together = enc._encode(texts, 48)
    alone = np.concatenate([enc._encode([t], 48) for t in texts])
    assert np.allclose(together, alone, atol=1e-5)
    assert np.allclose(np.linalg.norm(together, axis=1), 1, atol=1e-5)
    assert isinstance(enc._model, encoder._HFModel) != light


@pytest.mark.e2e
def test_summarize_loads_no_transformers(tmp_path):
    """The default model's cold path imports torch but not transformers (2.3 s of a cold start)."""
    import subprocess
    import sys

    (tmp_path / "a.txt").write_text("The council approved the budget on Tuesday. Spending on schools rises. "
                                    "Critics said taxes rise too far.", encoding="utf-8")
    code = ("import sys; from briefing.apps.cli import main; sys.argv = ['briefing', 'summarize', sys.argv[1]]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('torch' in sys.modules, 'transformers' in sys.modules, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "a.txt")], capture_output=True, text=True,
                          timeout=120)
    assert done.stderr.strip().splitlines()[-1] == "True False", done.stderr
    assert "The council approved" in done.stdout


@pytest.mark.e2e
def test_seed_briefing_sections(tmp_path):
    """The first briefing a new user builds, with the shipped models: each seed story in its newsroom section
    (the Routh conviction for attempting to assassinate Donald Trump is Crime & Justice)."""
    from typer.testing import CliRunner

    from briefing.apps.cli import app

    out = tmp_path / "b"
    r = CliRunner().invoke(app, ["build", str(ROOT / "seeds"), "--date", "2026-02-05", "--out", str(out),
                                 "--format", "json", "--no-cache"])
    assert r.exit_code == 0, r.output
    day = json.loads((out / "2026-02-05.json").read_text())
    stories = [st for sec in day["sections"] for st in sec["stories"]] + day["more"]
    got = {st["headline"].split()[0]: st["section"] for st in stories}
    assert got == {"Officials": "World", "The": "Sports", "Ryan": "Crime & Justice", "Italy": "Technology"}
