"""The summarize stage: one summary per story, from the cache where present, else from the engine's model;
a failure of the model on one article costs that article only (contain)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from ..config import Settings
from ..contain import LeftOut, attempt, named
from ..documents import Article, Summary
from ..progress import ProgressFactory
from ..stories.grouping import joined_reports
from .base import ProgressFn, Summarizer

if TYPE_CHECKING:
    from ..engines.base import Engine
    from ..run import Run

logger = logging.getLogger(__name__)


def summarize_contained(summarizer: Summarizer, articles: Sequence[Article], n_sentences: int,
                        ledger: LeftOut | None = None, progress: ProgressFn | None = None) -> list[Summary | None]:
    """One summary per article, made in one call; when that call fails, article by article, so only the article
    the model fails on is left out (None, with its line in `ledger`)."""
    try:
        made = summarizer.summarize(articles, n_sentences, progress)
        if len(made) != len(articles):
            raise RuntimeError(f"{summarizer.name} returned {len(made)} summaries for {len(articles)} articles")
        return list(made)
    except Exception:  # noqa: BLE001 - find the article at fault below
        logger.debug("summarizing the batch failed; summarizing article by article", exc_info=True)
    out: list[Summary | None] = []
    for a in articles:
        got = attempt(ledger, named(a), summarizer.summarize, [a], n_sentences)
        out.append(got[0] if got else None)
    return out


def summary_key(settings: Settings, summarizer: Summarizer) -> str:
    """What a cached summary is keyed by, beside the article's content: the backend's key and the length."""
    return f"{summarizer.cache_key}|sentences={settings.sentences}"


def to_summarize(summarizer: Summarizer, story: Sequence[Article]) -> Article:
    """What the summarizer reads of a story: all its reports joined for a backend that writes its own text
    (multi_source), else its best report."""
    return joined_reports(story) if getattr(summarizer, "multi_source", False) else story[0]


def summarize_stories(run: Run, engine: Engine, stories: Sequence[Sequence[Article]],
                      made: Mapping[int, Summary] | None = None) -> tuple[list[Summary | None], int]:
    """One summary per story (its reports, best first): made already by the engine (`made`, by story), else from
    the cache, else by the engine now; (summaries, how many came from the cache). None: the model failed on
    it (run.left_out says why), or this is a dry run. The model is not even loaded when every summary is found."""
    summarizer = run.models.summarizer()
    articles = [to_summarize(summarizer, s) for s in stories]
    key = summary_key(run.settings, summarizer)
    found: list[Summary | None] = (run.cache.get_many(articles, summarizer.name, key) if run.cache
                                   else [None] * len(articles))
    cached = sum(s is not None for s in found)
    for k, ready in (made or {}).items():
        if found[k] is None:
            found[k] = ready
            if run.cache and not run.dry_run:
                run.cache.put(articles[k], summarizer.name, key, ready)
    todo = [i for i, s in enumerate(found) if s is None]
    if todo and not run.dry_run:
        for i, summary in zip(todo, engine.summarize(run, [articles[i] for i in todo]), strict=True):
            found[i] = summary
            if run.cache and summary is not None:
                run.cache.put(articles[i], summarizer.name, key, summary)
    return found, cached


def summarize_articles_with(engine: Engine, settings: Settings, inputs: Sequence[str], stdin: bytes | None,
                            progress: ProgressFactory | None = None) -> tuple[list[tuple[Article, Summary]], list[str]]:
    """`briefing summarize`: each input read on the engine, one at a time so the output keeps the order given
    (an input that gives nothing costs only itself), split, and summarized; ((article, summary) in order, the
    lines of what was left out)."""
    from ..errors import IngestError, NoInputError
    from ..models.bundle import Models
    from ..run import Run

    run = Run(settings, Models(settings), progress=progress)
    articles: list[Article] = []
    for given in inputs:
        try:
            reading = engine.read(run, [given], stdin)
        except IngestError as e:
            run.left_out.add(str(e))
            continue
        run.left_out.extend(reading.problems)  # said already, as they were met
        articles += reading.articles
    if not articles:
        raise NoInputError(f"No usable articles in {len(inputs)} input(s); see the messages above.")
    articles = engine.split(run, articles)
    summaries = engine.summarize(run, articles)
    return [(a, s) for a, s in zip(articles, summaries, strict=True) if s is not None], run.left_out.lines


def summarize_articles(articles: Sequence[Article], settings: Settings, progress: ProgressFn | None = None,
                       summarizer: Summarizer | None = None,
                       ledger: LeftOut | None = None) -> tuple[list[Summary | None], str]:
    """Summaries for the articles with the configured model (or the one given), and that model's name; an
    article the model fails on gets None and a line in `ledger` (else a warning). For callers outside a build."""
    from ..models.bundle import Models
    from ..text.sentences import with_sentences

    summarizer = summarizer or Models(settings).summarizer()
    return summarize_contained(summarizer, with_sentences(articles), settings.sentences, ledger, progress), summarizer.name
