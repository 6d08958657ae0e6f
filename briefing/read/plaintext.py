"""Plain text and Markdown -> articles: article breaks, titles, datelines, cut-off endings."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..text.datelines import split_dateline
from ..text.rules import ends_sentence

_SEPARATOR = re.compile(r"^\s*(?:-{3,}|\*{3,}|={3,}|_{3,}|\f)\s*$", re.M)
_HEADING = re.compile(r"^(#{1,2})\s+(\S.*?)\s*#*\s*$")
_MAX_TITLE_WORDS = 20


@dataclass(frozen=True, slots=True)
class RawArticle:
    """An article before it gets an id and a source."""

    title: str | None
    text: str
    dateline: str | None
    truncated: bool


_ELLIPSIS = re.compile(r"(?:\.\.\.|…|\[\s*(?:…|\.\.\.)\s*\]|\[\+\d+ chars\])\W{0,2}$")
_EXCERPT = re.compile(r"(?:\[\s*(?:…|\.\.\.)\s*\]|\[\+\d+ chars\]|\((?:continued|more)\.{0,3}\))\W{0,2}$", re.I)


def is_truncated(text: str, kind: str = "text") -> bool:
    """True when the text stops mid-sentence.

    A plain-text article is cut off when its last line does not end a sentence. A web page is read
    whole and ends with page furniture, not prose (clean.py drops it first; an author may end on
    "…"), so it is cut off only where it says it is an excerpt ("[…]", "[+1200 chars]"). A feed
    entry is often an excerpt: cut off when it ends in an ellipsis, or its last paragraph is a
    long sentence that simply stops.
    """
    text = text.rstrip()
    if not text:
        return False
    last = text.rsplit("\n", 1)[-1]
    if kind == "page":
        return bool(_EXCERPT.search(last))
    if kind == "feed":
        return bool(_ELLIPSIS.search(last)) or (len(last.split()) >= 15 and not ends_sentence(last))
    return not ends_sentence(text)


def _clean_lines(block: str) -> list[str]:
    return [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in block.split("\n") if line.strip()]


def _looks_like_title(line: str, rest: list[str]) -> bool:
    words = line.split()
    return (
        bool(rest)
        and 0 < len(words) <= _MAX_TITLE_WORDS
        and not line.endswith((".", ",", ";", ":"))
        and split_dateline(line)[0] is None
    )


def make_article(lines: list[str], title: str | None = None, kind: str = "text") -> RawArticle | None:
    """Build an article from its non-empty lines (paragraphs); the first may be a title.

    kind is "text", "page" (a web page's main text) or "feed" (an entry's text): page furniture is
    dropped from all, and a page's non-sentence trailer too (clean.py).
    """
    from .furniture import clean_lines

    lines = clean_lines(list(lines), page=kind == "page")
    if title is None and len(lines) > 1 and _looks_like_title(lines[0], lines[1:]):
        title = lines.pop(0)
    if not lines:
        return RawArticle(title, "", None, False) if title else None
    dateline, lines[0] = split_dateline(lines[0])
    text = "\n".join(lines).strip()
    return RawArticle(title, text, dateline, is_truncated(text, kind))


def _by_headings(lines: list[str]) -> list[RawArticle] | None:
    """Markdown with two or more top-level headings: one article per heading."""
    heads = [(i, m) for i, line in enumerate(lines) if (m := _HEADING.match(line))]
    if not heads:
        return None
    level = min(len(m.group(1)) for _, m in heads)
    heads = [(i, m) for i, m in heads if len(m.group(1)) == level]
    if len(heads) < 2:
        return None
    out = []
    for n, (i, m) in enumerate(heads):
        end = heads[n + 1][0] if n + 1 < len(heads) else len(lines)
        body = [ln for ln in _clean_lines("\n".join(lines[i + 1 : end])) if not ln.startswith("#")]
        if art := make_article(body, title=m.group(2)):
            out.append(art)
    return out


def split_articles(text: str) -> list[RawArticle]:
    """Split a plain-text or Markdown file into articles."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if _SEPARATOR.search(text):
        parts = [p for p in _SEPARATOR.split(text) if p.strip()]
        if len(parts) > 1:
            return [a for p in parts for a in split_articles(p)]
    if (by_heads := _by_headings(text.split("\n"))) is not None:
        return by_heads
    blocks = [_clean_lines(b) for b in re.split(r"\n\s*\n", text)]
    blocks = [b for b in blocks if b]
    if not blocks:
        return []
    if len(blocks) == 1:
        return [a for a in [make_article(blocks[0])] if a]
    if any(len(b) > 1 for b in blocks):
        # Paragraphs are single lines and articles are blank-line separated (the seeds format).
        groups, pending_title = [], None
        for b in blocks:
            if len(b) == 1 and _looks_like_title(b[0], ["x"]) and pending_title is None:
                pending_title = b[0]
                continue
            groups.append(([pending_title] if pending_title else []) + b)
            pending_title = None
        if pending_title:
            groups.append([pending_title])
        return [a for g in groups if (a := make_article(g))]
    # Every block is one paragraph: a new article starts at each dateline, else one article.
    starts = [i for i, b in enumerate(blocks) if i == 0 or split_dateline(b[0])[0]]
    groups = [
        [ln for b in blocks[s : (starts[n + 1] if n + 1 < len(starts) else len(blocks))] for ln in b]
        for n, s in enumerate(starts)
    ]
    return [a for g in groups if (a := make_article(g))]
