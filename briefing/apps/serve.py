"""`briefing serve`: the model loaded once and kept warm, a JSON API, the briefings folder and a small page.

    POST /summarize      {"text": ...} | {"html": ...} | {"url": ...}  -> what `summarize --format json` prints;
                         an article that fails is {"id": ..., "error": "one line"} in that list
    GET  /briefs/        the output folder's index; /briefs/DATE (or DATE.html, .md, .json) one briefing
    GET  /healthz        model, uptime and micro-batching counts
    GET  /               a page: paste text or a link, read the headline bullet back (briefing/apps/static/)
    GET  /openapi.json   the API's schema (FastAPI's; its /docs pages load scripts from a CDN, so they are off)

Articles are summarized in batches across requests (batching.MicroBatcher), a large request's articles
taking turns with the others', in one model thread, so the model never runs concurrently with itself.
ServeLimits bounds what one request or connection may take. FastAPI and uvicorn are the `serve` extra:
pip install 'offline-briefing[serve]'.
"""

# No `from __future__ import annotations` here: FastAPI reads the route signatures defined inside create_app()
# at run time.
import asyncio
import contextlib
import dataclasses
import errno
import ipaddress
import json
import logging
import os
import re
import signal
import stat
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from http import HTTPStatus
from importlib import resources
from pathlib import Path
from typing import Any

from ..config import Settings
from ..contain import describe
from ..documents import Article
from ..errors import BriefingError, ConfigError, FetchError, IngestError
from ..models.bundle import Models
from ..publish.render import CSS, summary_record
from .batching import MicroBatcher, ShuttingDown

logger = logging.getLogger(__name__)

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
_EXAMPLE = 'send {"text": "..."}, {"html": "..."} or {"url": "https://..."}'


def require_serve_extra() -> None:
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as e:
        raise ConfigError(f"`briefing serve` needs {e.name}: pip install 'offline-briefing[serve]'.") from None


def parse_request(body: dict[str, Any], settings: Settings) -> list[Article]:
    """A request body -> its articles, as `briefing summarize` reads a file: IngestError for bad input."""
    from ..read.parse import parse_bytes

    if "text" in body:
        return parse_bytes(body["text"].encode("utf-8"), "text")
    if "html" in body:
        return parse_bytes(body["html"].encode("utf-8"), "page.html", ".html")
    from ..read.http import fetch_article

    # only public addresses unless allow_private_fetch: a server that fetches what it is told must not become a
    # way into the network it runs in
    return fetch_article(body["url"], settings.fetch_timeout, allow_private=settings.allow_private_fetch)


class Summaries:
    """The warm model: articles in, one `summarize --format json` record per article out."""

    def __init__(self, settings: Settings, models: Models | None = None):
        self.settings = settings
        self.models = models or Models(settings)
        self.summarizer = self.models.summarizer()

    def __call__(self, articles: Sequence[Article]) -> list[dict]:
        from ..text.sentences import with_sentences

        # the summarizer itself, not pipeline.summarize_articles, which contains a failing article (None and a
        # warning): here the exception reaches the batcher, which retries the batch's articles one at a time, and
        # the request answers for each article that still fails, with the status its error calls for
        summaries = self.summarizer.summarize(with_sentences(articles), self.settings.sentences)
        return [summary_record(a, s) for a, s in zip(articles, summaries, strict=True)]

    def warm_up(self) -> None:
        """Load the model and run it once, so the first request pays no loading."""
        text = ("The city council approved the new budget on Tuesday after a long debate. "
                "The plan adds money for schools and roads. Critics said it raises taxes too far.")
        self([Article("warm-up", None, text, "warm-up")])


@dataclass(frozen=True)
class PageAssets:
    """The page at / and its script: package files under briefing/apps/static/, read once per app."""

    head: str  # the page up to today's link
    tail: str  # the rest
    script: bytes

    @classmethod
    def load(cls) -> "PageAssets":
        """page.html with ${css} (the briefings' CSS, then page.css) filled in, split at ${today_link}."""
        static = resources.files(__package__) / "static"
        page = (static / "page.html").read_text(encoding="utf-8")
        page = page.replace("${css}", CSS).replace("${page_css}", (static / "page.css").read_text(encoding="utf-8"))
        head, tail = page.split("${today_link}")
        return cls(head, tail, (static / "app.js").read_bytes())

    def page(self, today: date, out: Path) -> str:
        """The form, and a link to today's briefing when there is one; its script (app.js, same origin) writes
        the answers with textContent only, so nothing in an article can become markup or script."""
        day = today.isoformat()
        link = (f'<a href="/briefs/{day}.html">Today\'s briefing ({day})</a> · ' if (out / f"{day}.html").exists()
                else f"No briefing for {day} yet · ")
        return self.head + link + self.tail


