"""The stages wired together: read -> summarize -> compose -> render -> write."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .compose import compose
from .config import Settings
from .documents import Article, Briefing, Summary
from .ingest import read_inputs, require_articles
from .output import write_atomic
from .render import to_html, to_json, to_markdown
from .summarize import get_summarizer
from .summarize.base import ProgressFn

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BuildResult:
    briefing: Briefing
    paths: tuple[Path, ...]
    problems: tuple[str, ...]


def summarize_articles(articles: Sequence[Article], settings: Settings,
                       progress: ProgressFn | None = None) -> tuple[list[Summary], str]:
    """Summaries for the articles with the configured model, and that model's name."""
    summarizer = get_summarizer(settings)
    return summarizer.summarize(articles, settings.sentences, progress), summarizer.name


def read(inputs: Sequence[str | Path], stdin: bytes | None = None) -> tuple[list[Article], list[str]]:
    """Every article the inputs hold (NoInputError when none), and the inputs left out."""
    articles, problems = read_inputs(inputs, stdin=stdin)
    return require_articles(articles, problems), problems


def render_all(briefing: Briefing, formats: Sequence[str]) -> dict[str, str]:
    md = to_markdown(briefing)
    makers = {"md": lambda: md, "html": lambda: to_html(briefing, md), "json": lambda: to_json(briefing)}
    return {fmt: makers[fmt]() for fmt in formats}


def build(inputs: Sequence[str | Path], settings: Settings, day: date,
          progress_factory=None, stdin: bytes | None = None) -> BuildResult:
    """Write briefs/DAY.{md,html,...} from the inputs; each file is replaced atomically."""
    articles, problems = read(inputs, stdin)
    logger.info("read %d articles from %d inputs", len(articles), len(inputs))
    if progress_factory is not None:
        with progress_factory(len(articles)) as advance:
            summaries, model = summarize_articles(articles, settings, advance)
    else:
        summaries, model = summarize_articles(articles, settings)
    briefing = compose(day, articles, summaries, model, problems)
    texts = render_all(briefing, settings.formats)  # render everything before writing anything
    paths = tuple(write_atomic(settings.out / f"{day.isoformat()}.{fmt}", text) for fmt, text in texts.items())
    return BuildResult(briefing, paths, tuple(problems))
