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
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

from .. import __version__
from ..config import FETCH_BUDGET, FETCH_TIMEOUT
from ..contain import describe
from ..documents import Article
from ..errors import BriefingError, FetchError, IngestError
from ..store import State
from ..text.urls import redact
from .addresses import PUBLIC_ONLY, NotPublic, check_public, is_public_address, refusal, transport_types  # noqa: F401
from .encoding import decode
from .html import parse_html
from .parse import parse_bytes

logger = logging.getLogger(__name__)

USER_AGENT = f"briefing/{__version__} (offline news briefings; +https://pypi.org/project/offline-briefing/)"
MAX_FEED_BYTES = 10 * 2**20
MAX_PAGES = 50
ATTEMPTS = 3
BACKOFF = 1.0  # seconds before the 2nd attempt; doubled after each
RETRY_AFTER_CAP = 60.0  # the longest wait a server's Retry-After gets (seconds or an HTTP date alike)


def is_url(source: str) -> bool:
    return str(source).startswith(("http://", "https://"))


def _client(timeout: float):
    import httpx

    # Redirects are followed by get(), one hop at a time, so each new address is checked first.
    return httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)), follow_redirects=False,
                        headers={"User-Agent": USER_AGENT}, transport=transport_types()[0]())


MAX_REDIRECTS = 5


class Budget:
    """The time left for a run's fetches (fetch_budget): once spent, the remaining sources are skipped."""

    def __init__(self, seconds: float):
        self.deadline = time.monotonic() + seconds

    def left(self) -> float:
        return self.deadline - time.monotonic()


def _retry_after(value: str) -> float | None:
    """The seconds a Retry-After header asks for, given as seconds or as an HTTP date; None if unreadable."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000": UTC, per RFC 5322
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def get(client, url: str, headers: dict | None = None, limit: int = MAX_FEED_BYTES, backoff: float = BACKOFF,
        public_only: bool = False, deadline: float | None = None,
        budget: Budget | None = None, public_redirects: bool = False) -> tuple[int, dict, bytes]:
    """(status, headers, body) of a GET; retries 5xx, 429 (honouring Retry-After) and network errors;
    IngestError when it gives up. `deadline`: seconds for the whole request, body included (a server
    that drips a byte a second is cut off); `public_only`: every hop must be a public address;
    `public_redirects`: every hop after the first (a configured feed's own address is the user's choice)."""
    import httpx

    delay = backoff
    last = ""
    total = deadline or client.timeout.read or FETCH_TIMEOUT
    for attempt in range(1, ATTEMPTS + 1):
        if budget is not None and budget.left() <= 0:
            raise FetchError(f"{redact(url)}: the run's fetch budget is spent; skipped (raise fetch_budget).")
        stop_at = time.monotonic() + min(total, budget.left() if budget else total)
        wait = delay
        target = url
        try:
            hops = 0
            while True:
                checked = public_only or (public_redirects and hops > 0)
                if checked:
                    check_public(target)
                with client.stream("GET", target, headers=headers or {}, extensions={PUBLIC_ONLY: checked}) as r:
                    moved = r.status_code in (301, 302, 303, 307, 308) and "location" in r.headers
                    if moved and hops < MAX_REDIRECTS:
                        nxt = r.headers.get("location", "").strip()
                        if re.match(r"^[a-z][a-z0-9+.-]*:", nxt, re.I) and not re.match(r"^https?://", nxt, re.I):
                            raise IngestError(f"{redact(url)}: redirects to a non-web address; skipped.")
                        target = str(r.url.join(nxt))
                        if not target.startswith(("http://", "https://")):
                            raise IngestError(f"{redact(url)}: redirects to a non-web address; skipped.")
                        hops += 1
                        continue
                    if moved:
                        raise FetchError(f"{redact(url)}: more than {MAX_REDIRECTS} redirects; skipped.")
                    if r.status_code >= 500 or r.status_code == 429:
                        last = f"HTTP {r.status_code}"
                        after = _retry_after(r.headers.get("retry-after", ""))
                        if after is not None:
                            wait = max(delay, min(after, RETRY_AFTER_CAP))
                        break
                    declared = r.headers.get("content-length")
                    if declared and declared.isdigit() and int(declared) > limit:
                        raise FetchError(f"{redact(url)}: {int(declared) // 2**20} MiB is over the "
                                          f"{limit // 2**20} MiB limit; skipped.")
                    body = bytearray()
                    for chunk in r.iter_bytes():
                        body += chunk
                        if len(body) > limit:
                            raise FetchError(f"{redact(url)}: more than {limit // 2**20} MiB; skipped.")
                        if time.monotonic() > stop_at:
                            raise httpx.ReadTimeout("the whole response took too long")
                    if r.status_code >= 400:
                        raise FetchError(f"{redact(url)}: HTTP {r.status_code}; check the URL.")
                    return r.status_code, dict(r.headers), bytes(body)
        except NotPublic as e:  # from check_public, or from the connection (the name answered anew)
            raise IngestError(refusal(url, target, e.address)) from None
        except httpx.InvalidURL as e:  # httpx reads a Location header eagerly: "javascript:..." fails there
            raise IngestError(f"{redact(url)}: redirects to a non-web or invalid address ({e}); skipped.") from None
        except httpx.TimeoutException:
            last = f"timed out (no complete answer in {min(total, 9999):.0f} s)"
        except (httpx.HTTPError, ValueError) as e:
            last = f"{type(e).__name__}: {e}".splitlines()[0]
        if attempt < ATTEMPTS:
            if budget is not None and budget.left() < wait:
                last += f" (a wait of {wait:.0f} s before trying again would overrun the run's fetch budget)"
                break
            logger.info("%s: %s; retrying in %.1f s", redact(url), last, wait)
            time.sleep(wait)
            delay *= 2
    raise FetchError(f"{redact(url)}: {last} after {attempt} attempt{'s' if attempt > 1 else ''}; "
                      "try again later or drop the source.")


def _unexpected(url: str, error: Exception) -> str:
    """The one-line problem for a URL that failed in a way nobody foresaw (a bug here or in a library), the URL
    redacted in it, as contain.describe words every such line."""
    return describe(redact(url), error, lambda text: text.replace(url, redact(url)))


def _charset(headers: dict) -> str | None:
    """The charset an HTTP Content-Type header declares."""
    m = re.search(r"charset=[\"']?([\w.:-]+)", headers.get("content-type", ""), re.I)
    return m.group(1) if m else None


def fetch_feed(client, url: str, state: State | None, backoff: float = BACKOFF,
               budget: Budget | None = None, allow_private: bool = False) -> list[Article]:
    """The articles of a feed URL (conditional GET against the stored validators). The URL itself may be
    private (an intranet feed the user configured), but its redirects must be public unless allow_private."""
    etag, modified, stored = state.feed(url) if state else (None, None, None)
    headers = {}
    if stored is not None:
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
    status, got, body = get(client, url, headers, backoff=backoff, budget=budget, public_redirects=not allow_private)
    if status == 304:
        if stored is None:
            raise FetchError(f"{redact(url)}: the server says not modified, but no earlier copy is stored; "
                              "run with --no-cache or try again.")
        logger.info("%s: not modified; using the stored copy", redact(url))
        body = stored
    articles = parse_bytes(body, redact(url), declared=_charset(got), url=url)
    if state is not None and status == 200:
        state.save_feed(url, got.get("etag"), got.get("last-modified"), body)
    return articles


def fill_from_pages(client, articles: list[Article], backoff: float = BACKOFF, allow_private: bool = False,
                    budget: Budget | None = None) -> list[Article]:
    """Articles with a link but no text get the main text of their page (up to MAX_PAGES).

    Pages are fetched only from public addresses unless allow_private (checked on every redirect).
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
            _, got, body = get(client, a.url, limit=MAX_FEED_BYTES, backoff=backoff, public_only=not allow_private,
                               budget=budget)
            page = parse_html(decode(body, redact(a.url), _charset(got)), redact(a.url), url=a.url)[0]
            out.append(replace(a, text=page.text, title=a.title or page.title, truncated=page.truncated,
                               dateline=a.dateline or page.dateline, language=page.language))
        except BriefingError as e:
            logger.warning("%s (kept the title only)", e)
            out.append(a)
        except Exception as e:  # one page must not stop the others: a bug becomes that page's problem
            logger.warning("%s (kept the title only)", _unexpected(a.url, e))
            out.append(a)
    return out


