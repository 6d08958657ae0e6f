"""RSS, Atom and RDF feeds with feedparser: each entry an article, one entry's failure costing that entry only."""

from __future__ import annotations

import calendar
import logging
import re
from datetime import UTC, datetime
from pathlib import Path

from ..contain import LeftOut, attempt
from ..documents import Article
from ..errors import IngestError
from ..stories.kinds import article_kind
from .build import article_of, from_body
from .encoding import decode
from .feedtext import entry_text, html_to_text, media_texts
from .publisher import feed_publisher

logger = logging.getLogger(__name__)


def parse_feed(data: bytes, name: str, ledger: LeftOut | None = None) -> list[Article]:
    feed = _feedparser(data, name)
    if not feed.entries:
        why = f" ({feed.bozo_exception})" if feed.bozo else ""
        raise IngestError(f"{name}: not a readable RSS/Atom feed{why}; check the file or its URL.")
    channel = feed.feed
    source = feed_publisher(_text_of(channel.get("title")), _text_of(channel.get("link"))) or Path(name).name
    media = media_texts(data)
    out = []
    for n, entry in enumerate(feed.entries, 1):
        article = attempt(ledger, f"{name}: entry {n}", _entry_article, entry, n, name, source, media)
        if article is not None:
            out.append(article)
    if not out:
        why = f" ({feed.bozo_exception})" if feed.bozo else ""
        raise IngestError(f"{name}: not a readable RSS/Atom feed{why}; its entries have no title or text.")
    return out


def _feedparser(data: bytes, name: str):
    """feedparser's reading of the bytes; if it fails on them (a garbled encoding declaration: UnicodeDecodeError
    deep inside), its reading of the text as decode() reads it; IngestError when neither works."""
    import feedparser

    try:
        return feedparser.parse(data)
    except Exception:  # noqa: BLE001 - feedparser raises several kinds on garbled bytes
        logger.debug("%s: feedparser failed on the bytes; trying the decoded text", name, exc_info=True)
    text = re.sub(r"^\s*<\?xml[^>]{0,500}\?>", "", decode(data, name))  # its declaration was the trouble
    try:
        return feedparser.parse(text)
    except Exception as e:  # noqa: BLE001
        raise IngestError(f"{name}: not a readable RSS/Atom feed ({type(e).__name__}); check the file or its URL.") \
            from None


def _entry_article(entry, n: int, name: str, source: str, media: set[str]) -> Article | None:
    """One feed entry's article (None, with a warning, when it has neither title nor text)."""
    raw = from_body(html_to_text(_text_of(entry.get("title"))) or None, entry_text(entry, media), kind="feed")
    if raw is None:
        logger.warning("%s: entry %d has no title and no text; skipped", name, n)
        return None
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    published = _from_struct(stamp)
    tags = entry.get("tags") or []
    terms = [t["term"] for t in tags[:5] if isinstance(t, dict) and isinstance(t.get("term"), str) and t["term"].strip()]
    category = terms[0] if terms else None
    link = _text_of(entry.get("link")) or None
    kind, _ = article_kind(link, raw.title, terms)  # the first two terms: later ones are topic keywords
    return article_of(raw, _text_of(entry.get("id")) or link or f"{Path(name).stem}-{n}", source,
                      published=published, url=link, category=category, kind=kind)


def _text_of(value: object) -> str:
    """A feed field as text: feedparser gives str, but a hostile feed can make it anything."""
    return value if isinstance(value, str) else ""


def _from_struct(stamp: object) -> datetime | None:
    """A feedparser time tuple as an aware datetime; None when it is missing or out of range."""
    try:
        return datetime.fromtimestamp(calendar.timegm(stamp), UTC) if stamp else None  # type: ignore[arg-type]
    except (OverflowError, ValueError, TypeError, OSError):
        return None
