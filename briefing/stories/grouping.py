"""Articles -> stories: copies and same-event reports from several sources become one story, with a section.

    copies.py          word-shingle copies, always one story
    evidence.py        coverage, shared names and numbers, dates: event_similarity()
    neighbourhoods.py  second-order evidence where an event is crowded
    linkage.py         average linkage, dense and sparse
    blocking.py        candidate pairs for very large days
    sections.py        the section of each story

group() runs them for a day and returns a frozen Grouping; every number it uses is in params.GroupingParams.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from ..config import Settings
from ..documents import Article
from .blocking import cluster_blocked
from .copies import copy_groups, near_copies
from .evidence import coverage, event_similarity, readable
from .evidence_of_section import story_evidence
from .kinds import MANY_EVENTS
from .linkage import attach_alone, average_linkage
from .params import GROUPING, GroupingParams
from .sections import SECTION_WEIGHTS, SectionModels, classify, descriptions, story_text

logger = logging.getLogger(__name__)
FALLBACK_SECTION = "News"  # where stories go when no encoder is installed and no category fits
OTHER_LANGUAGES = "Other languages"  # stories the English-only encoder cannot read, without a feed category


@dataclass(frozen=True, slots=True)
class Grouping:
    """The day's stories as article indices (each story's best report first), and each story's section."""

    stories: tuple[tuple[int, ...], ...]
    sections: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.stories) != len(self.sections):
            raise ValueError(f"{len(self.stories)} stories but {len(self.sections)} sections")

    def __len__(self) -> int:
        return len(self.stories)


def best_article(articles: Sequence[Article]) -> int:
    """The index of the article to summarize a story from: one with text, then a news report (not an opinion
    piece, live blog, roundup or video: stories/kinds.py), then complete, then longest, then first."""
    return max(range(len(articles)),
               key=lambda i: (bool(articles[i].text.strip()), articles[i].kind == "news", not articles[i].truncated,
                              len(articles[i].text.split()), -i))


def cluster(articles: Sequence[Article], sim: np.ndarray | None, threshold: float,
            p: GroupingParams = GROUPING) -> list[list[int]]:
    """Groups of article indices, one per story, in order of each group's first article: copies joined, then
    groups merged by average linkage while at least `threshold` similar (`sim`: pairwise; None: copies only),
    then each report left alone joins the one story it clearly belongs to, if any (linkage.attach_alone()).
    Live blogs and roundups (stories/kinds.py) tell several events at once, so they never bridge two: the
    others are grouped without them, then a live blog joins the one group it is most like, if that is
    `threshold` similar on average; a roundup (a digest of the day's items) joins none: it is a story of its own."""
    members = copy_groups(len(articles), near_copies(articles, p))
    if sim is not None and len(members) > 1:
        many = [m for m in members if all(articles[i].kind in MANY_EVENTS for i in m)]
        members = average_linkage([m for m in members if m not in many], sim, threshold)
        members = attach_alone(members, [len(m) == 1 for m in members], sim, p)  # one report: no copies, not merged
        for m in many:
            links = [float(sim[np.ix_(m, g)].mean()) for g in members]
            best = int(np.argmax(links)) if links else -1
            if best >= 0 and links[best] >= threshold and any(articles[i].kind == "live" for i in m):
                members[best] = members[best] + m
            else:
                members.append(m)
    return sorted((sorted(m) for m in members), key=lambda m: m[0])


def find_stories(articles: Sequence[Article], blocks: Sequence[np.ndarray],
                 p: GroupingParams = GROUPING) -> list[list[int]]:
    """The day's same-event groups: every pair scored up to p.dense_up_to articles, candidate pairs beyond."""
    if len(blocks) > p.dense_up_to:
        return cluster_blocked(articles, blocks, p)
    sim = event_similarity(articles, coverage(blocks), p) if len(blocks) else None
    return cluster(articles, sim, p.same_event, p)


def group(articles: Sequence[Article], blocks: Sequence[np.ndarray], settings: Settings, encoder: Any,
          sections: SectionModels | None, p: GroupingParams = GROUPING) -> Grouping:
    """Stories (best article first) and their sections: a feed's own category when it names a section, "Other
    languages" when the encoder cannot read any report, else the section models and phrases."""
    stories: list[tuple[int, ...]] = []
    for found in find_stories(articles, blocks, p):
        best = found[best_article([articles[i] for i in found])]
        stories.append((best, *(i for i in found if i != best)))
    names = list(settings.sections)
    evidence = [story_evidence([(articles[i].url, articles[i].category) for i in g], names) for g in stories]
    chosen: list[str | None] = [None] * len(stories)
    for k, g in enumerate(stories):
        if not len(blocks) or not any(readable(articles[i], p) for i in g):  # the page's desk alone decides
            named = (evidence[k] or frozenset()) & set(names)  # a home desk (NOT_WORLD) names no section
            chosen[k] = next(iter(named)) if len(named) == 1 else (OTHER_LANGUAGES if len(blocks) else None)
    need = [k for k, s in enumerate(chosen) if s is None]
    if need and len(blocks):
        phrases = descriptions(names, settings.section_descriptions)
        flat = [(name, phrase) for name, ps in phrases.items() for phrase in ps]
        phrase_vecs = encoder.encode([phrase for _, phrase in flat], max_length=128)
        story_vecs = np.stack([_unit(np.concatenate([blocks[i] for i in stories[k]]).mean(0)) for k in need])
        title_vecs = np.stack([_title_vector(articles, blocks, stories[k], v) for k, v in zip(need, story_vecs,
                                                                                                 strict=True)])
        texts = [story_text([(articles[i].title, articles[i].text) for i in stories[k]]) for k in need]
        picked = classify(story_vecs, names, phrase_vecs, [n for n, _ in flat], sections, texts=texts,
                          evidence=[evidence[k] for k in need], title_vecs=title_vecs)
        for k, name in zip(need, picked, strict=True):
            chosen[k] = name
    return Grouping(tuple(stories), tuple(s or FALLBACK_SECTION for s in chosen))


def grouping_key(settings: Settings, articles: Sequence[Article], encoder: Any,
                 p: GroupingParams = GROUPING) -> str:
    """What determines a grouping: every field of every article (in order), the encoder, the sections, their
    phrases and the section models, every grouping parameter and our version. A rerun over the same inputs
    reuses the grouping; a change to any of these regroups."""
    from .. import __version__
    from ..models.registry import fingerprint

    h = hashlib.sha256()
    h.update(json.dumps([__version__, encoder.identity if encoder is not None else None, list(settings.sections),
                         dict(settings.section_descriptions), settings.max_sentences, asdict(p),
                         fingerprint(SECTION_WEIGHTS) if SECTION_WEIGHTS.exists() else None],
                        default=sorted).encode())
    for a in articles:
        h.update(json.dumps([a.id, a.title, a.text, a.source, a.published, a.url, a.dateline, a.truncated,
                             a.category, a.language, a.kind], default=str).encode())
    return h.hexdigest()


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


def _title_vector(articles: Sequence[Article], blocks: Sequence[np.ndarray], story: Sequence[int],
                  fallback: np.ndarray) -> np.ndarray:
    """The mean of a story's title vectors (each titled article's last encoded text is its title:
    text.sentences.encoder_texts), unit length; `fallback` (the story vector) when no report has a title."""
    titles = [blocks[i][-1] for i in story if articles[i].title and len(blocks[i])]
    return _unit(np.mean(titles, axis=0)) if titles else fallback


def _unit(v: np.ndarray) -> np.ndarray:
    return v / (np.linalg.norm(v) or 1.0)
