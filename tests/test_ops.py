"""Cron-grade operation: locking, caching, feeds over HTTP, --since, --dry-run, config, schedule."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
import types
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import FIXTURES
from filelock import FileLock
from typer.testing import CliRunner

from briefing.apps.cli import app, parse_since
from briefing.config import Settings
from briefing.errors import ConfigError, IngestError
from briefing.read import http as fetch

runner = CliRunner()
FEED = (FIXTURES / "feed.xml").read_bytes()
PAGE = (FIXTURES / "page.html").read_bytes()
LINK_ONLY = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Links</title>
<item><title>Only a link here</title><link>http://HOST/page.html</link></item></channel></rss>"""


class Handler(BaseHTTPRequestHandler):
    hits: dict[str, int] = {}
    done = threading.Event()  # set when the test ends: a slow or dripping answer stops there

    def log_message(self, *args):  # keep test output clean
        pass

    def do_GET(self):
        Handler.hits[self.path] = Handler.hits.get(self.path, 0) + 1
        host = self.headers["Host"].encode()
        feed = FEED.replace(b"https://example.org", b"http://" + host)  # links stay on this server
        if self.path == "/feed.xml":
            etag = '"' + hashlib.sha1(feed).hexdigest() + '"'
            if self.headers.get("If-None-Match") == etag:
                Handler.hits["304"] = Handler.hits.get("304", 0) + 1
                self.send_response(304)
                self.end_headers()
                return
            self._send(feed, etag=etag)
        elif self.path == "/links.xml":
            self._send(LINK_ONLY.replace(b"HOST", host))
        elif self.path == "/page.html":
            self._send(PAGE, "text/html")
        elif self.path == "/500":
            self.send_response(500)
            self.end_headers()
        elif self.path == "/slow":  # an answer once the test has ended (or after 60 s): a client without a timeout waits
            Handler.done.wait(60)
            self.send_response(204)
            self.end_headers()
        elif self.path == "/huge":
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.end_headers()
            try:
                for _ in range(64):
                    self.wfile.write(b"<!-- " + b"x" * 2**20 + b" -->")
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif self.path == "/drip":  # a byte every 0.2 s: each read is quick; the whole lasts 60 s or the test
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.end_headers()
            try:
                for _ in range(300):
                    if Handler.done.wait(0.2):
                        break
                    self.wfile.write(b" ")
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif self.path == "/secret.html":
            self._send(PAGE.replace(b"<body>", b"<body><p>INTERNAL-SECRET</p>"), "text/html")
        elif self.path == "/redirect-js":
            self.send_response(302)
            self.send_header("Location", "javascript:alert(1)")
            self.end_headers()
        elif self.path == "/ssrf.xml":
            self._send(LINK_ONLY.replace(b"HOST/page.html", host + b"/secret.html"))
        elif self.path == "/busy":
            Handler.hits["busy"] = Handler.hits.get("busy", 0) + 1
            self.send_response(429)
            self.send_header("Retry-After", "1")
            self.end_headers()
        elif self.path == "/bad.xml":
            self._send(b"<rss><channel><item><title>unclosed")
        else:
            self.send_response(404)
            self.end_headers()

    def _send(self, body: bytes, ctype="application/rss+xml", etag=None):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        if etag:
            self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server():
    Handler.hits = {}
    Handler.done.clear()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    Handler.done.set()
    httpd.shutdown()


@pytest.fixture
def fast_http(monkeypatch) -> list[float]:
    """The waits between attempts, recorded instead of slept (the clock the deadlines and the budget read still
    runs). Patching BACKOFF would not do: read_urls and fetch_feed bind it as a default when defined."""
    slept: list[float] = []
    monkeypatch.setattr(fetch, "time", types.SimpleNamespace(monotonic=time.monotonic, sleep=slept.append))
    return slept


# -- HTTP feeds ---------------------------------------------------------------------------------

