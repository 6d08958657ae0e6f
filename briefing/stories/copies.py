"""Copies of one text: word-shingle fingerprints, and the groups that copies join (always one story)."""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

from ..documents import Article
from .params import GROUPING, GroupingParams


def fingerprint(text: str, shingle: int = GROUPING.shingle) -> frozenset[int]:
    """Hashed word shingles (5-grams) of a text (crc32, so stable across runs)."""
    words = re.findall(r"\w+", text.lower())
    if len(words) < shingle:
        return frozenset([zlib.crc32(" ".join(words).encode())]) if words else frozenset()
    return frozenset(zlib.crc32(" ".join(words[i : i + shingle]).encode()) for i in range(len(words) - shingle + 1))


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


def near_copies(articles: Sequence[Article], p: GroupingParams = GROUPING) -> list[tuple[int, int]]:
    """Pairs of articles whose texts are (near) copies."""
    prints = [fingerprint(a.text, p.shingle) if len(a.text.split()) >= 2 * p.shingle else frozenset() for a in articles]
    index: dict[int, list[int]] = {}
    for i, fp in enumerate(prints):
        for h in fp:
            index.setdefault(h, []).append(i)
    candidates = {(i, j) for ids in index.values() if len(ids) < 50 for k, i in enumerate(ids) for j in ids[k + 1 :]}
    return sorted((i, j) for i, j in candidates if jaccard(prints[i], prints[j]) >= p.near_copy)


def copy_groups(n: int, copies: Sequence[tuple[int, int]]) -> list[list[int]]:
    """Article indices joined by copies (union-find), each group in order, groups in order of first article."""
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in copies:
        parent[find(j)] = find(i)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())
