"""Speed and memory of the default pipeline on this machine.

Run: python benchmarks/pipeline_speed.py
Prints (1) the wall time and peak RSS of `briefing build seeds/` in a fresh process (cold start,
model load included) and (2) the time to summarize 200 XSum articles in a fresh process, with and
without the model load, plus its peak RSS. Targets (issue 2): < 10 s, < 40 s, < 1.5 GB.
(3) issue 5: `briefing build` over the same 200 articles twice in fresh processes with one
cache folder: a cold run, then a rerun served by the cache (no model loaded). Target: >= 20x.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
XSUM = ROOT.parent / "shared" / "eval" / "xsum-dev.jsonl"
ENV = {**os.environ, "HF_HUB_OFFLINE": "1"}

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
from briefing.config import load_settings
from briefing.documents import Article
from briefing.summarize import get_summarizer
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")][:200]
arts = [Article(r["id"], r.get("title"), r["text"], r["source"]) for r in rows]
s = get_summarizer(load_settings())
s.encoder.load()
t1 = time.perf_counter()
s.summarize(arts, 3)
t2 = time.perf_counter()
print(json.dumps({"articles": len(arts), "load_s": t1 - t0, "summarize_s": t2 - t1, "total_s": t2 - t0}))
"""


def run(cmd: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB of the child, and its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    out = subprocess.run(cmd, env={**ENV, **(env or {})}, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    wall = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(peak, before) / 1024, out


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:  # an empty cache, or a cold start would be a cached rerun
        wall, rss, _ = run([sys.executable, "-m", "briefing", "build", "seeds", "--date", "2026-02-05", "--out",
                            f"{tmp}/out", "-q"], {"BRIEFING_CACHE_DIR": f"{tmp}/cache", "BRIEFING_STATE_DIR": f"{tmp}/state"})
    print(f"build seeds/ (cold process, model load included): {wall:.1f} s wall, peak RSS {rss:.0f} MB")
    if not XSUM.exists():
        print(f"skipped XSum timing: {XSUM} is absent")
        return 0
    wall, rss, out = run([sys.executable, "-c", CHILD, str(XSUM)])
    r = json.loads(out)
    print(
        f"summarize {r['articles']} XSum articles: {r['summarize_s']:.1f} s after a {r['load_s']:.1f} s "
        f"import+load ({r['total_s']:.1f} s in all, {wall:.1f} s process wall), peak RSS {rss:.0f} MB"
    )
    with tempfile.TemporaryDirectory() as tmp:
        rows = [json.loads(line) for line in XSUM.open(encoding="utf-8")][:200]
        news = Path(tmp) / "news.jsonl"
        news.write_text("\n".join(json.dumps({k: r[k] for k in ("id", "title", "text", "source")}) for r in rows))
        cmd = [sys.executable, "-m", "briefing", "build", str(news), "--date", "2026-02-05", "--out", f"{tmp}/out", "-q"]
        env = {"BRIEFING_CACHE_DIR": f"{tmp}/cache", "BRIEFING_STATE_DIR": f"{tmp}/state"}
        cold, _, _ = run(cmd, env)
        warm, _, _ = run(cmd, env)
    print(f"build 200 XSum articles: cold {cold:.1f} s, cached rerun {warm:.2f} s: {cold / warm:.0f}x faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
