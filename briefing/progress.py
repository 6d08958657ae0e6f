"""Progress of the long stages, told to whoever listens (the CLI draws bars; a server or a test listens to none).

A stage asks `track(progress, "encoding", total)` for an `advance(n)` callable and calls it as work gets done;
with no listener it is a no-op. `total` None means the amount is not known (a spinner).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Protocol

Advance = Callable[[int], None]


class ProgressFactory(Protocol):
    def __call__(self, label: str, total: int | None) -> contextlib.AbstractContextManager[Advance]: ...


def _nothing(n: int) -> None:
    return None


@contextlib.contextmanager
def track(progress: ProgressFactory | None, label: str, total: int | None) -> Iterator[Advance]:
    """An advance() for one stage's bar, or a no-op without a listener."""
    if progress is None:
        yield _nothing
        return
    with progress(label, total) as advance:
        yield advance
