"""The Summarizer protocol: what every backend offers (the table of backends is registry.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from ..documents import Article, Summary

if TYPE_CHECKING:
    from ..config import Settings
    from ..models.bundle import Models
    from ..models.registry import ModelSpec

ProgressFn = Callable[[int], None]  # called with how many articles just finished


class Summarizer(Protocol):
    """Makes a headline and a summary for each article."""

    name: str
    # True for backends that write their own text (seq2seq, causal): a story told by several
    # sources is then summarized from all of its reports joined (cluster.joined_reports). Backends
    # without the attribute summarize the story's best article, since they pick its sentences.
    multi_source: bool
    # What besides the article determines a summary: the backend and its settings, the model's identity
    # (its resolved path and a fingerprint of its files: models.fingerprint) and our version. The
    # summary cache is keyed by it, so retrained weights or another setting never serve a stale summary.
    @property
    def cache_key(self) -> str: ...

    def summarize(
        self, articles: Sequence[Article], n_sentences: int, progress: ProgressFn | None = None
    ) -> list[Summary]:
        """One Summary per article, in the same order."""
        ...


Factory = Callable[["Settings", "ModelSpec", "Models"], "Summarizer"]  # the run's Models: shared encoder, compressor
