"""Shared fixtures: offline settings, a fake summarizer, article builders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"  # nothing may try the hub
os.environ["TRANSFORMERS_OFFLINE"] = "1"

from fakes import ECHO, EchoSummarizer  # noqa: E402,F401  (EchoSummarizer: tests import it from here)

from briefing.config import ENVIRONMENT  # noqa: E402
from briefing.documents import Article  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).parent.parent


def pytest_addoption(parser):
    parser.addoption("--e2e", action="store_true",
                     help="also run the end-to-end tests (marked e2e: whole builds, real processes, Ray, browsers, "
                          "tiny generative models, the real-world data); .ci/run always does")
    parser.addoption("--slow", action="store_true",
                     help="also run the tests that need downloaded checkpoints (marked slow)")


# e2e: a test that runs a whole build, or more of what a user's machine runs (a second Python, a Ray cluster, a
# browser, a run killed with a signal, tiny generative models, the real-world pages): seconds to minutes each. The
# default loop skips them; .ci/run passes --e2e. A few whole builds stay in the default loop as its smoke test
# (test_cli's build of the seeds, test_stories' grouping of a day, test_containment's boundary).
# slow: a test that needs a checkpoint from the hub (`briefing models pull`). None does: the generative backends
# run on tiny random models built in the session (tests/tiny_models.py).
OPT_IN = {"e2e": "end-to-end test; run with --e2e (.ci/run does)",
          "slow": "needs a downloaded checkpoint; run with --slow"}


def pytest_collection_modifyitems(config, items):
    for marker, reason in OPT_IN.items():
        if config.getoption(f"--{marker}"):
            continue
        skip = pytest.mark.skip(reason=reason)
        for item in items:
            if marker in item.keywords:
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """Each test gets its own home, model store and working folder."""
    for var in ENVIRONMENT:  # every variable the config and the backends' table read, not a hand-kept list
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


@pytest.fixture
def echo(monkeypatch, tmp_path) -> EchoSummarizer:
    """Every front end (CLI, serve, a Ray worker) summarizes with the EchoSummarizer: the `echo` backend is added
    through the backends' table (BRIEFING_BACKENDS, tests/fakes.py importable through PYTHONPATH) and is the
    default model (BRIEFING_MODEL) of the test's model store."""
    store = tmp_path / "models-store"
    store.mkdir(exist_ok=True)
    (store / "registry.toml").write_text('[echo]\nkind = "echo"\ndescription = "the test double"\n')
    monkeypatch.setenv("BRIEFING_BACKENDS", "echo=fakes:make_echo")
    monkeypatch.setenv("BRIEFING_MODELS_DIR", str(store))
    monkeypatch.setenv("BRIEFING_MODEL", "echo")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(Path(__file__).parent),
                                                                    os.environ.get("PYTHONPATH")])))
    ECHO.calls = 0
    return ECHO


@pytest.fixture
def seeds() -> Path:
    return ROOT / "seeds"
