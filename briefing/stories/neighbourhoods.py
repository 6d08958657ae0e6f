"""Second-order evidence where an event is crowded: two reports with the same nearest articles.

ECB+'s events are running stories that many outlets report over days; many of their pairs of reports have
little evidence of their own, while two events of one kind (two Turkmen elections) sit just above it. A
report's nearest articles are its own event's, so where both articles of a pair are crowded (at least
`crowd` others at `same_event` or closer), part of their similarity is how much they share their nearest
articles. Elsewhere (an article alone, or one of two or three reports: most of a real day) nothing changes.
"""

from __future__ import annotations

import math

import numpy as np

from .params import GROUPING, GroupingParams


def _nearest(sims: np.ndarray, p: GroupingParams = GROUPING) -> np.ndarray:
    """Positions of the p.neighbourhood highest similarities along the last axis, compared at p.rank_step
    (near-ties to the lower position)."""
    return np.argsort(-np.round(sims / p.rank_step), axis=-1, kind="stable")[..., : p.neighbourhood]


def neighbourhood(sims: np.ndarray, others: np.ndarray, p: GroupingParams = GROUPING) -> dict[int, float]:
    """An article's neighbourhood from its similarities to `others` (the articles scored against it, in index
    order): its p.neighbourhood most similar (_nearest()), negatives as 0."""
    keep = _nearest(sims, p)
    return {int(o): max(float(v), 0.0) for o, v in zip(others[keep], sims[keep], strict=True)}


def shared(a: dict[int, float], b: dict[int, float], i: int, j: int) -> float:
    """Cosine of articles i's and j's neighbourhoods (neighbourhood()), each with its own article in it as near as
    its nearest neighbour: with_neighbourhoods() for one pair."""
    a = {**a, i: max(a.values(), default=0.0)}
    b = {**b, j: max(b.values(), default=0.0)}
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    if na == 0 or nb == 0:
        return 0.0
    return sum(v * b[o] for o, v in a.items() if o in b) / (na * nb)


def with_neighbourhoods(sim: np.ndarray, p: GroupingParams = GROUPING) -> np.ndarray:
    """Pairwise evidence, with second-order evidence where an event is crowded. Where both articles have at least
    p.crowd others at p.same_event or closer (a running event that many outlets report), their similarity becomes
    (1 - p.shared_weight) of itself plus p.shared_weight of how much they have the same nearest articles
    (shared()). Such reports are each other's nearest, so their neighbourhoods overlap even where the pair's
    own evidence is weak (a short report, one told from another angle), while two crowded events of the same
    kind each keep their own reports nearest. Elsewhere (most articles of a day: alone, or one of two or three
    reports) an article's nearest others are not its event and say nothing, so the pair's evidence stands.
    pair_neighbourhoods() is the same over candidate pairs only."""
    off = sim.copy()
    np.fill_diagonal(off, -np.inf)
    dense = np.flatnonzero((off >= p.same_event).sum(axis=1) >= p.crowd)
    if len(dense) < 2:
        return sim
    rows = off[dense]
    near = _nearest(rows, p)
    weights = np.maximum(np.take_along_axis(rows, near, axis=1), 0.0)
    hoods = np.zeros(rows.shape, dtype=np.float64)
    np.put_along_axis(hoods, near, weights, axis=1)
    hoods[np.arange(len(dense)), dense] = weights.max(axis=1)  # itself, as near as its nearest
    norms = np.linalg.norm(hoods, axis=1)
    norms[norms == 0] = np.inf
    hoods /= norms[:, None]
    block = np.ix_(dense, dense)
    out = sim.copy()
    out[block] = (1 - p.shared_weight) * sim[block] + p.shared_weight * (hoods @ hoods.T)
    np.fill_diagonal(out, 1.0)
    return out


def pair_neighbourhoods(n: int, pairs: np.ndarray, sims: np.ndarray, p: GroupingParams = GROUPING) -> np.ndarray:
    """with_neighbourhoods() over candidate pairs only (an unscored pair is in no neighbourhood)."""
    close = np.bincount(pairs[sims >= p.same_event].ravel(), minlength=n)
    dense = close >= p.crowd
    both = np.flatnonzero(dense[pairs[:, 0]] & dense[pairs[:, 1]])
    if not len(both):
        return sims
    scored: dict[int, list[tuple[int, float]]] = {}
    for (i, j), value in zip(pairs.tolist(), sims.tolist(), strict=True):
        if dense[i]:
            scored.setdefault(i, []).append((j, value))
        if dense[j]:
            scored.setdefault(j, []).append((i, value))
    hoods = {}
    for i, row in scored.items():
        row.sort()
        hoods[i] = neighbourhood(np.array([v for _, v in row]), np.array([o for o, _ in row]), p)
    out = sims.copy()
    for m in both.tolist():
        i, j = int(pairs[m, 0]), int(pairs[m, 1])
        out[m] = (1 - p.shared_weight) * sims[m] + p.shared_weight * shared(hoods[i], hoods[j], i, j)
    return out
