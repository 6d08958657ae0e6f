"""The stages of a build, each a function over frozen data, with one run context:

    plan (read, select, split) -> encode -> group -> summarize -> compose -> publish

The summarizer, encoder, cache and state are handed to the stages in the Run, never looked up
globally, so another front end (a server, another engine) drives the same stages. A dry run is
the same plan with nothing written anywhere and nothing summarized.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .config import Settings
from .contain import LeftOut, attempt
from .documents import Article, Briefing, Story, Summary
from .errors import ConfigError, IngestError, NoInputError
from .models.encoder import SENTENCE_TOKENS, Encoder, default_encoder
from .progress import ProgressFactory, track
from .publish.compose import best_article, compose
from .publish.output import locked, write_index, write_together
from .publish.render import render_all
from .read.parse import read_inputs, require_articles
from .store import CachedEncoder, State, SummaryCache
from .stories.cluster import (
    DAY_PENALTY,
    DENSE_UP_TO,
    NEIGHBOURS,
    SAME_EVENT,
    WINDOW_DAYS,
    cluster,
    cluster_blocked,
    coverage,
    event_similarity,
    joined_reports,
    readable,
)
from .stories.sections import CLASSIFIER, classify, descriptions, from_category, story_text
from .summarize import get_summarizer
from .summarize.base import ProgressFn, Summarizer
from .text.sentences import encoder_texts, with_sentences

logger = logging.getLogger(__name__)
FALLBACK_SECTION = "News"  # where stories go when no encoder is installed and no category fits
OTHER_LANGUAGES = "Other languages"  # stories the English-only encoder cannot read, without a feed category


@dataclass(frozen=True, slots=True)
class Run:
    """What a run's stages share: its settings, the stores (None: not used), the summarizer and encoder
    (made on first use unless given), and whether anything may be written."""

    settings: Settings
    cache: SummaryCache | None = None
    state: State | None = None
    dry_run: bool = False
    progress: ProgressFactory | None = None
    summarizer: Summarizer | None = None
    encoder: Encoder | None = None
    timings: dict[str, float] = field(default_factory=dict, compare=False)
    left_out: LeftOut = field(default_factory=LeftOut, compare=False)  # inputs, entries, articles, stories left out

    def get_summarizer(self) -> Summarizer:
        return self.summarizer or get_summarizer(self.settings)

    def _encoder(self) -> Encoder | None:
        return self.encoder or default_encoder(self.settings)

    def get_encoder(self) -> Any:
        """The sentence encoder (vectors kept in the cache when there is one), or None when not installed."""
        encoder = self._encoder()
        return CachedEncoder(encoder, self.cache) if encoder is not None and self.cache is not None else encoder

    def warm_up(self) -> None:
        """Load the encoder now (while the plan's process pool splits texts it will have to encode)."""
        encoder = self._encoder()
        if encoder is not None:
            encoder.load()

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        t = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - t


@dataclass(frozen=True, slots=True)
class Plan:
    """The articles a run works on (sentences attached) and the inputs it left out."""

    articles: tuple[Article, ...]
    problems: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BuildResult:
    briefing: Briefing
    paths: tuple[Path, ...]  # written, or (with dry_run) that would be written
    problems: tuple[str, ...]
    cached: int = 0  # stories whose summary came from the cache
    summarized: int = 0  # stories the model summarized in this run (with dry_run: would summarize)
    timings: tuple[tuple[str, float], ...] = ()  # seconds per stage


@contextlib.contextmanager
def open_run(settings: Settings, use_cache: bool = True, dry_run: bool = False,
             progress: ProgressFactory | None = None, summarizer: Summarizer | None = None) -> Iterator[Run]:
    """A Run with the cache and state opened (a dry run only reads the cache and opens no state), closed after."""
    from .config import cache_dir, state_dir

    state = None if dry_run else _disposable(lambda: State(state_dir(settings)), "state")
    cache = (_disposable(lambda: SummaryCache(cache_dir(settings), read_only=dry_run), "cache", quiet=dry_run)
             if use_cache else None)
    try:
        yield Run(settings, cache, state, dry_run, progress, summarizer)
    finally:
        for store in (state, cache):
            if store is not None:
                store.close()


def _disposable(opener, kind: str, quiet: bool = False):
    """The cache or state database, or None (with a warning) when it cannot be used: a brief is never
    lost to a database that only saves work."""
    try:
        return opener()
    except ConfigError as e:
        (logger.info if quiet else logger.warning)("%s Going on without the %s: nothing is reused or remembered "
                                                   "this run.", e, kind)
        return None


# -- plan -------------------------------------------------------------------------------------------

def read(inputs: Sequence[str | Path], settings: Settings, stdin: bytes | None = None,
         state: State | None = None, progress: ProgressFactory | None = None) -> tuple[list[Article], list[str]]:
    """Every article the inputs (files, folders, -, feed URLs, .opml) hold, and the inputs left out.

    NoInputError when none gave an article.
    """
    local, urls, problems = split_inputs(inputs)
    articles, more = read_inputs(local, stdin=stdin, progress=progress)
    problems += more
    fetched, more = read_feeds(urls, settings, state, progress)
    return require_articles(articles + fetched, problems + more), problems + more


def split_inputs(inputs: Sequence[str | Path]) -> tuple[list[str | Path], list[str], list[str]]:
    """(files, folders and -; feed URLs, with those .opml files list; the .opml files that cannot be read)."""
    from .read.http import is_url, opml_urls

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
    return local, urls, problems


def read_feeds(urls: Sequence[str], settings: Settings, state: State | None = None,
               progress: ProgressFactory | None = None) -> tuple[list[Article], list[str]]:
    """The articles of feed (or page) URLs, fetched here, and one problem line per URL that failed."""
    from .read.http import read_urls

    if not urls:
        return [], []
    with track(progress, "fetching", len(urls)) as advance:
        return read_urls(list(urls), state, settings.fetch_timeout, allow_private=settings.allow_private_fetch,
                         budget_s=settings.fetch_budget, advance=advance)


def select_since(articles: Sequence[Article], since: datetime, first_seen: dict[str, datetime]) -> list[Article]:
    """Articles published (or, undated, first seen) at or after `since` (timezone-aware)."""
    def when(a: Article) -> datetime:
        moment = a.published or first_seen.get(a.id) or datetime.now(UTC)
        return moment if moment.tzinfo else moment.astimezone()  # naive = local time
    return [a for a in articles if when(a) >= since]


def plan(run: Run, inputs: Sequence[str | Path], stdin: bytes | None = None, since: datetime | None = None,
         engine: Engine | None = None) -> Plan:
    """Read the inputs, keep those since `since`, and split every article into sentences (once: from the
    cache, else in a process pool, or on the engine's workers), so no later stage splits again."""
    engine = engine or LocalEngine()
    settings = run.settings
    articles, problems = engine.read(run, inputs, stdin)
    if len(articles) > settings.max_articles:
        raise NoInputError(f"{len(articles)} articles is more than max_articles = {settings.max_articles}; "
                           "split the inputs over several runs or raise max_articles in the config.")
    if since is not None:
        kept = select_since(articles, since, run.state.first_seen(articles) if run.state else {})
        logger.info("%d of %d articles are from %s on", len(kept), len(articles), since.isoformat())
        if not kept:
            raise NoInputError(f"No articles from {since:%Y-%m-%d %H:%M %Z} on among {len(articles)} read; "
                               "widen --since.")
        articles = kept
    elif run.state:
        run.state.first_seen(articles)
    return Plan(tuple(engine.split(run, articles)), tuple(problems))


class Engine(Protocol):
    """Where the per-article work runs: reading and splitting, and the model (vectors and summaries).
    Grouping, composing and publishing stay with the caller (pipeline.build), the same for every engine."""

    name: str

    def read(self, run: Run, inputs: Sequence[str | Path], stdin: bytes | None) -> tuple[list[Article], list[str]]: ...

    def split(self, run: Run, articles: list[Article]) -> list[Article]: ...

    def vectors(self, run: Run, articles: Sequence[Article], encoder: Any) -> list[np.ndarray]: ...

    def summarizer(self, run: Run) -> Summarizer: ...


class LocalEngine:
    """This process (and, for splitting many texts, a process pool on this machine)."""

    name = "local"

    def read(self, run: Run, inputs: Sequence[str | Path], stdin: bytes | None) -> tuple[list[Article], list[str]]:
        return read(inputs, run.settings, stdin, run.state, run.progress)

    def split(self, run: Run, articles: list[Article]) -> list[Article]:
        known = run.cache.splits([a.text for a in articles]) if run.cache else {}
        with track(run.progress, "splitting", len(articles)) as advance:
            articles = split_contained(run, articles, lambda batch: with_sentences(
                batch, known, meanwhile=None if run.dry_run else run.warm_up, advance=advance))
        if run.cache and not run.dry_run:
            run.cache.put_splits({a.text: a.sentences or () for a in articles if a.text not in known})
        return articles

    def vectors(self, run: Run, articles: Sequence[Article], encoder: Any) -> list[np.ndarray]:
        return encode(run, articles, encoder)

    def summarizer(self, run: Run) -> Summarizer:
        return run.get_summarizer()


def split_contained(run: Run, articles: list[Article], split: Callable[[list[Article]], list[Article]]) -> list[Article]:
    """split(articles); when it fails, each article alone, so the one whose text breaks the splitter is left out
    (run.left_out) and the others keep their sentences."""
    try:
        return split(articles)
    except Exception:  # noqa: BLE001 - find the article at fault below
        logger.debug("splitting the batch failed; splitting article by article", exc_info=True)
    out = []
    for a in articles:
        got = attempt(run.left_out, _named(a), split, [a])
        if got:
            out += got
    return out


def _named(article: Article) -> str:
    """An article as a message names it: its source and title (or id)."""
    return f"{article.source or 'article'}: {article.title or article.id}"[:160]


# -- encode and group ------------------------------------------------------------------------------

def encode(run: Run, articles: Sequence[Article], encoder: Any) -> list[np.ndarray]:
    """Each article's sentence vectors (then its title's), one block per article; [] without an encoder.
    The extractive summarizer embeds the same texts, so it finds them in the encoder's memo."""
    if encoder is None or not articles:
        return []
    texts = [encoder_texts(a, run.settings.max_sentences) for a in articles]
    flat = [t for ts in texts for t in ts]
    with track(run.progress, "encoding", len(flat)) as advance:
        vecs = encoder.encode(flat, max_length=SENTENCE_TOKENS, advance=advance)
    cuts = np.cumsum([len(ts) for ts in texts])[:-1]
    return np.split(vecs, cuts)


def encode_contained(run: Run, engine: Engine, articles: Sequence[Article],
                     encoder: Any) -> tuple[list[Article], list[np.ndarray]]:
    """(articles, their vector blocks): all of them in one pass, or, when that fails, article by article, the
    ones the encoder fails on left out (run.left_out)."""
    try:
        return list(articles), engine.vectors(run, articles, encoder)
    except Exception:  # noqa: BLE001 - find the article at fault below
        if encoder is None:
            raise
        logger.debug("encoding the day failed; encoding article by article", exc_info=True)
    kept: list[Article] = []
    blocks: list[np.ndarray] = []
    for a in articles:
        got = attempt(run.left_out, _named(a), encode, run, [a], encoder)
        if got:
            kept.append(a)
            blocks += got
    return kept, blocks


def group(run: Run, articles: Sequence[Article], blocks: Sequence[np.ndarray],
          encoder: Any) -> tuple[list[list[int]], list[str]]:
    """Article indices per story (best article first) and each story's section."""
    if len(blocks) > DENSE_UP_TO:  # a very large day: score only candidate pairs (nearest neighbours)
        found = cluster_blocked(articles, blocks, SAME_EVENT)
    else:
        found = cluster(articles, event_similarity(articles, coverage(blocks)) if len(blocks) else None, SAME_EVENT)
    groups = []
    for g in found:
        best = g[best_article([articles[i] for i in g])]
        groups.append([best] + [i for i in g if i != best])
    names = list(run.settings.sections)
    chosen: list[str | None] = [
        next((s for s in (from_category(articles[i].category, names) for i in g) if s), None) for g in groups
    ]
    for k, g in enumerate(groups):
        if chosen[k] is None and not any(readable(articles[i]) for i in g):
            chosen[k] = OTHER_LANGUAGES
    need = [k for k, s in enumerate(chosen) if s is None]
    if need and len(blocks):
        phrases = descriptions(names, run.settings.section_descriptions)
        flat = [(name, p) for name, ps in phrases.items() for p in ps]
        phrase_vecs = encoder.encode([p for _, p in flat], max_length=128)
        story_vecs = np.stack([_unit(np.concatenate([blocks[i] for i in groups[k]]).mean(0)) for k in need])
        texts = [story_text([(articles[i].title, articles[i].text) for i in groups[k]]) for k in need]
        for k, name in zip(need, classify(story_vecs, names, phrase_vecs, [n for n, _ in flat], texts=texts)):
            chosen[k] = name
    return groups, [s or FALLBACK_SECTION for s in chosen]


def grouping_key(run: Run, articles: Sequence[Article], encoder: Any) -> str:
    """What determines a grouping: every field of every article (in order), the encoder, the sections, their
    phrases and the section models, the thresholds and our version. A rerun over the same inputs reuses the grouping."""
    from . import __version__
    from .models.registry import fingerprint

    h = hashlib.sha256()
    st = run.settings
    h.update(json.dumps([__version__, encoder.identity if encoder is not None else None, list(st.sections),
                         {k: v for k, v in st.section_descriptions.items()}, st.max_sentences, SAME_EVENT,
                         DAY_PENALTY, DENSE_UP_TO, NEIGHBOURS, WINDOW_DAYS,
                         fingerprint(CLASSIFIER.parent) if CLASSIFIER.parent.exists() else None], default=str).encode())
    for a in articles:
        h.update(json.dumps([a.id, a.title, a.text, a.source, a.published, a.url, a.dateline, a.truncated,
                             a.category, a.language], default=str).encode())
    return h.hexdigest()


def group_stories(articles: Sequence[Article], settings: Settings,
                  cache: SummaryCache | None = None) -> tuple[list[list[int]], list[str]]:
    """encode + group in one call, for callers outside a build (benchmarks, tests)."""
    run = Run(settings, cache)
    articles = with_sentences(articles)
    encoder = run.get_encoder()
    return group(run, articles, encode(run, articles, encoder), encoder)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / (np.linalg.norm(v) or 1.0)


# -- summarize -------------------------------------------------------------------------------------

def summarize_articles(articles: Sequence[Article], settings: Settings, progress: ProgressFn | None = None,
                       summarizer: Summarizer | None = None,
                       ledger: LeftOut | None = None) -> tuple[list[Summary | None], str]:
    """Summaries for the articles with the configured model (or the one given), and that model's name; an
    article the model fails on gets None and a line in `ledger` (else a warning)."""
    summarizer = summarizer or get_summarizer(settings)
    return summarize_contained(summarizer, with_sentences(articles), settings.sentences, ledger, progress), summarizer.name


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
        got = attempt(ledger, _named(a), summarizer.summarize, [a], n_sentences)
        out.append(got[0] if got else None)
    return out


def summary_key(settings: Settings, summarizer: Summarizer) -> str:
    """What a cached summary is keyed by, beside the article's content: the backend's key and the length."""
    return f"{summarizer.cache_key}|sentences={settings.sentences}"


def summarize(run: Run, stories: Sequence[Sequence[Article]]) -> tuple[list[Summary | None], str, int]:
    """One summary per story (its reports, best first), from the cache where present, else from the model;
    (summaries, model, cached count). A multi-source backend reads all of a story's reports, others its best.
    A story the model fails on gets None (its line is in run.left_out).

    The model is not even loaded when every summary is cached; in a dry run it is never used.
    """
    summarizer = run.get_summarizer()
    joined = getattr(summarizer, "multi_source", False)
    articles = [joined_reports(s) if joined else s[0] for s in stories]
    key = summary_key(run.settings, summarizer)
    found: list[Summary | None] = (run.cache.get_many(articles, summarizer.name, key) if run.cache
                                   else [None] * len(articles))
    todo = [i for i, s in enumerate(found) if s is None]
    if todo and not run.dry_run:
        batch = with_sentences([articles[i] for i in todo])
        with track(run.progress, "summarizing", len(batch)) as advance:
            made = summarize_contained(summarizer, batch, run.settings.sentences, run.left_out, advance)
        for i, summary in zip(todo, made, strict=True):
            found[i] = summary
            if run.cache and summary is not None:
                run.cache.put(articles[i], summarizer.name, key, summary)
    return found, summarizer.name, len(articles) - len(todo)


# -- publish ---------------------------------------------------------------------------------------

def publish(briefing: Briefing, settings: Settings) -> tuple[Path, ...]:
    """Render every format, then write them together (each replaced atomically) and the index."""
    texts = render_all(briefing, settings.formats)  # render everything before writing anything
    paths = write_together({settings.out / f"{briefing.day.isoformat()}.{fmt}": text for fmt, text in texts.items()})
    write_index(settings.out)
    return paths


# -- the whole build -------------------------------------------------------------------------------

def build(inputs: Sequence[str | Path], settings: Settings, day: date, progress: ProgressFactory | None = None,
          stdin: bytes | None = None, since: datetime | None = None, use_cache: bool = True,
          dry_run: bool = False, wait: float = 0, summarizer: Summarizer | None = None,
          engine: Engine | None = None) -> BuildResult:
    """Write OUT/DAY.{md,html,...} and the index from the inputs, holding the output folder's lock for the
    whole run (BusyError when another run holds it). A dry run takes no lock and writes nothing.

    `engine` runs the per-article work (default: this process); the rest is the same for every engine.
    An input, entry, article or story that fails is left out (run.left_out) and the rest is built."""
    engine = engine or LocalEngine()
    lock = contextlib.nullcontext() if dry_run else locked(settings.out, wait, settings.stale_lock)
    with lock, open_run(settings, use_cache, dry_run, progress, summarizer) as run:
        with run.stage("plan"):
            the_plan = plan(run, inputs, stdin, since, engine)
        run.left_out.extend(the_plan.problems)
        articles = the_plan.articles
        encoder = run.get_encoder()
        key = grouping_key(run, articles, encoder)
        known = run.cache.groups(key, len(articles)) if run.cache else None
        if known is not None:
            groups, sections = known
        else:
            with run.stage("encode"):
                kept, blocks = encode_contained(run, engine, articles, encoder)
            if len(kept) < len(articles):
                if not kept:
                    raise NoInputError(f"No usable articles: the encoder failed on all {len(articles)}; see the "
                                       "warnings above.")
                articles = tuple(kept)
                key = grouping_key(run, articles, encoder)
            with run.stage("group"), track(run.progress, "grouping", None):
                groups, sections = group(run, articles, blocks, encoder)
            if run.cache and not dry_run:
                run.cache.put_groups(key, groups, sections)
        logger.info("read %d articles from %d inputs: %d stories", len(articles), len(inputs), len(groups))
        with run.stage("summarize"):
            summaries, model, cached = summarize(replace(run, summarizer=engine.summarizer(run)),
                                                 [[articles[i] for i in g] for g in groups])
        paths = tuple(settings.out / f"{day.isoformat()}.{fmt}" for fmt in settings.formats)
        if dry_run:
            problems = tuple(run.left_out)
            empty = Briefing(day, (), model, articles=len(articles), skipped=problems)
            return BuildResult(empty, paths, problems, cached, len(groups) - cached, tuple(run.timings.items()))
        with run.stage("compose"):
            made = [(Story(tuple(articles[i] for i in g), s, sec), min(g))
                    for g, s, sec in zip(groups, summaries, sections, strict=True) if s is not None]
            ok = renderable(run.left_out, [st for st, _ in made])
            stories, positions = [made[i][0] for i in ok], [made[i][1] for i in ok]
            problems = tuple(run.left_out)
            briefing = compose(day, stories, positions, model, sections=settings.sections,
                               top=settings.top_stories, per_section=settings.per_section, articles=len(articles),
                               skipped=problems)
        with run.stage("publish"):
            paths = publish(briefing, settings)
        logger.info("stage seconds: %s", ", ".join(f"{k} {v:.1f}" for k, v in run.timings.items()))
        return BuildResult(briefing, paths, problems, cached, len(groups) - cached, tuple(run.timings.items()))


def renderable(ledger: LeftOut, stories: Sequence[Story]) -> list[int]:
    """The indices of the stories every format can render; one that fails to render is left out (ledger), not
    the briefing."""
    from .publish.render import check_story

    return [i for i, st in enumerate(stories)
            if attempt(ledger, f"story {_named(st.lead)}", check_story, st) is not None]
