"""Average linkage: merge the closest pair of groups while they are similar enough, densely (every pair scored)
or over a sparse graph (candidate pairs only), with the same result on the same scores; then a report left alone
joins the one story it clearly belongs to (attach_alone()), again densely or sparsely alike."""

from __future__ import annotations

import heapq
import logging
from collections.abc import Sequence

import numpy as np

from .params import GROUPING, GroupingParams

logger = logging.getLogger(__name__)


def average_linkage(members: list[list[int]], sim: np.ndarray, threshold: float) -> list[list[int]]:
    """Merge the closest pair of groups while their similarity is at least threshold.

    The groups start as the copy groups, two of them as similar as the mean of their articles' pairwise
    similarities. Once groups have merged, two groups are as similar as the higher of two averages:
    - weighted (McQuitty's WPGMA): a merged group's similarity to another is the plain mean of the two merged
      groups' similarities to it, so a large group's many reports do not outweigh a small group's;
    - plain (UPGMA): the mean over every pair of their articles.
    The weighted mean depends on the order of the merges (a group built by a chain of merges counts the
    reports it took in first for less), so under it alone two parts of one event whose reports agree on
    average can stay apart; the plain mean alone lets a large group outweigh a small one. At same_event the
    higher of the two keeps more of each real event of ECB+ dev together than either alone, at pairwise
    precision 0.966 (README).
    Exact ties go to the lower group indices."""
    k = len(members)
    if k < 2:
        return [list(m) for m in members]
    own = np.zeros((k, sim.shape[0]))
    for g, m in enumerate(members):
        own[g, m] = 1.0
    sums = own @ sim.astype(np.float64) @ own.T  # sum of similarities between copy groups' articles
    sizes = own.sum(axis=1)
    weighted = sums / np.outer(sizes, sizes)
    link = weighted.copy()
    np.fill_diagonal(link, -np.inf)
    alive = np.ones(k, dtype=bool)
    members = list(members)
    while True:
        i, j = divmod(int(np.argmax(link)), k)
        if link[i, j] < threshold:
            break
        alive[j] = False
        members[i] = members[i] + members[j]
        weighted[i, :] = weighted[:, i] = (weighted[i] + weighted[j]) / 2
        sums[i, :] = sums[:, i] = sums[i] + sums[j]
        sizes[i] += sizes[j]
        merged = np.maximum(weighted[i], sums[i] / (sizes[i] * sizes))
        merged[~alive] = -np.inf  # a merged-away group's row and column go to -inf
        merged[i] = -np.inf
        link[i, :] = merged
        link[:, i] = merged
        link[j, :] = -np.inf
        link[:, j] = -np.inf
    return [members[i] for i in range(k) if alive[i]]


def sparse_average_linkage(members: list[list[int]], edges: list[tuple[int, int, float]],
                             threshold: float) -> list[list[int]]:
    """average_linkage() on a sparse graph: two copy groups are as similar as the sum of their scored pairs
    over the product of their sizes (unscored pairs count 0); merged groups as the higher of the weighted mean
    (of the merged two's similarities to the other, 0 where one was never scored) and the plain mean over
    their articles' pairs. The closest pair merges first; exact ties go to the lower group indices, as in the
    dense version."""
    sums: list[dict[int, float]] = [{} for _ in members]
    for g, h, s in edges:
        if g != h:
            sums[g][h] = sums[g].get(h, 0.0) + s
            sums[h][g] = sums[h].get(g, 0.0) + s
    sizes = [len(m) for m in members]
    weighted = [{h: total / (sizes[g] * sizes[h]) for h, total in row.items()} for g, row in enumerate(sums)]

    def link(g: int, h: int) -> float:
        return max(weighted[g][h], sums[g][h] / (sizes[g] * sizes[h]))

    alive = [True] * len(members)
    heap = [(-link(g, h), g, h) for g in range(len(members)) for h in weighted[g] if g < h]
    heapq.heapify(heap)
    while heap:
        neg, g, h = heapq.heappop(heap)
        if not (alive[g] and alive[h]) or h not in weighted[g] or link(g, h) != -neg:
            continue  # stale: one side merged since, or the similarity changed
        if -neg < threshold:
            break
        alive[h] = False
        members[g] = members[g] + members[h]
        sizes[g] += sizes[h]
        for row in (weighted, sums):
            del row[g][h], row[h][g]
        for x in set(weighted[g]) | set(weighted[h]):
            weighted[x][g] = weighted[g][x] = (weighted[g].get(x, 0.0) + weighted[h].get(x, 0.0)) / 2
            sums[x][g] = sums[g][x] = sums[g].get(x, 0.0) + sums[h].get(x, 0.0)
            for row in (weighted, sums):
                row[x].pop(h, None)
            a, b = (g, x) if g < x else (x, g)
            heapq.heappush(heap, (-link(a, b), a, b))
        weighted[h], sums[h] = {}, {}
    return sorted((sorted(m) for g, m in enumerate(members) if alive[g]), key=lambda m: m[0])


