"""Feeds and pages over HTTP with httpx: timeouts, size limits, retries, conditional GET.

A feed URL is fetched with the ETag / Last-Modified stored from the last run; a 304 reuses
the stored body. Server errors and timeouts are retried with exponential backoff; any
failure becomes a one-line problem for that source while the other sources go on.
Entries that carry only a link get their page fetched and its main text extracted
(trafilatura), up to MAX_PAGES pages per run.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import re
import socket
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

from .. import __version__
from ..config import FETCH_BUDGET, FETCH_TIMEOUT
from ..documents import Article
from ..errors import BriefingError, FetchError, IngestError
from ..store import State
from .parse import decode, parse_bytes, parse_html

logger = logging.getLogger(__name__)

USER_AGENT = f"briefing/{__version__} (offline news briefings; +https://pypi.org/project/offline-briefing/)"
MAX_FEED_BYTES = 10 * 2**20
MAX_PAGES = 50
ATTEMPTS = 3
BACKOFF = 1.0  # seconds before the 2nd attempt; doubled after each
RETRY_AFTER_CAP = 60.0  # the longest wait a server's Retry-After gets (seconds or an HTTP date alike)
_PUBLIC_ONLY = "briefing.public_only"  # request extension: connect only to addresses checked as public


def is_url(source: str) -> bool:
    return str(source).startswith(("http://", "https://"))


def _client(timeout: float):
    import httpx

    # Redirects are followed by get(), one hop at a time, so each new address is checked first.
    return httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)), follow_redirects=False,
                        headers={"User-Agent": USER_AGENT}, transport=_transport_types()[0]())


@functools.cache
def _transport_types():
    """The transport and network backend classes, made on first use so importing briefing loads no httpx."""
    import httpcore
    import httpx

    class PublicOnlyBackend(httpcore.NetworkBackend):
        """Resolves the host once, refuses it unless every address is public, and connects to an address it
        checked: a name that answers differently at the check and at the connection (DNS rebinding) cannot
        reach a private address. TLS still names the host (SNI and the certificate check), as does Host."""

        def __init__(self):
            self._inner = httpcore.SyncBackend()

        def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
            try:
                addresses = _resolve(host, port)
            except (OSError, UnicodeError, ValueError) as e:
                raise httpcore.ConnectError(f"{host} does not resolve ({e})") from None
            for address in addresses:
                if not is_public_address(address):
                    raise _NotPublic(f"{host}: {address} is not a public address", address)
            error: Exception = httpcore.ConnectError(f"{host}: no address to connect to")
            for address in addresses:  # as socket.create_connection: the first one that answers
                try:
                    return self._inner.connect_tcp(str(address), port, timeout, local_address, socket_options)
                except (httpcore.ConnectError, httpcore.ConnectTimeout) as e:
                    error = e
            raise error

        def connect_unix_socket(self, path, timeout=None, socket_options=None):
            raise httpcore.ConnectError("unix sockets are not fetched")

        def sleep(self, seconds):
            self._inner.sleep(seconds)

    class Transport(httpx.BaseTransport):
        """Two connection pools: one that connects wherever the name resolves (a configured feed's own address,
        or all with allow_private_fetch), one that connects only to public addresses it checked itself."""

        def __init__(self):
            self._open = httpx.HTTPTransport()
            self._public = httpx.HTTPTransport()
            # HTTPTransport takes no network backend, so its pool is swapped for one with the checking backend
            # (same limits as httpx's defaults); a keep-alive connection is reused only for the host it was made to.
            self._public._pool = httpcore.ConnectionPool(
                ssl_context=httpx.create_ssl_context(), max_connections=100, max_keepalive_connections=20,
                keepalive_expiry=5.0, network_backend=PublicOnlyBackend())

        def handle_request(self, request):
            return (self._public if request.extensions.get(_PUBLIC_ONLY) else self._open).handle_request(request)

        def close(self):
            self._open.close()
            self._public.close()

    return Transport, PublicOnlyBackend


MAX_REDIRECTS = 5


class _NotPublic(IngestError):
    """A non-public address met on the way to a URL; get() names the URL (and the redirect) in its message."""

    def __init__(self, message: str, address):
        super().__init__(message)
        self.address = address


def _refusal(url: str, target: str, address) -> str:
    """The one-line problem for a URL (or one of its redirects) that leads to a non-public address."""
    via = "" if target == url else f"redirects to {redact(target)}, and "
    return (f"{redact(url)}: {via}{address} is not a public address; not fetched "
            "(set allow_private_fetch = true in the config for intranet addresses).")


# Beyond what ipaddress's is_global says (which changes between Python versions): the IETF protocol
# assignments (192.0.0.0/24: 192.0.0.8, .9, .10, .170, .192 ...), IPv4-compatible (::a.b.c.d, deprecated),
# local-use NAT64 (64:ff9b:1::/48), Teredo (2001::/32), IPv4-translated (::ffff:0:a.b.c.d) and site-local.
_NOT_PUBLIC = tuple(ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "192.0.0.0/24", "::/96", "64:ff9b:1::/48", "2001::/32", "::ffff:0:0:0/96", "fec0::/10"))
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def is_public_address(address) -> bool:
    """Whether an address (ipaddress object or text) is a public unicast one; an IPv6 address that carries an
    IPv4 one it is delivered to (IPv4-mapped, NAT64 64:ff9b::/96, 6to4 2002::/16) is judged by that IPv4."""
    address = ipaddress.ip_address(str(address).split("%")[0])
    if address.version == 6:
        embedded = address.ipv4_mapped or address.sixtofour or (
            ipaddress.IPv4Address(int(address) & 0xFFFFFFFF) if address in _NAT64 else None)
        if embedded is not None:
            return is_public_address(embedded)
    if any(address.version == n.version and address in n for n in _NOT_PUBLIC):
        return False
    return address.is_global and not address.is_multicast


def _resolve(host: str, port: int) -> list:
    """The addresses a host name (or literal) resolves to, in the resolver's order, each once."""
    found = []
    for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if address not in found:
            found.append(address)
    return found


