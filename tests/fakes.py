"""Test doubles that reach every front end (CLI, serve, Ray workers) through the backends' table: the `echo`
backend is added with BRIEFING_BACKENDS and named in the test's model store (conftest's `echo` fixture)."""

from __future__ import annotations

from collections.abc import Sequence

from briefing.documents import Article, Summary
from briefing.text.sentences import split_sentences


class EchoSummarizer:
    """A stand-in backend: the first sentence is the headline, the first n the summary."""

    name = "echo"
    multi_source = False
    cache_key = "echo|1"

    def __init__(self):
        self.calls = 0

    def summarize(self, articles: Sequence[Article], n_sentences: int, progress=None) -> list[Summary]:
        self.calls += 1
        out = []
        for a in articles:
            sents = [s.text for s in split_sentences(a.text)]
            head = sents[0] if sents else (a.title or "")
            out.append(Summary(a.id, head, tuple(sents[:n_sentences]), "echo"))
            if progress:
                progress(1)
        return out


ECHO = EchoSummarizer()  # one per process, so a test can count the model calls of the run it started


def make_echo(settings, spec, models) -> EchoSummarizer:
    return ECHO
