"""`briefing serve`: the JSON API in-process, micro-batching, limits and errors, the briefings folder, and a
real server process stopped with SIGTERM."""

from __future__ import annotations

import asyncio
import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from conftest import FIXTURES, EchoSummarizer, deleted_from
from fastapi.testclient import TestClient  # the serve extra is in the test extra: missing, this fails, not skips

from briefing.apps.batching import MicroBatcher, ShuttingDown
from briefing.apps.cli import app
from briefing.apps.serve import ServeLimits, create_app
from briefing.config import Settings
from briefing.models.bundle import Models

ARTICLE = ("The city council approved a new budget on Tuesday after a six-hour debate. "
           "The plan adds 12 million dollars for schools and road repairs. "
           "Critics said the property tax rise of 3 percent goes too far. "
           "Mayor Ana Ruiz said she would sign it on Friday.")


@pytest.fixture(scope="module")
def client():
    """The real default model behind the API (loaded once for the module)."""
    with TestClient(create_app(Settings(out=Path("briefs-for-serve-tests")))) as c:
        yield c


def test_summarize_text_returns_the_summarize_json_record(client, tmp_path):
    from typer.testing import CliRunner

    r = client.post("/summarize", json={"text": ARTICLE})
    assert r.status_code == 200
    (tmp_path / "text.txt").write_text(ARTICLE, encoding="utf-8")
    cli = CliRunner().invoke(app, ["summarize", str(tmp_path / "text.txt"), "--format", "json"])
    assert cli.exit_code == 0, cli.output
    expected = json.loads(cli.stdout)
    assert r.json() == expected and expected[0]["source"] == ""  # no outlet named: neither the file's nor the field's
    first = "The city council approved a new budget on Tuesday after a six-hour debate."
    assert deleted_from(r.json()[0]["headline"], first) and r.json()[0]["summary"][0] == first
    assert r.headers["content-security-policy"].startswith("default-src 'none'")


def test_summarize_html_extracts_the_page(client):
    page = (FIXTURES / "page.html").read_text(encoding="utf-8")
    r = client.post("/summarize", json={"html": page})
    assert r.status_code == 200, r.text
    (rec,) = r.json()
    assert rec["headline"] and rec["summary"] and rec["model"] == "minilm"
    assert "<" not in rec["headline"]


def test_several_articles_in_one_text(client):
    two = f"{ARTICLE}\n\n---\n\n{ARTICLE.replace('city council', 'county board')}"
    r = client.post("/summarize", json={"text": two})
    assert r.status_code == 200
    assert [rec["id"] for rec in r.json()] == ["text-1", "text-2"]


@pytest.mark.parametrize("body, expected", [
    ({}, "exactly one of text, html or url (got none)"),
    ({"text": "a", "url": "https://example.com/"}, "got text, url"),
    ({"txt": "a"}, "txt"),
    ({"text": ""}, "empty"),
    ({"text": 5}, "text: Input should be a valid string"),
    ({"url": "file:///etc/passwd"}, "only http(s) addresses"),
    ({"url": "http://127.0.0.1:9/story.html"}, "not a public address"),
])
def test_bad_input_is_422_with_a_one_line_reason(client, body, expected):
    r = client.post("/summarize", json=body)
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert isinstance(detail, str) and expected in detail and "\n" not in detail


