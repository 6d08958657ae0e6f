"""Articles + summaries -> a dated Briefing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from .documents import Article, Briefing, Item, Summary


def compose(day: date, articles: Sequence[Article], summaries: Sequence[Summary], model: str,
            skipped: Sequence[str] = ()) -> Briefing:
    """One item per article, in input order; articles with nothing to say are dropped."""
    items = tuple(Item(a, s) for a, s in zip(articles, summaries, strict=True) if s.headline.strip())
    return Briefing(day=day, items=items, model=model, skipped=tuple(skipped))
