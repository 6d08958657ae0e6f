"""Articles -> stories: copies and same-event reports from several sources become one story.

Two signals:

- fingerprints: word 5-gram shingles; two articles sharing at least NEAR_COPY of their
  shingles (Jaccard) are copies of one text (a wire story run by several outlets, a feed
  item repeated, an article trimmed or with paragraphs moved) and always go together;
- meaning: sentence coverage. Every sentence (and the title) of each article is embedded by
  the encoder; for two articles, coverage is the mean over one article's sentences of each
  one's best cosine among the other's, taken in the direction where it is higher, so a short
  report is matched by the long one that tells the same event. Reports of one event retell
  the same facts sentence by sentence; articles on a shared topic share vocabulary but not
  facts, which a single vector of the whole text or its lead blurs together.

The pipeline groups by event_similarity(): coverage averaged with shared names and numbers, less a
penalty for reports days apart, and within crowded events partly how much two reports have the same
nearest articles (with_neighbourhoods()). Groups are merged by average linkage (the higher of the
weighted and the plain mean, _average_linkage()) while their similarity is at least the threshold
(SAME_EVENT), so one loosely related article cannot chain two events together. The thresholds come
from benchmarks/clustering.py (see the README for the figures).
"""

from __future__ import annotations

import logging
import math
import os
import re
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from ..documents import Article

logger = logging.getLogger(__name__)

# Mean sentence coverage (MiniLM) for one event: the threshold with the best F1 on a simulated
# CNN/DailyMail day whose distinct articles are each story's nearest other article
# (benchmarks/clustering.py --tune: F1 0.983 there at 0.54; recall falls fast above 0.55
# because CNN/DM's own highlights, a report of the event in other words, cover ~0.55-0.65).
SAME_STORY = 0.54
SAME_EVENT = 0.42  # event_similarity(): see the README (ECB+ dev, its topic halves regrouped alone, a real day)
NEIGHBOURHOOD = 6  # nearest articles that make an article's neighbourhood (with_neighbourhoods())
CROWD = 4  # others at SAME_EVENT or closer that make an article's event crowded enough for neighbourhoods to count
SHARED_WEIGHT = 0.3  # of shared neighbourhoods in a crowded pair's similarity
RANK_STEP = 1e-4  # neighbours are ranked at this resolution: near-ties fall to the lower index, not float noise
DAY_PENALTY = 0.05  # per day apart beyond the first, subtracted from event_similarity()
NEAR_COPY = 0.5  # Jaccard of word 5-gram shingles for copies of one text
SHINGLE = 5
CHUNK = 1024  # sentences compared at a time: memory stays at CHUNK x all sentences (72 MB for 17,500; as fast as 2048)


def fingerprint(text: str) -> frozenset[int]:
    """Hashed word 5-gram shingles of a text (crc32, so stable across runs)."""
    words = re.findall(r"\w+", text.lower())
    if len(words) < SHINGLE:
        return frozenset([zlib.crc32(" ".join(words).encode())]) if words else frozenset()
    return frozenset(zlib.crc32(" ".join(words[i : i + SHINGLE]).encode()) for i in range(len(words) - SHINGLE + 1))


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


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


_NAME = re.compile(r"[A-Za-z][\w'’-]*|\d[\d,.]*\d|\d")
COMMON_EVIDENCE = 50  # a name in more articles than this tells no event apart
LEAD = 3  # sentences after the title that, with the title, count double: where a report names its event
WEEKDAYS = frozenset({"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"})


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


def proper_words(lines: Sequence[Sequence[str]]) -> frozenset[str]:
    """Words (lower-cased) written capitalised inside sentences more often than in lower case, over the given
    articles' lines: names, recognisable also where they open a sentence ("Reid checked into ...")."""
    upper: Counter = Counter()
    lower: Counter = Counter()
    for article in lines:
        _scan(article, frozenset(), upper, lower, 0)
    return _proper(upper, lower)


