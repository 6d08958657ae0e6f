"""The HTTP edge of `briefing serve`: what one request or connection may take (ServeLimits), the checks every
request passes before the routes (Host on loopback, the body within its size and time, security headers on
every response), the briefings folder served safely, and uvicorn's h11 protocol with a deadline for headers.

The headers' deadline uses uvicorn's h11 connection states (their_state, send_400_response): uvicorn has no
setting for it, and a connection that sends a byte now and then would otherwise stay open for ever.
"""

# No `from __future__ import annotations`: FastAPI reads the route signatures at run time in serve.py.
import asyncio
import errno
import ipaddress
import json
import os
import re
import stat
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path

MAX_REQUEST_BYTES = 2 * 1024 * 1024  # a long article is ~50 KB of text and a heavy page ~1 MB of HTML


@dataclass(frozen=True)
class ServeLimits:
    """What one request or connection may take of the server."""

    max_request_bytes: int = MAX_REQUEST_BYTES  # --max-bytes
    # 1,000 tiny articles in one request held the model for 59 s (review M2); a hundred is a few seconds of model
    # time, and a larger batch is `briefing summarize FILE`'s work
    max_articles: int = 100
    max_batch: int = 16  # articles in one model call: also the longest a request waits behind others' articles
    max_wait: float = 0.005  # seconds the first article of a batch waits for others to join it
    header_timeout: float = 10.0  # seconds to send a request's headers: a client dripping a byte a second is cut off
    body_timeout: float = 30.0  # seconds to send the body: 2 MiB at 70 KB/s
    keep_alive: int = 5  # seconds an idle keep-alive connection stays open (uvicorn's default, stated)
    shutdown_grace: float = 3.0  # seconds the requests in flight get after SIGTERM; unfinished ones answer 503
    max_brief_bytes: int = 64 * 1024 * 1024  # a file in --out larger than this is not sent (briefings are KBs)


# Same policy as the briefing pages (no external requests), plus this page's own script and API calls.
CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; connect-src 'self'; "
       "img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


SECURITY_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "no-referrer"}


_SECURITY_RAW = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items()]


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


_MEDIA = {"html": "text/html; charset=utf-8", "md": "text/markdown; charset=utf-8",
          "json": "application/json; charset=utf-8"}


class Edge:
    """Every request passes here before the routes: the Host check (a loopback server), the body read whole
    within its size and time limits, and the security headers on every response."""

    def __init__(self, app, limits: ServeLimits, check_host: bool):
        self.app = app
        self.limits = limits
        self.check_host = check_host

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        started = False

        async def secured(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                have = {k.lower() for k, _ in message.get("headers", ())}
                message = {**message, "headers": [*message.get("headers", ()),
                                                  *((k, v) for k, v in _SECURITY_RAW if k not in have)]}
            await send(message)

        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        if self.check_host and not is_loopback(_host_name(host)):
            # DNS rebinding: a page on evil.example whose name now points at 127.0.0.1 would be same-origin with us
            port = (scope.get("server") or ("", "PORT"))[1]
            return await _send_json(secured, 421, f"Host {host!r} is not this machine's loopback name; open "
                                                  f"http://127.0.0.1:{port}/ (a server on loopback answers no other name)")
        if scope["method"] in ("POST", "PUT", "PATCH"):
            too_large = (f"the request is over {self.limits.max_request_bytes // 1024} KiB; send one article at a "
                         "time, or start the server with a larger --max-bytes")
            declared = headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.limits.max_request_bytes:
                return await _send_json(secured, 413, too_large, close=True)
            try:
                body = await asyncio.wait_for(_read_body(receive, self.limits.max_request_bytes), self.limits.body_timeout)
            except _TooLarge:
                return await _send_json(secured, 413, too_large, close=True)
            except TimeoutError:
                return await _send_json(secured, 408, f"the body took over {self.limits.body_timeout:g} s to arrive; "
                                                      "send it at once", close=True)
            except _Gone:
                return None
            receive = _replay(body, receive)
        try:
            return await self.app(scope, receive, secured)
        except asyncio.CancelledError:
            # uvicorn's shutdown cancels what its grace did not end (a page still being fetched): a JSON 503 with the
            # headers, not its plain-text 500
            if not started:
                await _send_json(secured, 503, "the server is shutting down; try again shortly", close=True)
            raise


class _TooLarge(Exception):
    pass


class _Gone(Exception):
    pass


async def _read_body(receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Gone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive):
    """A receive() that hands the app the body already read, then the connection's own events."""
    first = [{"type": "http.request", "body": body, "more_body": False}]

    async def replay():
        return first.pop() if first else await receive()

    return replay


async def _send_json(send, status: int, detail: str, close: bool = False) -> None:
    body = json.dumps({"detail": detail}).encode("utf-8")
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status,
                "headers": headers + [(b"connection", b"close")] if close else headers})
    await send({"type": "http.response.body", "body": body})


