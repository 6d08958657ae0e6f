"""Articles -> stories: copies and same-event reports from several sources become one story.

Two signals, combined:

- fingerprints: word 5-gram shingles; two articles sharing at least NEAR_COPY of their
  shingles (Jaccard) are copies of one text (a wire story run by several outlets, a feed
  item repeated, an article trimmed or with paragraphs moved) and always go together;
- meaning: the encoder's embedding of each article's title and lead (its first sentences).
  Groups are merged by average linkage while the mean cosine between them is at least
  SAME_STORY, so one loosely related article cannot chain two events together.

Both thresholds come from benchmarks/clustering.py (see the README for the figures).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

import numpy as np

from .documents import Article
from .segment import sentences

# Mean cosine of title+lead embeddings (MiniLM) for one event: the lowest threshold with no false
# merge on a simulated CNN/DailyMail day (benchmarks/clustering.py --tune: F1 0.966 there; 0.50
# scores higher, 0.980, but merged distinct same-topic BBC stories, precision 0.78).
SAME_STORY = 0.65
NEAR_COPY = 0.5  # Jaccard of word 5-gram shingles for copies of one text
SHINGLE = 5
LEAD_WORDS = 60  # title + this many words of the lead are embedded


def lead_text(article: Article) -> str:
    """What identifies a story: its title and the opening sentences, about LEAD_WORDS words."""
    parts: list[str] = [article.title] if article.title else []
    words = 0
    for s in sentences(article):
        parts.append(s.text)
        words += len(s.text.split())
        if words >= LEAD_WORDS:
            break
    return " ".join(parts) or article.source


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


def cluster(articles: Sequence[Article], emb: np.ndarray | None, threshold: float = SAME_STORY) -> list[list[int]]:
    """Groups of article indices, one per story, in order of each group's first article.

    `emb` holds one unit vector per article (of lead_text); without it only copies are grouped.
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
    if emb is not None and len(members) > 1:
        members = _average_linkage(members, emb @ emb.T, threshold)
    return sorted((sorted(m) for m in members), key=lambda m: m[0])


def _average_linkage(members: list[list[int]], sim: np.ndarray, threshold: float) -> list[list[int]]:
    """Merge the closest pair of groups while their mean pairwise cosine is at least threshold."""
    k = len(members)
    sizes = np.array([len(m) for m in members], dtype=np.float64)
    # mean similarity between groups
    link = np.array([[sim[np.ix_(a, b)].mean() for b in members] for a in members])
    np.fill_diagonal(link, -np.inf)
    alive = np.ones(k, dtype=bool)
    while True:
        masked = np.where(alive[:, None] & alive[None, :], link, -np.inf)
        flat = int(np.argmax(masked))
        i, j = divmod(flat, k)
        if masked[i, j] < threshold:
            break
        # Lance-Williams update for average linkage
        merged = (sizes[i] * link[i] + sizes[j] * link[j]) / (sizes[i] + sizes[j])
        link[i, :] = merged
        link[:, i] = merged
        link[i, i] = -np.inf
        sizes[i] += sizes[j]
        members[i] = members[i] + members[j]
        alive[j] = False
    return [members[i] for i in range(k) if alive[i]]
