"""The Summarizer protocol and the registry of backends."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from ..config import Settings
from ..documents import Article, Summary
from ..models import ModelSpec, resolve

ProgressFn = Callable[[int], None]  # called with how many articles just finished


class Summarizer(Protocol):
    """Makes a headline and a summary for each article."""

    name: str
    # True for backends that write their own text (seq2seq, causal): a story told by several
    # sources is then summarized from all of its reports joined (cluster.joined_reports). Backends
    # without the attribute summarize the story's best article, since they pick its sentences.
    multi_source: bool

    def summarize(
        self, articles: Sequence[Article], n_sentences: int, progress: ProgressFn | None = None
    ) -> list[Summary]:
        """One Summary per article, in the same order."""
        ...


Factory = Callable[[Settings, ModelSpec], Summarizer]
BACKENDS: dict[str, Factory] = {}


def register(kind: str) -> Callable[[Factory], Factory]:
    """Register a factory for a kind of model ('extractive', 'seq2seq', 'causal', ...)."""

    def deco(factory: Factory) -> Factory:
        BACKENDS[kind] = factory
        return factory

    return deco


def get_summarizer(settings: Settings) -> Summarizer:
    """The summarizer for settings.model: a registry name or a model folder."""
    from . import extractive, generative  # noqa: F401  (register the built-in backends)

    spec = resolve(settings.model, settings.models_dir)
    return BACKENDS[spec.kind](settings, spec)
