"""The stages wired together: read -> group into stories -> summarize -> sections -> compose -> write."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np

from .cluster import SAME_EVENT, cluster, coverage, event_similarity, joined_reports, readable
from .compose import best_article, compose
from .config import Settings
from .documents import Article, Briefing, Story, Summary
from .errors import ConfigError, IngestError, NoInputError
from .ingest import read_inputs, require_articles
from .output import write_index, write_together
from .render import to_html, to_json, to_markdown
from .sections import classify, descriptions, from_category
from .summarize import get_summarizer
from .summarize.base import ProgressFn
from .store import CachedEncoder, State, SummaryCache
from .segment import encoder_texts, known_splits, sentences
from .summarize.encoder import SENTENCE_TOKENS, default_encoder

logger = logging.getLogger(__name__)
FALLBACK_SECTION = "News"  # where stories go when no encoder is installed and no category fits
OTHER_LANGUAGES = "Other languages"  # stories the English-only encoder cannot read, without a feed category


@dataclass(frozen=True, slots=True)
class BuildResult:
    briefing: Briefing
    paths: tuple[Path, ...]  # written, or (with dry_run) that would be written
    problems: tuple[str, ...]
    cached: int = 0  # stories whose summary came from the cache
    summarized: int = 0  # stories the model summarized in this run (with dry_run: would summarize)


def summarize_articles(articles: Sequence[Article], settings: Settings,
                       progress: ProgressFn | None = None) -> tuple[list[Summary], str]:
    """Summaries for the articles with the configured model, and that model's name."""
    summarizer = get_summarizer(settings)
    return summarizer.summarize(articles, settings.sentences, progress), summarizer.name


def read(inputs: Sequence[str | Path], stdin: bytes | None = None, state: State | None = None,
         timeout: float = 20.0, allow_private: bool = False, budget: float = 300.0) -> tuple[list[Article], list[str]]:
    """Every article the inputs (files, folders, -, feed URLs, .opml) hold, and the inputs left out.

    NoInputError when none gave an article.
    """
    from .fetch import is_url, opml_urls, read_urls

    local: list[str | Path] = []
    urls: list[str] = []
    problems: list[str] = []
    for given in inputs:
        if is_url(str(given)):
            urls.append(str(given))
        elif str(given).lower().endswith(".opml"):
            try:
                urls += opml_urls(Path(given))
            except IngestError as e:
                problems.append(str(e))
        else:
            local.append(given)
    articles, more = read_inputs(local, stdin=stdin)
    problems += more
    if urls:
        fetched, more = read_urls(urls, state, timeout, allow_private=allow_private, budget_s=budget)
        articles += fetched
        problems += more
    return require_articles(articles, problems), problems


def select_since(articles: Sequence[Article], since: datetime, first_seen: dict[str, datetime]) -> list[Article]:
    """Articles published (or, undated, first seen) at or after `since` (timezone-aware)."""
    def when(a: Article) -> datetime:
        moment = a.published or first_seen.get(a.id) or datetime.now(timezone.utc)
        return moment if moment.tzinfo else moment.astimezone()  # naive = local time
    return [a for a in articles if when(a) >= since]


def group_stories(articles: Sequence[Article], settings: Settings,
                  cache: SummaryCache | None = None) -> tuple[list[list[int]], list[str]]:
    """Article indices per story (best article first) and each story's section.

    Every article's sentences and title are embedded once (the extractive summarizer reuses the
    vectors); clustering compares articles sentence by sentence, sections use each story's mean.
    """
    encoder = default_encoder(settings)
    if encoder is not None and cache is not None:
        encoder = CachedEncoder(encoder, cache)
    blocks: list[np.ndarray] = []
    if encoder is not None and articles:
        texts = [encoder_texts(a, settings.max_sentences) for a in articles]
        vecs = encoder.encode([t for ts in texts for t in ts], max_length=SENTENCE_TOKENS)
        cuts = np.cumsum([len(ts) for ts in texts])[:-1]
        blocks = np.split(vecs, cuts)
    sim = event_similarity(articles, coverage(blocks)) if blocks else None
    groups = []
    for g in cluster(articles, sim, SAME_EVENT):
        best = g[best_article([articles[i] for i in g])]
        groups.append([best] + [i for i in g if i != best])
    names = list(settings.sections)
    chosen: list[str | None] = [
        next((s for s in (from_category(articles[i].category, names) for i in g) if s), None) for g in groups
    ]
    for k, g in enumerate(groups):
        if chosen[k] is None and not any(readable(articles[i]) for i in g):
            chosen[k] = OTHER_LANGUAGES
    need = [k for k, s in enumerate(chosen) if s is None]
    if need and blocks:
        phrases = descriptions(names, settings.section_descriptions)
        flat = [(name, p) for name, ps in phrases.items() for p in ps]
        phrase_vecs = encoder.encode([p for _, p in flat], max_length=128)
        story_vecs = np.stack([_unit(np.concatenate([blocks[i] for i in groups[k]]).mean(0)) for k in need])
        for k, name in zip(need, classify(story_vecs, names, phrase_vecs, [n for n, _ in flat])):
            chosen[k] = name
    return groups, [s or FALLBACK_SECTION for s in chosen]


def _unit(v: np.ndarray) -> np.ndarray:
    return v / (np.linalg.norm(v) or 1.0)


