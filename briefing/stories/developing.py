"""Developing stories: a story of today's brief whose event an earlier brief of the same folder told.

Every story a brief shows is remembered in the state (what its bullet said: headline, titles, sentences, web
addresses; its lines' vectors; the day it first ran). The next briefs, within `developing_days`, compare each of
their stories with those: the same-event evidence grouping uses (evidence.py), between the two stories' lines:
coverage (each line's best cosine in the other story, averaged, in the direction where it is higher) and shared
names and numbers (TF-IDF cosine over today's and the remembered stories), averaged, less DAY_PENALTY for each
day between them. A story at SAME_STORY or more to an earlier one is developing: it links to that story (its
day and anchor), says how long it has run ("day 4"), and leads with what is new: its sentences that the earlier
bullet did not have. Reports an earlier brief showed never reach today's stories (history.py), so a story with
nothing new is not repeated.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from ..documents import Article, Briefing, Story
from .history import Note, Window, anchor_of, folder_key, report_keys, shared_urls

if TYPE_CHECKING:
    from ..run import Run

logger = logging.getLogger(__name__)

SAME_STORY = 0.32  # evidence, less hubness, from which a story continues an earlier one: on the ten real mornings
# (benchmarks/days.py, every link judged by a reader) 36 of 39 links right with the two rules below (0.36 without
# them: 25 of 27, and it missed Kim Jong Un's reappearance; 0.32 without them: 35 of 43)
ONE_NAME_WORDS = 0.2  # a pair sharing one name needs this much words evidence to be one event (else 2 of 12 right)
HUB_K = 10  # hubness: the mean evidence of a story's HUB_K nearest others (a roundup is near everything)
DAY_PENALTY = 0.01  # a day between the two stories costs this much evidence (a running story changes its words)
FLOOR = 4  # a story's names (and words) weigh at least as much as this many rare ones: one shared name is no event
NEAR_TIE = 0.01  # earlier stories within this of the best: the most recent, then the first in its brief, is linked
LINES = 8  # lines of a story kept and compared: its headline, its reports' titles, its summary
KEEP_DAYS = 62  # stories older than this are forgotten (the developing window is at most 60 days)
SENTENCE_TOKENS = 48  # as models.encoder.SENTENCE_TOKENS: the same texts find their vectors in the cache


@dataclass(frozen=True, slots=True)
class Earlier:
    """What the state keeps of a story an earlier brief showed."""

    day: date
    anchor: str
    position: int
    lines: tuple[str, ...]  # its headline first, then its reports' titles and its summary
    said: tuple[str, ...]  # its bullet: the headline and the summary sentences
    urls: tuple[str, ...]
    first_seen: date
    vectors: np.ndarray | None  # one unit vector per line, when made by today's encoder
    sources: tuple[str, ...] = ()  # its reports' outlets


def _norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def lines_of(story: Story) -> tuple[str, ...]:
    """The lines a story is compared by: its headline, its reports' titles, its summary sentences (once each)."""
    out: dict[str, str] = {}
    for line in (story.summary.headline, *(a.title or "" for a in story.articles), *story.summary.sentences):
        if _norm(line) and _norm(line) not in out:
            out[_norm(line)] = line
    return tuple(out.values())[:LINES]


def follow(run: Run, day: date, stories: Sequence[Story]) -> tuple[list[Story], dict[str, Note]]:
    """Each story (a developing one leading with what is new) and its note, by anchor."""
    notes = {anchor_of(s): Note(anchor_of(s), first_seen=day) for s in stories}
    days = run.settings.developing_days
    if run.state is None or not days or not stories:
        return list(stories), notes
    encoder = run.encoder()
    rows = run.state.stories_between(folder_key(run.settings.out), (day - timedelta(days=days)).isoformat(),
                                     day.isoformat())
    earlier = [e for e in (_earlier(row, getattr(encoder, "identity", None)) for row in rows) if e is not None]
    if not earlier:
        return list(stories), notes
    sim = similarity([lines_of(s) for s in stories], earlier, encoder, [{a.source for a in s.articles} for s in stories],
                     [[a.url for a in s.articles if a.url] for s in stories], [s.articles[0].title or "" for s in stories])
    sim -= DAY_PENALTY * np.array([max((day - e.day).days - 1, 0) for e in earlier])[None, :]
    sim -= (_hubness(sim) + _hubness(sim.T).T) / 2
    out = list(stories)
    ext = "html" if "html" in run.settings.formats else "md" if "md" in run.settings.formats else None
    for i, story in enumerate(stories):
        best = float(sim[i].max())
        near = [j for j in range(len(earlier)) if sim[i, j] >= best - NEAR_TIE]
        e = earlier[min(near, key=lambda j: (-earlier[j].day.toordinal(), earlier[j].position))]
        logger.debug("%s (%.2f): %r; nearest earlier: %s %r", "developing" if best >= SAME_STORY else "new", best,
                     story.summary.headline, e.day, e.lines[0])
        if best < SAME_STORY:
            continue
        out[i] = lead_with_new(story, e)
        anchor = anchor_of(story)
        href = f"{e.day.isoformat()}.{ext}" + (f"#{e.anchor}" if ext == "html" else "") if ext else None
        notes[anchor] = Note(anchor, "developing", e.first_seen, (day - e.first_seen).days + 1, e.day, e.anchor, href)
    return out, notes