def check_public(url: str) -> None:
    """IngestError unless every address the URL's host resolves to is a public one: no loopback, private,
    link-local (cloud metadata), multicast or reserved ranges, nor IPv6 forms of them. A feed must not turn
    a cron job into a proxy into the operator's network. (The connection checks again: _transport_types.)"""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise IngestError(f"{redact(url)}: only http(s) addresses are fetched; skipped.")
    try:
        addresses = _resolve(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except (OSError, UnicodeError, ValueError) as e:
        raise FetchError(f"{redact(url)}: the host does not resolve ({e}); skipped.") from None
    for address in addresses:
        if not is_public_address(address):
            raise _NotPublic(_refusal(url, url, address), address)


def redact(url: str) -> str:
    """A URL fit to print or publish: no user:password@, no secret-looking query values."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        netloc = host + (f":{parts.port}" if parts.port else "")
        query = urlencode([(k, "REDACTED" if _SECRET_KEY.search(k) else v) for k, v in parse_qsl(parts.query, True)])
        return urlunsplit((parts.scheme, netloc, parts.path, query, ""))
    except ValueError:
        return re.sub(r"//[^/@]*@", "//", url.split("?")[0])


_SECRET_KEY = re.compile(r"token|key|secret|pass|auth|sig|session|code|credential", re.I)


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
                with client.stream("GET", target, headers=headers or {}, extensions={_PUBLIC_ONLY: checked}) as r:
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
        except _NotPublic as e:  # from check_public, or from the connection (the name answered anew)
            raise IngestError(_refusal(url, target, e.address)) from None
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
    """The one-line problem for a URL that failed in a way nobody foresaw (a bug here or in a library)."""
    logger.debug("%s: unexpected error", redact(url), exc_info=error)
    first = (str(error).splitlines() or [""])[0].replace(url, redact(url))[:200]
    return (f"{redact(url)}: left out after an unexpected error ({type(error).__name__}: {first}); "
            "run with -vv for the traceback, and report it if it recurs.")


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
