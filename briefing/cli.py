"""The command line: the only module that sees argv, prints, or sets up logging.

Exit codes: 0 done; 1 an unexpected problem; 2 bad usage or config; 3 no usable input;
4 model missing or broken; 5 done, but some inputs were left out (each named on stderr).
"""

from __future__ import annotations

import contextlib
import logging
import sys
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import __version__
from .config import load_settings
from .errors import BriefingError, ConfigError

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Offline news summaries and dated daily briefings.")
models_app = typer.Typer(no_args_is_help=True, help="List, inspect and download models.")
app.add_typer(models_app, name="models")
logger = logging.getLogger("briefing")

EXIT_PARTIAL = 5


class BuildFormat(str, Enum):
    md = "md"
    html = "html"
    both = "both"
    json = "json"
    all = "all"


class TextFormat(str, Enum):
    text = "text"
    markdown = "markdown"
    json = "json"


ModelOpt = Annotated[Optional[str], typer.Option("--model", "-m", help="Model name from 'briefing models list', or a model folder. [default: minilm]")]
SentencesOpt = Annotated[Optional[int], typer.Option("--sentences", "-n", min=1, max=10, help="Summary sentences per article. [default: 3]")]
ConfigOpt = Annotated[Optional[Path], typer.Option("--config", help="TOML settings file (else $BRIEFING_CONFIG).")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Only errors on stderr; no progress bar.")]
VerboseOpt = Annotated[int, typer.Option("--verbose", "-v", count=True, help="More detail on stderr (-vv for debug).")]


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (test runners swap it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def _setup_logging(verbose: int, quiet: bool) -> None:
    level = logging.ERROR if quiet else logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    root = logging.getLogger("briefing")
    root.handlers[:] = [handler]
    root.setLevel(level)


def _fail(e: BriefingError) -> typer.Exit:
    typer.echo(f"Error: {e}", err=True)
    return typer.Exit(e.exit_code)


def _progress(quiet: bool):
    """A factory of progress bars on stderr, or None when quiet or stderr is not a terminal."""
    if quiet or not sys.stderr.isatty():
        return None

    @contextlib.contextmanager
    def factory(total: int):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(TextColumn("summarizing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task("summarize", total=total)
            yield lambda n: bar.advance(task, n)

    return factory


def _parse_day(value: Optional[str]) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"--date {value!r} is not a date; use YYYY-MM-DD, e.g. 2026-02-05.") from None


@app.command()
def build(
    inputs: Annotated[list[str], typer.Argument(help="Files, folders (read recursively) or - for stdin.", show_default=False)],
    day: Annotated[Optional[str], typer.Option("--date", "-d", help="The briefing's date, YYYY-MM-DD. [default: today]")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Output folder. [default: briefs]")] = None,
    fmt: Annotated[BuildFormat, typer.Option("--format", "-f", help="Files to write: md, html, both, json or all.")] = BuildFormat.both,
    model: ModelOpt = None,
    sentences: SentencesOpt = None,
    config: ConfigOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = 0,
) -> None:
    """Write the dated briefing OUT/DATE.md and .html from INPUTS and print the paths."""
    _setup_logging(verbose, quiet)
    from .pipeline import build as run_build

    formats = {"both": "md,html", "all": "md,html,json"}.get(fmt.value, fmt.value)
    try:
        settings = load_settings(config, model=model, sentences=sentences, out=out, formats=formats)
        result = run_build(inputs, settings, _parse_day(day), _progress(quiet),
                           stdin=sys.stdin.buffer.read() if "-" in inputs else None)
    except BriefingError as e:
        raise _fail(e) from None
    for path in result.paths:
        print(path)
    if result.problems:
        typer.echo(f"{len(result.problems)} input(s) left out; see the messages above.", err=True)
        raise typer.Exit(EXIT_PARTIAL)


@app.command()
def summarize(
    file: Annotated[str, typer.Argument(help="An article file (text, HTML, feed, JSONL) or - for stdin.", show_default=False)],
    fmt: Annotated[TextFormat, typer.Option("--format", "-f", help="Output: text, markdown or json.")] = TextFormat.text,
    model: ModelOpt = None,
    sentences: SentencesOpt = None,
    config: ConfigOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = 0,
) -> None:
    """Print a headline and a short summary for each article in FILE."""
    _setup_logging(verbose, quiet)
    from .pipeline import read, summarize_articles
    from .render import summaries_text

    try:
        settings = load_settings(config, model=model, sentences=sentences)
        articles, problems = read([file], stdin=sys.stdin.buffer.read() if file == "-" else None)
        factory = _progress(quiet)
        if factory and len(articles) > 1:
            with factory(len(articles)) as advance:
                summaries, _ = summarize_articles(articles, settings, advance)
        else:
            summaries, _ = summarize_articles(articles, settings)
    except BriefingError as e:
        raise _fail(e) from None
    sys.stdout.write(summaries_text(list(zip(articles, summaries)), fmt.value))
    if problems:
        raise typer.Exit(EXIT_PARTIAL)


@models_app.command("list")
def models_list(models_dir: Annotated[Optional[Path], typer.Option(help="The model store.")] = None) -> None:
    """Show every known model: name, kind, where it comes from, and whether it is here."""
    from .models import registry, resolve, store_dir

    try:
        names = registry(models_dir)
        print(f"{'name':<24} {'kind':<11} {'present':<8} where")
        for name in names:
            spec = resolve(name, models_dir)
            print(f"{name:<24} {spec.kind:<11} {'yes' if spec.present else 'no':<8} {spec.where}")
        typer.echo(f"store: {store_dir(models_dir)}", err=True)
    except BriefingError as e:
        raise _fail(e) from None


@models_app.command("info")
def models_info(name: str, models_dir: Annotated[Optional[Path], typer.Option(help="The model store.")] = None) -> None:
    """Show one model's details."""
    from .models import resolve

    try:
        spec = resolve(name, models_dir)
    except BriefingError as e:
        raise _fail(e) from None
    for key in ("name", "kind", "where", "path", "hf_id", "prefix", "gguf_file", "description"):
        value = getattr(spec, key)
        if value:
            print(f"{key}: {value}")
    print(f"present: {'yes' if spec.present else 'no'}")


@models_app.command("pull")
def models_pull(name: str, models_dir: Annotated[Optional[Path], typer.Option(help="The model store.")] = None) -> None:
    """Download a hub model into the store (needs network)."""
    from .models import pull, resolve

    try:
        print(pull(resolve(name, models_dir)))
    except BriefingError as e:
        raise _fail(e) from None


def _version(value: bool) -> None:
    if value:
        print(f"briefing {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")] = False) -> None:
    """Offline news summaries and dated daily briefings."""


def main() -> None:
    app(prog_name="briefing")
