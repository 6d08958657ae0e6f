"""`briefing serve` on this machine (issue 15): warm latency, throughput under concurrency, memory at rest.

Run: python benchmarks/serve_latency.py [--requests 40] [--clients 8]

Starts `briefing serve` (the default model) on a free port, then:
1. memory at rest: the server's RSS after start-up (model loaded and run once);
2. warm single-article latency, p50/p95: one client, one 600-word real article per request (CNN/DailyMail,
   XSum, BBC dev articles cut to 600 words, each sent once, so no sentence is already in the encoder's memo);
   the aim is p50 < 150 ms on 2 cores;
3. throughput: `--clients` concurrent clients sending `--requests` articles in all (micro-batched by the
   server), against the same number of `briefing summarize FILE` processes run one after another (each
   pays the model load), printed side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"
ENV = {**os.environ, "HF_HUB_OFFLINE": "1"}


def articles(n: int, words: int = 600) -> list[str]:
    out = []
    for name in ("cnndm-dev.jsonl", "xsum-dev.jsonl", "bbc-dev.jsonl"):
        with (EVAL / name).open(encoding="utf-8") as f:
            for line in f:
                w = json.loads(line)["text"].split()
                if len(w) >= words:
                    out.append(" ".join(w[:words]))
                if len(out) == n:
                    return out
    raise SystemExit(f"only {len(out)} articles of {words}+ words in {EVAL}; ask for fewer requests")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=40)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--latency-requests", type=int, default=40)
    a = ap.parse_args()
    import httpx

    texts = articles(a.latency_requests + a.requests + a.clients + 3)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    t0 = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "briefing", "serve", "--port", str(port), "-q"], env=ENV, cwd=ROOT)
    try:
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.05)
            if server.poll() is not None:
                raise SystemExit("the server did not start")
        ready = time.perf_counter() - t0
        at_rest = rss_mb(server.pid)
        print(f"server ready in {ready:.1f} s; memory at rest {at_rest:.0f} MB RSS")

        with httpx.Client(timeout=60) as c:
            for t in texts[:3]:  # first requests after start-up: kernels and allocator settle
                c.post(f"{base}/summarize", json={"text": t}).raise_for_status()
            lat = []
            for t in texts[3 : 3 + a.latency_requests]:
                s0 = time.perf_counter()
                c.post(f"{base}/summarize", json={"text": t}).raise_for_status()
                lat.append((time.perf_counter() - s0) * 1000)
        lat.sort()
        p95 = lat[min(len(lat) - 1, int(round(0.95 * (len(lat) - 1))))]
        print(f"warm latency, one 600-word article, {len(lat)} requests: p50 {statistics.median(lat):.0f} ms, "
              f"p95 {p95:.0f} ms (aim: p50 < 150 ms)")

        todo = texts[3 + a.latency_requests : 3 + a.latency_requests + a.requests]
        lock = threading.Lock()

        def client():
            with httpx.Client(timeout=120) as c:
                while True:
                    with lock:
                        if not todo:
                            return
                        t = todo.pop()
                    c.post(f"{base}/summarize", json={"text": t}).raise_for_status()

        before = httpx.get(f"{base}/healthz").json()
        s0 = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(a.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        served = time.perf_counter() - s0
        after = httpx.get(f"{base}/healthz").json()
        peak = rss_mb(server.pid)
        batches = after["batches"] - before["batches"]
        asked = after["requests"] - before["requests"]
        print(f"{a.clients} concurrent clients, {a.requests} articles: {served:.2f} s, {a.requests / served:.1f} "
              f"articles/s, {asked} requests in {batches} model calls (largest batch so far {after['largest_batch']}); "
              f"RSS now {peak:.0f} MB")
    finally:
        server.terminate()
        server.wait(30)

    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for i, t in enumerate(texts[-a.clients:]):
            p = Path(tmp) / f"a{i}.txt"
            p.write_text(t, encoding="utf-8")
            files.append(p)
        s0 = time.perf_counter()
        for p in files:
            subprocess.run([sys.executable, "-m", "briefing", "summarize", str(p), "-q"], env=ENV, cwd=ROOT,
                           check=True, capture_output=True)
        cli = time.perf_counter() - s0
    print(f"{len(files)} sequential `briefing summarize` processes: {cli:.2f} s, {len(files) / cli:.2f} articles/s "
          f"-> the server is {(a.requests / served) / (len(files) / cli):.0f}x the throughput")
    return 0


if __name__ == "__main__":
    sys.exit(main())
