"""The fetch policy end to end: DNS rebinding, redirects of configured feeds, IPv6 forms of private
addresses, Retry-After as a date, and one bad URL never stopping the others.

Nothing here reaches beyond this machine: the servers are on 127.0.0.1, host names are answered by a
fake resolver, and a guard refuses any connection to another address.
"""

from __future__ import annotations

import logging
import socket
import threading
import types
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit

import httpcore
import pytest
from conftest import FIXTURES

from briefing.errors import ConfigError, IngestError
from briefing.read import addresses
from briefing.read import http as fetch
from briefing.text.urls import redact

FEED = (FIXTURES / "feed.xml").read_bytes()
PAGE = (FIXTURES / "page.html").read_bytes()
PUBLIC = "93.184.215.14"  # an address the check counts as public; the guard below never lets it be reached


def links(*urls: str) -> bytes:
    items = "".join(f"<item><title>Link {i}</title><link>{u.replace('&', '&amp;')}</link></item>"
                    for i, u in enumerate(urls))
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Links</title>{items}</channel></rss>'.encode()


class Handler(BaseHTTPRequestHandler):
    hits: dict[str, int] = {}
    hosts: list[str] = []

    def log_message(self, *args):  # keep test output clean
        pass

    def do_GET(self):
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        Handler.hits[parts.path] = Handler.hits.get(parts.path, 0) + 1
        Handler.hosts.append(self.headers["Host"])
        if parts.path in ("/feed.xml", "/boom.xml", "/secret-feed.xml"):  # its links stay on this server
            self._send(FEED.replace(b"https://example.org", b"http://" + self.headers["Host"].encode()))
        elif parts.path == "/links.xml":  # ?to=URL, repeated: an entry that carries only a link per URL
            self._send(links(*query["to"]))
        elif parts.path in ("/page.html", "/boom.html"):
            self._send(PAGE, "text/html")
        elif parts.path == "/secret.html":
            self._send(PAGE.replace(b"<body>", b"<body><p>INTERNAL-SECRET</p>"), "text/html")
        elif parts.path == "/moved":  # ?to=URL
            self.send_response(302)
            self.send_header("Location", query["to"][0])
            self.end_headers()
        elif parts.path == "/busy":  # ?after=VALUE of Retry-After, or ?in=SECONDS from now as an HTTP date
            after = query["after"][0] if "after" in query else format_datetime(
                datetime.now(UTC) + timedelta(seconds=int(query["in"][0])), usegmt=True)
            self.send_response(429)
            self.send_header("Retry-After", after)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

    def _send(self, body: bytes, ctype="application/rss+xml"):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server():
    Handler.hits, Handler.hosts = {}, []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def only_this_machine(monkeypatch):
    """Any connection to an address other than 127.0.0.1 fails here, as if the network were down."""
    real = socket.socket.connect

    def connect(sock, address):
        if sock.family != socket.AF_INET or address[0] != "127.0.0.1":
            raise OSError(f"test guard: no connection to {address!r}")
        return real(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


class Resolver:
    """socket.getaddrinfo with set answers: names[host] is a list of addresses per successive call (the
    last one repeats); numeric hosts resolve as usual; any other name does not resolve (no DNS query)."""

    def __init__(self):
        self.names: dict[str, list[str]] = {}
        self.calls: dict[str, int] = {}
        self.real = socket.getaddrinfo

    def __call__(self, host, port, family=0, type=0, proto=0, flags=0):
        if host not in self.names:
            return self.real(host, port, family, type, proto, flags | socket.AI_NUMERICHOST)
        n = self.calls[host] = self.calls.get(host, 0) + 1
        address = self.names[host][min(n, len(self.names[host])) - 1]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(port)))]


@pytest.fixture
def resolver(monkeypatch):
    r = Resolver()
    monkeypatch.setattr(socket, "getaddrinfo", r)
    return r


# -- M3: DNS rebinding ----------------------------------------------------------------------------