def _raw_response(status: int, detail: str) -> bytes:
    """A whole HTTP/1.1 response, for the protocol layer (before any request reached the app)."""
    body = json.dumps({"detail": detail}).encode("utf-8")
    head = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}", "content-type: application/json",
            f"content-length: {len(body)}", "connection: close", *(f"{k}: {v}" for k, v in SECURITY_HEADERS.items())]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def _host_name(host: str) -> str:
    """A Host header without its port."""
    if host.startswith("["):
        return host[1: host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def is_loopback(host: str) -> bool:
    """Is host (a name or an address) this machine's loopback? (*.localhost too: RFC 6761)"""
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def brief_file(folder: Path, name: str, limit: int):
    """A file `build` writes, read only if it is a regular file really inside `folder` and at most `limit` bytes."""
    from fastapi import HTTPException
    from fastapi.responses import Response

    from ..publish.output import BRIEF_FILE

    if _DAY.fullmatch(name):  # fullmatch: BRIEF_FILE's `$` alone lets "2026-01-08.md\n" through
        name += ".html"
    shown = name if name.isprintable() else ascii(name)
    if not (BRIEF_FILE.fullmatch(name) or name in ("index.html", "index.md")):  # the files `build` writes, nothing else
        raise HTTPException(404, f"{shown}: not a briefing; ask for /briefs/YYYY-MM-DD or /briefs/")
    missing = HTTPException(404, f"no {shown} in the briefings folder yet; `briefing build` writes it")
    root = folder.resolve()
    path = (root / name).resolve()
    if path.parent != root:  # a link out of the folder
        raise missing
    try:
        # O_NOFOLLOW: a link swapped in since resolve(); O_NONBLOCK: a FIFO opens at once (and is refused below)
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        raise missing from None
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise missing from None
        raise HTTPException(500, f"{shown}: cannot be read ({e.strerror})") from None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):  # a FIFO would block, a device never end
            raise missing
        data = f.read(limit + 1)
    if len(data) > limit:
        raise HTTPException(500, f"{shown} is over {limit:,} bytes, the most this server sends; open it in the "
                                 "briefings folder")
    return Response(data, media_type=_MEDIA[name.rsplit(".", 1)[1]])


def http_protocol(limits: ServeLimits):
    """uvicorn's h11 protocol with a deadline for each request's headers (uvicorn has none: a connection that
    sends a byte now and then, or nothing at all, stays open for ever) and a JSON 400 with the security headers."""
    from uvicorn.protocols.http import h11_impl
    from uvicorn.protocols.http.h11_impl import H11Protocol

    h11 = h11_impl.h11  # uvicorn's h11 (its dependency, not ours): the states its connections are in

    class Protocol(H11Protocol):
        _headers_due: asyncio.TimerHandle | None = None

        def connection_made(self, transport):
            super().connection_made(transport)
            self._headers_due = self.loop.call_later(limits.header_timeout, self._headers_late)

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.conn.their_state is not h11.IDLE:  # the headers are in
                self._cancel_due()
            elif self._headers_due is None:  # the next request on a kept-alive connection has begun
                self._headers_due = self.loop.call_later(limits.header_timeout, self._headers_late)

        def connection_lost(self, exc: Exception | None) -> None:
            self._cancel_due()
            super().connection_lost(exc)

        def send_400_response(self, msg: str) -> None:
            self.transport.write(_raw_response(400, f"{msg.rstrip('.')}; send HTTP/1.1"))
            self.transport.close()

        def _cancel_due(self) -> None:
            if self._headers_due is not None:
                self._headers_due.cancel()
                self._headers_due = None

        def _headers_late(self) -> None:
            self._headers_due = None
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                self.transport.write(_raw_response(408, f"the request's headers took over {limits.header_timeout:g} s"))
                self.transport.close()

    return Protocol
