"""`briefing serve`: the model loaded once and kept warm, a JSON API, the briefings folder and a small page.

    POST /summarize      {"text": ...} | {"html": ...} | {"url": ...}  -> what `summarize --format json` prints
    GET  /briefs/        the output folder's index; /briefs/DATE (or DATE.html, .md, .json) one briefing
    GET  /healthz        model, uptime and micro-batching counts
    GET  /               a page: paste text or a link, read the headline bullet back
    GET  /openapi.json   the API's schema (FastAPI's; its /docs pages load scripts from a CDN, so they are off)

Requests that arrive together are summarized in one encoder pass (batching.MicroBatcher); the model
runs in one thread, so it never runs concurrently with itself. FastAPI and uvicorn are the `serve`
extra: pip install 'briefing[serve]'.
"""

# No `from __future__ import annotations` here: FastAPI reads the request model and return types of the
# routes defined inside create_app() at run time.
import asyncio
import contextlib
import logging
import re
import signal
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from .batching import MicroBatcher, ShuttingDown
from .config import Settings
from .documents import Article
from .errors import BriefingError, ConfigError, IngestError
from .render import CSS, summary_record

logger = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 2 * 1024 * 1024  # a long article is ~50 KB of text and a heavy page ~1 MB of HTML
MAX_BATCH = 16  # requests summarized together at most
MAX_WAIT = 0.005  # seconds the first request of a batch waits for others to join it
# Same policy as the briefing pages (no external requests), plus this page's own script and API calls.
CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; connect-src 'self'; "
       "img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "no-referrer"}
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MEDIA = {"html": "text/html; charset=utf-8", "md": "text/markdown; charset=utf-8",
          "json": "application/json; charset=utf-8"}


def require_serve_extra() -> None:
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as e:
        raise ConfigError(f"`briefing serve` needs {e.name}: pip install 'briefing[serve]'.") from None


def parse_request(body: dict[str, Any], settings: Settings) -> list[Article]:
    """A request body -> its articles, as `briefing summarize` reads a file: IngestError for bad input."""
    from .ingest import parse_bytes

    if "text" in body:
        return parse_bytes(body["text"].encode("utf-8"), "text")
    if "html" in body:
        return parse_bytes(body["html"].encode("utf-8"), "page.html", ".html")
    from .fetch import fetch_article

    # only public addresses unless allow_private_fetch: a server that fetches what it is told must not become a
    # way into the network it runs in
    return fetch_article(body["url"], settings.fetch_timeout, allow_private=settings.allow_private_fetch)


class Summaries:
    """The warm model: lists of articles in, one list of `summarize --format json` records per request out."""

    def __init__(self, settings: Settings, summarizer=None):
        from .summarize import get_summarizer

        self.settings = settings
        self.summarizer = summarizer or get_summarizer(settings)

    def __call__(self, requests: Sequence[Sequence[Article]]) -> list[list[dict]]:
        from .pipeline import summarize_articles

        flat = [a for arts in requests for a in arts]
        summaries, _ = summarize_articles(flat, self.settings, summarizer=self.summarizer)
        out: list[list[dict]] = []
        k = 0
        for arts in requests:
            out.append([summary_record(a, s) for a, s in zip(arts, summaries[k: k + len(arts)])])
            k += len(arts)
        return out

    def warm_up(self) -> None:
        """Load the model and run it once, so the first request pays no loading."""
        text = ("The city council approved the new budget on Tuesday after a long debate. "
                "The plan adds money for schools and roads. Critics said it raises taxes too far.")
        self([[Article("warm-up", None, text, "warm-up")]])