def test_a_name_that_rebinds_to_loopback_after_the_check_is_not_fetched(server, resolver, caplog):
    """Public at the check, loopback at the connection: the connection goes only to an address it checked."""
    resolver.names["rebind.test"] = [PUBLIC, "127.0.0.1"]
    page = f"http://rebind.test:{server}/secret.html"
    feed = f"http://127.0.0.1:{server}/links.xml?to={quote(page, safe='')}"  # configured: may be on loopback
    articles, problems = fetch.read_urls([feed], None, timeout=5)
    assert not problems and Handler.hits.get("/secret.html") is None
    assert articles[0].title == "Link 0" and "INTERNAL-SECRET" not in articles[0].text
    assert any("127.0.0.1 is not a public address" in r.getMessage() for r in caplog.records)
    with fetch._client(5) as client, pytest.raises(IngestError, match="127.0.0.1 is not a public address"):
        fetch.get(client, page, public_only=True)
    assert Handler.hits.get("/secret.html") is None


def test_the_connection_goes_to_the_checked_address_while_host_and_tls_keep_the_name(server, resolver,
                                                                                    monkeypatch):
    resolver.names["www.feed.test"] = ["127.0.0.1"]
    monkeypatch.setattr(addresses, "is_public_address", lambda address: True)  # let the loopback server stand in
    seen: list[tuple[str, str]] = []
    connect = httpcore.SyncBackend.connect_tcp

    class Recorded:
        def __init__(self, stream):
            self.stream = stream

        def start_tls(self, ssl_context, server_hostname=None, timeout=None):
            seen.append(("tls", server_hostname))
            return self.stream.start_tls(ssl_context, server_hostname, timeout)

        def __getattr__(self, name):
            return getattr(self.stream, name)

    def recorded(backend, host, port, *args, **kw):
        seen.append(("connect", host))
        return Recorded(connect(backend, host, port, *args, **kw))

    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", recorded)
    with fetch._client(5) as client:
        status, _, body = fetch.get(client, f"http://www.feed.test:{server}/page.html", public_only=True)
        assert status == 200 and body == PAGE
        assert seen == [("connect", "127.0.0.1")] and Handler.hosts == [f"www.feed.test:{server}"]
        seen.clear()
        with pytest.raises(IngestError):  # the server speaks plain HTTP: the handshake fails, after SNI
            fetch.get(client, f"https://www.feed.test:{server}/page.html", public_only=True, backoff=0.01)
        assert seen[:2] == [("connect", "127.0.0.1"), ("tls", "www.feed.test")]


# -- M4: redirects of configured feeds ------------------------------------------------------------

def test_a_configured_feeds_redirect_to_a_private_address_is_refused(server, resolver):
    resolver.names["feed.test"] = ["127.0.0.1"]  # the configured feed's own address is the user's choice
    hidden = f"http://127.0.0.1:{server}/secret-feed.xml"
    feed = f"http://feed.test:{server}/moved?to={quote(hidden, safe='')}"
    articles, problems = fetch.read_urls([feed], None, timeout=5)
    assert articles == [] and Handler.hits.get("/secret-feed.xml") is None
    assert len(problems) == 1 and "\n" not in problems[0]
    assert problems[0].startswith("http://feed.test:") and "redirects to http://127.0.0.1:" in problems[0]
    assert "127.0.0.1 is not a public address" in problems[0] and "allow_private_fetch" in problems[0]

    articles, problems = fetch.read_urls([feed], None, timeout=5, allow_private=True)  # the operator's switch
    assert not problems and articles and Handler.hits["/secret-feed.xml"] == 1
    articles, problems = fetch.read_urls([f"http://feed.test:{server}/feed.xml"], None, timeout=5)
    assert not problems and articles  # a configured intranet feed itself is still read


# -- L1: IPv6 and special-purpose forms of non-public addresses ------------------------------------

