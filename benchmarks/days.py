"""Ten mornings of real feeds in order, with one state: what is new, what is developing, what repeats.

    python benchmarks/days.py                 # the mornings: per day stories, new, developing, repeats, time
    python benchmarks/days.py --backfill      # also a backfill of the same days (--date, real clock), compared
    python benchmarks/days.py --rerun         # also a rerun of the last morning, compared (idempotent)
    python benchmarks/days.py --sample 20     # for a hand check: 20 developing stories (with the earlier brief's
                                              # headline) and 20 new ones of days 2-10 (with the nearest earlier)

Each morning reads that day's snapshot of the feeds (../shared/realworld/days/YYYY-MM-DD/*.xml) and builds the
brief for that day, as a cron job would at that moment: the run's clock (`now`, which dates the reports first
seen then) is the snapshot's time (summary.csv, the latest outlet's commit time, plus 10 minutes). The backfill
builds the same days through the CLI with --date, today, into a fresh folder, state and cache; its briefs must
equal the mornings' byte for byte. "repeats" counts reports (web addresses) a brief shows that an earlier brief of the
folder showed, read from the JSON briefs themselves, not from the state.
"""

from __future__ import annotations

import argparse
import csv
import filecmp
import json
import logging
import os
import re
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DAYS = ROOT.parent / "shared" / "realworld" / "days"


def mornings(days: Path) -> list[tuple[date, list[Path], datetime]]:
    """Each day's feeds and the moment its cron run is taken to be (the snapshot's time + 10 min)."""
    commits: dict[str, list[datetime]] = {}
    summary = days / "summary.csv"
    if summary.is_file():
        for row in csv.DictReader(summary.open()):
            commits.setdefault(row["date"], []).append(datetime.fromisoformat(row["commit_time_utc"].replace("Z", "+00:00")))
    out = []
    for folder in sorted(p for p in days.iterdir() if p.is_dir() and re.fullmatch(r"\d{4}-\d{2}-\d{2}", p.name)):
        day = date.fromisoformat(folder.name)
        at = max(commits.get(folder.name, []), default=datetime(day.year, day.month, day.day, 6, 30, tzinfo=UTC))
        out.append((day, sorted(folder.glob("*.xml")), at + timedelta(minutes=10)))
    return out


def stories_of(data: dict) -> list[dict]:
    return [s for sec in data["sections"] for s in sec["stories"]] + data["more"]


def report_ids(story: dict) -> set[str]:
    return {a["url"] or f"{a['source']}|{a['title']}" for a in story["sources"]}