def render_all(briefing: Briefing, formats: Sequence[str]) -> dict[str, str]:
    md = to_markdown(briefing)
    makers = {"md": lambda: md, "html": lambda: to_html(briefing, md), "json": lambda: to_json(briefing)}
    return {fmt: makers[fmt]() for fmt in formats}


def summary_settings_key(settings: Settings) -> str:
    """Everything besides the article and the model that changes a summary (and our version)."""
    from . import __version__

    return "|".join(str(v) for v in (__version__, settings.sentences, settings.max_sentences, settings.beams,
                                     settings.headline_words, settings.summary_words, settings.context_tokens,
                                     settings.guard, settings.quantize))


def summarize_cached(stories: Sequence[Sequence[Article]], settings: Settings, cache: SummaryCache | None,
                     progress_factory=None, dry_run: bool = False) -> tuple[list[Summary | None], str, int]:
    """One summary per story (its reports, best first), from the cache where present, else from the model;
    (summaries, model, cached count). A multi-source backend reads all of a story's reports, others its best.

    The model is not even loaded when every summary is cached; with dry_run it is never used.
    """
    summarizer = get_summarizer(settings)
    joined = getattr(summarizer, "multi_source", False)
    articles = [joined_reports(s) if joined else s[0] for s in stories]
    key = summary_settings_key(settings)
    found = [cache.get(a, summarizer.name, key) if cache else None for a in articles]
    todo = [i for i, s in enumerate(found) if s is None]
    if todo and not dry_run:
        batch = [articles[i] for i in todo]
        if progress_factory is not None:
            with progress_factory(len(batch)) as advance:
                made = summarizer.summarize(batch, settings.sentences, advance)
        else:
            made = summarizer.summarize(batch, settings.sentences)
        for i, summary in zip(todo, made):
            found[i] = summary
            if cache:
                cache.put(articles[i], summarizer.name, key, summary)
    return found, summarizer.name, len(articles) - len(todo)


def _disposable(opener, kind: str, quiet: bool = False):
    """The cache or state database, or None (with a warning) when it cannot be used: a brief is never
    lost to a database that only saves work."""
    try:
        return opener()
    except ConfigError as e:
        (logger.info if quiet else logger.warning)("%s Going on without the %s: nothing is reused or remembered "
                                                   "this run.", e, kind)
        return None


def build(inputs: Sequence[str | Path], settings: Settings, day: date, progress_factory=None,
          stdin: bytes | None = None, since: datetime | None = None, use_cache: bool = True,
          dry_run: bool = False) -> BuildResult:
    """Write OUT/DAY.{md,html,...} and the index from the inputs; each file is replaced atomically."""
    from .config import cache_dir, state_dir

    # A dry run writes nothing anywhere: no state, and the cache only read (when there is one).
    state = None if dry_run else _disposable(lambda: State(state_dir(settings)), "state")
    cache = (_disposable(lambda: SummaryCache(cache_dir(settings), read_only=dry_run), "cache", quiet=dry_run)
             if use_cache else None)
    try:
        articles, problems = read(inputs, stdin, state, settings.fetch_timeout, settings.allow_private_fetch,
                                  settings.fetch_budget)
        if len(articles) > settings.max_articles:
            raise NoInputError(f"{len(articles)} articles is more than max_articles = {settings.max_articles}; "
                               "split the inputs over several runs or raise max_articles in the config.")
        if since is not None:
            kept = select_since(articles, since, state.first_seen(articles) if state else {})
            logger.info("%d of %d articles are from %s on", len(kept), len(articles), since.isoformat())
            if not kept:
                raise NoInputError(f"No articles from {since:%Y-%m-%d %H:%M %Z} on among {len(articles)} read; "
                                   "widen --since.")
            articles = kept
        elif state:  # None in a dry run
            state.first_seen(articles)
        split_before = cache.splits([a.text for a in articles]) if cache else {}
        known_splits(split_before)
        groups, sections = group_stories(articles, settings, cache)
        logger.info("read %d articles from %d inputs: %d stories", len(articles), len(inputs), len(groups))
        summaries, model, cached = summarize_cached([[articles[i] for i in g] for g in groups], settings, cache,
                                                    progress_factory, dry_run)
        if cache and not dry_run:
            cache.put_splits({a.text: sentences(a) for a in articles if a.text not in split_before})
    finally:
        if state:
            state.close()
        if cache:
            cache.close()
    paths = tuple(settings.out / f"{day.isoformat()}.{fmt}" for fmt in settings.formats)
    if dry_run:
        empty = Briefing(day, (), model, articles=len(articles), skipped=tuple(problems))
        return BuildResult(empty, paths, tuple(problems), cached, len(groups) - cached)
    stories = [Story(tuple(articles[i] for i in g), s, sec) for g, s, sec in zip(groups, summaries, sections)]
    briefing = compose(day, stories, [min(g) for g in groups], model, sections=settings.sections,
                       top=settings.top_stories, per_section=settings.per_section, articles=len(articles),
                       skipped=problems)
    texts = render_all(briefing, settings.formats)  # render everything before writing anything
    paths = write_together({settings.out / f"{day.isoformat()}.{fmt}": text for fmt, text in texts.items()})
    write_index(settings.out)
    return BuildResult(briefing, paths, tuple(problems), cached, len(groups) - cached)