def _hubness(sim: np.ndarray) -> np.ndarray:
    """For each pair, the mean of row's HUB_K highest other values (the pair itself left out; fewer than HUB_K
    others count as zeros). Subtracted from both sides (CSLS, Conneau et al. 2018), it keeps a roundup ("The
    Papers: ...", a live tracker) or a catch-all story, near many at once, from passing as any one's follow-up."""
    k = HUB_K
    top = -np.sort(-np.concatenate([sim, np.zeros((sim.shape[0], k + 1), sim.dtype)], axis=1), axis=1)[:, : k + 1]
    k_sum, k1_sum, kth = top[:, :k].sum(1), top.sum(1), top[:, k - 1]
    return np.where(sim >= kth[:, None], (k1_sum[:, None] - sim) / k, k_sum[:, None] / k)


def lead_with_new(story: Story, earlier: Earlier) -> Story:
    """The story, its summary without the sentences the earlier bullet had (its headline the first new sentence
    when the headline itself was said), its reports not in the earlier bullet first."""
    said = {_norm(s) for s in earlier.said}
    summary = story.summary
    fresh = tuple(s for s in summary.sentences if _norm(s) not in said)
    headline = summary.headline
    if _norm(headline) in said and fresh:
        headline = fresh[0]
    summary = replace(summary, headline=headline, sentences=fresh or summary.sentences)
    urls = set(earlier.urls)
    lead, rest = story.articles[0], story.articles[1:]
    ordered = (lead, *(a for a in rest if a.url not in urls), *(a for a in rest if a.url in urls))
    return replace(story, summary=summary, articles=ordered)


def similarity(today: Sequence[Sequence[str]], earlier: Sequence[Earlier], encoder: Any,
               sources: Sequence[set[str]] | None = None, urls: Sequence[Sequence[str]] | None = None,
               titles: Sequence[str] | None = None) -> np.ndarray:
    """Same-event evidence between today's stories (their lines) and earlier ones: the mean of coverage (by the
    encoder, else by word overlap), names and words, with boilerplate lines left out, a series' issues and a live
    blog's apart, and a pair that shares one name and few words apart (two stories on one person)."""
    stories = [list(t) for t in today] + [list(e.lines) for e in earlier]
    keep = _not_boilerplate(stories)
    lines = [[s[k] for k in ks] for s, ks in zip(stories, keep, strict=True)]
    n = len(today)
    if encoder is None:
        cover = _word_coverage(lines[:n], lines[n:])
    else:
        blocks = _vectors(encoder, lines[:n])
        made = _vectors(encoder, [lines[n + k] for k, e in enumerate(earlier) if e.vectors is None])
        old = [e.vectors[keep[n + k]] if e.vectors is not None else made.pop(0) for k, e in enumerate(earlier)]
        cover = _coverage(blocks, old)
    proper = _proper([line for ls in lines for line in ls[1:]])
    names, named = _names(lines, n, proper)
    words = _words(lines, n, proper)
    sim = (cover + names + words) / 3
    for i, j in zip(*np.nonzero((sim >= 0.25) & (words < ONE_NAME_WORDS)), strict=True):  # 0.25: as measured
        if one_name(named[i].keys() & named[n + j].keys(), lines[i], lines[n + j]):
            sim[i, j] = 0.0
    outlets = list(sources or [set()] * n) + [set(e.sources) for e in earlier]
    for i, j in _issues_of_series([s[0] for s in stories], n, outlets):
        sim[i, j] = 0.0
    issue = live_issues([list(u) for u in (urls or [()] * n)] + [list(e.urls) for e in earlier],
                        [*(titles or [t[0] if t else "" for t in today]), *(e.lines[0] if e.lines else "" for e in earlier)])
    sim[issue[:n], :] = 0.0
    sim[:, issue[n:]] = 0.0
    return sim