def names(article: Article, stop: frozenset[str], proper: frozenset[str] | None = None) -> Counter:
    """The evidence readers use to tell one event from another of the same kind: the names and numbers in the
    title and text, lower-cased, those of the title and the first LEAD sentences counted twice. A name is a
    capitalised word inside a sentence, or opening one when it is among the `proper` words (proper_words()
    of the day; by default of this article); weekday names say only "this week" and are left out."""
    upper: Counter = Counter()
    lower: Counter = Counter()
    bag, openers = _scan(_lines(article), stop, upper, lower, LEAD + (1 if article.title else 0))
    return _with_openers(bag, openers, _proper(upper, lower) if proper is None else proper)


def _name_vectors(articles: Sequence[Article]) -> tuple[list[dict[str, float]], np.ndarray, Counter]:
    """Each article's names and numbers, TF-IDF weighted (smoothed IDF over the day's articles), their norms,
    and in how many articles each occurs."""
    from ..text.lexicon import stop_words

    stop = stop_words()
    upper: Counter = Counter()
    lower: Counter = Counter()
    scans = [_scan(_lines(a), stop, upper, lower, LEAD + (1 if a.title else 0)) for a in articles]
    proper = _proper(upper, lower)  # of the whole day: a name opening a sentence counts where others write it
    bags = [_with_openers(bag, openers, proper) for bag, openers in scans]
    del scans
    n = len(articles)
    df = Counter(e for bag in bags for e in bag)
    vecs = [{e: (1 + math.log(c)) * (math.log((n + 1) / (df[e] + 1)) + 1) for e, c in bag.items()} for bag in bags]
    norms = np.array([math.sqrt(sum(v * v for v in vec.values())) or 1.0 for vec in vecs])
    return vecs, norms, df


def name_similarity(articles: Sequence[Article]) -> np.ndarray:
    """Pairwise cosine of the articles' names and numbers, TF-IDF weighted (smoothed IDF over the day's
    articles, so a name every report of the day shares counts for less than a rare one)."""
    vecs, norms, df = _name_vectors(articles)
    n = len(articles)
    index: dict[str, list[tuple[int, float]]] = {}
    for i, vec in enumerate(vecs):
        for e, w in vec.items():
            if df[e] <= COMMON_EVIDENCE:
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


ENCODER_LANGUAGES = frozenset({"en"})  # what all-MiniLM-L6-v2 was trained on


def readable(article: Article) -> bool:
    """Can the encoder judge this article's meaning? English, or too short to tell (a title-only item)."""
    return article.language is None or article.language in ENCODER_LANGUAGES


def event_similarity(articles: Sequence[Article], cover: np.ndarray) -> np.ndarray:
    """Same-event evidence: sentence coverage (the same facts told) and shared names and numbers (the same
    people, places and figures), averaged; reports published days apart need more of both. Articles in
    languages the encoder cannot read have none: they are grouped only with their copies (fingerprints)."""
    sim = (cover + name_similarity(articles)) / 2
    foreign = np.array([not readable(a) for a in articles], dtype=bool)
    if foreign.any():
        logger.info("%d articles not in English: grouped only with their copies, sectioned by feed category",
                    int(foreign.sum()))
        for i in np.flatnonzero(foreign).tolist():
            logger.debug("  %s (%s)", articles[i].id, articles[i].language)
        sim[foreign, :] = 0.0
        sim[:, foreign] = 0.0
    t = stamps(articles)
    if np.isfinite(t).sum() > 1:
        sim = sim - day_penalty(np.abs(t[:, None] - t[None, :]) / 86400)
    np.fill_diagonal(sim, 1.0)
    return with_neighbourhoods(sim)


