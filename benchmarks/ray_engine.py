"""The local engine vs `--engine ray` on this machine (issue 15).

Run: python benchmarks/ray_engine.py [--articles 1000]

Builds the same N real articles as pipeline_speed.py (XSum, CNN/DM, BBC dev) cold (fresh process, empty
cache) with each engine, Ray started locally on this machine's cores, and prints the wall time of each,
whether the two briefings are identical, the Ray run's stage seconds, and the articles per hour per
worker core of its model stage (encode + summarize on the actors: what grows with workers; reading,
grouping and composing stay on the driver).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from pipeline_speed import articles  # noqa: E402

ENV = {**os.environ, "HF_HUB_OFFLINE": "1"}


def build(news: Path, tmp: str, name: str, *extra: str) -> tuple[float, str, str]:
    env = {**ENV, "BRIEFING_CACHE_DIR": f"{tmp}/cache-{name}", "BRIEFING_STATE_DIR": f"{tmp}/state-{name}"}
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "briefing", "build", str(news), "--date", "2026-02-05",
                           "--out", f"{tmp}/{name}", "-v", *extra], env=env, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if done.returncode:
        raise SystemExit(f"{name} build failed:\n{done.stderr[-3000:]}")
    stages = re.findall(r"stage seconds: (.*)", done.stderr)
    return wall, (Path(tmp) / name / "2026-02-05.md").read_text(encoding="utf-8"), stages[-1] if stages else ""


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=1000)
    a = ap.parse_args()
    cores = len(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory() as tmp:
        news = Path(tmp) / "news.jsonl"
        rows = articles(a.articles)
        news.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
        local, local_md, local_stages = build(news, tmp, "local")
        ray, ray_md, ray_stages = build(news, tmp, "ray", "--engine", "ray")
    print(f"{len(rows)} articles, {cores} cores")
    print(f"local engine: {local:.1f} s ({local_stages})")
    print(f"ray engine (local Ray, {cores} actors): {ray:.1f} s ({ray_stages}); overhead {ray / local:.2f}x")
    print(f"identical briefings: {local_md == ray_md}")
    encode = dict(re.findall(r"(\w+) ([\d.]+)", ray_stages)).get("encode")
    if encode:
        per_core = len(rows) / float(encode) / cores * 3600
        print(f"model stage on the actors: {float(encode):.1f} s for {len(rows)} articles -> about "
              f"{per_core:,.0f} articles/hour per worker core (Ray start-up and model loads included)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
