"""Morning after morning (issue 29): what is new since the last brief, developing stories, the Atom feed, the mail.

Each test builds a few mornings of small JSONL inputs with the echo summarizer (no encoder: stories are
grouped by copies, developing ones found by names and words). The SMTP server is a few lines of socketserver
on 127.0.0.1, started by the test (no dependency).
"""

from __future__ import annotations

import email
import email.policy
import json
import socket
import socketserver
import sqlite3
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from briefing.apps.cli import app
from briefing.errors import MailError

runner = CliRunner()

KIM_1 = ("North Korean leader Kim Jong Un has not been seen in public since April 11. "
         "South Korean officials in Seoul say Kim Jong Un is alive and well in Wonsan.")
KIM_2 = ("Kim Jong Un appeared in public in Sunchon on Friday, North Korean state media KCNA said. "
         "South Korean officials in Seoul say Kim Jong Un is alive and well in Wonsan.")
DAY_1 = [
    {"id": "kim-1", "title": "Kim Jong Un absent from Pyongyang anniversary", "text": KIM_1, "source": "Wire",
     "url": "https://wire.example/kim-absent", "published": "2020-04-25T03:00:00Z"},
    {"id": "bake-1", "title": "Bakery sells record loaves", "text": "A bakery in Leeds sold 4,000 loaves. "
     "Its owner Priya Shah thanked the town.", "source": "Paper", "url": "https://paper.example/bakery",
     "published": "2020-04-25T02:00:00Z"},
    {"id": "old-1", "title": "Harbour wall repaired", "text": "Dunmore harbour wall was repaired in March. "
     "Crews finished early.", "source": "Paper", "url": "https://paper.example/harbour",
     "published": "2020-04-20T02:00:00Z"},  # five days before: outside the first brief's window
]
DAY_2 = [
    DAY_1[0], DAY_1[1],  # yesterday's reports, still in the feeds
    {"id": "kim-2", "title": "Kim Jong Un reappears at Sunchon fertiliser plant", "text": KIM_2, "source": "Agency",
     "url": "https://agency.example/kim-sunchon", "published": "2020-04-26T04:00:00Z"},
    {"id": "rail-2", "title": "Rail strike called off", "text": "Train drivers in Lyon called off Monday's strike. "
     "The union SNCF-Sud accepted a 2 percent offer.", "source": "Wire", "url": "https://wire.example/rail",
     "published": "2020-04-26T05:00:00Z"},
]
DAY_3 = [
    DAY_2[2], DAY_2[3],
    {"id": "late-3", "title": "Bridge toll scrapped", "text": "The Severn bridge toll in Newport ends on Monday. "
     "Drivers will save 6 pounds.", "source": "Paper", "url": "https://paper.example/toll",
     "published": "2020-04-27T06:00:00Z"},
    {"id": "next-3", "title": "Tomorrow's match postponed", "text": "Cardiff against Swansea was postponed. "
     "Officials in Cardiff cited rain.", "source": "Paper", "url": "https://paper.example/match",
     "published": "2020-04-28T09:00:00Z"},  # the day after --date 2020-04-27: not in that day's brief
    {"id": "slow-3", "title": "Library reopens", "text": "Ely library reopened its reading room. "
     "Librarian Tom Hale welcomed 40 visitors.", "source": "Paper", "url": "https://paper.example/library",
     "published": "2020-04-25T23:30:00Z"},  # published late on the first day; the feed carries it only on the third
]
MORNINGS = [(date(2020, 4, 25), DAY_1), (date(2020, 4, 26), DAY_2), (date(2020, 4, 27), DAY_3)]


def _write(folder: Path, day: date, rows: list[dict]) -> Path:
    path = folder / f"feeds-{day}.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def _build(*args) -> object:
    return runner.invoke(app, ["build", *map(str, args)])


def _stories(out: Path, day: date) -> list[dict]:
    data = json.loads((out / f"{day}.json").read_text())
    return [s for sec in data["sections"] for s in sec["stories"]] + data["more"]


