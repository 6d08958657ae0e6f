"""Models: the weights one run (or one server, or one Ray actor) uses, each loaded once, on first use.

A run builds one Models from its Settings and carries it; `briefing serve` keeps one in its app state; each
Ray actor builds its own once. Nothing holding weights lives in a module global, so a test hands in fakes
(`Models(settings, summarizer=Echo())`) instead of patching one.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..config import Settings
    from ..stories.sections import SectionModels
    from ..summarize.base import Summarizer
    from ..summarize.compress import Compressor
    from .encoder import Encoder

logger = logging.getLogger(__name__)
_UNSET: Any = object()


class Models:
    """The sentence encoder (one per model folder: grouping and the extractive summarizer share it), the
    headline compressor, the section models and the summarizer."""

    def __init__(self, settings: Settings, *, summarizer: Summarizer | None = None, encoder: Any = _UNSET,
                 sections: Any = _UNSET, compressor: Any = _UNSET):
        """Anything given is used as it is (a fake, or None for "not installed"); the rest loads on first use."""
        self.settings = settings
        self._summarizer = summarizer
        self._encoder = encoder
        self._sections = sections
        self._compressor = compressor
        self._encoders: dict[Path, Encoder] = {}

    def encoder(self) -> Encoder | None:
        """The bundled MiniLM sentence encoder (grouping, sections, the extractive default), or None when its
        package is not installed."""
        if self._encoder is _UNSET:
            from .registry import resolve

            spec = resolve("minilm", self.settings.models_dir)
            if spec.kind != "extractive" or not spec.present or spec.path is None:
                logger.warning("the %s encoder is not installed; stories are grouped by copies only", spec.name)
                self._encoder = None
            else:
                self._encoder = self.encoder_at(spec.path)
        return self._encoder

    def encoder_at(self, path: Path) -> Encoder:
        """The encoder of a model folder: one per folder for this bundle."""
        from .encoder import Encoder

        key = path.resolve()
        if key not in self._encoders:
            s = self.settings
            self._encoders[key] = Encoder(path, batch_size=s.batch_size, threads=s.threads, precision=s.precision)
        return self._encoders[key]

    def compressor(self, base: Path) -> Compressor | None:
        """The headline compressor (its layers on top of the encoder in `base`), or None when its weights are
        not installed."""
        if self._compressor is _UNSET:
            from ..summarize.compress import Compressor, compressor_present

            s = self.settings
            self._compressor = Compressor(base, threads=s.threads, precision=s.precision) if compressor_present() \
                else None
        return self._compressor

    def sections(self) -> SectionModels:
        """The trained section models (embedding, lexical and, over the bundled encoder, the tuner; each None
        when absent)."""
        if self._sections is _UNSET:
            from ..stories.sections import load_section_models

            encoder = self.encoder()
            base = getattr(encoder, "path", None)
            s = self.settings
            self._sections = load_section_models(base=base if isinstance(base, Path) else None, threads=s.threads,
                                                 precision=s.precision, shared=getattr(encoder, "parts", None))
        return self._sections

    def summarizer(self) -> Summarizer:
        """The summarizer for settings.model (a registry name or a model folder), built once."""
        if self._summarizer is None:
            from ..summarize.registry import factory
            from .registry import resolve

            spec = resolve(self.settings.model, self.settings.models_dir)
            self._summarizer = factory(spec.kind)(self.settings, spec, self)
        return self._summarizer


def default_encoder(settings: Settings) -> Encoder | None:
    """The bundled MiniLM encoder in a Models of its own (scripts that need only it; a run uses its Models')."""
    return Models(settings).encoder()


def get_summarizer(settings: Settings) -> Summarizer:
    """The summarizer for settings.model in a Models of its own (scripts and tests; a run uses its Models')."""
    return Models(settings).summarizer()