_DATE_IN_URL = re.compile(r"/20\d\d/\d\d/\d\d/|\d\d-\d\d-\d\d(?:\d\d)?|20\d\d-\d\d-\d\d")
_LIVE = re.compile(r"\b(?:live|updates?|tracker)\b", re.I)


def live_issues(urls: Sequence[Sequence[str]], headlines: Sequence[str]) -> np.ndarray:
    """Which stories are led by one day's issue of a running live blog: the lead's web address, its date left out,
    is another day's too (NYT's markets and world blogs, CNN's live page: 4-8 dates each on ten mornings), and the
    headline says live, updates or tracker. Such an issue follows a running topic, not one event, so it links to
    nothing and nothing links to it. (A dated address alone is not enough: an outlet reuses a slug for a real
    follow-up, as the NYT did for the Pence mask stories.)"""
    days: dict[str, set[str]] = {}
    for found in (_DATE_IN_URL.search(u) for us in urls for u in us):
        if found:
            days.setdefault(_DATE_IN_URL.sub("/", found.string), set()).add(found.group())
    return np.array([bool(us) and bool(_DATE_IN_URL.search(us[0])) and len(days.get(_DATE_IN_URL.sub("/", us[0]), ())) > 1
                     and bool(_LIVE.search(h)) for us, h in zip(urls, headlines, strict=True)], dtype=bool)


def one_name(shared: Set[str], a: Sequence[str], b: Sequence[str]) -> bool:
    """Do two stories share one name at most? The names' words that both stories write next to each other count as
    one name ("Michael Jordan" is one, not two): two features on one person are not one event."""
    if len(shared) <= 1:
        return True
    parent = {t: t for t in shared}

    def root(t: str) -> str:
        while parent[t] != t:
            t = parent[t]
        return t

    for pair in _adjacent(shared, a) & _adjacent(shared, b):
        x, y = sorted(pair)
        parent[root(x)] = root(y)
    return len({root(t) for t in shared}) <= 1


def _adjacent(names: Set[str], lines: Sequence[str]) -> set[frozenset[str]]:
    """Pairs of the names' words written next to each other in the lines."""
    out: set[frozenset[str]] = set()
    for line in lines:
        words = [re.sub(r"('s|’s)$", "", w.lower()).strip(".") for w in re.findall(r"[\w'’.-]+", line)]
        out |= {frozenset((x, y)) for x, y in zip(words, words[1:], strict=False) if x in names and y in names and x != y}
    return out


def _issues_of_series(headlines: Sequence[str], n_today: int, sources: Sequence[set[str]]) -> list[tuple[int, int]]:
    """Pairs (today, earlier) that are two issues of one series, not one story: headlines the same but for their
    dates ("Week in pictures: 25 April - 1 May 2020", "... 18-24 April 2020"), or one outlet's headlines under
    the same kicker of two words or more ("The Papers: ...", "On Politics: ...")."""
    dated = [_template(h) for h in headlines]
    kicker = [_kicker(h) for h in headlines]
    out = []
    for i in range(n_today):
        for j in range(n_today, len(headlines)):
            if _norm(headlines[i]) == _norm(headlines[j]):
                continue
            if dated[i] == dated[j] or (kicker[i] and kicker[i] == kicker[j] and sources[i] & sources[j]):
                out.append((i, j - n_today))
    return out


def _kicker(headline: str) -> str | None:
    """The words before a headline's colon, when two to five ("The Papers" of "The Papers: Hope in sight")."""
    head, colon, rest = headline.partition(":")
    words = _norm(head).split()
    return " ".join(words) if colon and rest.strip() and 2 <= len(words) <= 5 else None


def _not_boilerplate(stories: Sequence[Sequence[str]]) -> list[list[int]]:
    """Each story's lines less those other stories (under another headline) have word for word: a series' fixed
    teaser ("A selection of news photographs taken around the world this week.") tells no event apart."""
    heads: dict[str, set[str]] = {}
    for s in stories:
        for line in s[1:]:
            heads.setdefault(_norm(line), set()).add(_norm(s[0]))
    return [[k for k, line in enumerate(s) if k == 0 or len(heads[_norm(line)]) == 1] for s in stories]


_DATE_WORDS = re.compile(r"\b(?:\d+\w*|jan\w*|feb\w*|mar\w*|apr\w*|may|jun\w*|jul\w*|aug\w*|sep\w*|oct\w*|nov\w*|"
                         r"dec\w*|mon\w*|tue\w*|wed\w*|thu\w*|fri\w*|sat\w*|sun\w*)\b")


