"""What every command shares: the exit codes' text, the common options, and how an error leaves the program."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from ..errors import BriefingError

EXIT_CODES = """\b
Exit codes:
  0    done (also: skipped because another run holds the output folder)
  1    an unexpected problem (a bug: run with -vv and report it)
  2    bad usage, option value or config
  3    no usable input (each bad input is named)
  4    a model is missing or cannot be loaded (the message names the fix)
  5    done, but some inputs, entries or stories were left out (each named)
  6    the briefing could not be written (full disk, read-only folder); earlier files intact
  7    another run has held the output folder's lock longer than stale_lock (likely stuck)
  8    the briefing was written, but mailing it (mail_to) failed; the files stay
  143  stopped by SIGTERM, after cleaning up"""

ModelOpt = Annotated[str | None, typer.Option("--model", "-m", help="Model name from 'briefing models list', or a model folder. [default: minilm]")]
SentencesOpt = Annotated[int | None, typer.Option("--sentences", "-n", min=1, max=10, help="Summary sentences per article. [default: 3]")]
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="TOML settings file (else $BRIEFING_CONFIG).")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Only errors: no paths, progress or closing line (for cron).")]
VerboseOpt = Annotated[int, typer.Option("--verbose", "-v", count=True, help="More detail on stderr (-vv for debug).")]
LogFileOpt = Annotated[Path | None, typer.Option("--log-file", help="Also append logs (with times) to this file.")]


def fail(e: BriefingError) -> typer.Exit:
    typer.echo(f"Error: {e}", err=True)
    return typer.Exit(e.exit_code)


def home_str(given: str) -> str:
    """An input as a shell would have read it: ~ and ~user expanded (typer passes a quoted "~/news" as given)."""
    return given if "://" in given or given == "-" else os.path.expanduser(given)