def _attach(links: np.ndarray, cohesion: np.ndarray, sizes: np.ndarray, rival: float, p: GroupingParams) -> int:
    """The group a lone report joins (-1: none), from its mean similarity to each group linkage built (`links`),
    their cohesion and sizes, and its highest similarity to another lone report (`rival`, -inf: none)."""
    if not len(links):
        return -1
    order = np.argsort(-np.round(links / p.rank_step), kind="stable")  # near-ties to the lower group
    best = int(order[0])
    top = float(links[best])
    runner_up = max(float(links[order[1]]) if len(order) > 1 else -np.inf, rival)
    if (sizes[best] >= p.alone_host and top >= p.alone_floor and top >= p.alone_share * cohesion[best]
            and top - runner_up >= p.alone_margin):
        logger.debug("a lone report joins a story of %d (mean similarity %.3f, its cohesion %.3f, next %.3f)",
                     int(sizes[best]), top, float(cohesion[best]), runner_up)
        return best
    return -1


def attach_alone(groups: list[list[int]], alone: Sequence[bool], sim: np.ndarray,
                 p: GroupingParams = GROUPING) -> list[list[int]]:
    """After linkage: each group flagged `alone` (one report, no copies, that linkage never merged) goes into the one
    story it clearly belongs to, if any: a crowded story (p.alone_host reports or more) whose mean similarity to
    it is at least p.alone_floor, at least p.alone_share of the story's own cohesion (the mean similarity of its
    reports' pairs) and p.alone_margin above the next-nearest group, small ones and other lone reports included.
    A story told by many outlets in their own words is loose, and the report that tells it most briefly or from
    another side falls just under the threshold from all of them (ECB+: the one report of 10-18 left out); a
    tight story (copies and near-copies) asks as much as linkage did, and a report between two stories, or as
    near another lone report, joins neither. The groups' cohesion is theirs before any report is attached, so
    the order of the lone reports does not matter. Sums in float64, as the sparse version's."""
    hosts = [g for g, a in zip(groups, alone, strict=True) if not a]
    lone = [g for g, a in zip(groups, alone, strict=True) if a]
    if not hosts or not lone:
        return [list(g) for g in groups]
    sim = np.asarray(sim, dtype=np.float64)
    own = np.zeros((len(hosts), sim.shape[0]))
    for h, m in enumerate(hosts):
        own[h, m] = 1.0
    sizes = own.sum(axis=1)
    to_hosts = sim @ own.T  # each article's summed similarity to each group
    inner = np.einsum("hn,nh->h", own, to_hosts) - own @ np.diag(sim)  # without each article with itself
    cohesion = inner / np.maximum(sizes * (sizes - 1), 1.0)
    singles = [g[0] for g in lone]
    between = sim[np.ix_(singles, singles)].copy()
    np.fill_diagonal(between, -np.inf)
    out = [list(m) for m in hosts]
    for k, g in enumerate(lone):
        rival = float(between[k].max()) if len(singles) > 1 else -np.inf
        best = _attach(to_hosts[g].sum(axis=0) / (len(g) * sizes), cohesion, sizes, rival, p)
        if best >= 0:
            out[best] += g
        else:
            out.append(list(g))
    return out


def sparse_attach_alone(groups: list[list[int]], alone: Sequence[bool], edges: Sequence[tuple[int, int, float]],
                        p: GroupingParams = GROUPING) -> list[list[int]]:
    """attach_alone() over scored pairs of articles only (`edges`: i, j, similarity); an unscored pair counts 0."""
    hosts = [g for g, a in zip(groups, alone, strict=True) if not a]
    lone = [g for g, a in zip(groups, alone, strict=True) if a]
    if not hosts or not lone:
        return [list(g) for g in groups]
    host_of = {i: h for h, m in enumerate(hosts) for i in m}
    singles = {i for g in lone for i in g}
    sizes = np.array([len(m) for m in hosts], dtype=np.float64)
    inner = np.zeros(len(hosts))
    to_hosts: dict[int, dict[int, float]] = {}
    rival = dict.fromkeys(singles, 0.0 if len(singles) > 1 else -np.inf)  # an unscored pair counts 0
    for i, j, s in edges:
        hi, hj = host_of.get(i), host_of.get(j)
        if hi is not None and hi == hj:
            inner[hi] += 2 * s
        if hj is not None and hi is None:
            row = to_hosts.setdefault(i, {})
            row[hj] = row.get(hj, 0.0) + s
        if hi is not None and hj is None:
            row = to_hosts.setdefault(j, {})
            row[hi] = row.get(hi, 0.0) + s
        if i in singles and j in singles and i != j:
            rival[i] = max(rival[i], s)
            rival[j] = max(rival[j], s)
    cohesion = inner / np.maximum(sizes * (sizes - 1), 1.0)
    out = [list(m) for m in hosts]
    for g in lone:
        links = np.zeros(len(hosts))
        for i in g:
            for h, s in to_hosts.get(i, {}).items():
                links[h] += s
        best = _attach(links / (len(g) * sizes), cohesion, sizes, max(rival[i] for i in g), p)
        if best >= 0:
            out[best] += g
        else:
            out.append(list(g))
    return sorted((sorted(m) for m in out), key=lambda m: m[0])