def _nearest(sims: np.ndarray) -> np.ndarray:
    """Positions of the NEIGHBOURHOOD highest similarities along the last axis, compared to RANK_STEP (near-ties
    to the lower position)."""
    return np.argsort(-np.round(sims / RANK_STEP), axis=-1, kind="stable")[..., :NEIGHBOURHOOD]


def neighbourhood(sims: np.ndarray, others: np.ndarray) -> dict[int, float]:
    """An article's neighbourhood from its similarities to `others` (the articles scored against it, in index
    order): its NEIGHBOURHOOD most similar (_nearest()), negatives as 0."""
    keep = _nearest(sims)
    return {int(o): max(float(v), 0.0) for o, v in zip(others[keep], sims[keep])}


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


def with_neighbourhoods(sim: np.ndarray) -> np.ndarray:
    """Pairwise evidence, with second-order evidence where an event is crowded. Where both articles have at least
    CROWD others at SAME_EVENT or closer (a running event that many outlets report), their similarity becomes
    (1 - SHARED_WEIGHT) of itself plus SHARED_WEIGHT of how much they have the same nearest articles
    (shared()). Such reports are each other's nearest, so their neighbourhoods overlap even where the pair's
    own evidence is weak (a short report, one told from another angle), while two crowded events of the same
    kind each keep their own reports nearest. Elsewhere (most articles of a day: alone, or one of two or three
    reports) an article's nearest others are not its event and say nothing, so the pair's evidence stands.
    pair_neighbourhoods() is the same over candidate pairs only."""
    off = sim.copy()
    np.fill_diagonal(off, -np.inf)
    dense = np.flatnonzero((off >= SAME_EVENT).sum(axis=1) >= CROWD)
    if len(dense) < 2:
        return sim
    rows = off[dense]
    near = _nearest(rows)
    weights = np.maximum(np.take_along_axis(rows, near, axis=1), 0.0)
    hoods = np.zeros(rows.shape, dtype=np.float64)
    np.put_along_axis(hoods, near, weights, axis=1)
    hoods[np.arange(len(dense)), dense] = weights.max(axis=1)  # itself, as near as its nearest
    norms = np.linalg.norm(hoods, axis=1)
    norms[norms == 0] = np.inf
    hoods /= norms[:, None]
    block = np.ix_(dense, dense)
    out = sim.copy()
    out[block] = (1 - SHARED_WEIGHT) * sim[block] + SHARED_WEIGHT * (hoods @ hoods.T)
    np.fill_diagonal(out, 1.0)
    return out


def stamps(articles: Sequence[Article]) -> np.ndarray:
    """Each article's publication time in seconds (NaN when undated)."""
    return np.array([a.published.timestamp() if a.published else np.nan for a in articles])


def day_penalty(days: np.ndarray) -> np.ndarray:
    """What event similarity loses for reports `days` apart: DAY_PENALTY a day beyond the first, at most 1
    (0 when either is undated: NaN)."""
    return np.minimum(np.nan_to_num(np.clip(days - 1, 0, None) * DAY_PENALTY, nan=0.0), 1.0)


def cluster(articles: Sequence[Article], sim: np.ndarray | None, threshold: float = SAME_STORY) -> list[list[int]]:
    """Groups of article indices, one per story, in order of each group's first article.

    `sim` is the articles' pairwise similarity (coverage()); without it only copies are grouped.
    """
    members = _copy_groups(len(articles), _near_copies(articles))
    if sim is not None and len(members) > 1:
        members = _average_linkage(members, sim, threshold)
    return sorted((sorted(m) for m in members), key=lambda m: m[0])


def _copy_groups(n: int, copies: Sequence[tuple[int, int]]) -> list[list[int]]:
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


