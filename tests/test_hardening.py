"""Hostile and unlucky input (the adversarial review): each case fails with one line, and the rest goes on."""

from __future__ import annotations

import os
import time

import markdown
import pytest
from typer.testing import CliRunner

from briefing.apps.cli import app
from briefing.publish.render import _safe_url
from briefing.read.files import read_inputs
from briefing.text.sentences import split_sentences

runner = CliRunner()


@pytest.mark.e2e
def test_markdown_link_injection_through_entry_links_is_defused(tmp_path, echo):
    feed = ('<rss><channel><title>X</title><item><title>Storm closes ports</title>'
            '<link>http://news.example/a)[CLICK](javascript:alert(1))</link>'
            '<description>A storm closed the ports on Monday, the port authority said.</description></item>'
            '</channel></rss>')
    (tmp_path / "f.xml").write_text(feed)
    r = runner.invoke(app, ["build", "f.xml", "-o", "o", "-d", "2026-02-05", "-f", "all"])
    assert r.exit_code == 0, r.output
    md = (tmp_path / "o" / "2026-02-05.md").read_text()
    html = markdown.markdown(md)
    assert 'href="javascript' not in html and "](javascript" not in md
    import json

    data = json.loads((tmp_path / "o" / "2026-02-05.json").read_text())
    urls = [src["url"] for sec in data["sections"] for st in sec["stories"] for src in st["sources"]]
    assert urls and all(u is None or ("(" not in u and "[" not in u) for u in urls)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<script>", "ftp://x.org/", "http:///nohost", "",
                                 None, 123])
def test_only_web_links_are_kept(url):
    assert _safe_url(url) is None


def test_credentials_never_reach_a_link():
    assert _safe_url("https://user:secret@x.org/a") == "https://x.org/a"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_and_devices_are_refused_not_read(tmp_path):
    """Opening a FIFO with no writer blocks for ever: the read runs in a thread, and if it is still blocked after
    a minute (it takes milliseconds) the test gives the FIFO a writer, so that it fails rather than hangs."""
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: dict = {}
    reader = threading.Thread(target=lambda: got.update(result=read_inputs([fifo, "/dev/zero"])), daemon=True)
    reader.start()
    reader.join(60)
    blocked = reader.is_alive()
    if blocked:
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(10)
    assert not blocked, "reading the inputs blocked on the FIFO"
    arts, problems = got["result"]
    why = "not a regular file (a pipe or a device); save it to a file or give it as -."
    assert arts == [] and problems == [f"{fifo}: {why}", f"/dev/zero: {why}"]


def test_endless_stdin_is_cut_at_the_limit(monkeypatch, tmp_path):
    monkeypatch.setattr("briefing.read.parse.MAX_BYTES", 1000)
    r = runner.invoke(app, ["summarize", "-"], input="The council met. " * 200)
    assert r.exit_code == 3 and "standard input is over" in r.output


def test_config_that_is_a_folder_or_device_is_one_line(tmp_path):
    for bad in (tmp_path, "/dev/zero"):
        r = runner.invoke(app, ["config", "show", "--config", str(bad)])
        assert r.exit_code == 2 and "not a regular file" in r.output


def test_long_paragraph_is_split_in_bounded_time(monkeypatch):
    """pysbd's time grows with the square of its input (a 0.8 MB line took 128 s): a long paragraph goes to it
    in pieces of at most MAX_PIECE characters. Counted, not timed: the longest input pysbd is given."""
    from briefing.text import sentences

    given: list[int] = []
    real = sentences._segmenter()

    class Recorder:
        def segment(self, text):
            given.append(len(text))
            return real.segment(text)

    monkeypatch.setattr(sentences, "_segmenter", Recorder)
    text = "The council approved the new budget on Monday after a long debate. Critics objected! " * 1000  # 85 kB
    sents = split_sentences(text)
    assert given and max(given) <= sentences.MAX_PIECE
    assert len(sents) == 2000 and sents[0].text == "The council approved the new budget on Monday after a long debate."
    assert sents[-1].text == "Critics objected!" and text[sents[-1].start:sents[-1].end] == "Critics objected!"


def test_too_many_articles_is_refused_with_a_message(tmp_path, echo):
    (tmp_path / "k.jsonl").write_text("\n".join(f'{{"text": "Story {i} said."}}' for i in range(30)))
    (tmp_path / "c.toml").write_text("max_articles = 20\n")
    r = runner.invoke(app, ["build", "k.jsonl", "-o", "o", "--config", "c.toml", "--no-cache"])
    assert r.exit_code == 3 and "max_articles" in r.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_unreadable_folder_is_named(tmp_path):
    (tmp_path / "news" / "locked").mkdir(parents=True)
    (tmp_path / "news" / "a.txt").write_text("The council approved the budget on Monday after a debate.")
    (tmp_path / "news" / "locked").chmod(0)
    try:
        arts, problems = read_inputs([tmp_path / "news"])
    finally:
        (tmp_path / "news" / "locked").chmod(0o755)
    assert len(arts) == 1 and any("folder cannot be read" in p for p in problems)


@pytest.mark.parametrize("setting, why", [("sentences = 2.9", "c.toml is not a valid int."),
                                          ("threads = -3", "is out of range; use 1 to 4,096"),
                                          ("fetch_timeout = inf", "c.toml is not a valid")])