def _template(headline: str) -> str:
    """A headline without its numbers, months and weekdays: the same for every issue of a series."""
    return " ".join(_DATE_WORDS.sub(" ", _norm(headline)).split())


def _vectors(encoder: Any, texts: Sequence[Sequence[str]]) -> list[np.ndarray]:
    flat = [t for ts in texts for t in ts]
    vecs = np.asarray(encoder.encode(flat, max_length=SENTENCE_TOKENS), dtype=np.float32) if flat else np.zeros((0, 1))
    cuts = np.cumsum([len(ts) for ts in texts])[:-1]
    return list(np.split(vecs, cuts)) if texts else []


def _coverage(today: Sequence[np.ndarray], earlier: Sequence[np.ndarray]) -> np.ndarray:
    """cover[i, j]: the mean over one story's lines of each one's best cosine among the other's, in the direction
    where it is higher (evidence.coverage, between two sets of stories)."""
    t_len = np.array([len(b) for b in today])
    e_len = np.array([len(b) for b in earlier])
    t_start = np.concatenate([[0], np.cumsum(t_len)[:-1]])
    e_start = np.concatenate([[0], np.cumsum(e_len)[:-1]])
    cos = np.concatenate(today) @ np.concatenate(earlier).T  # today's lines x earlier lines
    t_told = np.add.reduceat(np.maximum.reduceat(cos, e_start, axis=1), t_start, axis=0) / t_len[:, None]
    e_told = np.add.reduceat(np.maximum.reduceat(cos, t_start, axis=0), e_start, axis=1) / e_len[None, :]
    return np.maximum(t_told, e_told)


def _content_words(line: str) -> set[str]:
    from ..text.lexicon import stop_words

    return {w for w in re.findall(r"\w+", line.lower()) if w not in stop_words()}


def _word_coverage(today: Sequence[Sequence[str]], earlier: Sequence[Sequence[str]]) -> np.ndarray:
    """Coverage without an encoder: each line's best word overlap (Jaccard) in the other story."""
    def told(a: Sequence[set[str]], b: Sequence[set[str]]) -> float:
        return sum(max((len(x & y) / (len(x | y) or 1) for y in b), default=0.0) for x in a) / (len(a) or 1)

    tw = [[_content_words(line) for line in t] for t in today]
    ew = [[_content_words(line) for line in e] for e in earlier]
    return np.array([[max(told(t, e), told(e, t)) for e in ew] for t in tw], dtype=np.float32).reshape(len(tw), len(ew))


def _cosines(vecs: Sequence[Mapping[str, float]], n_today: int, rare: float) -> np.ndarray:
    """Cosine of today's weighted bags (the first n_today) with the earlier ones, each norm at least that of FLOOR
    entries of weight `rare` (one story's alone): a story with one name or word shares it with many others, and
    that alone is no evidence of one event."""
    floor = math.sqrt(FLOOR) * rare
    norms = [max(math.sqrt(sum(w * w for w in v.values())), floor) for v in vecs]
    out = np.zeros((n_today, len(vecs) - n_today), dtype=np.float32)
    index: dict[str, list[tuple[int, float]]] = {}
    for j in range(n_today, len(vecs)):
        for e, w in vecs[j].items():
            index.setdefault(e, []).append((j, w))
    for i in range(n_today):
        for e, w in vecs[i].items():
            for j, v in index.get(e, ()):
                out[i, j - n_today] += w * v
        out[i] /= norms[i] * np.array(norms[n_today:])
    return out


def _names(stories: Sequence[list[str]], n_today: int, proper: frozenset[str]) -> tuple[np.ndarray, list[dict[str, float]]]:
    """Names and numbers (evidence.name_vectors, a story's lines as an article's), TF-IDF over today's and the
    earlier stories; those in more than common_evidence stories left out. A headline in title case ("Michigan
    Governor Reinstates State of Emergency") is read in sentence case first: only its proper names count.
    Also each story's names (and numbers) that count, for one_name()."""
    from .evidence import name_vectors
    from .params import GROUPING

    stories = [[_sentence_case(lines[0], proper), *lines[1:]] if lines else lines for lines in stories]
    arts = [Article(str(k), lines[0] if lines else None, "\n".join(lines[1:]), "") for k, lines in enumerate(stories)]
    vecs, _, df = name_vectors(arts, GROUPING)
    kept = [{e: w for e, w in v.items() if df[e] <= GROUPING.common_evidence} for v in vecs]
    return _cosines(kept, n_today, math.log((len(arts) + 1) / 2) + 1), kept  # the weight of a name one story has once