def create_app(settings: Settings, models: Models | None = None, limits: ServeLimits | None = None, warm: bool = True,
               check_host: bool = False):
    """The ASGI app, holding the server's Models in its state (given, or built from the settings). The model loads
    (and is run once) when the app starts, before the first request.
    `check_host`: refuse requests whose Host is not a loopback name (serve() sets it when listening on loopback)."""
    require_serve_extra()
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import HTMLResponse, JSONResponse, Response
    from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
    from starlette.concurrency import run_in_threadpool

    limits = limits or ServeLimits()
    work = Summaries(settings, models)
    batcher: MicroBatcher[Article, dict] = MicroBatcher(work, limits.max_batch, limits.max_wait)
    started = time.time()

    @contextlib.asynccontextmanager
    async def lifespan(app):
        await batcher.start()
        if warm:
            await batcher.run(work.warm_up)
        logger.info("ready: model %s, briefings from %s", work.summarizer.name, settings.out)
        yield
        # uvicorn stops taking requests first; what is queued is answered, within the grace
        await batcher.close(timeout=limits.shutdown_grace)
        logger.info("shut down after %d requests in %d batches", batcher.stats.requests, batcher.stats.batches)

    class SummarizeRequest(BaseModel):
        """Exactly one of: the article's text (one or several articles, as in a text file), a page's HTML,
        or the http(s) address of a page to fetch."""

        model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"text": "The council ..."}]})
        text: str | None = Field(None, description="Plain text: one article, or several separated as in a file.")
        html: str | None = Field(None, description="A web page's HTML; its main text is extracted.")
        url: str | None = Field(None, description="An http(s) address to fetch (public addresses only).")

        @field_validator("text", "html", "url")
        @classmethod
        def valid_unicode(cls, v: str | None) -> str | None:
            try:
                if v is not None:
                    v.encode("utf-8")  # JSON's "\ud800" escape decodes to a lone surrogate, which UTF-8 cannot carry
            except UnicodeEncodeError as e:
                raise ValueError(f"has a lone surrogate ({ascii(e.object[e.start])}) at character {e.start}, which is "
                                 "not Unicode; send valid UTF-8 text") from None
            return v

        @model_validator(mode="after")
        def one_input(self):
            given = [k for k in ("text", "html", "url") if getattr(self, k) is not None]
            if len(given) != 1:
                raise ValueError(f"give exactly one of text, html or url (got {', '.join(given) or 'none'})")
            return self

    app = FastAPI(title="briefing", version=_version(), lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Offline news summaries: the same records as `briefing summarize --format json`.")
    app.add_middleware(_Edge, limits=limits, check_host=check_host)

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception):
        # Starlette's outermost middleware sends this, outside _Edge, so the headers go on here; it then re-raises,
        # and uvicorn logs the traceback
        return JSONResponse({"detail": f"internal error ({type(exc).__name__}); the server's log has the details"},
                            status_code=500, headers=SECURITY_HEADERS)

    @app.exception_handler(RequestValidationError)
    async def bad_body(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        if first.get("type") == "json_invalid":
            return JSONResponse({"detail": f"the body is not valid JSON ({first.get('msg')}); {_EXAMPLE}"},
                                status_code=422)
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        msg = str(first.get("msg", "invalid request")).removeprefix("Value error, ")
        return JSONResponse({"detail": f"{where}: {msg}" if where else msg, "errors": _plain(exc.errors())},
                            status_code=422)

    def read_body(raw: bytes, content_type: str) -> SummarizeRequest:
        """The request body, checked here rather than by FastAPI, which answers 400 to JSON it cannot parse."""
        media = content_type.split(";", 1)[0].strip().lower()
        if media != "application/json" and not media.endswith("+json"):
            raise RequestValidationError([{"type": "content_type", "loc": ("body",), "msg": "send the body as JSON, "
                                           f"with content-type: application/json (got {media or 'none'})"}])
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError) as e:  # not JSON, not UTF-8, a number of >4300 digits, deep nesting
            raise RequestValidationError([{"type": "json_invalid", "loc": ("body",), "msg": _json_problem(e)}]) from None
        try:
            return SummarizeRequest.model_validate(data)
        except ValidationError as e:
            raise RequestValidationError([{**x, "loc": ("body", *x["loc"])} for x in e.errors()]) from None

    @app.post("/summarize", summary="Summarize an article (text, HTML or a link)", response_model=list[dict],
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/json": {"schema": SummarizeRequest.model_json_schema()}}}})
    async def summarize(request: Request) -> Any:
        body = read_body(await request.body(), request.headers.get("content-type", "")).model_dump(exclude_none=True)
        try:
            articles = await run_in_threadpool(parse_request, body, settings)
        except IngestError as e:
            # an address that cannot be fetched is the other server's failure; everything else is the input's
            status = 502 if isinstance(e, FetchError) else 422
            return JSONResponse({"detail": str(e)}, status_code=status)
        if len(articles) > limits.max_articles:
            return JSONResponse({"detail": f"the request holds {len(articles)} articles, over the {limits.max_articles} "
                                           "one request may ask for; send them in several requests, or use "
                                           "`briefing summarize FILE` for a batch"}, status_code=413)
        try:
            outcomes = await batcher.submit_many(articles)
            if any(isinstance(o, ShuttingDown) for o in outcomes):  # the grace ran out before all were done
                raise ShuttingDown
        except ShuttingDown:
            return JSONResponse({"detail": "the server is shutting down; try again shortly"}, status_code=503)
        records, failed = _records(articles, outcomes)
        if articles and failed == len(articles):
            status = 422 if all(isinstance(o, IngestError) for o in outcomes) else 500
            return JSONResponse({"detail": f"no article could be summarized: {records[0]['error']}"}, status_code=status)
        return records

    @app.get("/healthz", summary="Is the model loaded, and what has it done")
    async def healthz() -> dict:
        s = batcher.stats
        return {"status": "ok", "model": work.summarizer.name, "uptime_s": round(time.time() - started, 1),
                "requests": s.requests, "articles": s.items, "batches": s.batches, "largest_batch": s.largest,
                "model_busy_s": round(s.busy_s, 3), "briefings": str(settings.out)}

    # plain `def`: FastAPI runs these in its thread pool, so a slow disk never stalls the event loop
    @app.get("/briefs/", summary="The index of briefings")
    def briefs_index() -> Response:
        return _brief_file(settings.out, "index.html", limits.max_brief_bytes)

    @app.get("/briefs/{name}", summary="One briefing: DATE (HTML), or DATE.html, DATE.md, DATE.json")
    def brief(name: str) -> Response:
        return _brief_file(settings.out, name, limits.max_brief_bytes)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def page() -> HTMLResponse:
        return HTMLResponse(app.state.page.page(date.today(), settings.out))

    @app.get("/app.js", include_in_schema=False)
    async def script() -> Response:
        return Response(app.state.page.script, media_type="text/javascript; charset=utf-8")

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:  # browsers ask for one; "none" without a 404 in their console
        return Response(status_code=204)

    app.state.batcher = batcher
    app.state.limits = limits  # make_server() reads the timeouts
    app.state.models = work.models
    app.state.page = PageAssets.load()
    return app


def _records(articles: Sequence[Article], outcomes: Sequence[Any]) -> tuple[list[dict], int]:
    """Each article's record, or {"id", "error"} for one that failed; and how many failed."""
    records: list[dict] = []
    failed = 0
    for a, o in zip(articles, outcomes, strict=True):
        if not isinstance(o, BaseException):
            records.append(o)
            continue
        failed += 1
        logger.warning("%s", describe(f"{a.source}: {a.id}", o))  # as `summarize` says it (traceback at -vv)
        line = _one_line(o) if isinstance(o, BriefingError) else f"the summarizer failed ({_one_line(o)})"
        records.append({"id": a.id, "error": line})
    return records, failed


def _one_line(e: BaseException, limit: int = 300) -> str:
    """An exception as one line: a BriefingError's message, anything else's type and message."""
    text = " ".join(str(e).split())
    if not isinstance(e, BriefingError):
        text = f"{type(e).__name__}: {text}" if text else type(e).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _json_problem(e: Exception) -> str:
    """Why json.loads refused a body, in the client's terms."""
    if isinstance(e, RecursionError):
        return "nested too deeply"
    if isinstance(e, UnicodeDecodeError):
        return f"not UTF-8 at byte {e.start}"
    if isinstance(e, json.JSONDecodeError):
        return f"{e.msg} at character {e.pos}"
    if "integer string conversion" in str(e):
        return f"a number of more than {sys.get_int_max_str_digits()} digits"
    return _one_line(e, 120)


class _Edge:
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
        if self.check_host and not _is_loopback(_host_name(host)):
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


def _is_loopback(host: str) -> bool:
    """Is host (a name or an address) this machine's loopback? (*.localhost too: RFC 6761)"""
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _brief_file(folder: Path, name: str, limit: int):
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


def _plain(errors: Sequence[Any]) -> list[dict]:
    """Validation errors as plain JSON (pydantic may put exception objects in 'ctx')."""
    return [{k: v for k, v in dict(e).items() if k in ("loc", "msg", "type")} for e in errors]


def _version() -> str:
    from .. import __version__

    return __version__


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


def make_server(app, host: str, port: int, **config):
    """uvicorn's Server for an app from create_app(): the h11 protocol above, the timeouts of the app's limits;
    it says where it listens once it does, and on shutdown gives the requests in flight the grace."""
    import uvicorn

    limits: ServeLimits = app.state.limits
    batcher: MicroBatcher = app.state.batcher
    address = f"http://{_shown_host(host)}:{port}/"

    class Server(uvicorn.Server):
        async def startup(self, sockets=None):
            await super().startup(sockets)
            if self.started:  # listening (after the model's warm-up)
                _announce(f"serving on {address} (Ctrl-C or SIGTERM to stop)")

        async def shutdown(self, sockets=None):
            # before uvicorn waits for the requests in flight: they are answered, or get 503, within the grace
            batcher.stop_accepting(limits.shutdown_grace)
            await super().shutdown(sockets)

    config = {"log_level": "warning", "access_log": False, "lifespan": "on", **config}
    return Server(uvicorn.Config(app, host=host, port=port, http=http_protocol(limits), timeout_keep_alive=limits.keep_alive,
                                 # a backstop for what the grace cannot end (a page still being fetched): _Edge answers
                                 # those 503 as uvicorn cancels them
                                 timeout_graceful_shutdown=int(limits.shutdown_grace) * 2 + 2, **config))


def serve(settings: Settings, host: str, port: int, max_request_bytes: int = MAX_REQUEST_BYTES, *,
          models: Models | None = None, limits: ServeLimits | None = None) -> None:
    """Run the server until SIGINT/SIGTERM: it stops taking connections, the requests in flight get
    `shutdown_grace` seconds (then 503), and it exits."""
    bounds = dataclasses.replace(limits or ServeLimits(), max_request_bytes=max_request_bytes)
    app = create_app(settings, models, bounds, check_host=_is_loopback(host))  # checks the serve extra
    server = make_server(app, host, port)
    if not _is_loopback(host):
        logger.warning("--host %s makes the server reachable from other machines; it has no authentication, and "
                       "{\"url\"} requests fetch public pages from this machine", host)
    # uvicorn handles SIGINT/SIGTERM itself (stop accepting, finish what is in flight, run the shutdown) and then
    # re-raises the signal to the handlers it found: make those no-ops, so a graceful stop exits 0.
    previous = {sig: signal.signal(sig, lambda *_: None) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        asyncio.run(server.serve())
    except SystemExit:  # uvicorn exits when it cannot bind or the startup fails; it has logged why
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if not server.started:
        raise ConfigError(f"could not listen on {host}:{port} (in use, or not an address of this machine); "
                          "pick another --port or --host.")


def _announce(line: str) -> None:
    """Where the server listens: logged at INFO, and written to stderr too when INFO does not reach it (no -v),
    because a user must see it and it is not a warning."""
    logger.info("%s", line)
    if not _reaches_stderr(logging.INFO):
        sys.stderr.write(line + "\n")
        sys.stderr.flush()


def _reaches_stderr(level: int) -> bool:
    """Does a record at `level` from this module reach a handler that writes to stderr?"""
    if not logger.isEnabledFor(level):
        return False
    lg: logging.Logger | None = logger
    while lg is not None:
        if any(isinstance(h, logging.StreamHandler) and h.stream is sys.stderr and level >= h.level for h in lg.handlers):
            return True
        lg = lg.parent if lg.propagate else None
    return False


def _shown_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host  # an IPv6 address in a URL is bracketed
