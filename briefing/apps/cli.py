"""The command line: the only module that sees argv, prints, or sets up logging.

Exit codes: 0 done (also: skipped because another run holds the output folder's lock);
1 an unexpected problem; 2 bad usage or config; 3 no usable input; 4 model missing or broken;
5 done, but some inputs were left out (each named on stderr); 6 the briefing could not be written (full
disk, read-only folder; the earlier files are intact); 7 another run has held the output folder's lock
for longer than stale_lock (likely stuck); 8 the briefing was written, but mailing it (mail_to) failed.
"""

from __future__ import annotations

import contextlib
import logging
import re
import signal
import sys
import time
from datetime import date, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from .. import __version__
from ..config import load_settings
from ..errors import BriefingError, BusyError, ConfigError, IngestError
from ..publish.formats import FORMAT_ALIASES, FORMATS
from .admin import SCHEDULE_EXAMPLES, config_app, models_app, schedule
from .options import (
    EXIT_CODES,
    ConfigOpt,
    LogFileOpt,
    ModelOpt,
    QuietOpt,
    SentencesOpt,
    VerboseOpt,
    fail,
    home_str,
)

BUILD_EXAMPLES = """\b
Examples:
  briefing build seeds/                               today's briefing in briefs/
  briefing build news/ feeds.opml https://example.org/rss.xml --format all
  briefing build --date 2026-02-05                    a past day: what was new since the brief before it
  briefing build --mail-to me@example.org             also mail it (smtp_* settings in the config)
  briefing build -q --log-file ~/briefs/briefing.log  from cron (sources from the config)

""" + EXIT_CODES

SUMMARIZE_EXAMPLES = """\b
Examples:
  briefing summarize article.html
  briefing summarize a.txt https://example.org/story.html b.xml --format json
  curl -s https://example.org/story | briefing summarize -

""" + EXIT_CODES

app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, epilog=BUILD_EXAMPLES,
                  help="Offline news summaries and dated daily briefings.")
logger = logging.getLogger("briefing")

EXIT_PARTIAL = 5


FORMAT_CHOICES = (*FORMATS, *FORMAT_ALIASES)
# from render's table (mypy cannot read members made at run time)
BuildFormat = Enum("BuildFormat", {name: name for name in FORMAT_CHOICES}, type=str)  # type: ignore[misc]


class TextFormat(str, Enum):
    text = "text"
    markdown = "markdown"
    json = "json"


class EngineChoice(str, Enum):
    local = "local"
    ray = "ray"


