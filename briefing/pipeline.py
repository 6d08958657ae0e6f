"""A build, as its list of stages over frozen data, sharing one Run (run.py):

    plan (read, select what is new since the last brief, split) -> encode -> group -> summarize
    -> compose (developing stories) -> publish (the day's files and the feed; remembered in the state) -> mail

Each stage is a function of another module; an Engine (engines/) runs the per-article work (reading and
splitting, vectors and summaries), here or on a cluster. Whatever fails on one input, entry, article or story
leaves out that item (run.left_out, contain.py), never the run. A dry run is the same plan with nothing
written anywhere and nothing summarized.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from .config import Settings
from .contain import attempt, named
from .documents import Article, Briefing, Story
from .engines.base import Encoded, Engine
from .engines.local import LocalEngine
from .errors import NoInputError
from .models.bundle import Models
from .progress import ProgressFactory, track
from .publish.compose import compose
from .publish.mail import ready, send_brief
from .publish.output import locked, publish
from .publish.render import renderable
from .run import Run, open_run
from .stories.developing import follow, remember
from .stories.grouping import Grouping, group, grouping_key
from .stories.history import Window, select, window
from .summarize.stage import summarize_stories, summary_key, to_summarize

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BuildResult:
    briefing: Briefing
    paths: tuple[Path, ...]  # written, or (with dry_run) that would be written
    problems: tuple[str, ...]  # one line per input, entry, article or story left out
    cached: int = 0  # stories whose summary came from the cache
    summarized: int = 0  # stories the model summarized in this run (with dry_run: would summarize)
    timings: tuple[tuple[str, float], ...] = ()  # seconds per stage


def plan(run: Run, engine: Engine, inputs: Sequence[str | Path], stdin: bytes | None = None,
         since: datetime | None = None, day: date | None = None, now: datetime | None = None
         ) -> tuple[list[Article], Window]:
    """Read the inputs, keep what is new for the brief of `day` (stories/history.py: since `since`, else since the
    previous brief; nothing an earlier brief showed), and split every article into sentences (once: from the
    cache, else in a process pool, or on the engine's workers), so no later stage splits again."""
    reading = engine.read(run, inputs, stdin)
    run.left_out.extend(reading.problems)  # said already, as they were met
    articles = list(reading.articles)
    if len(articles) > run.settings.max_articles:
        raise NoInputError(f"{len(articles)} articles is more than max_articles = {run.settings.max_articles}; "
                           "split the inputs over several runs or raise max_articles in the config.")
    day = day or date.today()
    win = window(run.state, run.settings.out, day, since)
    first_seen = run.state.first_seen(articles, now.timestamp() if now else None) if run.state else {}
    kept = select(run.state, run.settings.out, day, articles, win, first_seen, now)
    logger.info("%d of %d articles are new since %s", len(kept), len(articles), win.since.isoformat())
    return engine.split(run, kept), win


def encode(run: Run, engine: Engine, articles: Sequence[Article]) -> tuple[list[Article], Encoded]:
    """The articles' vectors (and the summaries an engine makes in the same pass: for every article the cache
    has none for, since stories are not known yet); when the pass fails, article by article, an article the
    encoder fails on left out."""
    want = _uncached(run, articles) if engine.summarizes_while_encoding else [False] * len(articles)
    try:
        return list(articles), engine.encode(run, articles, want)
    except Exception:  # noqa: BLE001 - find the article at fault below
        if run.models.encoder() is None:
            raise
        logger.debug("encoding the day failed; encoding article by article", exc_info=True)
    kept: list[Article] = []
    vectors: list = []
    summaries = {}
    for i, a in enumerate(articles):
        got = attempt(run.left_out, named(a), engine.encode, run, [a], [want[i]])
        if got is not None:
            if 0 in got.summaries:
                summaries[len(kept)] = got.summaries[0]
            kept.append(a)
            vectors += got.vectors
    if not kept:
        raise NoInputError(f"No usable articles: the encoder failed on all {len(articles)}; see the warnings above.")
    return kept, Encoded(tuple(vectors), summaries)


def _uncached(run: Run, articles: Sequence[Article]) -> list[bool]:
    """For each article: would its summary have to be made (no cached one, not a dry run)?"""
    summarizer = run.models.summarizer()
    if run.dry_run or getattr(summarizer, "multi_source", False):
        return [False] * len(articles)  # a multi-source backend reads whole stories: after grouping
    found = (run.cache.get_many([to_summarize(summarizer, [a]) for a in articles], summarizer.name,
                                summary_key(run.settings, summarizer)) if run.cache else [None] * len(articles))
    return [s is None for s in found]


def stories_of(run: Run, engine: Engine, articles: list[Article]) -> tuple[list[Article], Grouping, Encoded]:
    """Encode and group the day (or reuse the grouping an earlier run made of exactly these articles)."""
    encoder = run.encoder()
    key = grouping_key(run.settings, articles, encoder)
    known = run.cache.groups(key, len(articles)) if run.cache else None
    if known is not None:
        return articles, Grouping(tuple(map(tuple, known[0])), tuple(known[1])), Encoded(())
    with run.stage("encode"):
        kept, encoded = encode(run, engine, articles)
    if len(kept) < len(articles):
        articles, key = kept, grouping_key(run.settings, kept, encoder)
    with run.stage("group"), track(run.progress, "grouping", None):
        grouping = group(articles, encoded.vectors, run.settings, encoder, run.models.sections())
    if run.cache and not run.dry_run:
        run.cache.put_groups(key, [list(s) for s in grouping.stories], list(grouping.sections))
    return articles, grouping, encoded


def build(inputs: Sequence[str | Path], settings: Settings, day: date, progress: ProgressFactory | None = None,
          stdin: bytes | None = None, since: datetime | None = None, use_cache: bool = True,
          dry_run: bool = False, wait: float = 0, models: Models | None = None,
          engine: Engine | None = None, now: datetime | None = None) -> BuildResult:
    """Write OUT/DAY.{md,html,...} and the index from the inputs, holding the output folder's lock for the
    whole run (BusyError when another run holds it). A dry run takes no lock and writes nothing.

    `engine` runs the per-article work (default: this process); the rest is the same for every engine.
    An input, entry, article or story that fails is left out (run.left_out) and the rest is built. `now`: the
    moment of the run (default: the clock), which only dates the reports first seen in it. With `mail_to`
    set, the brief is mailed once written (MailError after the files are written when that fails)."""
    engine = engine or LocalEngine()
    ready(settings)  # a mail setting that cannot work stops the build before any work
    lock = contextlib.nullcontext() if dry_run else locked(settings.out, wait, settings.stale_lock)
    with lock, open_run(settings, use_cache, dry_run, progress, models) as run:
        with run.stage("plan"):
            articles, win = plan(run, engine, inputs, stdin, since, day, now)
        articles, grouping, encoded = stories_of(run, engine, articles)
        logger.info("read %d articles from %d inputs: %d stories", len(articles), len(inputs), len(grouping))
        stories = [[articles[i] for i in g] for g in grouping.stories]
        made = {k: encoded.summaries[g[0]] for k, g in enumerate(grouping.stories) if g[0] in encoded.summaries}
        with run.stage("summarize"):
            summaries, cached = summarize_stories(run, engine, stories, made)
        model = run.models.summarizer().name
        paths = tuple(settings.out / f"{day.isoformat()}.{fmt}" for fmt in settings.formats)
        if dry_run:
            empty = Briefing(day, (), model, articles=len(articles), skipped=tuple(run.left_out))
            return BuildResult(empty, paths, tuple(run.left_out), cached, len(stories) - cached,
                               tuple(run.timings.items()))
        with run.stage("compose"):
            made_stories = [(Story(tuple(reports), s, sec), min(g)) for reports, g, s, sec in
                            zip(stories, grouping.stories, summaries, grouping.sections, strict=True) if s is not None]
            ok = renderable(run.left_out, [st for st, _ in made_stories])
            kept = [made_stories[i][0] for i in ok]  # a failure to follow them costs the marks, not the brief
            shown, notes = attempt(run.left_out, "developing stories", follow, run, day, kept) or (kept, {})
            problems = tuple(run.left_out)
            briefing = compose(day, shown, [made_stories[i][1] for i in ok], model, sections=settings.sections,
                               top=settings.top_stories, per_section=settings.per_section, articles=len(articles),
                               skipped=problems)
        with run.stage("publish"):
            paths = publish(briefing, settings, notes)
            attempt(run.left_out, "remembering the brief in the state", remember, run, day, win, briefing, notes)
        logger.info("stage seconds: %s", ", ".join(f"{k} {v:.1f}" for k, v in run.timings.items()))
        result = BuildResult(briefing, paths, tuple(run.left_out), cached, len(stories) - cached,
                             tuple(run.timings.items()))
    send_brief(briefing, settings, notes)  # after the files are written and the folder's lock is released
    return result
