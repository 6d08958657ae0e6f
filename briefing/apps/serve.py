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
import json
import logging
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
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
from .web import MAX_REQUEST_BYTES, SECURITY_HEADERS, Edge, ServeLimits, brief_file, http_protocol, is_loopback  # noqa: F401

logger = logging.getLogger(__name__)


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
    app.add_middleware(Edge, limits=limits, check_host=check_host)

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception):
        # Starlette's outermost middleware sends this, outside Edge, so the headers go on here; it then re-raises,
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
        return brief_file(settings.out, "index.html", limits.max_brief_bytes)

    @app.get("/briefs/{name}", summary="One briefing: DATE (HTML), or DATE.html, DATE.md, DATE.json")
    def brief(name: str) -> Response:
        return brief_file(settings.out, name, limits.max_brief_bytes)

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


def _plain(errors: Sequence[Any]) -> list[dict]:
    """Validation errors as plain JSON (pydantic may put exception objects in 'ctx')."""
    return [{k: v for k, v in dict(e).items() if k in ("loc", "msg", "type")} for e in errors]


def _version() -> str:
    from .. import __version__

    return __version__


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
                                 # a backstop for what the grace cannot end (a page still being fetched): Edge answers
                                 # those 503 as uvicorn cancels them
                                 timeout_graceful_shutdown=int(limits.shutdown_grace) * 2 + 2, **config))


def serve(settings: Settings, host: str, port: int, max_request_bytes: int = MAX_REQUEST_BYTES, *,
          models: Models | None = None, limits: ServeLimits | None = None) -> None:
    """Run the server until SIGINT/SIGTERM: it stops taking connections, the requests in flight get
    `shutdown_grace` seconds (then 503), and it exits."""
    bounds = dataclasses.replace(limits or ServeLimits(), max_request_bytes=max_request_bytes)
    app = create_app(settings, models, bounds, check_host=is_loopback(host))  # checks the serve extra
    server = make_server(app, host, port)
    if not is_loopback(host):
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
