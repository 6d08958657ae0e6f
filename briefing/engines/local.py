"""The local engine: this process (and, for splitting many texts, a process pool on this machine)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..contain import attempt, named
from ..documents import Article, Summary
from ..models.encoder import SENTENCE_TOKENS
from ..progress import track
from ..read.sources import read
from ..summarize.stage import summarize_contained
from ..text.sentences import encoder_texts, with_sentences
from .base import Encoded, Reading

if TYPE_CHECKING:
    from ..run import Run

logger = logging.getLogger(__name__)


class LocalEngine:
    name = "local"
    summarizes_while_encoding = False  # summaries are made after grouping, for each story's best report

    def read(self, run: Run, inputs: Sequence[str | Path], stdin: bytes | None) -> Reading:
        articles, problems = read(inputs, run.settings, stdin, run.state, run.progress)
        return Reading(tuple(articles), tuple(problems))

    def split(self, run: Run, articles: Sequence[Article]) -> list[Article]:
        known = run.cache.splits([a.text for a in articles]) if run.cache else {}
        with track(run.progress, "splitting", len(articles)) as advance:
            def split(batch: Sequence[Article]) -> list[Article]:
                return with_sentences(batch, known, meanwhile=None if run.dry_run else run.warm_up, advance=advance)

            try:
                done = split(articles)
            except Exception:  # noqa: BLE001 - find the article at fault, one by one
                logger.debug("splitting the batch failed; splitting article by article", exc_info=True)
                done = [a for one in articles for a in attempt(run.left_out, named(one), split, [one]) or []]
        if run.cache and not run.dry_run:
            run.cache.put_splits({a.text: a.sentences or () for a in done if a.text not in known})
        return done

    def encode(self, run: Run, articles: Sequence[Article], summarize: Sequence[bool]) -> Encoded:
        """Vectors only: here the summaries are made after grouping, for each story's best report."""
        return Encoded(tuple(encode(run, articles, run.encoder())))

    def summarize(self, run: Run, articles: Sequence[Article]) -> list[Summary | None]:
        with track(run.progress, "summarizing", len(articles)) as advance:
            return summarize_contained(run.models.summarizer(), with_sentences(articles), run.settings.sentences,
                                       run.left_out, advance)


def encode(run: Run, articles: Sequence[Article], encoder: Any) -> list[np.ndarray]:
    """Each article's sentence vectors (then its title's), one block per article; [] without an encoder.
    The extractive summarizer embeds the same texts, so it finds them in the encoder's memo."""
    if encoder is None or not articles:
        return []
    texts = [encoder_texts(a, run.settings.max_sentences) for a in articles]
    flat = [t for ts in texts for t in ts]
    with track(run.progress, "encoding", len(flat)) as advance:
        vecs = encoder.encode(flat, max_length=SENTENCE_TOKENS, advance=advance)
    cuts = np.cumsum([len(ts) for ts in texts])[:-1]
    return np.split(vecs, cuts)