def test_body_that_is_not_json_is_422(client):
    r = client.post("/summarize", content=b"not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and "JSON" in r.json()["detail"]


def test_the_echo_fixture_reaches_the_server_through_the_settings(echo):
    """The fake summarizer is the model the server's own settings name (the backends' table, BRIEFING_BACKENDS),
    not one handed to create_app: what `briefing serve` builds from the environment."""
    from briefing.config import load_settings

    with TestClient(create_app(load_settings(), warm=False)) as c:
        r = c.post("/summarize", json={"text": ARTICLE})
    assert r.status_code == 200, r.text
    (rec,) = r.json()
    assert rec["model"] == "echo" and echo.calls == 1
    assert rec["headline"] == "The city council approved a new budget on Tuesday after a six-hour debate."


def test_request_over_the_limit_is_413_declared_or_streamed():
    settings = Settings(out=Path("out"))
    with TestClient(create_app(settings, Models(settings, summarizer=EchoSummarizer()),
                               limits=ServeLimits(max_request_bytes=4096),
                               warm=False)) as c:
        big = json.dumps({"text": "word " * 2000})
        r = c.post("/summarize", content=big, headers={"content-type": "application/json"})
        assert r.status_code == 413 and "over 4 KiB" in r.json()["detail"] and "--max-bytes" in r.json()["detail"]

        def chunks():  # no content-length: the limit must hold while the body streams
            for _ in range(10):
                yield b" " * 1000

        r = c.post("/summarize", content=chunks(), headers={"content-type": "application/json"})
        assert r.status_code == 413
        assert c.post("/summarize", json={"text": ARTICLE}).status_code == 200  # still serving


class _Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        body = (FIXTURES / "page.html").read_bytes() if self.path == "/story.html" else b""
        self.send_response(200 if body else 404)
        self.send_header("content-type", "text/html; charset=utf-8")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_url_is_fetched_when_private_addresses_are_allowed():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        settings = Settings(out=Path("out"), allow_private_fetch=True, fetch_timeout=5)
        with TestClient(create_app(settings, Models(settings, summarizer=EchoSummarizer()), warm=False)) as c:
            r = c.post("/summarize", json={"url": f"{base}/story.html"})
            assert r.status_code == 200, r.text
            direct = c.post("/summarize", json={"html": (FIXTURES / "page.html").read_text(encoding="utf-8")})
            assert r.json()[0]["headline"] == direct.json()[0]["headline"]
            missing = c.post("/summarize", json={"url": f"{base}/gone.html"})
            assert missing.status_code == 502 and "HTTP 404" in missing.json()["detail"]
    finally:
        server.shutdown()


def test_concurrent_requests_share_one_model_call():
    fake = EchoSummarizer()
    settings = Settings(out=Path("out"))
    with TestClient(create_app(settings, Models(settings, summarizer=fake), limits=ServeLimits(max_wait=0.5),
                               warm=False)) as c:
        answers: list = [None] * 8

        def post(i):
            answers[i] = c.post("/summarize", json={"text": f"Story {i} happened today. It mattered."})

        threads = [threading.Thread(target=post, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert [a.json()[0]["headline"] for a in answers] == [f"Story {i} happened today." for i in range(8)]
        health = c.get("/healthz").json()
    assert health["requests"] == 8
    assert fake.calls == health["batches"] < 8 and health["largest_batch"] > 1


def test_batcher_gathers_isolates_failures_and_drains_on_close():
    seen: list[list[int]] = []

    def work(items):
        seen.append(list(items))
        if 13 in items:
            raise ValueError("unlucky")
        return [i * 10 for i in items]

    async def scenario():
        b: MicroBatcher[int, int] = MicroBatcher(work, max_items=4, max_wait=0.2)
        got = await asyncio.gather(*(b.submit(i) for i in (1, 2, 13, 4, 5)), return_exceptions=True)
        queued = [asyncio.ensure_future(b.submit(i)) for i in (6, 7)]
        await asyncio.sleep(0)
        await b.close()  # answers what was queued before it stops
        return got, [q.result() for q in queued], b.stats

    got, drained, stats = asyncio.run(scenario())

    async def late():
        b: MicroBatcher[int, int] = MicroBatcher(work)
        await b.close()
        with pytest.raises(ShuttingDown):
            await b.submit(1)

    asyncio.run(late())
    assert got[:2] == [10, 20] and isinstance(got[2], ValueError) and got[3:] == [40, 50]
    assert drained == [60, 70]
    assert seen[0] == [1, 2, 13, 4]  # one batch of max_items, then each alone after the failure
    assert [1] in seen and [13] in seen and stats.requests == 7


def test_briefs_folder_is_served_and_nothing_outside_it(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "2026-02-05.html").write_text("<p>the brief</p>", encoding="utf-8")
    (out / "2026-02-05.md").write_text("# the brief\n", encoding="utf-8")
    (out / "index.html").write_text("<p>index</p>", encoding="utf-8")
    (tmp_path / "secret.html").write_text("SECRET-CONTENT", encoding="utf-8")
    with TestClient(create_app(_s := Settings(out=out), Models(_s, summarizer=EchoSummarizer()), warm=False)) as c:
        assert c.get("/briefs/").text == "<p>index</p>"
        assert c.get("/briefs/2026-02-05").text == "<p>the brief</p>"
        md = c.get("/briefs/2026-02-05.md")
        assert md.text == "# the brief\n" and md.headers["content-type"].startswith("text/markdown")
        gone = c.get("/briefs/2026-02-06")
        assert gone.status_code == 404 and "briefing build" in gone.json()["detail"]
        for bad in ("/briefs/..%2Fsecret.html", "/briefs/../secret.html", "/briefs/secret.html", "/briefs/.%2e/x"):
            r = c.get(bad)
            assert r.status_code == 404 and "SECRET-CONTENT" not in r.text
        today = date.today().isoformat()
        assert f"No briefing for {today} yet" in c.get("/").text and f"/briefs/{today}.html" not in c.get("/").text
        (out / f"{today}.html").write_text("<p>today</p>", encoding="utf-8")
        page = c.get("/").text
        assert f'<a href="/briefs/{today}.html">Today\'s briefing ({today})</a>' in page and "No briefing" not in page
        assert c.get("/healthz").json()["status"] == "ok"
        schema = c.get("/openapi.json").json()
        assert "/summarize" in schema["paths"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.e2e
def test_server_process_answers_then_stops_cleanly_on_sigterm(tmp_path):
    import httpx

    port = _free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "briefing", "serve", "--port", str(port), "--model", "lead",
                             "--out", str(tmp_path / "out"), "-v"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        r = httpx.post(f"{base}/summarize", json={"text": ARTICLE}, timeout=30)
        assert r.status_code == 200 and r.json()[0]["model"] == "lead"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    # the address at INFO (-v shows it once), not as a warning
    assert f"INFO: serving on http://127.0.0.1:{port}/" in err and "WARNING: serving on" not in err
    assert err.count("serving on") == 1 and "shut down after 1 requests" in err


@pytest.mark.e2e
def test_port_in_use_is_a_one_line_error(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "briefing", "serve", "--port", str(port), "--model", "lead"],
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert f"could not listen on 127.0.0.1:{port}" in done.stderr and "Traceback" not in done.stderr