EngineOpt = Annotated[EngineChoice, typer.Option("--engine", help="Where the per-article work runs: this process, or a Ray cluster (pip install 'offline-briefing[ray]').")]
RayAddressOpt = Annotated[str | None, typer.Option("--ray-address", help="With --engine ray: the cluster to join (ray start --head prints it). [default: $RAY_ADDRESS, else a local Ray]")]


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (test runners swap it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


class _FileHandler(logging.FileHandler):
    """A log file that cannot be written (a full disk, /dev/full) is said once, in one line, and then left alone:
    logging's default prints a traceback for every record."""

    def handleError(self, record: logging.LogRecord) -> None:
        import sys as _sys

        if not getattr(self, "_failed", False):
            self._failed = True
            error = _sys.exc_info()[1]
            _sys.stderr.write(f"briefing: cannot write the log file {self.baseFilename} ({error}); "
                              "going on without it\n")
        self.setLevel(logging.CRITICAL + 1)


def _setup_logging(verbose: int, quiet: bool, log_file: Path | None = None) -> None:
    level = logging.ERROR if quiet else logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    handler.setLevel(level)
    root = logging.getLogger("briefing")
    root.handlers[:] = [handler]
    root.setLevel(level)
    if log_file is not None:
        log_file = log_file.expanduser()
        try:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            to_file = _FileHandler(log_file, encoding="utf-8")
        except OSError as e:
            raise fail(ConfigError(f"--log-file {log_file} cannot be opened ({e.strerror}); fix the path.")) from None
        to_file.setFormatter(logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"))
        to_file.setLevel(logging.DEBUG if verbose > 1 else logging.INFO)
        root.addHandler(to_file)
        root.setLevel(min(level, to_file.level))


class _Bars:
    """Progress bars on stderr, one per stage as it starts (rich), drawn only on a terminal; log lines print
    above them."""

    def __init__(self) -> None:
        from rich.progress import Progress

        self._progress: Progress | None = None

    @contextlib.contextmanager
    def __call__(self, label: str, total: int | None):
        if self._progress is None:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._progress = Progress(SpinnerColumn(), TextColumn("{task.description:<12}"), BarColumn(),
                                      MofNCompleteColumn(), TimeElapsedColumn(), console=Console(stderr=True),
                                      transient=True)
            self._progress.start()
        bar = self._progress
        task = bar.add_task(label, total=total)
        try:
            yield lambda n: bar.advance(task, n)
        finally:
            bar.remove_task(task)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


@contextlib.contextmanager
def _progress(quiet: bool):
    """A progress listener for a run (None when quiet or stderr is not a terminal), closed after it."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    bars = _Bars()
    try:
        yield bars
    finally:
        bars.close()


def parse_since(value: str, now: datetime | None = None) -> datetime:
    """'24h', '90m', '2d', '1w' (before now) or an ISO date/time (local time unless it has an offset)."""
    now = now or datetime.now().astimezone()
    m = re.fullmatch(r"\s*(\d+)\s*([mhdw])\s*", value.lower())
    try:
        if m:
            unit = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[m.group(2)]
            return now - timedelta(**{unit: int(m.group(1))})
        moment = datetime.fromisoformat(value.strip())
        return moment if moment.tzinfo else moment.astimezone()
    except (OverflowError, ValueError) as e:
        if isinstance(e, OverflowError) or (m and "out of range" in str(e)):
            raise ConfigError(f"--since {value!r} reaches further back than dates go; use e.g. 30d.") from None
        raise ConfigError(f"--since {value!r} is neither a duration (24h, 90m, 2d, 1w) nor a date "
                          "(2026-02-05 or 2026-02-05T06:00+01:00).") from None


def read_stdin() -> bytes:
    """Standard input, up to the input size limit (an endless pipe such as /dev/zero is refused, not read whole)."""
    from ..read.parse import MAX_BYTES

    data = sys.stdin.buffer.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise IngestError(f"-: standard input is over {MAX_BYTES // 2**20} MiB; split it into files.")
    return data


def _parse_day(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"--date {value!r} is not a date; use YYYY-MM-DD, e.g. 2026-02-05.") from None
    if not 1900 <= day.year <= 9000:
        raise ConfigError(f"--date {value!r} is out of range; give a year between 1900 and 9000.")
    return day


def _end_of(day: date) -> datetime:
    """The moment the day ends, local time."""
    return datetime.combine(day + timedelta(days=1), datetime.min.time()).astimezone()


@app.command(epilog=BUILD_EXAMPLES)
def build(
    inputs: Annotated[list[str] | None, typer.Argument(metavar="INPUT", help="Files, folders, feed URLs, .opml files or - for stdin. [default: sources from the config]", show_default=False)] = None,
    day: Annotated[str | None, typer.Option("--date", "-d", help="The briefing's date, YYYY-MM-DD. [default: today]")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output folder. [default: briefs]")] = None,
    fmt: Annotated[BuildFormat | None, typer.Option("--format", "-f", help=f"Files to write: {', '.join(FORMAT_CHOICES)}. [default: both]")] = None,
    model: ModelOpt = None,
    sentences: SentencesOpt = None,
    since: Annotated[str | None, typer.Option("--since", help="Only articles published since: 24h, 2d, or a date/time. [default: since the previous brief in --out, else since the day before --date]")] = None,
    mail_to: Annotated[list[str] | None, typer.Option("--mail-to", help="Mail the brief to this address once written (repeat it; SMTP settings from the config). [default: mail_to from the config]")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Summarize everything again; do not read or write the cache.")] = False,
    wait: Annotated[bool, typer.Option("--wait", help="If another run holds the output folder, wait for it (up to --wait-timeout) instead of skipping.")] = False,
    wait_timeout: Annotated[int, typer.Option("--wait-timeout", help="Seconds --wait waits at most.")] = 1800,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Read and group the inputs and say what would be done; write nothing, summarize nothing.")] = False,
    engine: EngineOpt = EngineChoice.local,
    ray_address: RayAddressOpt = None,
    config: ConfigOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = 0,
    log_file: LogFileOpt = None,
) -> None:
    """Write the dated briefing OUT/DATE.md and .html (and OUT/index.*) and print the paths."""
    _setup_logging(verbose, quiet, log_file)
    from ..pipeline import build as run_build

    formats = None if fmt is None else ",".join(FORMAT_ALIASES.get(fmt.value, (fmt.value,)))
    try:
        settings = load_settings(config, model=model, sentences=sentences, out=out, formats=formats, mail_to=mail_to)
        sources = [home_str(i) for i in inputs] if inputs else list(settings.sources)
        if not sources:
            raise ConfigError("No inputs: give files, folders or feed URLs, or set sources = [...] in the config "
                              "(see 'briefing config show').")
        if wait_timeout < 0:
            raise ConfigError(f"--wait-timeout {wait_timeout} must be 0 or more seconds.")
        the_day = _parse_day(day)
        # a duration counts back from the end of --date when one is given, else from now
        end_of_day = min(datetime.now().astimezone(), _end_of(the_day)) if day else None
        since_at = parse_since(since, end_of_day) if since else None
        stdin = read_stdin() if "-" in sources else None
        started = time.monotonic()
        with _engine(engine, ray_address, verbose) as the_engine, _progress(quiet or dry_run) as bars:
            result = run_build(sources, settings, the_day, bars, stdin, since_at, not no_cache, dry_run=dry_run,
                               wait=wait_timeout if wait else 0, engine=the_engine)
    except BusyError as e:
        logger.warning("%s", e)  # on stderr unless -q, and in --log-file, where a cron user looks
        raise typer.Exit(0) from None
    except BriefingError as e:
        raise fail(e) from None
    if dry_run:
        print(f"would read {result.briefing.articles} articles from {len(sources)} input(s); "
              f"{result.cached} stories cached, {result.summarized} to summarize")
        for path in result.paths:
            print(f"would write {path}")
        print(f"would write {settings.out / 'index.md'} and index.html")
        return
    logger.info("%d stories: %d from the cache, %d summarized", len(result.briefing.stories), result.cached,
                result.summarized)
    if not quiet:  # -q: only errors, so a good cron morning mails nothing (the log file has the rest)
        for path in result.paths:
            print(path)
        typer.echo(closing_line(result, time.monotonic() - started), err=True)
    else:
        logger.info("%s", closing_line(result, time.monotonic() - started))
    if result.problems:
        raise typer.Exit(EXIT_PARTIAL)


def closing_line(result, seconds: float) -> str:
    """What a run built, in one line on stderr: stories, articles, sources, files, what was left out, time."""
    b = result.briefing
    stories = b.all_stories
    sources = len({a.source for s in stories for a in s.articles if a.source})  # outlets named
    names = [p.name for p in result.paths]
    files = names[0] + "".join(f", {n.rsplit('.', 1)[-1]}" for n in names[1:]) if names else "nothing"
    left = f"; {len(result.problems)} left out (see above)" if result.problems else ""
    outlets = f" ({sources} source{'' if sources == 1 else 's'})" if sources else ""  # none: local files name none
    return (f"Built {files}: {len(stories)} stor{'y' if len(stories) == 1 else 'ies'} from {b.articles} "
            f"article{'' if b.articles == 1 else 's'}{outlets}{left} in {seconds:.1f} s.")


@app.command(epilog=SUMMARIZE_EXAMPLES)
def summarize(
    inputs: Annotated[list[str], typer.Argument(metavar="INPUT", help="Article files (text, HTML, feed, JSONL), http(s) links to pages or feeds, or - for stdin; read in order.", show_default=False)],
    fmt: Annotated[TextFormat, typer.Option("--format", "-f", help="Output: text, markdown or json.")] = TextFormat.text,
    model: ModelOpt = None,
    sentences: SentencesOpt = None,
    engine: EngineOpt = EngineChoice.local,
    ray_address: RayAddressOpt = None,
    config: ConfigOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = 0,
) -> None:
    """Print a headline and a short summary for each article in the INPUTS: files, links or stdin."""
    _setup_logging(verbose, quiet)
    from ..summarize.stage import summarize_articles_with

    try:
        settings = load_settings(config, model=model, sentences=sentences)
        inputs = [home_str(i) for i in inputs]
        stdin = read_stdin() if "-" in inputs else None
        with _engine(engine, ray_address, verbose) as the_engine, _progress(quiet) as bars:
            pairs, problems = summarize_articles_with(the_engine, settings, inputs, stdin, bars)
    except BriefingError as e:
        raise fail(e) from None
    from ..publish.render import summaries_text

    sys.stdout.write(summaries_text(pairs, fmt.value))
    if problems:
        raise typer.Exit(EXIT_PARTIAL)


@contextlib.contextmanager
def _engine(choice: EngineChoice, address: str | None, verbose: int):
    """The engine for a command: this process, or a RayEngine with Ray connected for the run."""
    if choice is EngineChoice.local:
        if address:
            raise ConfigError("--ray-address needs --engine ray.")
        from ..engines.local import LocalEngine

        yield LocalEngine()
        return
    from ..engines.ray import RayEngine
    from ..engines.ray_session import session

    with session(address, verbose > 0):
        yield RayEngine()


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on; 0.0.0.0 exposes it to the network.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", min=1, max=65535, help="Port to listen on.")] = 8000,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="The briefings folder served at /briefs/. [default: briefs]")] = None,
    model: ModelOpt = None,
    sentences: SentencesOpt = None,
    max_bytes: Annotated[int, typer.Option("--max-bytes", min=1024, help="Largest request body; larger ones get 413.")] = 2 * 1024 * 1024,
    config: ConfigOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = 0,
    log_file: LogFileOpt = None,
) -> None:
    """Keep the model loaded and summarize on request: a JSON API (POST /summarize), the briefings and a page at /."""
    _setup_logging(verbose, quiet, log_file)
    from .serve import serve as run_server

    try:
        settings = load_settings(config, model=model, sentences=sentences, out=out)
        run_server(settings, host, port, max_bytes)
    except BriefingError as e:
        raise fail(e) from None


def _version(value: bool) -> None:
    if value:
        print(f"briefing {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")] = False) -> None:
    """Offline news summaries and dated daily briefings."""


def _terminate(signum, frame):  # SIGTERM (systemd stop, kill): unwind so temp files and the lock are cleaned up
    raise SystemExit(128 + signum)


app.command(epilog=SCHEDULE_EXAMPLES)(schedule)
app.add_typer(models_app, name="models")
app.add_typer(config_app, name="config")


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    app(prog_name="briefing")
