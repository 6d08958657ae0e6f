"""Fault containment: one bad item (an input, a feed entry, a JSON line, an article, a story) is left out with
one warning naming it, never the run.

Every stage that handles items one by one runs each through `attempt`. A BriefingError keeps its own
message (it already names the input and the fix); any other exception is a bug met on that item: it
becomes one line ("left out after an unexpected error (ValueError: ...)") with the traceback logged at
debug level (-vv). The lines are collected in a `LeftOut` ledger that the run owns and passes down; the
build reports them on stderr, in the closing line and in the briefing's `skipped`, and exits 5. Only an
exception outside any item (our own bug in a whole-day step) ends a run with exit 1.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .errors import BriefingError
from .text import sanitize

logger = logging.getLogger(__name__)
T = TypeVar("T")


def describe(item: str, error: BaseException, shown: Callable[[str], str] = str) -> str:
    """The one line for an item left out because of `error`; the traceback goes to the debug log. `shown` rewrites
    the error's text for the line (a URL's credentials redacted)."""
    if isinstance(error, BriefingError):
        return sanitize.line(str(error))
    first = sanitize.line(shown(str(error).strip().split("\n", 1)[0]))[:200]
    logger.debug("%s: traceback of the unexpected error", item, exc_info=error)
    what = f"{type(error).__name__}: {first}" if first else type(error).__name__
    return (f"{sanitize.line(item)}: left out after an unexpected error ({what}); the rest goes on "
            "(run with -vv for the traceback, and please report it).")


@dataclass
class LeftOut:
    """A run's ledger of what was left out, one line each, in the order met. `log`: say each line as a warning when
    it is added (a reader that returns its lines for the caller to report sets it off)."""

    lines: list[str] = field(default_factory=list)
    log: bool = True

    def add(self, line: str) -> None:
        if self.log:
            logger.warning("%s", line)
        self.lines.append(line)

    def extend(self, lines: Iterable[str]) -> None:
        """Lines already reported elsewhere (the plan's problems): recorded, not said again."""
        self.lines.extend(lines)

    def __len__(self) -> int:
        return len(self.lines)

    def __iter__(self) -> Iterator[str]:
        return iter(self.lines)


def named(article: Any) -> str:
    """An article as a message names it: its source and title (or id)."""
    return f"{article.source or 'article'}: {article.title or article.id}"[:160]


def attempt(ledger: LeftOut | None, item: str, fn: Callable[..., T], *args: Any) -> T | None:
    """fn(*args), or None when it raised: the failure is written to the ledger (or logged as a warning when
    there is none) and the caller goes on with the next item. KeyboardInterrupt and SystemExit (SIGTERM) are
    not items' faults: they pass."""
    try:
        return fn(*args)
    except Exception as e:  # noqa: BLE001 - this is the containment boundary
        line = describe(item, e)
        if ledger is None:
            logger.warning("%s", line)
        else:
            ledger.add(line)
        return None