def create_app(settings: Settings, summarizer=None, max_request_bytes: int = MAX_REQUEST_BYTES,
               max_batch: int = MAX_BATCH, max_wait: float = MAX_WAIT, warm: bool = True):
    """The ASGI app. The model loads (and is run once) when the app starts, before the first request."""
    require_serve_extra()
    from fastapi import FastAPI, Request
    from fastapi.exception_handlers import http_exception_handler
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import HTMLResponse, JSONResponse, Response
    from pydantic import BaseModel, ConfigDict, Field, model_validator
    from starlette.concurrency import run_in_threadpool
    from starlette.exceptions import HTTPException as StarletteHTTPException

    work = Summaries(settings, summarizer)
    batcher: MicroBatcher[list[Article], list[dict]] = MicroBatcher(work, max_batch, max_wait)
    started = time.time()

    @contextlib.asynccontextmanager
    async def lifespan(app):
        await batcher.start()
        if warm:
            await batcher.run(work.warm_up)
        logger.info("ready: model %s, briefings from %s", work.summarizer.name, settings.out)
        yield
        await batcher.close()  # uvicorn stops taking requests first; the queued ones are answered
        logger.info("shut down after %d requests in %d batches", batcher.stats.requests, batcher.stats.batches)

    app = FastAPI(title="briefing", version=_version(), lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Offline news summaries: the same records as `briefing summarize --format json`.")

    def too_large() -> JSONResponse:
        return JSONResponse({"detail": f"the request is over {max_request_bytes // 1024} KiB; send one article at a "
                                       "time, or start the server with a larger --max-bytes"}, status_code=413)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        return too_large() if exc.status_code == 413 else await http_exception_handler(request, exc)

    @app.middleware("http")
    async def edge(request: Request, call_next):
        declared = request.headers.get("content-length", "")
        # a body that declares its size is refused before it is read (the framework's limit answers in plain
        # text there); a streamed one is cut off by the route's max_body_size as it arrives, and answered by http_error above
        response = too_large() if declared.isdigit() and int(declared) > max_request_bytes else await call_next(request)
        for k, v in SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        return response

    class SummarizeRequest(BaseModel):
        """Exactly one of: the article's text (one or several articles, as in a text file), a page's HTML,
        or the http(s) address of a page to fetch."""

        model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"text": "The council ..."}]})
        text: str | None = Field(None, description="Plain text: one article, or several separated as in a file.")
        html: str | None = Field(None, description="A web page's HTML; its main text is extracted.")
        url: str | None = Field(None, description="An http(s) address to fetch (public addresses only).")

        @model_validator(mode="after")
        def one_input(self):
            given = [k for k in ("text", "html", "url") if getattr(self, k) is not None]
            if len(given) != 1:
                raise ValueError(f"give exactly one of text, html or url (got {', '.join(given) or 'none'})")
            return self

    @app.exception_handler(RequestValidationError)
    async def bad_body(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        if first.get("type") == "json_invalid":
            return JSONResponse({"detail": 'the body is not valid JSON; send {"text": "..."}, {"html": "..."} '
                                           'or {"url": "https://..."}'}, status_code=422)
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        msg = str(first.get("msg", "invalid request")).removeprefix("Value error, ")
        return JSONResponse({"detail": f"{where}: {msg}" if where else msg, "errors": _plain(exc.errors())},
                            status_code=422)

    @app.post("/summarize", summary="Summarize an article (text, HTML or a link)", max_body_size=max_request_bytes,
              response_model=list[dict])
    async def summarize(req: SummarizeRequest) -> Any:
        body = req.model_dump(exclude_none=True)
        try:
            articles = await run_in_threadpool(parse_request, body, settings)
            return await batcher.submit(articles)
        except ShuttingDown:
            return JSONResponse({"detail": "the server is shutting down; try again shortly"}, status_code=503)
        except IngestError as e:
            # an address that cannot be fetched is the other server's failure; everything else is the input's
            status = 502 if "url" in body and "only http(s)" not in str(e) and "not a public" not in str(e) else 422
            return JSONResponse({"detail": str(e)}, status_code=status)
        except BriefingError as e:
            return JSONResponse({"detail": str(e)}, status_code=500)

    @app.get("/healthz", summary="Is the model loaded, and what has it done")
    async def healthz() -> dict:
        s = batcher.stats
        return {"status": "ok", "model": work.summarizer.name, "uptime_s": round(time.time() - started, 1),
                "requests": s.requests, "batches": s.batches, "largest_batch": s.largest,
                "model_busy_s": round(s.busy_s, 3), "briefings": str(settings.out)}

    @app.get("/briefs/", summary="The index of briefings")
    async def briefs_index() -> Response:
        return _brief_file(settings.out, "index.html")

    @app.get("/briefs/{name}", summary="One briefing: DATE (HTML), or DATE.html, DATE.md, DATE.json")
    async def brief(name: str) -> Response:
        return _brief_file(settings.out, name)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def page() -> HTMLResponse:
        return HTMLResponse(page_html(date.today(), settings.out))

    @app.get("/app.js", include_in_schema=False)
    async def script() -> Response:
        return Response(APP_JS, media_type="text/javascript; charset=utf-8")

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:  # browsers ask for one; "none" without a 404 in their console
        return Response(status_code=204)

    app.state.batcher = batcher
    return app


def _brief_file(folder: Path, name: str):
    from fastapi import HTTPException
    from fastapi.responses import Response

    from .output import BRIEF_FILE

    if _DAY.match(name):
        name += ".html"
    if not (BRIEF_FILE.match(name) or name in ("index.html", "index.md")):  # the files `build` writes, nothing else
        raise HTTPException(404, f"{name}: not a briefing; ask for /briefs/YYYY-MM-DD or /briefs/")
    path = folder / name
    try:
        data = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        raise HTTPException(404, f"no {name} in the briefings folder yet; `briefing build` writes it") from None
    except OSError as e:
        raise HTTPException(500, f"{name}: cannot be read ({e.strerror})") from None
    return Response(data, media_type=_MEDIA[name.rsplit(".", 1)[1]])


def _plain(errors: Sequence[Any]) -> list[dict]:
    """Validation errors as plain JSON (pydantic may put exception objects in 'ctx')."""
    return [{k: v for k, v in dict(e).items() if k in ("loc", "msg", "type")} for e in errors]


def _version() -> str:
    from . import __version__

    return __version__


def page_html(today: date, out: Path) -> str:
    """The page at /: a form; its script (app.js, same origin) posts to /summarize and writes the answer
    with textContent only, so nothing in an article can become markup or script."""
    day = today.isoformat()
    has_today = (out / f"{day}.html").exists()
    today_link = (f'<a href="/briefs/{day}.html">Today\'s briefing ({day})</a> · ' if has_today
                  else f"No briefing for {day} yet · ")
    style = """
form { display: grid; gap: .5rem; margin: 1rem 0; }
textarea, input, button { font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--rule);
  border-radius: .4rem; padding: .5rem .6rem; width: 100%; }
button { width: auto; justify-self: start; background: var(--accent); color: var(--bg); border: 0; padding: .5rem 1.2rem;
  cursor: pointer; }
button:disabled { opacity: .6; cursor: progress; }
label { font-size: .9rem; color: var(--muted); }
#status { color: var(--muted); min-height: 1.5rem; }
"""
    body = f"""<h1>Summarize an article</h1>
<p>Paste an article (or a page's HTML), or give a link. The model runs on this machine.</p>
<form id="form">
<label for="text">Article text</label>
<textarea id="text" name="text" rows="10" placeholder="Paste the article here"></textarea>
<label for="url">or a link</label>
<input id="url" name="url" type="url" placeholder="https://example.com/news/story.html">
<button id="go" type="submit">Summarize</button>
</form>
<p id="status" role="status" aria-live="polite"></p>
<ul id="result"></ul>
<hr>
<p>{today_link}<a href="/briefs/">All briefings</a></p>"""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>briefing</title>\n<style>{CSS}{style}</style>\n"
        "<script src=\"/app.js\" defer></script>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


APP_JS = """\
"use strict";
// Posts the form to /summarize and shows each article's headline bullet. Text goes in with textContent
// only: nothing from an article is ever parsed as HTML.
document.getElementById("form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = document.getElementById("text").value;
  const url = document.getElementById("url").value.trim();
  const status = document.getElementById("status");
  const result = document.getElementById("result");
  const button = document.getElementById("go");
  result.replaceChildren();
  if (!text.trim() && !url) {
    status.textContent = "Paste an article or give a link.";
    return;
  }
  status.textContent = "Summarizing…";
  button.disabled = true;
  try {
    const response = await fetch("/summarize", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify(text.trim() ? {text: text} : {url: url}),
    });
    const data = await response.json();
    if (!response.ok) {
      status.textContent = typeof data.detail === "string" ? data.detail : "The request failed (" + response.status + ").";
      return;
    }
    for (const record of data) {
      const item = document.createElement("li");
      const headline = document.createElement("strong");
      headline.className = "headline";
      headline.textContent = record.headline;
      item.append(headline);
      const rest = record.summary.filter((s) => s !== record.headline).join(" ");
      if (rest) {
        const summary = document.createElement("span");
        summary.className = "summary";
        summary.textContent = rest;
        item.append(summary);
      }
      const source = document.createElement("em");
      source.textContent = " " + record.source + (record.truncated ? ", cut off" : "");
      item.append(document.createElement("br"), source);
      result.append(item);
    }
    status.textContent = data.length === 1 ? "" : data.length + " articles.";
  } catch (error) {
    status.textContent = "The server did not answer: " + error.message;
  } finally {
    button.disabled = false;
  }
});
"""


def serve(settings: Settings, host: str, port: int, max_request_bytes: int = MAX_REQUEST_BYTES) -> None:
    """Run the server until SIGINT/SIGTERM (uvicorn finishes the requests in flight, then the lifespan
    shutdown answers what is queued)."""
    app = create_app(settings, max_request_bytes=max_request_bytes)  # checks the serve extra is installed
    import uvicorn

    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                            timeout_graceful_shutdown=30, lifespan="on")
    server = uvicorn.Server(config)
    logger.warning("serving on http://%s:%d/ (Ctrl-C or SIGTERM to stop)", _shown_host(host), port)
    if host not in ("127.0.0.1", "localhost", "::1"):
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


def _shown_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host  # an IPv6 address in a URL is bracketed
