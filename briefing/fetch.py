"""Feeds and pages over HTTP with httpx: timeouts, size limits, retries, conditional GET.

A feed URL is fetched with the ETag / Last-Modified stored from the last run; a 304 reuses
the stored body. Server errors and timeouts are retried with exponential backoff; any
failure becomes a one-line problem for that source while the other sources go on.
Entries that carry only a link get their page fetched and its main text extracted
(trafilatura), up to MAX_PAGES pages per run.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import replace
from pathlib import Path

from . import __version__
from .documents import Article
from .errors import IngestError
from .ingest import decode, parse_bytes, parse_html
from .store import State

logger = logging.getLogger(__name__)

USER_AGENT = f"briefing/{__version__} (offline news briefings; +https://pypi.org/project/briefing/)"
MAX_FEED_BYTES = 10 * 2**20
MAX_PAGES = 50
ATTEMPTS = 3
BACKOFF = 1.0  # seconds before the 2nd attempt; doubled after each


def is_url(source: str) -> bool:
    return str(source).startswith(("http://", "https://"))


def _client(timeout: float):
    import httpx

    return httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)), follow_redirects=True,
                        headers={"User-Agent": USER_AGENT}, max_redirects=5)


def get(client, url: str, headers: dict | None = None, limit: int = MAX_FEED_BYTES,
        backoff: float = BACKOFF) -> tuple[int, dict, bytes]:
    """(status, headers, body) of a GET; retries 5xx, 429 and network errors; IngestError when it gives up."""
    import httpx

    delay = backoff
    last = ""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with client.stream("GET", url, headers=headers or {}) as r:
                if r.status_code >= 500 or r.status_code == 429:
                    last = f"HTTP {r.status_code}"
                else:
                    declared = r.headers.get("content-length")
                    if declared and declared.isdigit() and int(declared) > limit:
                        raise IngestError(f"{url}: {int(declared) // 2**20} MiB is over the {limit // 2**20} MiB limit; skipped.")
                    body = bytearray()
                    for chunk in r.iter_bytes():
                        body += chunk
                        if len(body) > limit:
                            raise IngestError(f"{url}: more than {limit // 2**20} MiB; skipped.")
                    if r.status_code >= 400:
                        raise IngestError(f"{url}: HTTP {r.status_code}; check the URL.")
                    return r.status_code, dict(r.headers), bytes(body)
        except httpx.TimeoutException:
            last = "timed out"
        except httpx.HTTPError as e:
            last = f"{type(e).__name__}: {e}".splitlines()[0]
        if attempt < ATTEMPTS:
            logger.info("%s: %s; retrying in %.1f s", url, last, delay)
            time.sleep(delay)
            delay *= 2
    raise IngestError(f"{url}: {last} after {ATTEMPTS} attempts; try again later or drop the source.")


def _charset(headers: dict) -> str | None:
    """The charset an HTTP Content-Type header declares."""
    m = re.search(r"charset=[\"']?([\w.:-]+)", headers.get("content-type", ""), re.I)
    return m.group(1) if m else None


def fetch_feed(client, url: str, state: State | None, backoff: float = BACKOFF) -> list[Article]:
    """The articles of a feed URL (conditional GET against the stored validators)."""
    etag, modified, stored = state.feed(url) if state else (None, None, None)
    headers = {}
    if stored is not None:
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
    status, got, body = get(client, url, headers, backoff=backoff)
    if status == 304 and stored is not None:
        logger.info("%s: not modified; using the stored copy", url)
        body = stored
    articles = parse_bytes(body, url, declared=_charset(got), url=url)
    if state is not None and status == 200:
        state.save_feed(url, got.get("etag"), got.get("last-modified"), body)
    return articles


def fill_from_pages(client, articles: list[Article], backoff: float = BACKOFF) -> list[Article]:
    """Articles with a link but no text get the main text of their page (up to MAX_PAGES).

    A page that fails is logged; its entry stays, as a bullet with its title and source.
    """
    out = []
    fetched = 0
    for a in articles:
        if a.text.strip() or not a.url or not is_url(a.url) or fetched >= MAX_PAGES:
            out.append(a)
            continue
        fetched += 1
        try:
            _, got, body = get(client, a.url, limit=MAX_FEED_BYTES, backoff=backoff)
            page = parse_html(decode(body, a.url, _charset(got)), a.url, url=a.url)[0]
            out.append(replace(a, text=page.text, title=a.title or page.title, truncated=page.truncated,
                               dateline=a.dateline or page.dateline, language=page.language))
        except IngestError as e:
            logger.warning("%s (kept the title only)", e)
            out.append(a)
    return out


def read_urls(urls: list[str], state: State | None, timeout: float = 20.0,
              backoff: float = BACKOFF) -> tuple[list[Article], list[str]]:
    """Articles from feed (or page) URLs, and one problem line per URL that failed."""
    articles: list[Article] = []
    problems: list[str] = []
    if not urls:
        return articles, problems
    with _client(timeout) as client:
        for url in urls:
            try:
                articles += fetch_feed(client, url, state, backoff)
            except IngestError as e:
                problems.append(str(e))
        articles = fill_from_pages(client, articles, backoff)
    return articles, problems


def opml_urls(path: Path) -> list[str]:
    """Feed URLs listed in an OPML file."""
    import xml.etree.ElementTree as ET

    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as e:
        raise IngestError(f"{path}: not a readable OPML file ({e}); check it.") from None
    return [o.get("xmlUrl") for o in root.iter("outline") if o.get("xmlUrl")]