def _average_linkage(members: list[list[int]], sim: np.ndarray, threshold: float) -> list[list[int]]:
    """Merge the closest pair of groups while their similarity is at least threshold.

    The groups start as the copy groups, two of them as similar as the mean of their articles' pairwise
    similarities. Once groups have merged, two groups are as similar as the higher of two averages:
    - weighted (McQuitty's WPGMA): a merged group's similarity to another is the plain mean of the two merged
      groups' similarities to it, so a large group's many reports do not outweigh a small group's;
    - plain (UPGMA): the mean over every pair of their articles.
    The weighted mean depends on the order of the merges (a group built by a chain of merges counts the
    reports it took in first for less), so under it alone two parts of one event whose reports agree on
    average can stay apart; the plain mean alone lets a large group outweigh a small one. At SAME_EVENT the
    higher of the two keeps more of each real event of ECB+ dev together than either alone, at pairwise
    precision 0.966 (README).
    Exact ties go to the lower group indices."""
    k = len(members)
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
    return replace(first.with_text("\n".join(paragraphs)), truncated=any(r.truncated for r in reports))


# -- grouping that scales: candidate pairs first ------------------------------------------------------------
#
# The grouping above scores every pair of articles: fine for a day of a few thousand, quadratic beyond.
# For more, candidate pairs are blocked first: each article's NEIGHBOURS nearest articles by the mean of
# its sentence vectors (approximate nearest neighbours with faiss's HNSW index when faiss-cpu is installed,
# else exact, a block of rows at a time), published within WINDOW_DAYS of each other (undated articles
# pair with any), plus the copies among all the neighbours (fingerprints compared for those pairs only,
# not through the all-pairs shingle index, which a day with many copies of each story makes quadratic).
# Only those pairs are scored, with the same
# evidence as event_similarity(); the same average linkage then runs over the sparse graph, a pair never scored
# counting as 0 (dissimilar). benchmarks/grouping_scale.py measures the time, memory and the pairs lost.

DENSE_UP_TO = 3000  # articles: up to this many, every pair is scored (exact); beyond, candidates are blocked
NEIGHBOURS = 30  # nearest articles per article: more than the reports of most events in a day
WINDOW_DAYS = 3.0  # reports further apart than this are not candidates (DAY_PENALTY makes them unlikely anyway)


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


def candidate_pairs(articles: Sequence[Article], vectors: np.ndarray, k: int = NEIGHBOURS,
                    window_days: float = WINDOW_DAYS, exact: bool = False) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """The pairs worth scoring, as a sorted (m, 2) array of i < j: nearest neighbours published within the
    date window; and, among all the nearest neighbours, the copies (word 5-gram Jaccard >= NEAR_COPY, as
    _near_copies() but only where a copy can be: a copy's vector is all but its original's)."""
    near = nearest(vectors, k, exact)
    i = np.repeat(np.arange(len(articles)), near.shape[1])
    j = near.ravel()
    keep = j >= 0
    pairs = np.unique(np.stack([np.minimum(i, j)[keep], np.maximum(i, j)[keep]], axis=1).reshape(-1, 2), axis=0)
    prints = [np.array(sorted(fingerprint(a.text)), dtype=np.uint32) if len(a.text.split()) >= 2 * SHINGLE
              else np.zeros(0, np.uint32) for a in articles]
    copies = []
    for x, y in pairs.tolist():
        px, py = prints[x], prints[y]
        if len(px) and len(py) and 2 * min(len(px), len(py)) >= max(len(px), len(py)):  # else Jaccard < 0.5
            shared = len(np.intersect1d(px, py, assume_unique=True))
            if shared / (len(px) + len(py) - shared) >= NEAR_COPY:
                copies.append((x, y))
    t = stamps(articles)
    if len(pairs):
        apart = np.abs(t[pairs[:, 0]] - t[pairs[:, 1]]) / 86400
        pairs = pairs[~(apart > window_days)]  # NaN (undated) stays
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


