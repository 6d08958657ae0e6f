"""The one table of summarizer backends: model kind -> the factory that builds its summarizer.

Every backend is listed here and nowhere else; the model kinds the registry files may name
(models.KINDS) derive from this table. Factories are imported when first used, so `--help` and
the lead backend never import torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..config import Settings
    from .base import Factory, Summarizer

BACKENDS: dict[str, str] = {
    "extractive": "briefing.summarize.extractive:make_extractive",  # sentence encoder (the default, MiniLM)
    "lead": "briefing.summarize.extractive:make_lead",  # the first sentences; no model
    "seq2seq": "briefing.summarize.generative:make_generative",  # BART, DistilBART, T5, PEGASUS
    "causal": "briefing.summarize.generative:make_generative",  # instruct LMs, GGUF
}
KINDS: tuple[str, ...] = tuple(BACKENDS)


def factory(kind: str) -> Factory:
    module, name = BACKENDS[kind].split(":")
    return getattr(importlib.import_module(module), name)


def get_summarizer(settings: Settings) -> Summarizer:
    """The summarizer for settings.model: a registry name or a model folder."""
    from ..models.registry import resolve

    spec = resolve(settings.model, settings.models_dir)
    return factory(spec.kind)(settings, spec)