NOT_PUBLIC = ["64:ff9b::7f00:1", "64:ff9b::a00:1", "64:ff9b::c0a8:101", "64:ff9b:1::808:808",  # NAT64
              "2002:7f00:1::1", "2002:a00:1::", "2002:a9fe:a9fe::1",  # 6to4 of loopback, 10/8, link-local
              "::127.0.0.1", "::10.0.0.1", "::8.8.8.8",  # IPv4-compatible (deprecated)
              "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:192.0.0.8", "::ffff:0:a00:1",  # mapped, translated
              "2001::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
              "192.0.0.8", "192.0.0.9", "192.0.0.10", "192.0.0.170", "192.0.0.192", "192.0.0.255",
              "fec0::1", "127.0.0.1", "10.1.2.3", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fe80::1",
              "fc00::1", "224.0.0.1", "ff02::1"]


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_embedded_and_special_forms_of_private_addresses_are_not_public(address, resolver):
    resolver.names["host.test"] = [address]
    with pytest.raises(IngestError, match="not a public address"):
        fetch.check_public("http://host.test/")
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(IngestError, match="not a public address"):
        fetch.check_public(f"http://{host}/")


@pytest.mark.parametrize("address", ["8.8.8.8", "2606:4700::1111", "64:ff9b::808:808", "2002:808:808::1",
                                     "::ffff:8.8.8.8"])
def test_public_addresses_and_their_embedded_forms_stay_public(address):
    assert fetch.is_public_address(address)


def test_a_refusal_names_the_url_the_address_and_the_switch(monkeypatch):
    """One line: the URL as given (redacted), the first non-public address among those the name resolves to, and
    the setting that allows it; no redirect is claimed for a URL refused itself (mutation check of addresses.py)."""
    answer = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, 8443)) for a in ("8.8.8.8", "10.1.2.3")]
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, *a, **k: answer if host == "intranet.test" else [])
    with pytest.raises(IngestError) as e:
        fetch.check_public("https://user:pw@intranet.test:8443/feed.xml?token=s3cr3t")
    assert str(e.value) == ("https://intranet.test:8443/feed.xml?token=REDACTED: 10.1.2.3 is not a public address; "
                            "not fetched (set allow_private_fetch = true in the config for intranet addresses).")


@pytest.mark.parametrize("url", ["ftp://example.org/feed.xml", "http:///feed.xml", "file:///etc/passwd"])
def test_another_scheme_or_no_host_is_refused_before_any_lookup(url, resolver):
    with pytest.raises(IngestError) as e:
        fetch.check_public(url)
    assert type(e.value) is IngestError and str(e.value) == f"{redact(url)}: only http(s) addresses are fetched; skipped."


def test_a_name_that_does_not_resolve_is_a_fetch_error_naming_it(resolver):
    from briefing.errors import FetchError

    with pytest.raises(FetchError) as e:  # the resolver answers no name it was not given
        fetch.check_public("https://nowhere.test/feed.xml?key=k")
    assert str(e.value).startswith("https://nowhere.test/feed.xml?key=REDACTED: the host does not resolve (")
    assert str(e.value).endswith("); skipped.") and "\n" not in str(e.value)


# -- L16: Retry-After as an HTTP date -----------------------------------------------------------------

@pytest.fixture
def waits(monkeypatch):
    """The waits between attempts, recorded instead of slept (the clock the budget reads still runs)."""
    slept: list[float] = []
    monkeypatch.setattr(fetch, "time", types.SimpleNamespace(monotonic=fetch.time.monotonic, sleep=slept.append))
    return slept


@pytest.mark.parametrize("query, low, high", [
    ("in=30", 25.0, 30.5),  # an HTTP date 30 s ahead (dates have whole seconds, and the request takes a moment)
    ("in=86400", 60.0, 60.0),  # a day ahead: capped as the seconds form is
    ("after=3600", 60.0, 60.0),  # the seconds form, as before
    ("after=soon", 0.01, 0.02),  # unreadable: the usual backoff
])
def test_retry_after_as_a_date_is_honoured_and_capped(server, waits, query, low, high):
    _, problems = fetch.read_urls([f"http://127.0.0.1:{server}/busy?{query}"], None, timeout=5, backoff=0.01)
    assert Handler.hits["/busy"] == 3 and "HTTP 429 after 3 attempts" in problems[0]
    assert len(waits) == 2 and all(low <= w <= high for w in waits), waits


