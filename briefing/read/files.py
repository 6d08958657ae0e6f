"""Local inputs: the files below folders (notes about a folder skipped, pipes and devices named), stdin, each read
whole within the size limit and contained: one input that fails costs only itself."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from ..contain import LeftOut, attempt
from ..documents import Article
from ..errors import IngestError, NoInputError
from ..progress import ProgressFactory, track
from .parse import MAX_BYTES, STDIN, parse_bytes

logger = logging.getLogger(__name__)


# Files in a news folder that are notes about it, not news.
NOT_NEWS = re.compile(r"^(?:readme|license|licence|copying|provenance|changelog|changes|notice|authors|contributing)"
                      r"(?:\.[\w.]+)?$", re.I)


def _files(path: Path, problems: list[str] | None = None) -> Iterator[Path]:
    """The files below a folder (hidden ones and folder notes skipped), or the path itself; a folder that
    cannot be read is named in `problems`, never skipped silently."""
    if not path.is_dir():
        yield path
        return

    def unreadable(e: OSError) -> None:
        if problems is not None:
            problems.append(f"{e.filename}: folder cannot be read ({e.strerror}); check its permissions.")

    found = []
    for folder, dirs, files in os.walk(path, onerror=unreadable):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            p = Path(folder) / name
            if name.startswith("."):
                continue
            if not p.is_file():  # a FIFO would block the read, a device never end, a broken link fail
                if problems is not None:
                    problems.append(f"{shown(p)}: not a regular file (a pipe, a device or a broken link); skipped.")
                continue
            if NOT_NEWS.match(name):
                logger.info("%s: skipped (a note about the folder, not news)", p)
                continue
            found.append(p)
    yield from sorted(found)


Source = tuple[str, Path | None]  # (the name shown in messages, the file; None for stdin)


def list_sources(inputs: Iterable[str | Path], problems: list[str]) -> list[Source]:
    """The files the inputs name (folders expanded, in order); each input that cannot be listed is named in
    `problems`."""
    sources: list[Source] = []
    for given in inputs:
        if str(given) == STDIN:
            sources.append((STDIN, None))
            continue
        folder = Path(given)
        if not folder.exists():
            problems.append(f"{shown(folder)}: no such file or folder; check the path.")
            continue
        sources += [(shown(p), p) for p in _files(folder, problems)]
    return sources


def read_source(name: str, path: Path | None, stdin: bytes | None = None,
                ledger: LeftOut | None = None) -> list[Article]:
    """One file's (or stdin's) articles; IngestError, naming the input, when it cannot be read."""
    try:
        if path is not None and not path.is_file():  # a FIFO blocks, a device never ends
            raise IngestError(f"{name}: not a regular file (a pipe or a device); save it to a file or give it as -.")
        if path is not None and path.stat().st_size > MAX_BYTES:  # don't read a huge file to reject it
            raise IngestError(f"{name}: {path.stat().st_size // 2**20} MiB is too large "
                              f"(limit {MAX_BYTES // 2**20} MiB); split it.")
        data = stdin if path is None else _read_limited(path)
    except OSError as e:
        raise IngestError(f"{name}: cannot be read ({e.strerror}); check its permissions.") from None
    return parse_bytes(data or b"", name, path.suffix if path else "", ledger=ledger)


def unique_ids(found: Iterable[list[Article]]) -> list[Article]:
    """The articles of every source in order, a repeated id made unique (a~2, a~3, ...)."""
    seen: dict[str, int] = {}
    articles: list[Article] = []
    for arts in found:
        for art in arts:
            n = seen.get(art.id, 0)
            seen[art.id] = n + 1
            articles.append(replace(art, id=f"{art.id}~{n + 1}") if n else art)
    return articles


def read_inputs(inputs: Iterable[str | Path], stdin: bytes | None = None,
                progress: ProgressFactory | None = None) -> tuple[list[Article], list[str]]:
    """Read every input; return the articles and a one-line reason per input (or entry) left out. One input that
    fails in any way, expected or not, costs only itself (contain.attempt)."""
    ledger = LeftOut(log=False)  # require_articles says them
    problems: list[str] = []
    found: list[list[Article]] = []
    sources = list_sources(inputs, problems)
    with track(progress, "reading", len(sources)) as advance:
        for name, path in sources:
            got = attempt(ledger, name, read_source, name, path, stdin, ledger)
            if got is not None:
                found.append(got)
            advance(1)
    return unique_ids(found), problems + ledger.lines


def shown(path: Path | str) -> str:
    """A path as one printable line: a newline or escape code in a file name cannot forge a log line."""
    text = str(path)
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


def _read_limited(path: Path) -> bytes:
    """A file's bytes, never more than MAX_BYTES (it may grow between the size check and the read)."""
    with path.open("rb") as f:
        data = f.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise IngestError(f"{path}: over {MAX_BYTES // 2**20} MiB; split it.")
    return data


def require_articles(articles: list[Article], problems: list[str]) -> list[Article]:
    """The articles (each problem logged as a warning), or NoInputError when no input gave any."""
    if not articles and len(problems) <= 1:
        raise NoInputError(f"No usable articles: {problems[0] if problems else 'no inputs given'}")
    for p in problems:
        logger.warning("%s", p)
    if not articles:
        raise NoInputError(f"No usable articles in {len(problems)} inputs; see the warnings above.")
    return articles