class Judged(logging.Handler):
    """What developing.follow() decided for each story: (status, score, headline, nearest earlier day, its headline)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.rows: list[tuple] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg.startswith("%s (%.2f)"):
            self.rows.append(record.args)


def sample(rows: list, n: int) -> list:
    """n rows spread evenly over all (every len/n-th): the same sample on every run."""
    step = max(len(rows) / n, 1.0) if rows else 1.0
    return [rows[int(k * step)] for k in range(min(n, len(rows)))]


def never_shown(days: Path, shown: set[str]) -> list[tuple[str, str, str]]:
    """The feed items of the days' snapshots, published within the days, that no brief showed: (published, link,
    title). Read with feedparser, apart from the product's reading, so a report the product drops is counted."""
    import feedparser

    from briefing.text.urls import safe_url

    folders = mornings(days)
    first = datetime.combine(folders[0][0] - timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    last = datetime.combine(folders[-1][0] + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    missed: dict[str, tuple[str, str, str]] = {}
    for _, feeds, _ in folders:
        for feed in feeds:
            for entry in feedparser.parse(str(feed)).entries:
                link, when = safe_url(entry.get("link") or ""), entry.get("published_parsed") or entry.get("updated_parsed")
                if not link or not when:
                    continue
                moment = datetime(*when[:6], tzinfo=UTC)
                if first <= moment < last and link not in shown:
                    missed.setdefault(link, (moment.isoformat(), link, entry.get("title", "")))
    return sorted(missed.values())


def run_mornings(days: Path, work: Path, show: int, dump: Path | None = None) -> list[dict]:
    from briefing.config import Settings
    from briefing.pipeline import build

    judged = Judged()
    log = logging.getLogger("briefing.stories.developing")
    log.addHandler(judged)
    log.setLevel(logging.DEBUG)
    new_rows: list[tuple] = []
    every: list[tuple] = []

    settings = Settings(out=work / "mornings", formats=("md", "html", "json"), cache_dir=work / "cache",
                        state_dir=work / "state")
    shown: set[str] = set()
    rows = []
    headlines: dict[tuple[str, str], str] = {}
    listed = []
    print(f"{'day':<11} {'read':>5} {'stories':>7} {'new':>4} {'developing':>10} {'repeats':>7} {'seconds':>7}")
    for day, feeds, now in mornings(days):
        t = time.perf_counter()
        judged.rows.clear()
        result = build(feeds, settings, day, now=now)
        new_rows += [(day.isoformat(), *r) for r in judged.rows if r[0] == "new"]
        every += [(day.isoformat(), *map(str, r)) for r in judged.rows]
        seconds = time.perf_counter() - t
        data = json.loads((settings.out / f"{day}.json").read_text())
        stories = stories_of(data)
        repeats = sum(len(report_ids(s) & shown) for s in stories)
        developing = [s for s in stories if s["status"] == "developing"]
        for s in stories:
            headlines[(data["date"], s["anchor"])] = s["headline"]
            shown |= report_ids(s)
        for s in developing:
            e = s["earlier"]
            listed.append((data["date"], s["headline"], e["date"], headlines.get((e["date"], e["anchor"]), "?"), s["day"]))
        row = {"day": data["date"], "read": result.briefing.articles, "stories": len(stories),
               "new": len(stories) - len(developing), "developing": len(developing), "repeats": repeats,
               "seconds": round(seconds, 1)}
        rows.append(row)
        print(f"{row['day']:<11} {row['read']:>5} {row['stories']:>7} {row['new']:>4} {row['developing']:>10} "
              f"{row['repeats']:>7} {row['seconds']:>7.1f}", flush=True)
    total = {k: sum(r[k] for r in rows) for k in ("stories", "new", "developing", "repeats")}
    print(f"{'all':<11} {'':>5} {total['stories']:>7} {total['new']:>4} {total['developing']:>10} {total['repeats']:>7}")
    missed = never_shown(days, shown)
    print(f"reports published within the days that no brief showed: {len(missed)}")
    for moment, link, title in missed[:10]:
        print(f"  {moment} {title[:80]} {link}")
    if dump:
        dump.write_text(json.dumps(every, indent=1, ensure_ascii=False))
    if show:
        print(f"\n{show} of the {len(listed)} developing stories (evenly spread): today's headline <- the earlier brief's")
        for k, (day, head, earlier, before, n) in enumerate(sample(listed, show), 1):
            print(f"  D{k:<2} {day} (day {n}) {head}\n        <- {earlier} {before}")
        print(f"\n{show} of the {len(new_rows)} new stories of days 2-10 (evenly spread), with the nearest earlier story")
        for k, (day, _, score, head, earlier, before) in enumerate(sample(new_rows, show), 1):
            print(f"  N{k:<2} {day} {head}\n        nearest ({score:.2f}): {earlier} {before}")
    return rows


def backfill(days: Path, work: Path) -> tuple[int, int]:
    """The same days through the CLI with --date (the real clock), in a fresh folder, state and cache (a backfill on
    another machine); (files equal, all)."""
    from typer.testing import CliRunner

    from briefing.apps.cli import app

    out = work / "backfill"
    env = {"BRIEFING_STATE_DIR": str(work / "state-backfill"), "BRIEFING_CACHE_DIR": str(work / "cache-backfill")}
    runner = CliRunner()
    same = total = 0
    for day, feeds, _ in mornings(days):
        r = runner.invoke(app, ["build", *map(str, feeds), "--date", day.isoformat(), "-o", str(out), "-f", "all", "-q"],
                          env=env)
        if r.exit_code not in (0, 5):
            print(f"backfill {day}: exit {r.exit_code}: {r.output.strip()}")
        for ext in ("md", "html", "json"):
            total += 1
            equal = filecmp.cmp(out / f"{day}.{ext}", work / "mornings" / f"{day}.{ext}", shallow=False)
            same += equal
            if not equal:
                print(f"backfill differs: {day}.{ext}")
    ids = re.compile(r"urn:uuid:[0-9a-f-]+")  # the feed's ids name its folder: compared without them
    a, b = ((f / "feed.xml").read_text() for f in (out, work / "mornings"))
    total += 1
    same += ids.sub("", a) == ids.sub("", b)
    return same, total


def rerun(days: Path, work: Path) -> bool:
    """The last morning built again (same inputs, same moment): does any file of the folder change?"""
    from briefing.config import Settings
    from briefing.pipeline import build

    folder = work / "mornings"
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")}
    day, feeds, now = mornings(days)[-1]
    settings = Settings(out=folder, formats=("md", "html", "json"), cache_dir=work / "cache", state_dir=work / "state")
    build(feeds, settings, day, now=now)
    after = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")}
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    print(f"rerun of {day}: {'nothing changed' if not changed else 'changed: ' + ', '.join(changed)} "
          f"({len(after)} files compared)")
    return not changed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--days", type=Path, default=DAYS, help="folders of YYYY-MM-DD/*.xml")
    ap.add_argument("--work", type=Path, help="where the briefs, state and cache go [default: a temp folder]")
    ap.add_argument("--backfill", action="store_true", help="also backfill the days with --date and compare")
    ap.add_argument("--rerun", action="store_true", help="also rerun the last morning and compare")
    ap.add_argument("--judged", type=Path, help="write every story's decision (status, score, nearest) to this JSON")
    ap.add_argument("--sample", type=int, default=0, metavar="N", help="list N developing and N new stories")
    args = ap.parse_args()
    os.environ["TZ"] = "UTC"  # the snapshots' days are UTC days
    time.tzset()
    os.environ.setdefault("BRIEFING_MODELS_DIR", str(ROOT / "models"))
    work = args.work or Path(tempfile.mkdtemp(prefix="briefing-days-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"work folder: {work}")
    run_mornings(args.days, work, args.sample, args.judged)
    if args.rerun:
        rerun(args.days, work)
    if args.backfill:
        same, total = backfill(args.days, work)
        print(f"backfill: {same} of {total} files byte-identical to the mornings' (feed.xml without its ids)")


if __name__ == "__main__":
    main()