_WORD = re.compile(r"[A-Za-z][\w'’-]*")


def _proper(sentences: Sequence[str]) -> frozenset[str]:
    """Words the sentences write capitalised inside a sentence more often than not (names), in lower case."""
    upper: Counter = Counter()
    lower: Counter = Counter()
    for line in sentences:
        for k, m in enumerate(_WORD.finditer(line)):
            if not m.group()[0].isupper():
                lower[m.group().lower()] += 1
            elif k:  # a sentence's first word is capitalised whatever it is
                upper[m.group().lower()] += 1
    return frozenset(w for w, c in upper.items() if c > lower[w])


def _sentence_case(headline: str, proper: frozenset[str]) -> str:
    """A title-case headline (most of its longer words capitalised) with its words that are not names in lower
    case; any other headline as it is."""
    words = [m.group() for m in _WORD.finditer(headline) if len(m.group()) > 3]
    if len(words) < 3 or sum(w[0].isupper() for w in words) < 0.6 * len(words):
        return headline
    return _WORD.sub(lambda m: m.group() if m.start() == 0 or m.group().lower() in proper else m.group().lower(),
                     headline)


def _words(stories: Sequence[list[str]], n_today: int, proper: frozenset[str]) -> np.ndarray:
    """What happened, in words: content words that are not names (stemmed; no stop words, no `proper` names), TF-IDF
    over today's and the earlier stories. Two stories about one person share names; about one event, words too
    ("ends executions for crimes committed by minors")."""
    from ..text.lexicon import stem

    bags = [Counter(stem(w) for line in lines for w in _content_words(line) - proper if not w.isdigit() or len(w) > 1)
            for lines in stories]
    df = Counter(w for bag in bags for w in bag)
    n = len(bags)
    return _cosines([{w: (1 + math.log(c)) * math.log((n + 1) / (df[w] + 1)) for w, c in bag.items()} for bag in bags],
                    n_today, math.log((n + 1) / 2))


def _earlier(row: Sequence[Any], encoder: str | None) -> Earlier | None:
    """A remembered story, or None when what is stored is not one (another version's shape, damage)."""
    try:
        day, anchor, position, record, blob, made_by = row
        data = json.loads(record)
        lines = tuple(str(x) for x in data["lines"])[:LINES]
        vectors = None
        if isinstance(blob, bytes) and made_by == encoder and encoder is not None and lines:
            v = np.frombuffer(blob, dtype=np.float16).astype(np.float32)
            if v.size and v.size % len(lines) == 0:
                vectors = v.reshape(len(lines), -1)
        return Earlier(date.fromisoformat(day), str(anchor), int(position), lines,
                       tuple(str(x) for x in data["said"]), tuple(str(x) for x in data["urls"]),
                       date.fromisoformat(data["first_seen"]), vectors,
                       tuple(str(x) for x in data.get("sources", ())))
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def remember(run: Run, day: date, win: Window, briefing: Briefing, notes: Mapping[str, Note]) -> None:
    """Write to the state what this brief showed (its reports' keys) and said of each story (lines, vectors)."""
    if run.state is None:
        return
    stories = briefing.all_stories
    shared = shared_urls([a for s in stories for a in s.articles])
    encoder = run.encoder()
    all_lines = [lines_of(s) for s in stories]
    vectors = _vectors(encoder, all_lines) if encoder is not None else [None] * len(stories)
    shown, rows = [], []
    for position, (story, lines, vecs) in enumerate(zip(stories, all_lines, vectors, strict=True)):
        anchor = anchor_of(story)
        note = notes.get(anchor) or Note(anchor, first_seen=day)
        shown += [(k, anchor) for a in story.articles for k in report_keys(a, shared, shown=True)]
        record = {"lines": list(lines), "said": [story.summary.headline, *story.summary.sentences],
                  "urls": [a.url for a in story.articles if a.url], "sources": sorted({a.source for a in story.articles}),
                  "first_seen": (note.first_seen or day).isoformat()}
        blob = np.asarray(vecs, dtype=np.float16).tobytes() if vecs is not None else None
        rows.append((anchor, position, json.dumps(record, ensure_ascii=False), blob,
                     getattr(encoder, "identity", None) if vecs is not None else None))
    run.state.record_brief(folder_key(run.settings.out), day.isoformat(), win.since.timestamp(), shown, rows,
                           (day - timedelta(days=KEEP_DAYS)).isoformat())