def pair_names(articles: Sequence[Article], pairs: np.ndarray) -> np.ndarray:
    """name_similarity() for the given pairs only."""
    vecs, norms, df = _name_vectors(articles)
    common = {e for e, c in df.items() if c > COMMON_EVIDENCE}
    out = np.empty(len(pairs), dtype=np.float32)
    for m, (i, j) in enumerate(pairs.tolist()):
        vi, vj = vecs[i], vecs[j]
        if len(vi) > len(vj):
            vi, vj = vj, vi
        out[m] = sum(w * vj[e] for e, w in vi.items() if e in vj and e not in common) / (norms[i] * norms[j])
    return out


def pair_event_similarity(articles: Sequence[Article], blocks: Sequence[np.ndarray], pairs: np.ndarray) -> np.ndarray:
    """event_similarity() for the given pairs only: the same evidence, the same penalties."""
    sim = (pair_coverage(blocks, pairs) + pair_names(articles, pairs)) / 2
    foreign = np.array([not readable(a) for a in articles], dtype=bool)
    sim[foreign[pairs[:, 0]] | foreign[pairs[:, 1]]] = 0.0
    t = stamps(articles)
    if np.isfinite(t).sum() > 1:
        sim = sim - day_penalty(np.abs(t[pairs[:, 0]] - t[pairs[:, 1]]) / 86400)
    return pair_neighbourhoods(len(articles), pairs, sim.astype(np.float32))


def pair_neighbourhoods(n: int, pairs: np.ndarray, sims: np.ndarray) -> np.ndarray:
    """with_neighbourhoods() over candidate pairs only (an unscored pair is in no neighbourhood)."""
    close = np.bincount(pairs[sims >= SAME_EVENT].ravel(), minlength=n)
    dense = close >= CROWD
    both = np.flatnonzero(dense[pairs[:, 0]] & dense[pairs[:, 1]])
    if not len(both):
        return sims
    scored: dict[int, list[tuple[int, float]]] = {}
    for (i, j), value in zip(pairs.tolist(), sims.tolist()):
        if dense[i]:
            scored.setdefault(i, []).append((j, value))
        if dense[j]:
            scored.setdefault(j, []).append((i, value))
    hoods = {}
    for i, row in scored.items():
        row.sort()
        hoods[i] = neighbourhood(np.array([v for _, v in row]), np.array([o for o, _ in row]))
    out = sims.copy()
    for m in both.tolist():
        i, j = int(pairs[m, 0]), int(pairs[m, 1])
        out[m] = (1 - SHARED_WEIGHT) * sims[m] + SHARED_WEIGHT * shared(hoods[i], hoods[j], i, j)
    return out


def cluster_blocked(articles: Sequence[Article], blocks: Sequence[np.ndarray], threshold: float = SAME_EVENT,
                    pairs: np.ndarray | None = None, copies: Sequence[tuple[int, int]] | None = None) -> list[list[int]]:
    """cluster() over candidate pairs only (see above): groups of article indices, in order of first article.
    `pairs` and `copies` come from candidate_pairs() unless given."""
    n = len(articles)
    if pairs is None or copies is None:
        pairs, copies = candidate_pairs(articles, article_vectors(blocks))
    sims = pair_event_similarity(articles, blocks, pairs) if len(pairs) else np.zeros(0, np.float32)
    members = _copy_groups(n, copies)
    group_of = {i: g for g, m in enumerate(members) for i in m}
    return _sparse_average_linkage(members, [(group_of[int(i)], group_of[int(j)], float(s))
                                             for (i, j), s in zip(pairs, sims)], threshold)


def _sparse_average_linkage(members: list[list[int]], edges: list[tuple[int, int, float]],
                             threshold: float) -> list[list[int]]:
    """_average_linkage() on a sparse graph: two copy groups are as similar as the sum of their scored pairs
    over the product of their sizes (unscored pairs count 0); merged groups as the higher of the weighted mean
    (of the merged two's similarities to the other, 0 where one was never scored) and the plain mean over
    their articles' pairs. The closest pair merges first; exact ties go to the lower group indices, as in the
    dense version."""
    import heapq

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