def fetch_article(url: str, timeout: float = FETCH_TIMEOUT, allow_private: bool = False) -> list[Article]:
    """The article(s) at one http(s) address (a page, or a feed), read as a file of that kind would be;
    public addresses only unless allow_private (checked on every redirect)."""
    from urllib.parse import urlsplit

    from .parse import MAX_BYTES

    if urlsplit(url).scheme.lower() not in ("http", "https"):
        raise IngestError(f"{redact(url)}: only http(s) addresses are fetched.")
    with _client(timeout) as client:
        _, headers, data = get(client, url, limit=MAX_BYTES, backoff=0.5, public_only=not allow_private,
                               deadline=timeout)
    suffix = Path(urlsplit(url).path).suffix.lower()
    return parse_bytes(data, redact(url), suffix if suffix in (".html", ".htm", ".xml", ".rss") else "",
                       _charset(headers), url=url)


def read_urls(urls: list[str], state: State | None, timeout: float = FETCH_TIMEOUT, backoff: float = BACKOFF,
              allow_private: bool = False, budget_s: float = FETCH_BUDGET,
              advance: Callable[[int], object] | None = None) -> tuple[list[Article], list[str]]:
    """Articles from feed (or page) URLs, and one problem line per URL that failed."""
    articles: list[Article] = []
    problems: list[str] = []
    if not urls:
        return articles, problems
    budget = Budget(budget_s)
    with _client(timeout) as client:
        for url in urls:
            try:
                articles += fetch_feed(client, url, state, backoff, budget, allow_private)
            except BriefingError as e:
                problems.append(str(e))
            except Exception as e:  # one feed must not stop the others: a bug becomes that feed's problem
                problems.append(_unexpected(url, e))
            if advance is not None:
                advance(1)
        articles = fill_from_pages(client, articles, backoff, allow_private, budget)
    return articles, problems


def opml_urls(path: Path) -> list[str]:
    """Feed URLs listed in an OPML file."""
    import xml.etree.ElementTree as ET

    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as e:
        raise IngestError(f"{path}: not a readable OPML file ({e}); check it.") from None
    return [url for o in root.iter("outline") if (url := o.get("xmlUrl"))]
