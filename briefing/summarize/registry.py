"""The one table of summarizer backends: model kind -> the factory that builds its summarizer.

Every built-in backend is listed here and nowhere else; the model kinds the registry files may name derive
from this table (kinds()). Factories are imported when first used, so `--help` and the lead backend never
import torch. A backend from outside the package (a plugin, a test double) is added through the same table,
by `BRIEFING_BACKENDS="kind=module:factory,..."` in the environment: read in every process that builds
summarizers (a server, a Ray worker), so it reaches every front end the same way.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING

from ..errors import ConfigError

if TYPE_CHECKING:
    from .base import Factory

BACKENDS: dict[str, str] = {
    "extractive": "briefing.summarize.extractive:make_extractive",  # sentence encoder (the default, MiniLM)
    "lead": "briefing.summarize.extractive:make_lead",  # the first sentences; no model
    "seq2seq": "briefing.summarize.generative:make_generative",  # BART, DistilBART, T5, PEGASUS
    "causal": "briefing.summarize.generative:make_generative",  # instruct LMs, GGUF
}
KINDS: tuple[str, ...] = tuple(BACKENDS)  # the built-in kinds
ADDED = "BRIEFING_BACKENDS"


def backends() -> dict[str, str]:
    """The built-in backends and those added through $BRIEFING_BACKENDS."""
    table = dict(BACKENDS)
    for entry in os.environ.get(ADDED, "").split(","):
        kind, _, target = entry.partition("=")
        if kind.strip() and ":" in target:
            table[kind.strip()] = target.strip()
    return table


def kinds() -> tuple[str, ...]:
    return tuple(backends())


def factory(kind: str) -> Factory:
    table = backends()
    if kind not in table:
        raise ConfigError(f"No summarizer backend for kind {kind!r}; choose from {', '.join(table)}.")
    module, name = table[kind].split(":")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as e:
        raise ConfigError(f"The backend {kind!r} ({table[kind]}) cannot be loaded ({e}); check {ADDED}.") from None
