"""One run's context: its settings, its models, the stores, the ledger of what was left out, progress and
timings. Built once per build (open_run) and handed to every stage; nothing is looked up globally."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .config import Settings
from .contain import LeftOut
from .errors import ConfigError
from .models.bundle import Models
from .progress import ProgressFactory
from .store import CachedEncoder, State, SummaryCache

logger = logging.getLogger(__name__)
S = TypeVar("S", SummaryCache, State)


@dataclass(frozen=True, slots=True)
class Run:
    """What a run's stages share: its settings and models, the stores (None: not used), whether anything may be
    written, who listens to its progress, what it left out and how long each stage took."""

    settings: Settings
    models: Models
    cache: SummaryCache | None = None
    state: State | None = None
    dry_run: bool = False
    progress: ProgressFactory | None = None
    timings: dict[str, float] = field(default_factory=dict, compare=False)
    left_out: LeftOut = field(default_factory=LeftOut, compare=False)  # inputs, entries, articles, stories

    def encoder(self) -> Any:
        """The sentence encoder (its vectors kept in the cache when there is one), or None when not installed."""
        encoder = self.models.encoder()
        return CachedEncoder(encoder, self.cache) if encoder is not None and self.cache is not None else encoder

    def warm_up(self) -> None:
        """Load the encoder now (while the plan's process pool splits texts it will have to encode)."""
        encoder = self.models.encoder()
        if encoder is not None:
            encoder.load()

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        t = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - t


@contextlib.contextmanager
def open_run(settings: Settings, use_cache: bool = True, dry_run: bool = False,
             progress: ProgressFactory | None = None, models: Models | None = None) -> Iterator[Run]:
    """A Run with the cache and state opened (a dry run only reads the cache and opens no state), closed after."""
    from .config import cache_dir, state_dir

    state = None if dry_run else _disposable(lambda: State(state_dir(settings)), "state")
    cache = (_disposable(lambda: SummaryCache(cache_dir(settings), read_only=dry_run), "cache", quiet=dry_run)
             if use_cache else None)
    try:
        yield Run(settings, models or Models(settings), cache, state, dry_run, progress)
    finally:
        for store in (state, cache):
            if store is not None:
                store.close()


def _disposable(opener: Callable[[], S], kind: str, quiet: bool = False) -> S | None:
    """The cache or state database, or None (with a warning) when it cannot be used: a brief is never
    lost to a database that only saves work."""
    try:
        return opener()
    except ConfigError as e:
        (logger.info if quiet else logger.warning)("%s Going on without the %s: nothing is reused or remembered "
                                                   "this run.", e, kind)
        return None