def test_bad_numbers_in_config_are_one_line(tmp_path, setting, why):
    (tmp_path / "c.toml").write_text(setting + "\n")
    r = runner.invoke(app, ["config", "show", "--config", str(tmp_path / "c.toml")])
    assert r.exit_code == 2 and r.stdout == "", r.output
    assert r.stderr.startswith(f"Error: {setting} ") and why in r.stderr and r.stderr.count("\n") == 1
    assert str(tmp_path / "c.toml") in r.stderr


@pytest.mark.parametrize("damage", [b"garbage, not a database" * 100, b"SQLite format 3\x00" + b"\x00" * 50])
@pytest.mark.e2e
def test_damaged_cache_and_state_are_moved_aside_and_rebuilt(tmp_path, seeds, echo, damage):
    args = ["build", str(seeds), "-o", "o", "-d", "2026-02-05"]
    assert runner.invoke(app, args).exit_code == 0
    for folder, name in ((tmp_path / "cache", "cache.db"), (tmp_path / "state", "state.db")):
        (folder / name).write_bytes(damage)
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    assert "damaged" in r.stderr
    assert list((tmp_path / "cache").glob("cache.db.broken-*")) and list((tmp_path / "state").glob("state.db.broken-*"))
    assert runner.invoke(app, args).exit_code == 0  # and the run after is clean


@pytest.mark.e2e
def test_a_cache_that_cannot_be_used_does_not_stop_the_brief(tmp_path, seeds, echo, monkeypatch):
    (tmp_path / "blocked").write_text("a file where the cache folder should be")
    monkeypatch.setenv("BRIEFING_CACHE_DIR", str(tmp_path / "blocked"))
    r = runner.invoke(app, ["build", str(seeds), "-o", "o", "-d", "2026-02-05"])
    assert r.exit_code == 0 and "Going on without the cache" in r.stderr


@pytest.mark.e2e
def test_only_our_own_temp_files_are_cleaned_up(tmp_path, seeds, echo):
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / ".notes.tmp").write_text("the user's own file")
    (tmp_path / "o" / ".briefing-tmp.2026-02-05.md.abc.tmp").write_text("left by a killed run")
    assert runner.invoke(app, ["build", str(seeds), "-o", "o", "-d", "2026-02-05"]).exit_code == 0
    assert (tmp_path / "o" / ".notes.tmp").exists()
    assert not (tmp_path / "o" / ".briefing-tmp.2026-02-05.md.abc.tmp").exists()


@pytest.mark.e2e
def test_control_characters_never_reach_the_page_or_the_log(tmp_path, echo):
    (tmp_path / "n").mkdir()
    (tmp_path / "n" / "a.jsonl").write_text(
        '{"title": "Storm\\u001b[31m closes\\u202e ports", "text": "A storm\\u0000 closed the ports on Monday, '
        'officials said.\\u001b[2J"}\n')
    (tmp_path / "n" / "bad\nWARNING forged.txt").write_bytes(b"\x00\x01binary")
    r = runner.invoke(app, ["build", "n", "-o", "o", "-d", "2026-02-05", "-f", "all"])
    assert r.exit_code == 5, r.output
    for f in (tmp_path / "o").glob("2026-02-05.*"):
        text = f.read_text()
        assert not any(c in text for c in ("\x1b", "\x00", "\u202e")), f.name
    assert "\nWARNING forged" not in r.stderr and "bad\\nWARNING forged.txt" in r.stderr


@pytest.mark.e2e
def test_read_only_output_folder_is_one_line_and_keeps_the_old_brief(tmp_path, seeds, echo, monkeypatch):
    assert runner.invoke(app, ["build", str(seeds), "-o", "o", "-d", "2026-02-05"]).exit_code == 0
    before = (tmp_path / "o" / "2026-02-05.md").read_text()

    def full(*a, **k):
        raise OSError(28, "No space left on device", str(tmp_path / "o" / "x"))

    monkeypatch.setattr("briefing.publish.output.tempfile.mkstemp", full)
    r = runner.invoke(app, ["build", str(seeds), "-o", "o", "-d", "2026-02-05", "--no-cache"])
    assert r.exit_code == 6 and "No space left on device" in r.stderr and "Traceback" not in r.output
    assert (tmp_path / "o" / "2026-02-05.md").read_text() == before


def test_planted_lock_symlink_and_negative_wait_are_one_line(tmp_path, seeds, echo):
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / ".briefing.lock").symlink_to(tmp_path / "elsewhere")
    r = runner.invoke(app, ["build", str(seeds), "-o", "o"])
    assert r.exit_code == 2 and "not a plain file" in r.stderr
    r = runner.invoke(app, ["build", str(seeds), "-o", "p", "--wait", "--wait-timeout", "-1"])
    assert r.exit_code == 2 and "--wait-timeout" in r.stderr


def test_a_run_stuck_past_stale_lock_is_reported_loudly(tmp_path, seeds, echo):
    from filelock import FileLock

    (tmp_path / "o").mkdir()
    (tmp_path / "o" / ".briefing.lock.started").write_text(f"{time.time() - 3 * 3600:.0f} 4242\n")
    with FileLock(tmp_path / "o" / ".briefing.lock"):
        r = runner.invoke(app, ["build", str(seeds), "-o", "o"])
    assert r.exit_code == 7 and "likely stuck" in r.stderr and "4242" in r.stderr
