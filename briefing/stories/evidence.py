"""Same-event evidence between articles: sentence coverage (the same facts told), shared names and numbers
(the same people, places and figures), and publication dates.

Coverage: every sentence (and the title) of each article is embedded by the encoder; for two articles,
coverage is the mean over one article's sentences of each one's best cosine among the other's, taken in the
direction where it is higher, so a short report is matched by the long one that tells the same event.
Reports of one event retell the same facts sentence by sentence; articles on a shared topic share
vocabulary but not facts, which a single vector of the whole text blurs together. Names: two earthquakes
share vocabulary, not places and magnitudes.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

from ..documents import Article
from .neighbourhoods import with_neighbourhoods
from .params import GROUPING, GroupingParams

logger = logging.getLogger(__name__)
CHUNK = 1024  # sentences compared at a time: memory stays at CHUNK x all sentences (72 MB for 17,500; as fast as 2048)
_NAME = re.compile(r"[A-Za-z][\w'’-]*|\d[\d,.]*\d|\d")
WEEKDAYS = frozenset({"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"})


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


def _lines(article: Article) -> list[str]:
    from ..text.sentences import sentences

    return ([article.title] if article.title else []) + [s.text for s in sentences(article)]


def _scan(lines: Sequence[str], stop: frozenset[str], upper: Counter, lower: Counter,
          lead: int) -> tuple[Counter, list[tuple[str, int]]]:
    """One pass over an article's lines: its names inside sentences and its numbers (those of the first
    `lead` lines counted twice), and the capitalised words that open a sentence, with their weight, for the
    caller to keep if they are proper_words(). Counts each word written capitalised inside a sentence into
    `upper`, in lower case into `lower`. Possessives are dropped ("Lohan's" -> "Lohan")."""
    bag: Counter = Counter()
    openers: list[tuple[str, int]] = []
    for n, line in enumerate(lines):
        weight = 2 if n < lead else 1
        for k, m in enumerate(_NAME.finditer(line)):
            w = m.group()
            if w[0].isdigit():
                bag[w.replace(",", "")] += weight
                continue
            if w.endswith(("'s", "’s")):
                w = w[:-2]
            elif w.endswith(("'", "’")):
                w = w[:-1]
            low = w.lower()
            if not w[0].isupper():
                lower[low] += 1
            elif k > 0:
                upper[low] += 1
                if low not in stop and low not in WEEKDAYS:
                    bag[low] += weight
            elif low not in stop and low not in WEEKDAYS:
                openers.append((low, weight))
    return bag, openers


def _proper(upper: Counter, lower: Counter) -> frozenset[str]:
    return frozenset(w for w, c in upper.items() if c > lower[w])


def _with_openers(bag: Counter, openers: Sequence[tuple[str, int]], proper: frozenset[str]) -> Counter:
    """The bag, with the sentence-opening words that are proper names added (_scan())."""
    for low, weight in openers:
        if low in proper:
            bag[low] += weight
    return bag


def name_vectors(articles: Sequence[Article],
                 p: GroupingParams = GROUPING) -> tuple[list[dict[str, float]], np.ndarray, Counter]:
    """Each article's names and numbers, TF-IDF weighted (smoothed IDF over the day's articles), their norms,
    and in how many articles each occurs."""
    from ..text.lexicon import stop_words

    stop = stop_words()
    upper: Counter = Counter()
    lower: Counter = Counter()
    scans = [_scan(_lines(a), stop, upper, lower, p.lead + (1 if a.title else 0)) for a in articles]
    proper = _proper(upper, lower)  # of the whole day: a name opening a sentence counts where others write it
    bags = [_with_openers(bag, openers, proper) for bag, openers in scans]
    del scans
    n = len(articles)
    df = Counter(e for bag in bags for e in bag)
    vecs = [{e: (1 + math.log(c)) * (math.log((n + 1) / (df[e] + 1)) + 1) for e, c in bag.items()} for bag in bags]
    norms = np.array([math.sqrt(sum(v * v for v in vec.values())) or 1.0 for vec in vecs])
    return vecs, norms, df


def name_similarity(articles: Sequence[Article], p: GroupingParams = GROUPING) -> np.ndarray:
    """Pairwise cosine of the articles' names and numbers, TF-IDF weighted (smoothed IDF over the day's
    articles, so a name every report of the day shares counts for less than a rare one)."""
    vecs, norms, df = name_vectors(articles, p)
    n = len(articles)
    index: dict[str, list[tuple[int, float]]] = {}
    for i, vec in enumerate(vecs):
        for e, w in vec.items():
            if df[e] <= p.common_evidence:
                index.setdefault(e, []).append((i, w))
    sim = np.zeros((n, n), dtype=np.float32)
    for posting in index.values():
        for x in range(len(posting)):
            i, wi = posting[x]
            for j, wj in posting[x + 1 :]:
                sim[i, j] += wi * wj
    sim = sim + sim.T
    sim /= norms[:, None] * norms[None, :]
    np.fill_diagonal(sim, 1.0)
    return sim


def readable(article: Article, p: GroupingParams = GROUPING) -> bool:
    """Can the encoder judge this article's meaning? English, or too short to tell (a title-only item)."""
    return article.language is None or article.language in p.encoder_languages


def event_similarity(articles: Sequence[Article], cover: np.ndarray, p: GroupingParams = GROUPING) -> np.ndarray:
    """Same-event evidence: sentence coverage (the same facts told) and shared names and numbers (the same
    people, places and figures), averaged; reports published days apart need more of both. Articles in
    languages the encoder cannot read have none: they are grouped only with their copies (fingerprints)."""
    sim = (cover + name_similarity(articles, p)) / 2
    foreign = np.array([not readable(a, p) for a in articles], dtype=bool)
    if foreign.any():
        logger.info("%d articles not in English: grouped only with their copies, sectioned by feed category",
                    int(foreign.sum()))
        for i in np.flatnonzero(foreign).tolist():
            logger.debug("  %s (%s)", articles[i].id, articles[i].language)
        sim[foreign, :] = 0.0
        sim[:, foreign] = 0.0
    t = stamps(articles)
    if np.isfinite(t).sum() > 1:
        sim = sim - day_penalty(np.abs(t[:, None] - t[None, :]) / 86400, p)
    np.fill_diagonal(sim, 1.0)
    return with_neighbourhoods(sim, p)


def stamps(articles: Sequence[Article]) -> np.ndarray:
    """Each article's publication time in seconds (NaN when undated)."""
    return np.array([a.published.timestamp() if a.published else np.nan for a in articles])


def day_penalty(days: np.ndarray, p: GroupingParams = GROUPING) -> np.ndarray:
    """What event similarity loses for reports `days` apart: p.day_penalty a day beyond the first, at most 1
    (0 when either is undated: NaN)."""
    return np.minimum(np.nan_to_num(np.clip(days - 1, 0, None) * p.day_penalty, nan=0.0), 1.0)
