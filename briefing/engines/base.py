"""The engine contract: each step of the per-article work is a method that returns what it made.

An engine keeps nothing between calls (the run's context travels in `run`); grouping, composing and publishing
stay with pipeline.build, the same for every engine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from ..documents import Article, Summary

if TYPE_CHECKING:
    from ..run import Run


@dataclass(frozen=True, slots=True)
class Reading:
    """The articles the inputs hold, in input order, and one line per input (or entry) left out."""

    articles: tuple[Article, ...]
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Encoded:
    """Each article's sentence vectors (one block per article, in order), and the summaries an engine made in
    the same pass (by article position; only for articles asked for, and only where the engine can)."""

    vectors: tuple[np.ndarray, ...]
    summaries: Mapping[int, Summary] = field(default_factory=dict)


class Engine(Protocol):
    name: str
    # True where encode() makes summaries in the same pass (the pipeline then asks for every uncached article's)
    summarizes_while_encoding: bool

    def read(self, run: Run, inputs: Sequence[str | Path], stdin: bytes | None) -> Reading:
        """Every article the inputs hold (NoInputError when none gave one)."""
        ...

    def split(self, run: Run, articles: Sequence[Article]) -> list[Article]:
        """The articles with their sentences attached (an article the splitter fails on left out: run.left_out)."""
        ...

    def encode(self, run: Run, articles: Sequence[Article], summarize: Sequence[bool]) -> Encoded:
        """Each article's sentence vectors; and, where the engine does both in one pass, the summaries of the
        articles flagged in `summarize`."""
        ...

    def summarize(self, run: Run, articles: Sequence[Article]) -> list[Summary | None]:
        """One summary per article (None for one the model failed on: run.left_out says why)."""
        ...
