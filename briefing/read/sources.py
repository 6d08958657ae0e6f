"""All of a run's inputs: local files and folders (files.py via parse.py), stdin, and feed URLs fetched (http.py),
in the order given; and the choice of what was published since a moment."""


from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from ..config import Settings
from ..documents import Article
from ..errors import IngestError
from ..progress import ProgressFactory, track
from ..store import State
from .files import read_inputs, require_articles

logger = logging.getLogger(__name__)


def read(inputs: Sequence[str | Path], settings: Settings, stdin: bytes | None = None,
         state: State | None = None, progress: ProgressFactory | None = None) -> tuple[list[Article], list[str]]:
    """Every article the inputs (files, folders, -, feed URLs, .opml) hold, and the inputs left out.

    NoInputError when none gave an article.
    """
    local, urls, problems = split_inputs(inputs)
    articles, more = read_inputs(local, stdin=stdin, progress=progress)
    problems += more
    fetched, more = read_feeds(urls, settings, state, progress)
    return require_articles(articles + fetched, problems + more), problems + more


def split_inputs(inputs: Sequence[str | Path]) -> tuple[list[str | Path], list[str], list[str]]:
    """(files, folders and -; feed URLs, with those .opml files list; the .opml files that cannot be read)."""
    from .http import is_url, opml_urls

    local: list[str | Path] = []
    urls: list[str] = []
    problems: list[str] = []
    for given in inputs:
        if is_url(str(given)):
            urls.append(str(given))
        elif str(given).lower().endswith(".opml"):
            try:
                urls += opml_urls(Path(given))
            except IngestError as e:
                problems.append(str(e))
        else:
            local.append(given)
    return local, urls, problems


def read_feeds(urls: Sequence[str], settings: Settings, state: State | None = None,
               progress: ProgressFactory | None = None) -> tuple[list[Article], list[str]]:
    """The articles of feed (or page) URLs, fetched here, and one problem line per URL that failed."""
    from .http import read_urls

    if not urls:
        return [], []
    with track(progress, "fetching", len(urls)) as advance:
        return read_urls(list(urls), state, settings.fetch_timeout, allow_private=settings.allow_private_fetch,
                         budget_s=settings.fetch_budget, advance=advance)