def test_retry_after_longer_than_the_budget_left_gives_up(server, waits):
    _, problems = fetch.read_urls([f"http://127.0.0.1:{server}/busy?in=30"], None, timeout=5, backoff=0.01,
                                  budget_s=10)
    assert Handler.hits["/busy"] == 1 and waits == []
    assert "HTTP 429" in problems[0] and "fetch budget" in problems[0] and "after 1 attempt" in problems[0]


def test_retry_after_date_forms():
    assert fetch._retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past: no wait asked
    ahead = datetime.now(UTC) + timedelta(hours=1)
    assert 3590 < fetch._retry_after(ahead.strftime("%a, %d %b %Y %H:%M:%S -0000")) <= 3600
    assert fetch._retry_after("120") == 120.0 and fetch._retry_after("") is None


# -- containment: one URL's unexpected failure is that URL's problem --------------------------------

@pytest.fixture
def exploding(monkeypatch):
    """parse_bytes and parse_html fail as a bug would for any URL with 'boom' in its path."""
    errors = {"error": RuntimeError("parser exploded\nsecond line")}
    parse_bytes, parse_html = fetch.parse_bytes, fetch.parse_html

    def guard(real):
        def call(*args, url=None, **kw):
            if url and "boom" in urlsplit(url).path:
                raise errors["error"]
            return real(*args, url=url, **kw)
        return call

    monkeypatch.setattr(fetch, "parse_bytes", guard(parse_bytes))
    monkeypatch.setattr(fetch, "parse_html", guard(parse_html))
    return errors


def test_an_unexpected_error_in_one_feed_is_its_one_line_problem(server, exploding, caplog):
    caplog.set_level(logging.DEBUG, logger="briefing")
    boom = f"http://127.0.0.1:{server}/boom.xml?token=s3cr3t"
    exploding["error"] = RuntimeError(f"could not read {boom}\nsecond line")
    articles, problems = fetch.read_urls([boom, f"http://127.0.0.1:{server}/feed.xml"], None, timeout=5)
    assert articles and Handler.hits["/feed.xml"] == 1  # the next feed was still read
    assert len(problems) == 1 and "\n" not in problems[0] and "s3cr3t" not in problems[0]
    assert "left out after an unexpected error (RuntimeError: could not read http://127.0.0.1:" in problems[0]
    assert any(r.levelno == logging.DEBUG and r.exc_info for r in caplog.records)  # the traceback, at debug


def test_a_briefing_error_from_one_feed_keeps_its_message(server, exploding):
    exploding["error"] = ConfigError("a message that names its own fix")
    articles, problems = fetch.read_urls([f"http://127.0.0.1:{server}/boom.xml",
                                          f"http://127.0.0.1:{server}/feed.xml"], None, timeout=5)
    assert articles and problems == ["a message that names its own fix"]


def test_an_unexpected_error_in_one_page_keeps_that_entry_and_fills_the_others(server, exploding, caplog):
    feed = (f"http://127.0.0.1:{server}/links.xml?to=" + quote(f"http://127.0.0.1:{server}/boom.html", safe="")
            + "&to=" + quote(f"http://127.0.0.1:{server}/page.html", safe=""))
    articles, problems = fetch.read_urls([feed], None, timeout=5, allow_private=True)
    assert not problems and [a.title for a in articles] == ["Link 0", "Link 1"]
    assert not articles[0].text.strip() and len(articles[1].text.split()) > 20
    assert any("boom.html: left out after an unexpected error (RuntimeError: parser exploded)" in r.getMessage()
               and "kept the title only" in r.getMessage() for r in caplog.records)