def _ids(out: Path, day: date) -> list[str]:
    return sorted(a["id"] for s in _stories(out, day) for a in s["sources"])


@pytest.fixture
def utc(monkeypatch):
    """Local time is UTC (day boundaries are local), as on the machines the days were recorded for."""
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _mornings(tmp_path: Path, out: Path, *extra: str, days: int = 3) -> None:
    for day, rows in MORNINGS[:days]:
        r = _build(_write(tmp_path, day, rows), "-d", day, "-o", out, "-f", "all", *extra)
        assert r.exit_code == 0, r.output


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The three mornings built once through the CLI (as a backfill would: today, with --date), for the tests that
    read them; a test that builds a morning again uses their folder and state (_again)."""
    import time

    base = tmp_path_factory.mktemp("mornings")
    store = base / "models-store"
    store.mkdir()
    (store / "registry.toml").write_text('[echo]\nkind = "echo"\ndescription = "the test double"\n')
    with pytest.MonkeyPatch.context() as mp:  # as conftest's echo fixture and _isolated, for the module
        for var, value in {"BRIEFING_BACKENDS": "echo=fakes:make_echo", "BRIEFING_MODELS_DIR": str(store),
                           "BRIEFING_MODEL": "echo", "BRIEFING_CACHE_DIR": str(base / "cache"),
                           "BRIEFING_STATE_DIR": str(base / "state"), "TZ": "UTC",
                           "PYTHONPATH": str(Path(__file__).parent)}.items():
            mp.setenv(var, value)
        time.tzset()
        _mornings(base, base / "briefs")
    time.tzset()
    return base


def _again(built: Path, monkeypatch) -> Path:
    """The built mornings' folder, for a test that builds a morning again (which must change nothing: the state
    knows a folder by its path, so a copy elsewhere would be another folder)."""
    monkeypatch.setenv("BRIEFING_STATE_DIR", str(built / "state"))
    monkeypatch.setenv("BRIEFING_CACHE_DIR", str(built / "cache"))
    return built / "briefs"


# -- since the last brief -----------------------------------------------------------------------------------------

def test_each_morning_shows_only_what_is_new_since_the_last_brief(built):
    out = built / "briefs"
    assert _ids(out, date(2020, 4, 25)) == ["bake-1", "kim-1"]  # old-1: before the day before --date
    assert _ids(out, date(2020, 4, 26)) == ["kim-2", "rail-2"]  # kim-1 and bake-1 were shown yesterday
    # next-3 is published after the end of --date; slow-3 before the previous brief's day, but no brief showed it
    assert _ids(out, date(2020, 4, 27)) == ["late-3", "slow-3"]


def test_nothing_new_is_one_line_naming_the_previous_brief(echo, utc, tmp_path):
    out = tmp_path / "briefs"
    _build(_write(tmp_path, date(2020, 4, 25), DAY_1), "-d", "2020-04-25", "-o", out)
    r = _build(_write(tmp_path, date(2020, 4, 25), DAY_1), "-d", "2020-04-26", "-o", out)
    assert r.exit_code == 3
    assert "Nothing new since the brief of 2020-04-25" in r.stderr and "(2 shown in an earlier brief)" in r.stderr
    r = _build(tmp_path / "feeds-2020-04-25.jsonl", "-d", "2020-04-26", "-o", out, "--since", "2020-04-01", "-f", "json")
    assert r.exit_code == 0 and _ids(out, date(2020, 4, 26)) == ["old-1"]  # --since widens the window, not what was shown
    r = _build(tmp_path / "feeds-2020-04-25.jsonl", "-d", "2020-04-26", "-o", out, "--since", "2020-04-24")
    assert r.exit_code == 3 and "widen --since" in r.stderr


def test_since_overrides_the_window(echo, utc, tmp_path):
    r = _build(_write(tmp_path, date(2020, 4, 25), DAY_1), "-d", "2020-04-25", "-o", tmp_path / "b", "-f", "json",
               "--since", "2020-04-01")
    assert r.exit_code == 0, r.output
    assert _ids(tmp_path / "b", date(2020, 4, 25)) == ["bake-1", "kim-1", "old-1"]


def test_a_rerun_of_a_morning_changes_nothing(built, echo, utc, monkeypatch):
    out = _again(built, monkeypatch)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    r = _build(built / "feeds-2020-04-26.jsonl", "-d", "2020-04-26", "-o", out, "-f", "all")
    assert r.exit_code == 0, r.output
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before


def test_a_backfill_gives_the_mornings_briefs(built, echo, utc, tmp_path):
    """Mornings built at their own moment (the run's clock then: 06:30 that day) give the bytes of the backfill
    that `built` made today with --date."""
    from briefing.config import load_settings
    from briefing.pipeline import build

    settings = load_settings(out=tmp_path / "mornings", formats="md,html,json")
    for day, rows in MORNINGS:
        build([_write(tmp_path, day, rows)], settings, day, now=datetime(day.year, day.month, day.day, 6, 30, tzinfo=UTC))
    for day, _ in MORNINGS:
        for ext in ("md", "html", "json"):
            assert (built / "briefs" / f"{day}.{ext}").read_bytes() == \
                (tmp_path / "mornings" / f"{day}.{ext}").read_bytes(), f"{day}.{ext}"


def test_undated_reports_count_from_when_first_seen_and_show_once(echo, utc, tmp_path):
    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "a.txt").write_text("Lake Ness ferry returns\n\nThe Loch Ness ferry sails again. It runs daily.")
    out = tmp_path / "b"
    assert _build(tmp_path / "news", "-d", "2020-04-25", "-o", out, "-f", "json").exit_code == 0  # a backfill: today
    (tmp_path / "news" / "b.txt").write_text("Glasgow opens cycle lane\n\nGlasgow opened a cycle lane. It is 3 km long.")
    assert _build(tmp_path / "news", "-d", "2020-04-26", "-o", out, "-f", "json").exit_code == 0
    assert [s["title"] for s in _stories(out, date(2020, 4, 26))] == ["Glasgow opens cycle lane"]


def test_items_linking_one_page_are_told_apart_by_content(echo, utc, tmp_path):
    """A feed that links every item to its home page: the shared address does not make tomorrow's items 'shown'."""
    home = "https://radio.example/"
    day1 = [{"id": "r1", "title": "Flood warning for Derby", "text": "The River Derwent rose 2 metres in Derby.",
             "url": home, "published": "2020-04-25T05:00:00Z"},
            {"id": "r2", "title": "Zoo welcomes panda", "text": "Edinburgh Zoo welcomed a panda named Yang.",
             "url": home, "published": "2020-04-25T05:30:00Z"}]
    day2 = day1 + [{"id": "r3", "title": "School reopens in Hull", "text": "Hull's Marvell school reopened.",
                    "url": home, "published": "2020-04-26T05:00:00Z"}]
    out = tmp_path / "b"
    assert _build(_write(tmp_path, date(2020, 4, 25), day1), "-d", "2020-04-25", "-o", out, "-f", "json").exit_code == 0
    assert _build(_write(tmp_path, date(2020, 4, 26), day2), "-d", "2020-04-26", "-o", out, "-f", "json").exit_code == 0
    assert _ids(out, date(2020, 4, 26)) == ["r3"]


# -- developing stories ----------------------------------------------------------------------------------------------

def test_a_continuing_story_is_developing_and_links_its_earlier_brief(built):
    out = built / "briefs"
    first = {s["sources"][0]["id"]: s for s in _stories(out, date(2020, 4, 25))}
    second = {s["sources"][0]["id"]: s for s in _stories(out, date(2020, 4, 26))}
    kim, rail = second["kim-2"], second["rail-2"]
    assert kim["status"] == "developing" and kim["day"] == 2 and kim["first_seen"] == "2020-04-25"
    assert kim["earlier"] == {"date": "2020-04-25", "anchor": first["kim-1"]["anchor"]}
    assert rail["status"] == "new" and rail["earlier"] is None and rail["first_seen"] == "2020-04-26"
    assert first["kim-1"]["status"] == "new" and first["kim-1"]["day"] == 1
    # it leads with what is new: the sentence yesterday's bullet had is dropped
    assert kim["summary"] == ["Kim Jong Un appeared in public in Sunchon on Friday, North Korean state media KCNA said."]
    md = (out / "2020-04-26.md").read_text()
    link = f"(2020-04-25.html#{first['kim-1']['anchor']})"
    assert f"*Developing, day 2 · earlier: [Sat 25 April]{link} · Source: [Agency]" in md
    assert f'<li><a id="{first["kim-1"]["anchor"]}"></a>' in (out / "2020-04-25.html").read_text()  # the link's target


def test_a_developing_story_under_more_stories_names_its_earlier_brief():
    from conftest import make_article
    from test_render import story

    from briefing.publish.render import more_line
    from briefing.stories.history import Note

    note = Note("s-1", "developing", date(2020, 4, 25), 3, date(2020, 4, 26), "s-0123456789", "2020-04-26.html#s-0123456789")
    line = more_line(story(make_article("Kim Jong Un reappears. He opened a plant.", url="https://x.example/k")), note)
    assert line.endswith("· test · developing, day 3 · earlier: [Sun 26 April](2020-04-26.html#s-0123456789)")


def test_developing_runs_within_the_window_of_days(echo, utc, tmp_path):
    out = tmp_path / "briefs"
    config = tmp_path / "c.toml"
    config.write_text("developing_days = 0\n")
    _mornings(tmp_path, out, "--config", config, days=2)
    assert {s["status"] for s in _stories(out, date(2020, 4, 26))} == {"new"}


def test_a_damaged_story_record_is_skipped(echo, utc, tmp_path):
    out = tmp_path / "briefs"
    _build(_write(tmp_path, date(2020, 4, 25), DAY_1), "-d", "2020-04-25", "-o", out, "-f", "json")
    with sqlite3.connect(tmp_path / "state" / "state.db") as db:
        db.execute("UPDATE stories SET record = '{\"lines\": 3}'")
    r = _build(_write(tmp_path, date(2020, 4, 26), DAY_2), "-d", "2020-04-26", "-o", out, "-f", "json")
    assert r.exit_code == 0, r.output
    assert {s["status"] for s in _stories(out, date(2020, 4, 26))} == {"new"}


def test_an_old_state_file_still_opens(echo, utc, tmp_path):
    (tmp_path / "state").mkdir()
    with sqlite3.connect(tmp_path / "state" / "state.db") as db:  # the state before issue 29: two tables
        db.executescript("CREATE TABLE feeds (url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, body BLOB, fetched REAL);"
                         "CREATE TABLE seen (key TEXT PRIMARY KEY, first_seen REAL NOT NULL);"
                         "INSERT INTO seen VALUES ('u:https://x.example/', 1.0);")
    out = tmp_path / "briefs"
    _mornings(tmp_path, out, days=2)
    assert _ids(out, date(2020, 4, 26)) == ["kim-2", "rail-2"]


# -- the feed -----------------------------------------------------------------------------------------------------

def test_the_feed_is_atom_with_one_entry_per_brief_and_stable_ids(built, echo, utc, monkeypatch):
    import feedparser

    out = _again(built, monkeypatch)
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert [e.link.rsplit("/", 1)[-1] for e in feed.entries] == ["2020-04-27.html", "2020-04-26.html", "2020-04-25.html"]
    assert feed.entries[1].title == "Briefing for Sunday, 26 April 2020"
    assert feed.entries[1].updated == "2020-04-26T05:00:00Z"  # its newest report, not the clock
    assert "Kim Jong Un appeared in public in Sunchon" in feed.entries[1].content[0].value
    ids = [e.id for e in feed.entries]
    assert len(set(ids)) == 3
    before = (out / "feed.xml").read_bytes()
    assert _build(built / "feeds-2020-04-27.jsonl", "-d", "2020-04-27", "-o", out, "-f", "all").exit_code == 0
    assert (out / "feed.xml").read_bytes() == before
    assert "[feed.xml](feed.xml)" in (out / "index.md").read_text()
    assert 'type="application/atom+xml"' in (out / "index.html").read_text()


def test_the_feed_keeps_the_last_n_briefs_and_starts_again_from_the_pages(echo, utc, tmp_path):
    import feedparser

    out = tmp_path / "briefs"
    config = tmp_path / "c.toml"
    config.write_text("feed_entries = 2\n")
    _mornings(tmp_path, out, "--config", config)
    assert [e.link[-15:] for e in feedparser.parse(str(out / "feed.xml")).entries] == ["2020-04-27.html", "2020-04-26.html"]
    (out / "feed.xml").write_text("not xml")
    assert _build(tmp_path / "feeds-2020-04-27.jsonl", "-d", "2020-04-27", "-o", out, "-f", "all",
                  "--config", config).exit_code == 0
    feed = feedparser.parse(str(out / "feed.xml"))
    assert not feed.bozo and [e.link[-15:] for e in feed.entries] == ["2020-04-27.html", "2020-04-26.html"]


# -- mail -----------------------------------------------------------------------------------------------------------

class _SMTP(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: EHLO, MAIL, RCPT, DATA, QUIT; each message kept as bytes."""

    def handle(self) -> None:
        self.wfile.write(b"220 127.0.0.1 test SMTP\r\n")
        while line := self.rfile.readline():
            verb = line.strip().upper()[:4]
            if verb == b"EHLO":
                self.wfile.write(b"250-127.0.0.1\r\n250 8BITMIME\r\n")
            elif verb in (b"HELO", b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                self.wfile.write(b"250 OK\r\n")
            elif verb == b"DATA":
                self.wfile.write(b"354 go on\r\n")
                body = b""
                while (row := self.rfile.readline()) not in (b".\r\n", b""):
                    body += row[1:] if row.startswith(b"..") else row
                self.server.messages.append(body)  # type: ignore[attr-defined]
                self.wfile.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"502 not here\r\n")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTP)
    server.messages = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _mail_config(tmp_path: Path, port: int, starttls: bool = False) -> Path:
    config = tmp_path / "mail.toml"
    config.write_text(f'smtp_host = "127.0.0.1"\nsmtp_port = {port}\nsmtp_starttls = {str(starttls).lower()}\n'
                      'mail_from = "briefing@example.org"\n')
    return config


def test_the_brief_is_mailed_as_text_and_html(echo, utc, tmp_path, smtp_server):
    config = _mail_config(tmp_path, smtp_server.server_address[1])
    out = tmp_path / "briefs"
    r = _build(_write(tmp_path, date(2020, 4, 25), DAY_1), "-d", "2020-04-25", "-o", out, "--config", config,
               "--mail-to", "reader@example.org")
    assert r.exit_code == 0, r.output
    assert len(smtp_server.messages) == 1
    msg = email.message_from_bytes(smtp_server.messages[0], policy=email.policy.default)
    assert msg["To"] == "reader@example.org" and msg["From"] == "briefing@example.org"
    assert msg["Subject"] == "Briefing for Saturday, 25 April 2020: 2 stories"
    assert msg.get_content_type() == "multipart/alternative" and not msg.defects
    text, page = (msg.get_body(preferencelist=(kind,)) for kind in ("plain", "html"))
    assert "North Korean leader Kim Jong Un has not been seen in public since April 11." in text.get_content()
    assert text.get_content().startswith("# Briefing for Saturday")  # no front matter in the mail
    assert page.get_content().startswith("<!DOCTYPE html>") and "A bakery in Leeds sold 4,000 loaves." in page.get_content()


def test_a_refused_connection_keeps_the_brief_and_exits_8(echo, utc, tmp_path):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "briefs"
    r = _build(_write(tmp_path, date(2020, 4, 25), DAY_1), "-d", "2020-04-25", "-o", out,
               "--config", _mail_config(tmp_path, port), "--mail-to", "reader@example.org")
    assert r.exit_code == MailError.exit_code == 8
    line = r.stderr.strip()
    assert "\n" not in line and line.startswith(f"Error: Mailing the brief to reader@example.org through 127.0.0.1:{port} "
                                                "failed (") and "the files are written" in line
    assert (out / "2020-04-25.md").is_file() and (out / "2020-04-25.html").is_file()


def test_a_server_without_starttls_gets_no_brief(echo, utc, tmp_path, smtp_server):
    config = _mail_config(tmp_path, smtp_server.server_address[1], starttls=True)
    r = _build(_write(tmp_path, date(2020, 4, 25), DAY_1), "-d", "2020-04-25", "-o", tmp_path / "b",
               "--config", config, "--mail-to", "reader@example.org")
    assert r.exit_code == 8 and "does not offer STARTTLS" in r.stderr and smtp_server.messages == []


def test_a_login_without_its_password_stops_before_any_work(echo, utc, tmp_path):
    config = _mail_config(tmp_path, 25)
    config.write_text(config.read_text() + 'smtp_user = "me"\n')
    r = _build(_write(tmp_path, date(2020, 4, 25), DAY_1), "-d", "2020-04-25", "-o", tmp_path / "b",
               "--config", config, "--mail-to", "reader@example.org")
    assert r.exit_code == 2 and "$BRIEFING_SMTP_PASSWORD, which is not set" in r.stderr
    assert not (tmp_path / "b" / "2020-04-25.md").exists()


@pytest.mark.parametrize(("line", "message"), [
    ('mail_to = ["not an address"]', "mail_to 'not an address' is not an e-mail address"),
    ('smtp_password_env = "my password"', "smtp_password_env = 'my password' is not an environment variable's name"),
    ("developing_days = 400", "developing_days = 400 is out of range; use 0 to 60"),
    ("smtp_port = 0", "smtp_port = 0 is out of range; use 1 to 65,535"),
])
def test_mail_and_developing_settings_are_checked(line, message, echo, tmp_path):
    (tmp_path / "c.toml").write_text(line + "\n")
    r = _build(tmp_path, "--config", tmp_path / "c.toml")
    assert r.exit_code == 2 and message in r.stderr and r.stderr.count("\n") == 1


# -- what links a story to an earlier one: the rules a reader's check of the ten real mornings asked for ------------

def test_a_live_blogs_daily_issue_is_told_by_its_address_across_days_and_its_headline():
    from briefing.stories.developing import live_issues

    urls = [["https://www.nytimes.com/2020/04/29/business/stock-market-today-coronavirus.html"],
            ["https://www.nytimes.com/2020/04/30/business/stock-market-today-coronavirus.html"],
            ["https://www.nytimes.com/2020/04/30/us/politics/pence-mask.html"],
            ["https://www.nytimes.com/2020/05/01/us/politics/pence-mask.html"],
            ["https://paper.example/markets-live"]]
    heads = ["Stock Markets in Asia Rise: Live Updates", "Markets in Asia Rise After Wall Street Rally: Live Updates",
             "Pence Did Not Wear a Mask at the Mayo Clinic", "Pence wears a mask after all",  # a slug reused, no marker
             "Markets live"]  # a marker but no other day's issue
    assert live_issues(urls, heads).tolist() == [True, True, False, False, False]


def test_two_stories_sharing_one_persons_name_share_one_name():
    from briefing.stories.developing import one_name

    jordan_1 = ["Michael Jordan was offered $100M to appear at an event", "Michael Jordan turned it down."]
    jordan_2 = ["The billion-dollar move that Michael Jordan almost missed"]
    assert one_name({"michael", "jordan"}, jordan_1, jordan_2)  # two words written together in both: one name
    kim_1 = ["Kim Jong Un absent from anniversary", "South Korean officials in Seoul say Kim Jong Un is well."]
    kim_2 = ["Kim Jong Un appears in public", "Officials in Seoul say Kim Jong Un is alive."]
    assert not one_name({"kim", "jong", "un", "seoul"}, kim_1, kim_2)  # Kim Jong Un and Seoul: two
    assert not one_name({"michael", "jordan"}, ["Michael met Jordan"], ["Jordan and Michael"])  # never adjacent in both
