"""Stories -> a dated Briefing: "Top stories" first, then topic sections, each ranked and capped."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime

from ..documents import Briefing, Section, Story

TOP = "Top stories"


def _timestamp(moment: datetime | None) -> float:
    if moment is None:
        return 0.0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def rank(stories: Sequence[Story], positions: Sequence[int]) -> list[Story]:
    """Most sources first, then the most recent, then the earliest in the input."""
    order = sorted(range(len(stories)), key=lambda i: (
        -len({a.source for a in stories[i].articles}),
        -max(_timestamp(a.published) for a in stories[i].articles),
        positions[i],
    ))
    return [stories[i] for i in order]


def compose(day: date, stories: Sequence[Story], positions: Sequence[int], model: str, *,
            sections: Sequence[str], top: int = 5, per_section: int = 8, articles: int = 0,
            skipped: Sequence[str] = ()) -> Briefing:
    """Rank the stories, put the best under Top stories, the rest under their sections.

    Top stories holds at most `top` stories and at most a third of all (rounded up), so a
    short briefing still shows its sections.
    Stories with nothing to say are dropped; empty sections are omitted; a section's stories
    beyond `per_section` go to Briefing.more (a compact list), so nothing read is hidden. A title-only
    item (no text: a feed entry whose page could not be fetched) is never a top story, nor is a story in another
    language than most of the day's (a Chinese report among English ones stays in its section).
    """
    kept = [(s, p) for s, p in zip(stories, positions, strict=True) if s.summary.headline.strip()]
    ranked = rank([s for s, _ in kept], [p for _, p in kept])
    out: list[Section] = []
    n_top = min(top, -(-len(ranked) // 3))
    languages = Counter(s.lead.language for s in ranked if s.lead.language)
    reader = languages.most_common(1)[0][0] if languages else None  # the day's language: the reader's
    eligible = [s for s in ranked if any(a.text.strip() for a in s.articles)
                and s.lead.language in (None, reader)]
    top_stories = eligible[:n_top]
    if top_stories:
        out.append(Section(TOP, tuple(top_stories)))
    rest = [s for s in ranked if not any(s is t for t in top_stories)]
    more: list[Story] = []
    order = list(sections) + sorted({s.section for s in rest} - set(sections))
    for name in order:
        mine = [s for s in rest if s.section == name]
        if mine:
            out.append(Section(name, tuple(mine[:per_section])))
            more += mine[per_section:]
    return Briefing(day=day, sections=tuple(out), model=model, articles=articles, skipped=tuple(skipped),
                    more=tuple(more))
