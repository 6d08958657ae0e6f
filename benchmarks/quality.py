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
from briefing.segment import sentences  # noqa: E402
from briefing.summarize import get_summarizer  # noqa: E402
from briefing.summarize.extractive import clean, is_candidate  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"
TASKS = {"cnndm": ("cnndm-dev.jsonl", 3), "xsum": ("xsum-dev.jsonl", 1)}


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
    ap.add_argument("--tasks", default="cnndm,xsum")
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
        rows = load(task, args.limit)
        k = TASKS[task][1]
        arts = [Article(r["id"], r.get("title"), r["text"], r["source"]) for r in rows]
        t0 = time.perf_counter()
        ours = summarizer.summarize(arts, k)
        secs = time.perf_counter() - t0
        outputs: dict[str, list[list[str]]] = {f"{summarizer.name}": [], f"lead-{k}": [], "textrank": [], "lexrank": []}
        for art, summ in zip(arts, ours):
            sents = [clean(s.text) for s in sentences(art) if is_candidate(s)] or [art.text]
            outputs[summarizer.name].append([summ.headline] if k == 1 else list(summ.sentences[:k]))
            outputs[f"lead-{k}"].append(sents[:k])
            outputs["textrank"].append(sumy_pick("textrank", sents, k))
            outputs["lexrank"].append(sumy_pick("lexrank", sents, k))
        print(f"\n{task}: {len(rows)} articles, {k} sentence(s); {summarizer.name} took {secs:.1f}s")
        print(f"{'method':<12} {'R1':>6} {'R2':>6} {'RLsum':>6}")
        table[task] = {}
        for method, preds in outputs.items():
            sums = [0.0, 0.0, 0.0]
            for row, pred in zip(rows, preds):
                sc = scorer.score(row["summary"], "\n".join(pred))
                for i, key in enumerate(("rouge1", "rouge2", "rougeLsum")):
                    sums[i] += sc[key].fmeasure
            avg = [100 * s / len(rows) for s in sums]
            table[task][method] = avg
            print(f"{method:<12} {avg[0]:6.2f} {avg[1]:6.2f} {avg[2]:6.2f}")
    if args.json:
        args.json.write_text(json.dumps(table, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
