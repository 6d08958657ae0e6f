"""Grouping at scale (issue 15): time and memory of all-pairs grouping vs candidate blocking, 1k to 50k articles.

Run: python benchmarks/grouping_scale.py [--sizes 1000,3000,10000,50000] [--dense-up-to 3000]

1. Real check: the 496 ECB+ dev reports (42 real events) grouped by scoring every pair (what a day of up
   to cluster.DENSE_UP_TO articles gets) and by blocking (NEIGHBOURS nearest within WINDOW_DAYS, faiss
   HNSW), pairwise P/R/F1 against the real events.
2. The curve. A simulated day of N articles is built from the 1,746 real articles of ../shared/eval
   (XSum, CNN/DM, BBC dev, ECB+ dev), each used once, then again as near-copies: a rewrite keeps
   70-100% of the sentences, moves one, and its sentence vectors are the original's plus noise
   (sigma 0.02, renormalised: a light rewording; SIMULATED, so that 50k articles need no 15 hours of
   encoding). Dates are spread over a week. For each N, in a fresh process: seconds and peak RSS of the
   blocked grouping, and of the all-pairs grouping where it fits (--dense-up-to), with the memory the
   grouping added (+MB: peak RSS over the peak before it), the pairs scored, F1 against the truth
   (copies of one real article, and ECB+ reports of one event, are one event) and how the two
   groupings agree (pairwise F1 of blocked against all-pairs).
Real sentence vectors are encoded once (MiniLM) and cached in the user cache dir, as briefing does.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EVAL = ROOT.parent / "shared" / "eval"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
STORE = Path(os.environ.get("TMPDIR", "/tmp")) / "briefing-grouping-scale.npz"


def real_articles():
    from briefing.read.files import read_inputs

    out, truth = [], []
    for name in ("xsum-dev.jsonl", "cnndm-dev.jsonl", "bbc-dev.jsonl", "clusters-ecbplus-dev.jsonl"):
        arts, _ = read_inputs([EVAL / name])
        rows = [json.loads(line) for line in (EVAL / name).open(encoding="utf-8")]
        out += arts
        truth += [r.get("cluster") or f"{name}:{r['id']}" for r in rows][: len(arts)]
    return out, truth


def blocks_for(articles):
    """Each article's sentence vectors, as the pipeline makes them (cached in the briefing cache)."""
    from briefing.config import Settings, cache_dir
    from briefing.engines.local import encode
    from briefing.models.bundle import Models
    from briefing.run import Run
    from briefing.store import SummaryCache
    from briefing.text.sentences import with_sentences

    settings = Settings()
    cache = SummaryCache(cache_dir(settings))
    try:
        run = Run(settings, Models(settings), cache)
        return encode(run, with_sentences(articles), run.encoder())
    finally:
        cache.close()


def prepare() -> None:
    import numpy as np

    articles, truth = real_articles()
    t = time.perf_counter()
    blocks = blocks_for(articles)
    print(f"{len(articles)} real articles, {sum(len(b) for b in blocks)} sentence vectors ({time.perf_counter() - t:.0f} s)")
    np.savez(STORE, lens=np.array([len(b) for b in blocks]), vecs=np.concatenate(blocks), truth=np.array(truth))


def simulated_day(n: int, seed: int = 7):
    """n articles: the real ones, then near-copies of them (see the module's docstring)."""
    from dataclasses import replace
    from datetime import UTC, datetime, timedelta

    import numpy as np

    from briefing.documents import Sentence
    from briefing.text.sentences import with_sentences

    real, truth = real_articles()
    real = with_sentences(real)
    data = np.load(STORE)
    blocks = np.split(data["vecs"], np.cumsum(data["lens"])[:-1])
    rng = np.random.default_rng(seed)
    start = datetime(2026, 2, 1, tzinfo=UTC)
    arts, bls, labels = [], [], []
    for k in range(n):
        i = k % len(real)
        base, block = real[i], blocks[i]
        when = start + timedelta(hours=float(rng.uniform(0, 24 * 7)))
        if k < len(real):
            arts.append(replace(base, published=base.published or when))
            bls.append(block)
        else:
            sents = list(base.sentences or ())
            m = len(sents)
            keep = sorted(rng.choice(m, size=max(1, int(round(m * rng.uniform(0.7, 1.0)))), replace=False)) if m else []
            if len(keep) > 2:
                a, b = rng.choice(len(keep), 2, replace=False)
                keep[a], keep[b] = keep[b], keep[a]
            made, text = [], ""
            for j in keep:  # the rewrite's sentences, with offsets into its text (no re-splitting)
                at = len(text) + (1 if text else 0)
                text = f"{text} {sents[j].text}" if text else sents[j].text
                made.append(Sentence(len(made), sents[j].text, at, len(text), 0))
            rows = [j for j in keep if j < len(block) - (1 if base.title else 0)] or [0]
            vecs = block[rows] + rng.normal(scale=0.02, size=(len(rows), block.shape[1])).astype(np.float32)
            if base.title:
                vecs = np.vstack([vecs, block[-1:]])
            vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
            copy = replace(base.with_text(text or base.text), id=f"{base.id}~{k}", published=when)
            arts.append(replace(copy, sentences=tuple(made)) if made else copy)
            bls.append(vecs.astype(np.float32))
        labels.append(truth[i])
    return arts, bls, labels


