"""Shared fixtures: offline settings, a fake summarizer, article builders."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"  # nothing may try the hub
os.environ["TRANSFORMERS_OFFLINE"] = "1"

from briefing.documents import Article, Summary  # noqa: E402
from briefing.text.sentences import split_sentences  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).parent.parent


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true", help="also run real-model tests")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--slow"):
        return
    skip = pytest.mark.skip(reason="real-model test; run with --slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """Each test gets its own home, model store and working folder."""
    for var in ("BRIEFING_CONFIG", "BRIEFING_MODEL", "BRIEFING_OUT", "BRIEFING_SENTENCES", "BRIEFING_FORMATS",
                "BRIEFING_MODELS_DIR", "BRIEFING_THREADS", "BRIEFING_SECTIONS", "BRIEFING_SOURCES"):
        monkeypatch.delenv(var, raising=False)
    for xdg in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(xdg, str(tmp_path / "home" / xdg.lower()))
    monkeypatch.setenv("BRIEFING_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("BRIEFING_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)


def make_article(*paragraphs: str, id: str = "a1", title: str | None = None, **kw) -> Article:
    """An article from literal paragraphs."""
    return Article(id=id, title=title, text="\n".join(paragraphs), source=kw.pop("source", "test"), **kw)


def deleted_from(short: str, text: str) -> bool:
    """Is `short` made of `text`'s words, in order, with some deleted (a compression)?"""
    import re

    words = iter(w.lower() for w in re.findall(r"\w+", text))
    return all(any(w == x for x in words) for w in (w.lower() for w in re.findall(r"\w+", short)))


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


@pytest.fixture
def echo(monkeypatch) -> EchoSummarizer:
    """Route every pipeline call to the EchoSummarizer."""
    fake = EchoSummarizer()
    monkeypatch.setattr("briefing.pipeline.get_summarizer", lambda settings: fake)
    return fake


@pytest.fixture
def seeds() -> Path:
    return ROOT / "seeds"
