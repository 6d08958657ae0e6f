"""Real pages and real feeds (../shared/realworld): is what reaches the briefing the article?

    python benchmarks/realworld.py [--no-model]

Prints, on aeb/ (real news pages with the human-marked article body in ground-truth.json):
- article-body extraction token P/R/F1 (the benchmark's own measure: whitespace tokens, as
  multisets), ours beside plain trafilatura.extract on the same pages;
- pages flagged "cut off" (all of them are complete pages);
- summary sentences (with the default model) that are not in the true article body;
- headline length in words (median, share over 20) and how many titled pages show their title;
and on feeds/: caption-like entries, glued words ("[a-z][A-Z]" joins not in the source), and
for every input whether it was read with no traceback.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REAL = ROOT.parent / "shared" / "realworld"


def prf(pred: str, gold: str) -> tuple[float, float, float]:
    """Token precision/recall/F1 of whitespace tokens (article-extraction-benchmark's evaluate.py)."""
    p, g = Counter(pred.split()), Counter(gold.split())
    common = sum((p & g).values())
    if not p or not g:
        return (1.0 if not p and not g else 0.0,) * 3
    prec, rec = common / sum(p.values()), common / sum(g.values())
    return prec, rec, (2 * prec * rec / (prec + rec) if common else 0.0)


def _norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def in_body(sentence: str, body_norm: str) -> bool:
    """A summary sentence counts as the article's when its words stand in the true body in order
    (allowing an ellipsis mark at a cut-off end)."""
    s = _norm(sentence.replace("…", ""))
    return bool(s) and s in body_norm


GLUE = re.compile(r"\b[a-z]{2,}[A-Z][a-z]+")


def glued(text: str, source_norm_text: str) -> list[str]:
    """Tokens like 'heardChelsea' that are not in the source as written (e.g. 'iPhone', 'McDonald')."""
    return [m.group() for m in GLUE.finditer(text) if m.group() not in source_norm_text]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-model", action="store_true", help="extraction and feeds only (no summaries)")
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()
    import trafilatura

    from briefing.read.parse import parse_bytes

    truth = json.loads((REAL / "aeb" / "ground-truth.json").read_text())
    pages = sorted((REAL / "aeb" / "html").glob("*.html"))
    if args.limit:
        pages = pages[: args.limit]
    ours, plain = [], []
    cut_off, errors, articles = [], [], []
    t0 = time.time()
    for page in pages:
        key = page.name.split(".")[0]
        gold = truth[key]["articleBody"]
        data = page.read_bytes()
        plain.append(prf(trafilatura.extract(data) or "", gold))
        try:
            [art] = parse_bytes(data, str(page), ".html")
        except Exception as e:  # noqa: BLE001  (the benchmark records every failure)
            kind = "error" if type(e).__name__.endswith("Error") and "briefing" in type(e).__module__ else "TRACEBACK"
            errors.append(f"{kind} {page.name}: {e}".splitlines()[0])
            if kind == "TRACEBACK":
                traceback.print_exc()
            ours.append((0.0, 0.0, 0.0))
            continue
        body = "\n".join(x for x in (art.title and "", art.dateline and "", art.text) if x)
        ours.append(prf(art.text, gold))
        articles.append((art, gold))
        if art.truncated:
            cut_off.append(f"{page.name}: ...{art.text[-80:]!r}")
    n = len(pages)
    mean = lambda xs, i: sum(x[i] for x in xs) / max(1, len(xs))  # noqa: E731
    print(f"aeb pages: {n} ({time.time() - t0:.1f} s)")
    print(f"  extraction P/R/F1  ours {mean(ours, 0):.3f} / {mean(ours, 1):.3f} / {mean(ours, 2):.3f}"
          f"   plain trafilatura.extract {mean(plain, 0):.3f} / {mean(plain, 1):.3f} / {mean(plain, 2):.3f}")
    print(f"  pages not read: {len(errors)}" + "".join(f"\n    {e}" for e in errors))
    print(f"  pages flagged cut off: {len(cut_off)}" + "".join(f"\n    {c}" for c in cut_off[:20]))
    langs = Counter(getattr(a, "language", None) for a, _ in articles)
    print(f"  languages: {dict(langs)}")

    feed_arts = []
    for feed in sorted((REAL / "feeds").iterdir()):
        try:
            found = parse_bytes(feed.read_bytes(), str(feed), feed.suffix)
        except Exception as e:  # noqa: BLE001
            print(f"  feed {feed.name}: {type(e).__name__}: {e}".splitlines()[0])
            continue
        src = feed.read_text(encoding="utf-8", errors="replace")
        glue = [g for a in found for g in glued(f"{a.title or ''}\n{a.text}", src)]
        print(f"feed {feed.name}: {len(found)} entries, source {found[0].source!r}, "
              f"languages {dict(Counter(getattr(a, 'language', None) for a in found))}, glued tokens {len(glue)} {glue[:5]}")
        feed_arts += found

    if args.no_model:
        return
    from briefing.config import load_settings
    from briefing.models.bundle import get_summarizer

    settings = load_settings()
    summarizer = get_summarizer(settings)
    arts = [a for a, _ in articles]
    t0 = time.time()
    sums = summarizer.summarize(arts, 3)
    bad, total, heads, titled, shows_title = [], 0, [], 0, 0
    glue_sum = []
    for (art, gold), s in zip(articles, sums, strict=False):
        body = _norm(gold)
        for sent in s.sentences:
            total += 1
            if not in_body(sent, body):
                bad.append(f"{art.id[:12]} {sent[:110]!r}")
        heads.append(len(s.headline.split()))
        if art.title:
            titled += 1
            shows_title += s.headline == getattr(s, "headline", None) and getattr(s, "headline_from", "") == "title"
        glue_sum += glued(" ".join((s.headline,) + s.sentences), gold + (art.title or ""))
    print(f"summaries of {len(arts)} pages ({time.time() - t0:.1f} s): {total} sentences, "
          f"{len(bad)} not in the true body ({100 * len(bad) / max(1, total):.1f}%)")
    for b in bad:
        print(f"    {b}")
    heads.sort()
    print(f"  headline words: median {statistics.median(heads)}, over 20: {sum(h > 20 for h in heads)} "
          f"({100 * sum(h > 20 for h in heads) / max(1, len(heads)):.1f}%); titled pages showing their title: "
          f"{shows_title}/{titled}; glued tokens in summaries: {len(glue_sum)} {glue_sum[:5]}")
    fs = summarizer.summarize(feed_arts, 3)
    fheads = sorted(len(s.headline.split()) for s in fs)
    print(f"  feed headlines: median {statistics.median(fheads)} words, over 20: {sum(h > 20 for h in fheads)}")


if __name__ == "__main__":
    main()
