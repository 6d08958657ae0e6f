"""Building an Article from what a reader found: its parts, a date in the record's own words, the language."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from ..documents import Article
from ..stories.kinds import article_kind
from ..text.language import language
from .plaintext import RawArticle, make_article

logger = logging.getLogger(__name__)


def parse_date(value: object, where: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        dt = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except (ValueError, TypeError):
        logger.warning("%s: published %r is not an ISO 8601 date (e.g. 2026-02-05T08:00:00Z); ignored", where, value)
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def from_body(title: str | None, body: str, kind: str = "text") -> RawArticle | None:
    """An article from a title and a body of paragraphs (the title not repeated as the first paragraph)."""
    lines = [ln.strip() for ln in body.split("\n") if ln.strip()]
    if title and lines and lines[0] == title.strip():
        lines = lines[1:]
    return make_article(lines, title=title or None, kind=kind) if (lines or title) else None


def article_of(raw: RawArticle, id: str, source: str, **extra: Any) -> Article:
    extra.setdefault("kind", article_kind(extra.get("url"), raw.title, [c for c in [extra.get("category")] if c])[0])
    return Article(id=id, title=raw.title, text=raw.text, source=source, dateline=raw.dateline,
                   truncated=raw.truncated, language=language(f"{raw.title or ''}\n{raw.text}"), **extra)
