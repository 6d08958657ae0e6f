"""Writing files so that a crash or a kill never leaves one half-written."""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

_BRIEF = re.compile(r"^(\d{4}-\d{2}-\d{2})\.md$")


def write_atomic(path: Path, text: str) -> Path:
    """Write to a temp file beside `path`, flush it to disk, then rename it over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_front_matter(path: Path) -> dict:
    """The front matter of a briefing we wrote (one JSON value per key); {} if unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    if not text.startswith("---\n"):
        return {}
    meta = {}
    for line in text[4 : text.find("\n---\n", 4)].splitlines():
        key, _, value = line.partition(": ")
        try:
            meta[key] = json.loads(value)
        except ValueError:
            continue
    return meta


def write_index(folder: Path) -> tuple[Path, Path]:
    """folder/index.md and index.html: every briefing there, newest first."""
    from .render import index_html, index_markdown

    entries = sorted(((m.group(1), read_front_matter(p)) for p in folder.glob("*.md") if (m := _BRIEF.match(p.name))),
                     reverse=True)
    return (write_atomic(folder / "index.md", index_markdown(entries)),
            write_atomic(folder / "index.html", index_html(entries)))