def pairwise(groups, labels):
    """Pairwise precision, recall and F1 of groups against labels."""
    from collections import Counter

    same = sum(c * (c - 1) // 2 for c in Counter(labels).values())
    found = correct = 0
    for g in groups:
        found += len(g) * (len(g) - 1) // 2
        correct += sum(c * (c - 1) // 2 for c in Counter(labels[i] for i in g).values())
    p = correct / found if found else 1.0
    r = correct / same if same else 1.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def _f1(groups, labels) -> float | None:
    """F1 against the truth, or None when the day has no two reports of one event (nothing to find)."""
    from collections import Counter

    return round(pairwise(groups, labels)[2], 3) if any(c > 1 for c in Counter(labels).values()) else None


def agreement(a, b) -> float:
    """Pairwise F1 of grouping a against grouping b (1.0: the same partition)."""
    label = {i: k for k, g in enumerate(b) for i in g}
    return pairwise(a, [label[i] for i in range(len(label))])[2]


def one_size(n: int, mode: str) -> None:
    """In a fresh process: group a simulated day of n, print one JSON line."""
    from briefing.stories import blocking, evidence, grouping
    from briefing.stories.params import GROUPING

    arts, blocks, labels = simulated_day(n)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    if mode == "dense":
        groups = grouping.cluster(arts, evidence.event_similarity(arts, evidence.coverage(blocks)), GROUPING.same_event)
        pairs = n * (n - 1) // 2
        stages = {}
    else:
        t0 = time.perf_counter()
        cand, copies = blocking.candidate_pairs(arts, blocking.article_vectors(blocks))
        t1 = time.perf_counter()
        groups = blocking.cluster_blocked(arts, blocks, GROUPING, pairs=cand, copies=copies)
        pairs = len(cand)
        stages = {"candidates_s": round(t1 - t0, 2), "copies": len(copies),
                  "score_and_link_s": round(time.perf_counter() - t1, 2)}
    secs = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    json.dump({"n": n, "mode": mode, "seconds": round(secs, 2), "peak_rss_mb": round(peak / 1024),
               "grouping_extra_mb": round((peak - rss0) / 1024), "pairs": pairs, "groups": len(groups),
               "f1_vs_truth": _f1(groups, labels), "groups_list": groups, **stages}, sys.stdout)
    print()


def ecb_check() -> None:
    import numpy as np

    from briefing.stories import blocking, evidence, grouping
    from briefing.stories.params import GROUPING

    data = np.load(STORE)
    blocks = np.split(data["vecs"], np.cumsum(data["lens"])[:-1])
    real, truth = real_articles()
    from briefing.text.sentences import with_sentences

    idx = [i for i, t in enumerate(truth) if "ecb" in t]
    arts = with_sentences([real[i] for i in idx])
    bl = [blocks[i] for i in idx]
    labels = [truth[i] for i in idx]
    dense = grouping.cluster(arts, evidence.event_similarity(arts, evidence.coverage(bl)), GROUPING.same_event)
    cand, copies = blocking.candidate_pairs(arts, blocking.article_vectors(bl))
    blocked = blocking.cluster_blocked(arts, bl, GROUPING, pairs=cand, copies=copies)
    every = len(arts) * (len(arts) - 1) // 2
    same = [(i, j) for g in [[k for k, t in enumerate(labels) if t == lab] for lab in set(labels)] for i, j in combinations(g, 2)]
    kept = set(map(tuple, cand.tolist()))
    scores = '/'.join(f'{x:.3f}' for x in pairwise(dense, labels))
    print(f"ECB+ dev, {len(arts)} real reports: all pairs ({every}) P/R/F1 {scores}; "
          f"blocked ({len(cand)} pairs, {len(cand) / every:.1%}; {sum((min(p), max(p)) in kept for p in same) / len(same):.1%} "
          f"of same-event pairs kept) P/R/F1 {'/'.join(f'{x:.3f}' for x in pairwise(blocked, labels))}; "
          f"agreement {agreement(blocked, dense):.3f}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,3000,10000,50000")
    ap.add_argument("--dense-up-to", type=int, default=3000)
    ap.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        one_size(int(a.one[0]), a.one[1])
        return 0
    if not STORE.exists():
        prepare()
    ecb_check()
    print(f"{'n':>7} {'mode':<8} {'seconds':>8} {'+MB':>6} {'pairs scored':>13} {'groups':>7} {'F1 vs truth':>11} {'agree':>6}")
    for n in map(int, a.sizes.split(",")):
        results = {}
        for mode in ("blocked", "dense") if n <= a.dense_up_to else ("blocked",):
            done = subprocess.run([sys.executable, __file__, "--one", str(n), mode], capture_output=True, text=True)
            if done.returncode:
                print(f"{n:>7} {mode:<8} failed: {done.stderr.strip().splitlines()[-1:]}")
                continue
            results[mode] = json.loads(done.stdout.strip().splitlines()[-1])
        for mode, r in results.items():
            agree = f"{agreement(results['blocked']['groups_list'], results['dense']['groups_list']):.3f}" \
                if mode == "blocked" and "dense" in results else ""
            extra = (f"  (neighbours and {r['copies']:,} copies {r['candidates_s']} s, scoring+linkage "
                     f"{r['score_and_link_s']} s)" if mode == "blocked" else "")
            f1 = f"{r['f1_vs_truth']:.3f}" if r["f1_vs_truth"] is not None else "n/a"
            print(f"{n:>7} {mode:<8} {r['seconds']:>8.1f} {r['grouping_extra_mb']:>6} {r['pairs']:>13,} {r['groups']:>7} "
                  f"{f1:>11} {agree:>6}{extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
