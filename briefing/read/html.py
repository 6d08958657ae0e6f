"""Web pages: the main text, title and site name with trafilatura; the standfirst kept or dropped by our layer."""

from __future__ import annotations

import logging
import re
import warnings
from pathlib import Path

from ..documents import Article
from ..errors import IngestError
from ..text.rules import word_count
from .build import article_of, from_body, parse_date
from .feedtext import squash
from .publisher import publisher

logger = logging.getLogger(__name__)

MIN_HTML_WORDS = 20  # less than this is a navigation page, not an article


def parse_html(data: bytes | str, name: str, url: str | None = None) -> list[Article]:
    doc = _extract(data, name, url)
    text = (doc.text or "") if doc is not None and not isinstance(doc, dict) else ""
    if doc is None or isinstance(doc, dict) or word_count(text) < MIN_HTML_WORDS:
        raise IngestError(f"{name}: no article text found in this HTML page; give the article's own page.")
    raw = from_body(doc.title, _without_standfirst(text, doc.title, doc.description), kind="page")
    if raw is None or not raw.text:
        raise IngestError(f"{name}: no article text found in this HTML page; give the article's own page.")
    published = parse_date(doc.date, name) if doc.date else None
    page_url = doc.url or url
    source = publisher(doc.sitename, page_url) or Path(name).name
    return [article_of(raw, f"{Path(name).stem}", source, published=published, url=page_url)]


_PAGE_START = re.compile(r"<!doctype\s+html|<html[\s>]", re.I)


def _extract(data: bytes | str, name: str, url: str | None):
    """trafilatura's reading of a page. When it fails on the bytes (junk before the page's <html>: an lxml
    AssertionError deep in the date finder), it reads the page from its <html> on; IngestError if that fails too."""
    import trafilatura

    for attempt_no in range(2):
        try:
            with warnings.catch_warnings():  # dateutil's UnknownTimezoneWarning is the page's problem, not the reader's
                warnings.simplefilter("ignore")
                return trafilatura.bare_extraction(data, url=url, with_metadata=True, include_comments=False)
        except Exception as e:  # noqa: BLE001 - trafilatura and lxml raise many kinds on junk markup
            logger.debug("%s: the extractor failed (%r)", name, e, exc_info=True)
            text = data if isinstance(data, str) else data.decode("utf-8", "replace")
            m = _PAGE_START.search(text, 1)
            if attempt_no or m is None:
                raise IngestError(f"{name}: this HTML page could not be read ({type(e).__name__}); save the page "
                                  "again or give its text.") from None
            data = text[m.start():]
    return None


def _without_standfirst(text: str, title: str | None, description: str | None) -> str:
    """The page's text less its standfirst: the page description (og:description) standing as a paragraph
    right under the title, or repeated before the body that says it again. It is the publisher's own teaser,
    not the story's text, and a summary built on it would repeat the headline."""
    lines = [re.sub(r"^(?:[|•·]\s*)+", "", ln.strip()) for ln in text.split("\n")]
    lines = [ln for ln in lines if ln]
    squashed_title = squash(title or "")
    at = 0
    if lines and squashed_title:
        first = squash(lines[0])
        if first and (first == squashed_title or (len(first) > 15 and first in squashed_title)):
            at = 1  # the page's own heading ("Is Football Violence a Crime?" under "Opinion | Is ...")
        elif title and lines[0].startswith(title.strip()) and len(lines[0]) > len(title.strip()) + 20:
            lines[0] = lines[0][len(title.strip()):].strip()  # the heading run into the first paragraph
    desc = squash((description or "").rstrip(" .…"))[:120]
    if at >= len(lines) or len(desc) < 40:
        return "\n".join(lines)
    first = squash(lines[at])
    if not (first.startswith(desc) or desc.startswith(first[:120])):
        return "\n".join(lines)
    words = set(first.split())
    later = any(len(words & set(squash(ln).split())) >= 0.7 * len(words) for ln in lines[at + 1 :])
    if at == 1 or later:
        return "\n".join(lines[:at] + lines[at + 1 :])
    return "\n".join(lines)
