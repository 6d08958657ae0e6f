"""Speed and memory of the default pipeline on this machine (issue 14).

Run: python benchmarks/pipeline_speed.py [--articles 1000] [--skip-small]

1. A cold `briefing build` (fresh process, empty cache, model load included) over N real news
   articles built from ../shared/eval (all of XSum dev, CNN/DM dev, then BBC dev to fill N; about
   370 words each), with its peak RSS; beside it sumy's TextRank (3 sentences) over the same articles
   in the same run: the ratio is what counts, absolute times here are noisy.
   Targets: <= 60 s and <= 1 GB for 1,000.
2. The same build again with the same cache folder (a cached rerun). Target: >= 30x faster.
3. Cold `briefing build seeds/` and `briefing summarize` of one real page. Target: < 4 s each.
Set BRIEFING_PRECISION=fp32 to measure the exact-float path.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"
PAGE = ROOT.parent / "shared" / "realworld" / "aeb" / "html"
ENV = {**os.environ, "HF_HUB_OFFLINE": "1"}

TEXTRANK = r"""
import json, sys, time
sys.path.insert(0, "benchmarks")
import pysbd
from quality import sumy_pick  # sumy's TextRank with a word tokenizer that needs no NLTK download
t = time.perf_counter()
seg = pysbd.Segmenter(language="en", clean=False)
for line in open(sys.argv[1], encoding="utf-8"):
    sumy_pick("textrank", [s.strip() for s in seg.segment(json.loads(line)["text"]) if s.strip()], 3)
print(time.perf_counter() - t)
"""


def articles(n: int) -> list[dict]:
    rows: list[dict] = []
    for name in ("xsum-dev.jsonl", "cnndm-dev.jsonl", "bbc-dev.jsonl"):
        with (EVAL / name).open(encoding="utf-8") as f:
            rows += [json.loads(line) for line in f]
    return [{k: r[k] for k in ("id", "title", "text", "source")} for r in rows[:n]]


def run(cmd: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB of the child, and its stdout (one child at a time, so RUSAGE_CHILDREN's
    maximum grows only when this child's peak is above every earlier one: measured in a fresh wrapper)."""
    wrapper = [sys.executable, "-c", "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)"]
    t = time.perf_counter()
    done = subprocess.run(wrapper + cmd, env={**ENV, **(env or {})}, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if done.returncode not in (0, 5):
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    peak_kb = float(done.stderr.strip().splitlines()[-1])
    return wall, peak_kb / 1024, done.stdout


def briefing(*args: str) -> list[str]:
    return [sys.executable, "-m", "briefing", *args]


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--articles", type=int, default=1000)
    p.add_argument("--skip-small", action="store_true", help="only the N-article build")
    a = p.parse_args()
    print(f"precision: {os.environ.get('BRIEFING_PRECISION', 'auto (the default)')}; cores: {len(os.sched_getaffinity(0))}")
    with tempfile.TemporaryDirectory() as tmp:
        news = Path(tmp) / "news.jsonl"
        rows = articles(a.articles)
        news.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
        words = sum(len(r["text"].split()) for r in rows) / len(rows)
        env = {"BRIEFING_CACHE_DIR": f"{tmp}/cache", "BRIEFING_STATE_DIR": f"{tmp}/state"}
        cmd = briefing("build", str(news), "--date", "2026-02-05", "--out", f"{tmp}/out", "-q")
        cold, rss, _ = run(cmd, env)
        warm, _, _ = run(cmd, env)
        try:
            textrank = float(run([sys.executable, "-c", TEXTRANK, str(news)])[2])
        except SystemExit:
            textrank = float("nan")  # sumy is a test extra: pip install -e '.[test]'
    print(f"build {len(rows)} articles ({words:.0f} words each): cold {cold:.1f} s, peak RSS {rss:.0f} MB "
          f"(targets 60 s, 1024 MB)")
    print(f"TextRank (pysbd sentences + sumy, 3 sentences) over the same articles: {textrank:.1f} s; build / TextRank = "
          f"{cold / textrank:.1f}x")
    print(f"cached rerun: {warm:.2f} s, {cold / warm:.0f}x faster than cold (target 30x)")
    if a.skip_small:
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        env = {"BRIEFING_CACHE_DIR": f"{tmp}/cache", "BRIEFING_STATE_DIR": f"{tmp}/state"}
        wall, rss, _ = run(briefing("build", "seeds", "--date", "2026-02-05", "--out", f"{tmp}/out", "-q"), env)
        print(f"cold build seeds/: {wall:.1f} s, peak RSS {rss:.0f} MB (target 4 s)")
        page = min(PAGE.glob("*.html"), key=lambda p: p.name) if PAGE.exists() else None
        if page:
            wall, rss, _ = run(briefing("summarize", str(page), "-q"), env)
            print(f"cold summarize {page.name}: {wall:.1f} s, peak RSS {rss:.0f} MB (target 4 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