@pytest.mark.e2e
def test_feed_over_http_then_304_reuses_the_stored_copy(server, echo, tmp_path):
    args = ["build", f"{server}/feed.xml", "-o", str(tmp_path / "b"), "-d", "2026-02-05", "--no-cache"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    md = (tmp_path / "b" / "2026-02-05.md").read_text()
    assert "- **The city council approved a $2.1 billion budget on Wednesday after a six-hour debate.**" in md
    assert f"*Source: [Example Wire]({server}/budget) · 2026-02-05 07:30 UTC*" in md
    assert f"*Source: [Example Wire]({server}/title-only)*" in md and "- **Only a title here**" in md
    second = runner.invoke(app, args)
    assert second.exit_code == 0, second.output
    assert Handler.hits["/feed.xml"] == 2 and Handler.hits["304"] == 1  # the second answer was "not modified"
    assert (tmp_path / "b" / "2026-02-05.md").read_text() == md  # built from the stored copy
    assert echo.calls == 2  # both runs summarized the same (stored) feed


def test_link_only_entries_get_their_page_text(server, echo, tmp_path):
    from briefing.read.sources import read

    articles, problems = read([f"{server}/links.xml"], Settings(allow_private_fetch=True))  # the test server is on loopback
    assert not problems and Handler.hits.get("/page.html") == 1
    assert articles[0].title == "Only a link here" and len(articles[0].text.split()) > 20


@pytest.mark.parametrize("path, why", [("/500", "HTTP 500 after 3 attempts"), ("/huge", "more than 10 MiB; skipped"),
                                        ("/bad.xml", "not a readable RSS/Atom feed"), ("/nope", "HTTP 404")])
@pytest.mark.e2e
def test_bad_feeds_are_named_and_the_rest_still_builds(server, echo, fast_http, tmp_path, path, why):
    r = runner.invoke(app, ["build", f"{server}{path}", f"{server}/feed.xml", "-o", str(tmp_path / "b"),
                            "-d", "2026-02-05"])
    assert r.exit_code == 5, r.output
    assert why in r.stderr and f"{server}{path}" in r.stderr
    assert (tmp_path / "b" / "2026-02-05.md").exists()
    if path == "/500":
        assert Handler.hits["/500"] == 3 and fast_http == [1.0, 2.0]  # the backoff: 1 s, then doubled


@pytest.mark.e2e
def test_linked_pages_on_private_addresses_are_not_fetched(server, echo, tmp_path):
    """SSRF: a feed's link to a loopback page is refused by default (the feed itself was given by the user)."""
    r = runner.invoke(app, ["build", f"{server}/ssrf.xml", "-o", str(tmp_path / "o"), "-d", "2026-02-05",
                            "-f", "all"])
    assert r.exit_code == 0, r.output
    assert Handler.hits.get("/secret.html") is None
    assert not any("INTERNAL-SECRET" in p.read_text() for p in (tmp_path / "o").glob("2026-02-05.*"))
    assert "not a public address" in r.stderr
    cfg = tmp_path / "c.toml"
    cfg.write_text("allow_private_fetch = true\n")
    r = runner.invoke(app, ["build", f"{server}/ssrf.xml", "-o", str(tmp_path / "p"), "-d", "2026-02-05",
                            "--config", str(cfg)])
    assert r.exit_code == 0 and Handler.hits.get("/secret.html") == 1  # the operator's switch for intranet feeds


def test_check_public_refuses_private_ranges():
    for url in ("http://127.0.0.1/x", "http://10.0.0.1/", "http://169.254.169.254/latest/meta-data", "http://[::1]/",
                "file:///etc/passwd", "ftp://example.org/"):
        with pytest.raises(IngestError):
            fetch.check_public(url)


def test_drip_fed_response_hits_the_total_deadline(server, fast_http):
    """The drip lasts a minute, a byte at a time (each read is quick): only the deadline on the whole answer ends
    an attempt in a second."""
    articles, problems = fetch.read_urls([f"{server}/drip"], None, timeout=1)
    assert articles == [] and Handler.hits["/drip"] == 3
    assert problems == [f"{server}/drip: timed out (no complete answer in 1 s) after 3 attempts; "
                        "try again later or drop the source."]


def test_fetch_budget_bounds_the_whole_run(server, fast_http):
    """Four minute-long drips, 1 s a try, a budget of 1.5 s: one or two tries spend it (no retry that would overrun
    it) and the last sources are not requested at all (without the budget: 4 x 3 requests)."""
    _, problems = fetch.read_urls([f"{server}/drip"] * 4, None, timeout=1, budget_s=1.5)
    assert Handler.hits["/drip"] <= 2 and len(problems) == 4, problems
    assert "would overrun the run's fetch budget" in problems[0] and all("fetch budget" in p for p in problems)
    assert problems[2:] == [f"{server}/drip: the run's fetch budget is spent; skipped (raise fetch_budget)."] * 2


def test_redirect_to_javascript_is_one_line(server, fast_http):
    _, problems = fetch.read_urls([f"{server}/redirect-js"], None, timeout=2)
    assert "non-web" in problems[0] and "attempts" not in problems[0]


def test_retry_after_is_honoured(server, fast_http):
    _, problems = fetch.read_urls([f"{server}/busy"], None, timeout=2, backoff=0.01)
    assert Handler.hits["busy"] == 3 and fast_http == [1.0, 1.0]  # waited Retry-After: 1 twice, not the backoff
    assert "HTTP 429 after 3 attempts" in problems[0]


def test_credentials_and_tokens_are_redacted():
    assert fetch.redact("https://user:pw@feeds.example.org/a.xml?token=abc&section=world") == \
        "https://feeds.example.org/a.xml?token=REDACTED&section=world"


def test_slow_feed_times_out(server, fast_http, monkeypatch):
    """The server answers only once the test has ended: a client without a read timeout would hang here."""
    articles, problems = fetch.read_urls([f"{server}/slow"], None, timeout=0.5)
    assert articles == [] and Handler.hits["/slow"] == 3
    assert len(problems) == 1 and problems[0].startswith(f"{server}/slow: timed out (no complete answer in ")
    assert problems[0].endswith(" s) after 3 attempts; try again later or drop the source.")


# -- cache, --since, --dry-run --------------------------------------------------------------------

@pytest.mark.e2e
def test_rerun_hits_the_cache_and_does_no_model_work(seeds, echo, tmp_path, monkeypatch):
    args = ["build", str(seeds), "-o", str(tmp_path / "b"), "-d", "2026-02-05", "-v"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0 and echo.calls == 1
    before = (tmp_path / "b" / "2026-02-05.md").read_text()

    def no_work(*args, **kw):
        raise AssertionError("a cached rerun split or embedded a sentence")

    import briefing.text.sentences as segment
    from briefing.models.encoder import Encoder

    segment._split_memo.cache_clear()  # as in a fresh process: splits and vectors only in cache.db
    split, encode = segment.split_sentences, Encoder._encode
    monkeypatch.setattr(segment, "split_sentences", no_work)
    monkeypatch.setattr(Encoder, "_encode", no_work)
    second = runner.invoke(app, args)
    assert second.exit_code == 0
    assert echo.calls == 1  # no model call
    assert "4 from the cache, 0 summarized" in second.stderr
    assert (tmp_path / "b" / "2026-02-05.md").read_text() == before
    monkeypatch.setattr(segment, "split_sentences", split)
    monkeypatch.setattr(Encoder, "_encode", encode)
    third = runner.invoke(app, args + ["--no-cache"])
    assert third.exit_code == 0 and echo.calls == 2


@pytest.mark.e2e
def test_since_selects_by_published_time(echo, tmp_path):
    now = datetime.now(UTC)
    rows = [f'{{"id": "old", "title": "Old", "text": "An old story about rain. It rained.", "published": '
            f'"{(now - timedelta(days=3)).isoformat()}"}}',
            f'{{"id": "new", "title": "New", "text": "A new story about snow. It snowed.", "published": '
            f'"{(now - timedelta(hours=2)).isoformat()}"}}']
    (tmp_path / "a.jsonl").write_text("\n".join(rows))
    r = runner.invoke(app, ["build", "a.jsonl", "-o", "b", "--since", "24h", "-f", "json"])
    assert r.exit_code == 0, r.output
    text = next((tmp_path / "b").glob("*.json")).read_text()
    assert '"new"' in text and '"old"' not in text
    r = runner.invoke(app, ["build", "a.jsonl", "-o", "b", "--since", "1h"])
    assert r.exit_code == 3 and "widen --since" in r.stderr


@pytest.mark.e2e
def test_since_counts_back_from_the_briefing_date(echo, tmp_path):
    rows = ['{"id": "day", "title": "Day", "text": "A story from that day. It rained.", "published": "2019-11-20T09:00:00Z"}',
            '{"id": "before", "title": "Before", "text": "A story from before. It snowed.", "published": "2019-11-17T09:00:00Z"}']
    (tmp_path / "a.jsonl").write_text("\n".join(rows))
    r = runner.invoke(app, ["build", "a.jsonl", "-o", "b", "-d", "2019-11-20", "--since", "36h", "-f", "json"])
    assert r.exit_code == 0, r.output
    text = (tmp_path / "b" / "2019-11-20.json").read_text()
    assert '"day"' in text and '"before"' not in text


@pytest.mark.parametrize("value", ["99999999d", pytest.param("0001-01-01", marks=pytest.mark.xfail(
    strict=True, reason="cli.parse_since: a date before year 1 in local time says 'neither a duration nor a date'"))])
def test_since_out_of_range_is_one_line(value, tmp_path, echo):
    (tmp_path / "a.jsonl").write_text('{"text": "A story. It rained."}')
    r = runner.invoke(app, ["build", "a.jsonl", "-o", "b", "--since", value])
    assert r.exit_code == 2, r.output
    assert isinstance(r.exception, SystemExit) and r.exception.code == 2  # not an uncaught error
    assert r.stderr == f"Error: --since {value!r} reaches further back than dates go; use e.g. 30d.\n"
    assert r.stdout == "" and not (tmp_path / "b").exists() and echo.calls == 0


def test_parse_since():
    now = datetime(2026, 2, 5, 12, 0, tzinfo=UTC)
    assert parse_since("24h", now) == now - timedelta(hours=24)
    assert parse_since("2d", now) == now - timedelta(days=2)
    assert parse_since("2026-02-04T06:00+01:00").utcoffset() == timedelta(hours=1)
    assert parse_since("2026-02-04").tzinfo is not None  # local time, made aware
    with pytest.raises(ConfigError):
        parse_since("yesterday-ish")


@pytest.mark.e2e
def test_dry_run_writes_nothing_and_calls_no_model(seeds, echo, tmp_path):
    r = runner.invoke(app, ["build", str(seeds), "-o", str(tmp_path / "b"), "-d", "2026-02-05", "--dry-run"])
    assert r.exit_code == 0, r.output
    assert "would read 4 articles" in r.stdout and "4 to summarize" in r.stdout
    assert f"would write {tmp_path / 'b' / '2026-02-05.md'}" in r.stdout
    assert echo.calls == 0 and not (tmp_path / "b").exists()
    assert not (tmp_path / "cache").exists() and not (tmp_path / "state").exists()  # nothing written anywhere


@pytest.mark.e2e
def test_dry_run_reads_an_existing_cache_without_touching_it(seeds, echo, tmp_path):
    assert runner.invoke(app, ["build", str(seeds), "-o", "b", "-d", "2026-02-05"]).exit_code == 0
    files = {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in (tmp_path / "cache").iterdir()}
    files.update({p: (p.stat().st_mtime_ns, p.stat().st_size) for p in (tmp_path / "state").iterdir()})
    r = runner.invoke(app, ["build", str(seeds), "-o", "c", "-d", "2026-02-05", "--dry-run"])
    assert r.exit_code == 0 and "4 stories cached, 0 to summarize" in r.stdout, r.output
    assert {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in files} == files
    assert set((tmp_path / "cache").iterdir()) | set((tmp_path / "state").iterdir()) == set(files)


# -- locking and interrupted runs ----------------------------------------------------------------

@pytest.mark.e2e
def test_second_run_skips_while_locked_and_waits_with_wait(seeds, echo, tmp_path):
    out = tmp_path / "b"
    out.mkdir()
    lock = FileLock(out / ".briefing.lock", thread_local=False)  # released from a timer thread
    lock.acquire()
    try:
        r = runner.invoke(app, ["build", str(seeds), "-o", str(out)])
        assert r.exit_code == 0 and "skipped" in r.stderr and echo.calls == 0
        threading.Timer(1.0, lock.release).start()
        r = runner.invoke(app, ["build", str(seeds), "-o", str(out), "-d", "2026-02-05", "--wait",
                                "--wait-timeout", "60"])
        assert r.exit_code == 0 and echo.calls == 1
        assert (out / "2026-02-05.md").exists()
    finally:
        if lock.is_locked:
            lock.release()


@pytest.mark.e2e
def test_two_concurrent_builds_leave_one_intact_brief(seeds, tmp_path):
    out = tmp_path / "b"
    cmd = [sys.executable, "-m", "briefing", "build", str(seeds), "-o", str(out), "-d", "2026-02-05",
           "--model", "lead", "--wait"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=os.environ) for _ in range(2)]
    results = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    assert (out / "2026-02-05.md").read_text().startswith("---\ndate: \"2026-02-05\"")
    assert not list(out.glob(".*.tmp"))


KILL_SCRIPT = """
import os, sys, time
import briefing.publish.output as output
real = os.fsync
def slow(fd):
    time.sleep(30)  # a slow disk: the test kills us here, mid-write
output.os.fsync = slow
from briefing.apps.cli import main
sys.argv = ["briefing", "build", sys.argv[1], "-o", sys.argv[2], "-d", "2026-02-05", "--model", "lead"]
main()
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
@pytest.mark.e2e
def test_a_build_killed_mid_write_leaves_the_old_brief(seeds, tmp_path, sig):
    out = tmp_path / "b"
    out.mkdir()
    old = out / "2026-02-05.md"
    old.write_text("yesterday's careful brief\n")
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(seeds), str(out)], env=os.environ,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not list(out.glob(".*.tmp")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    assert list(out.glob(".*.tmp")), proc.communicate()
    proc.send_signal(sig)
    proc.wait(timeout=30)
    assert old.read_text() == "yesterday's careful brief\n"
    if sig == signal.SIGTERM:
        assert not list(out.glob(".*.tmp"))  # cleaned up on the way out
    else:  # SIGKILL cannot be caught: the next run removes the leftover
        r = subprocess.run([sys.executable, "-m", "briefing", "build", str(seeds), "-o", str(out),
                            "-d", "2026-02-06", "--model", "lead"], env=os.environ, capture_output=True, timeout=240)
        assert r.returncode == 0, r.stderr
        assert not list(out.glob(".*.tmp")) and old.read_text() == "yesterday's careful brief\n"


# -- config, logging, schedule -------------------------------------------------------------------

def test_config_show_names_each_origin(tmp_path, monkeypatch):
    cfg = tmp_path / "c.toml"
    cfg.write_text('model = "lead"\nsources = ["news/", "https://example.org/feed.xml"]\n')
    monkeypatch.setenv("BRIEFING_SENTENCES", "2")
    r = runner.invoke(app, ["config", "show", "--config", str(cfg)])
    assert r.exit_code == 0, r.output
    assert f'model = "lead"  # {cfg}' in r.stdout
    assert "sentences = 2  # $BRIEFING_SENTENCES" in r.stdout
    assert 'sources = ["news/", "https://example.org/feed.xml"]' in r.stdout
    assert "top_stories = 5  # default" in r.stdout


def test_platform_config_file_is_read_by_default(tmp_path):
    from briefing.config import default_config_path, load_settings

    path = default_config_path()
    path.parent.mkdir(parents=True)
    path.write_text("per_section = 3\n")
    assert load_settings().per_section == 3 and load_settings().origins["per_section"] == str(path)


@pytest.mark.parametrize("text, words", [
    ("modle = 'lead'\n", ["modle", "allowed keys"]),
    ("per_section = 0\n", ["per_section", "c.toml"]),
    ("formats = ['pdf']\n", ["formats", "md, html, json", "c.toml"]),
])
def test_config_typos_are_one_line_errors(tmp_path, text, words):
    cfg = tmp_path / "c.toml"
    cfg.write_text(text)
    r = runner.invoke(app, ["build", "x", "--config", str(cfg)])
    assert r.exit_code == 2
    assert len(r.stderr.strip().splitlines()) == 1 and all(w in r.stderr for w in words)


@pytest.mark.e2e
def test_sources_from_config_and_log_file(seeds, echo, tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'sources = ["{seeds}"]\nout = "{tmp_path / "b"}"\n')
    log = tmp_path / "logs" / "run.log"
    r = runner.invoke(app, ["build", "--config", str(cfg), "-d", "2026-02-05", "--log-file", str(log), "-q"])
    assert r.exit_code == 0, r.output
    assert r.stdout == "" and r.stderr == ""  # -q: only errors
    assert (tmp_path / "b" / "2026-02-05.md").exists()
    assert "Built 2026-02-05.md, html: 4 stories from 4 articles" in log.read_text()
    r = runner.invoke(app, ["build", "--config", str(cfg), "-d", "2026-02-05"])
    assert r.stdout.splitlines()[0].endswith("2026-02-05.md")
    assert r.stderr.startswith("Built 2026-02-05.md, html: 4 stories from 4 articles in ")  # the seeds name no outlet


def test_no_inputs_anywhere_is_a_usage_error():
    r = runner.invoke(app, ["build"])
    assert r.exit_code == 2 and "sources" in r.stderr


def test_schedule_refuses_a_job_that_would_fail(tmp_path):
    """It printed a cron line and a systemd unit that failed every morning when no sources were configured."""
    r = runner.invoke(app, ["schedule", "--at", "05:45"])
    assert r.exit_code == 2 and "nothing to read: set sources" in r.stderr and "config init" in r.stderr
    (tmp_path / "c.toml").write_text('sources = ["missing-folder/"]\n')
    r = runner.invoke(app, ["schedule", "--config", str(tmp_path / "c.toml")])
    assert r.exit_code == 2 and "could not read missing-folder/" in r.stderr
    (tmp_path / "c.toml").write_text(f'sources = ["{tmp_path}"]\nmodel = "bart-cnn"\n')
    r = runner.invoke(app, ["schedule", "--config", str(tmp_path / "c.toml")])
    assert r.exit_code == 4 and "briefing models pull bart-cnn" in r.stderr
    assert runner.invoke(app, ["schedule", "--at", "25:00"]).exit_code == 2


@pytest.mark.e2e
def test_config_init_then_schedule_then_the_printed_command_builds(seeds, tmp_path):
    """config init writes a starting config (never over one); schedule prints the job; the job runs."""
    config = tmp_path / "home" / "xdg_config_home" / "briefing" / "config.toml"
    out = tmp_path / "morning"
    r = runner.invoke(app, ["config", "init", "--source", str(seeds), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert r.stdout.strip() == str(config) and config.exists()
    text = config.read_text()
    assert f'sources = ["{seeds}"]' in text and "# top_stories = 5" in text
    again = runner.invoke(app, ["config", "init", "--source", str(seeds)])
    assert again.exit_code == 2 and "already exists" in again.stderr and config.read_text() == text
    r = runner.invoke(app, ["schedule", "--at", "05:45"])
    assert r.exit_code == 0, r.output
    assert "OnCalendar=*-*-* 05:45:00" in r.stdout and "Persistent=true" in r.stdout
    cron = next(line for line in r.stdout.splitlines() if line.startswith("45 5 * * * "))
    job = subprocess.run(cron.removeprefix("45 5 * * * "), shell=True, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "BRIEFING_MODEL": "lead"})
    assert job.returncode == 0, job.stderr
    assert job.stdout == "" and job.stderr == ""  # --quiet: cron mails nothing on a good morning
    assert list(out.glob("????-??-??.md")) and list(out.glob("????-??-??.html"))
    assert "INFO" in (out / "briefing.log").read_text()
