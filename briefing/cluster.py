"""Articles -> stories: copies and same-event reports from several sources become one story.

Two signals, combined:

- fingerprints: word 5-gram shingles; two articles sharing at least NEAR_COPY of their
  shingles (Jaccard) are copies of one text (a wire story run by several outlets, a feed
  item repeated, an article trimmed or with paragraphs moved) and always go together;
- meaning: sentence coverage. Every sentence (and the title) of each article is embedded by
  the encoder; for two articles, coverage is the mean over one article's sentences of each
  one's best cosine among the other's, taken in the direction where it is higher, so a short
  report is matched by the long one that tells the same event. Reports of one event retell
  the same facts sentence by sentence; articles on a shared topic share vocabulary but not
  facts, which a single vector of the whole text or its lead blurs together. Groups are
  merged by average linkage while their mean coverage is at least SAME_STORY, so one loosely
  related article cannot chain two events together.

Both thresholds come from benchmarks/clustering.py (see the README for the figures).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from .documents import Article

# Mean sentence coverage (MiniLM) for one event: the threshold with the best F1 on a simulated
# CNN/DailyMail day whose distinct articles are each story's nearest other article
# (benchmarks/clustering.py --tune: F1 0.983 there at 0.54; recall falls fast above 0.55
# because CNN/DM's own highlights, a report of the event in other words, cover ~0.55-0.65).
SAME_STORY = 0.54
NEAR_COPY = 0.5  # Jaccard of word 5-gram shingles for copies of one text
SHINGLE = 5
CHUNK = 2048  # sentences compared at a time: memory stays at CHUNK x all sentences


def fingerprint(text: str) -> frozenset[int]:
    """Hashed word 5-gram shingles of a text (crc32, so stable across runs)."""
    words = re.findall(r"\w+", text.lower())
    if len(words) < SHINGLE:
        return frozenset([zlib.crc32(" ".join(words).encode())]) if words else frozenset()
    return frozenset(zlib.crc32(" ".join(words[i : i + SHINGLE]).encode()) for i in range(len(words) - SHINGLE + 1))


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _near_copies(articles: Sequence[Article]) -> list[tuple[int, int]]:
    """Pairs of articles whose texts are (near) copies."""
    prints = [fingerprint(a.text) if len(a.text.split()) >= 2 * SHINGLE else frozenset() for a in articles]
    index: dict[int, list[int]] = {}
    for i, fp in enumerate(prints):
        for h in fp:
            index.setdefault(h, []).append(i)
    candidates = {(i, j) for ids in index.values() if len(ids) < 50 for k, i in enumerate(ids) for j in ids[k + 1 :]}
    return sorted((i, j) for i, j in candidates if jaccard(prints[i], prints[j]) >= NEAR_COPY)


def coverage(blocks: Sequence[np.ndarray]) -> np.ndarray:
    """Pairwise coverage of articles, each given as its sentences' unit vectors (one block per article).

    C[a, b] = max(mean over a's sentences of the best cosine in b, the same from b to a); 1 on the diagonal.
    """
    if any(len(b) == 0 for b in blocks):
        raise ValueError("every article needs at least one vector")
    n = len(blocks)
    if n == 0:
        return np.zeros((0, 0), dtype=np.float32)
    lens = np.array([len(b) for b in blocks])
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
    every = np.concatenate(blocks).astype(np.float32)
    told = np.empty((n, n), dtype=np.float32)  # told[a, b]: how much of a is told in b
    a = 0
    while a < n:
        b, rows = a + 1, lens[a]
        while b < n and rows + lens[b] <= CHUNK:
            rows += lens[b]
            b += 1
        lo = starts[a]
        best = np.maximum.reduceat(every[lo : lo + rows] @ every.T, starts, axis=1)
        told[a:b] = np.add.reduceat(best, starts[a:b] - lo, axis=0) / lens[a:b, None]
        a = b
    sim = np.maximum(told, told.T)
    np.fill_diagonal(sim, 1.0)
    return sim


def cluster(articles: Sequence[Article], sim: np.ndarray | None, threshold: float = SAME_STORY) -> list[list[int]]:
    """Groups of article indices, one per story, in order of each group's first article.

    `sim` is the articles' pairwise similarity (coverage()); without it only copies are grouped.
    """
    n = len(articles)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in _near_copies(articles):
        parent[find(j)] = find(i)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    members = list(groups.values())
    if sim is not None and len(members) > 1:
        members = _average_linkage(members, sim, threshold)
    return sorted((sorted(m) for m in members), key=lambda m: m[0])


def _average_linkage(members: list[list[int]], sim: np.ndarray, threshold: float) -> list[list[int]]:
    """Merge the closest pair of groups while their mean pairwise similarity is at least threshold."""
    k = len(members)
    sizes = np.array([len(m) for m in members], dtype=np.float64)
    share = np.zeros((k, sim.shape[0]))
    for g, m in enumerate(members):
        share[g, m] = 1.0 / len(m)
    link = share @ sim.astype(np.float64) @ share.T  # mean similarity between groups
    np.fill_diagonal(link, -np.inf)
    alive = np.ones(k, dtype=bool)
    members = list(members)
    while True:
        i, j = divmod(int(np.argmax(link)), k)
        if link[i, j] < threshold:
            break
        # Lance-Williams update for average linkage; a merged-away group's row and column go to -inf
        merged = (sizes[i] * link[i] + sizes[j] * link[j]) / (sizes[i] + sizes[j])
        merged[~alive] = -np.inf
        link[i, :] = merged
        link[:, i] = merged
        link[i, i] = -np.inf
        link[j, :] = -np.inf
        link[:, j] = -np.inf
        sizes[i] += sizes[j]
        members[i] = members[i] + members[j]
        alive[j] = False
    return [members[i] for i in range(k) if alive[i]]


def joined_reports(reports: Sequence[Article]) -> Article:
    """One story's reports as one article to summarize: the best (first) report, then each paragraph
    of the others that no earlier report already has (copies add nothing). Keeps the first's id,
    title and source, so the summary belongs to the story's lead article; cut off if any report is."""
    first = reports[0]
    if len(reports) == 1:
        return first
    seen: set[str] = set()
    paragraphs: list[str] = []
    for report in reports:
        for para in report.text.split("\n"):
            key = " ".join(re.findall(r"\w+", para.lower()))
            if key and key not in seen:
                seen.add(key)
                paragraphs.append(para.strip())
    return replace(first, text="\n".join(paragraphs), truncated=any(r.truncated for r in reports))
