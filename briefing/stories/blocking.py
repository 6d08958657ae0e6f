"""Grouping that scales: candidate pairs first.

Scoring every pair of articles is fine for a day of a few thousand, quadratic beyond. For more, candidate
pairs are blocked first: each article's `neighbours` nearest articles by the mean of its sentence vectors
(approximate nearest neighbours with faiss's HNSW index when faiss-cpu is installed, else exact, a block of
rows at a time), published within `window_days` of each other (undated articles pair with any), plus the
copies among all the neighbours (fingerprints compared for those pairs only). Only those pairs are scored,
with the same evidence as evidence.event_similarity(); the same average linkage then runs over the sparse
graph, a pair never scored counting as 0, and lone reports join the crowded story they clearly belong to as in
the dense grouping (linkage.sparse_attach_alone(); a live blog or roundup never joins that way).
benchmarks/grouping_scale.py measures time, memory and pairs lost.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from ..documents import Article
from .copies import copy_groups, fingerprint
from .evidence import day_penalty, name_vectors, readable, stamps
from .kinds import MANY_EVENTS
from .linkage import sparse_attach_alone, sparse_average_linkage
from .neighbourhoods import pair_neighbourhoods
from .params import GROUPING, GroupingParams


def article_vectors(blocks: Sequence[np.ndarray]) -> np.ndarray:
    """One unit vector per article: the mean of its sentence (and title) vectors."""
    means = np.stack([b.mean(0) for b in blocks]).astype(np.float32)
    means /= np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-12)
    return means


def nearest(vectors: np.ndarray, k: int, exact: bool = False) -> np.ndarray:
    """Each row's k nearest other rows by cosine (unit vectors), as an (n, k) array of indices (-1: none)."""
    n = len(vectors)
    k = min(k, n - 1)
    if k <= 0:
        return np.full((n, 0), -1, dtype=np.int64)
    try:
        import faiss
    except ImportError:
        exact = True
    if exact:
        out = np.empty((n, k), dtype=np.int64)
        for lo in range(0, n, 1024):
            sims = vectors[lo : lo + 1024] @ vectors.T
            rows = np.arange(sims.shape[0])
            sims[rows, lo + rows] = -np.inf  # not itself
            top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
            order = np.argsort(-sims[rows[:, None], top], axis=1, kind="stable")
            out[lo : lo + len(rows)] = top[rows[:, None], order]
        return out
    faiss.omp_set_num_threads(len(os.sched_getaffinity(0)))
    index = faiss.IndexHNSWFlat(vectors.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = 80
    index.hnsw.efSearch = max(64, 2 * k)
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    _, found = index.search(np.ascontiguousarray(vectors, dtype=np.float32), k + 1)
    out = np.full((n, k), -1, dtype=np.int64)
    for i, row in enumerate(found):
        row = row[(row != i) & (row >= 0)][:k]
        out[i, : len(row)] = row
    return out


def candidate_pairs(articles: Sequence[Article], vectors: np.ndarray, p: GroupingParams = GROUPING,
                    exact: bool = False) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """The pairs worth scoring, as a sorted (m, 2) array of i < j: nearest neighbours published within the
    date window; and, among all the nearest neighbours, the copies (word shingles' Jaccard >= p.near_copy, as
    copies.near_copies() but only where a copy can be: a copy's vector is all but its original's)."""
    near = nearest(vectors, p.neighbours, exact)
    i = np.repeat(np.arange(len(articles)), near.shape[1])
    j = near.ravel()
    keep = j >= 0
    pairs = np.unique(np.stack([np.minimum(i, j)[keep], np.maximum(i, j)[keep]], axis=1).reshape(-1, 2), axis=0)
    prints = [np.array(sorted(fingerprint(a.text, p.shingle)), dtype=np.uint32)
              if len(a.text.split()) >= 2 * p.shingle
              else np.zeros(0, np.uint32) for a in articles]
    copies = []
    for x, y in pairs.tolist():
        px, py = prints[x], prints[y]
        if len(px) and len(py) and 2 * min(len(px), len(py)) >= max(len(px), len(py)):  # else Jaccard < 0.5
            shared = len(np.intersect1d(px, py, assume_unique=True))
            if shared / (len(px) + len(py) - shared) >= p.near_copy:
                copies.append((x, y))
    t = stamps(articles)
    if len(pairs):
        apart = np.abs(t[pairs[:, 0]] - t[pairs[:, 1]]) / 86400
        pairs = pairs[~(apart > p.window_days)]  # NaN (undated) stays
    found = np.array(copies, dtype=np.int64).reshape(-1, 2)
    return np.unique(np.concatenate([pairs, found]), axis=0), copies


def pair_coverage(blocks: Sequence[np.ndarray], pairs: np.ndarray) -> np.ndarray:
    """coverage() for the given pairs only: for each, the higher of how much of one is told in the other."""
    out = np.empty(len(pairs), dtype=np.float32)
    order = np.argsort(pairs[:, 0], kind="stable")
    firsts = pairs[order, 0]
    bounds = np.flatnonzero(np.diff(firsts)) + 1
    for chunk in np.split(order, bounds):
        a = int(pairs[chunk[0], 0])
        others = pairs[chunk, 1]
        lens = np.array([len(blocks[b]) for b in others])
        starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
        sims = blocks[a] @ np.concatenate([blocks[b] for b in others]).T  # a's sentences x the others'
        a_in_b = np.maximum.reduceat(sims, starts, axis=1).mean(0)  # how much of a each other tells
        b_in_a = np.add.reduceat(sims.max(0), starts) / lens  # how much of each other a tells
        out[chunk] = np.maximum(a_in_b, b_in_a)
    return out


def pair_names(articles: Sequence[Article], pairs: np.ndarray, p: GroupingParams = GROUPING) -> np.ndarray:
    """evidence.name_similarity() for the given pairs only."""
    vecs, norms, df = name_vectors(articles, p)
    common = {e for e, c in df.items() if c > p.common_evidence}
    out = np.empty(len(pairs), dtype=np.float32)
    for m, (i, j) in enumerate(pairs.tolist()):
        vi, vj = vecs[i], vecs[j]
        if len(vi) > len(vj):
            vi, vj = vj, vi
        out[m] = sum(w * vj[e] for e, w in vi.items() if e in vj and e not in common) / (norms[i] * norms[j])
    return out


def pair_event_similarity(articles: Sequence[Article], blocks: Sequence[np.ndarray], pairs: np.ndarray,
                          p: GroupingParams = GROUPING) -> np.ndarray:
    """evidence.event_similarity() for the given pairs only: the same evidence, the same penalties."""
    sim = (pair_coverage(blocks, pairs) + pair_names(articles, pairs, p)) / 2
    foreign = np.array([not readable(a, p) for a in articles], dtype=bool)
    sim[foreign[pairs[:, 0]] | foreign[pairs[:, 1]]] = 0.0
    t = stamps(articles)
    if np.isfinite(t).sum() > 1:
        sim = sim - day_penalty(np.abs(t[pairs[:, 0]] - t[pairs[:, 1]]) / 86400, p)
    return pair_neighbourhoods(len(articles), pairs, sim.astype(np.float32), p)


def cluster_blocked(articles: Sequence[Article], blocks: Sequence[np.ndarray], p: GroupingParams = GROUPING,
                    pairs: np.ndarray | None = None, copies: Sequence[tuple[int, int]] | None = None) -> list[list[int]]:
    """linkage over candidate pairs only (see above): groups of article indices, in order of first article.
    `pairs` and `copies` come from candidate_pairs() unless given."""
    n = len(articles)
    if pairs is None or copies is None:
        pairs, copies = candidate_pairs(articles, article_vectors(blocks), p)
    sims = pair_event_similarity(articles, blocks, pairs, p) if len(pairs) else np.zeros(0, np.float32)
    members = copy_groups(n, copies)
    group_of = {i: g for g, m in enumerate(members) for i in m}
    edges = list(zip(pairs[:, 0].tolist(), pairs[:, 1].tolist(), sims.tolist(), strict=True)) if len(pairs) else []
    groups = sparse_average_linkage(members, [(group_of[i], group_of[j], s) for i, j, s in edges], p.same_event)
    alone = [len(g) == 1 and articles[g[0]].kind not in MANY_EVENTS for g in groups]  # one report, never merged
    return sparse_attach_alone(groups, alone, edges, p)
