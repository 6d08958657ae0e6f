"""Since the last brief: what a build covers by default, and which reports earlier briefs already showed.

A brief for day D covers the reports published after the start of the day before the previous brief of the same
output folder (of the day before D when there is none; --since overrides) and before the end of D, less every
report an earlier brief of that folder showed (by content, and by web address). An undated report
counts from when it was first seen, and is never "after" D: a backfill reads past days today.

So a brief depends only on its inputs and on the briefs before its day: a rerun of D gives the same brief, and
a backfill of past days, day by day, gives the briefs their mornings gave. The lower bound reaches back to the
start of the previous brief's day (not to the moment it was built), so a report a feed carries only after that
brief was built is still new the next morning; what the previous brief did show is left out by the shown set.
It reaches one day further (LATE): feeds carry some reports a day or more after their publication time (on ten
real mornings, 21 reports published late on one day first appeared in the feeds two mornings later, and no brief
showed them); the shown set keeps that extra day from repeating anything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from ..documents import Article, Story
from ..errors import NoInputError
from ..store import State, content_key


@dataclass(frozen=True, slots=True)
class Window:
    """What a brief covers: published from `since` (aware) up to the end of its day (`until`), less what was shown;
    `previous`: the day of the previous brief of the folder, if any; `given`: since came from --since."""

    since: datetime
    until: datetime
    previous: date | None = None
    given: bool = False


def folder_key(out: Path) -> str:
    """An output folder as the state names it (the same folder however it was written on the command line)."""
    return str(Path(out).expanduser().resolve())


def start_of(day: date) -> datetime:
    """Midnight at the start of `day`, local time (aware)."""
    return datetime.combine(day, time.min).astimezone()


LATE = timedelta(days=1)  # how much earlier than the previous brief's day a report may be published and still be new


def window(state: State | None, out: Path, day: date, since: datetime | None = None) -> Window:
    """The window of the brief for `day` in folder `out`: from the start of the day before the previous brief's
    (LATE), or without one from the start of the day before `day`."""
    found = state.previous_brief(folder_key(out), day.isoformat()) if state is not None else None
    previous = date.fromisoformat(found) if found else None
    start = since if since is not None else start_of(previous - LATE if previous else day - timedelta(days=1))
    return Window(start, start_of(day + timedelta(days=1)), previous, since is not None)


def report_keys(article: Article, shared: frozenset[str] = frozenset(), shown: bool = False) -> tuple[str, ...]:
    """What identifies a report across days: its content; its web address unless `shared` holds it (several
    different items of one read link one page, as a feed that links every item to its home page does); and, for
    an item that is only a title, its source and title (a feed repeats yesterday's story under a short link).
    `shown`: the keys a brief that shows the report remembers (the title key for every titled report)."""
    keys = [f"h:{content_key(article)}"]
    if article.url and article.url not in shared:
        keys.append(f"u:{article.url}")
    if article.title and (shown or not article.text.strip()):
        keys.append(f"t:{article.source}|{' '.join(article.title.lower().split())}")
    return tuple(keys)


def shared_urls(articles: Sequence[Article]) -> frozenset[str]:
    """The web addresses that differently titled articles among these give."""
    titles: dict[str, set[str | None]] = {}
    for a in articles:
        if a.url:
            titles.setdefault(a.url, set()).add(a.title)
    return frozenset(u for u, t in titles.items() if len(t) > 1)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.astimezone()  # naive = local time


def select(state: State | None, out: Path, day: date, articles: Sequence[Article], win: Window,
           first_seen: Mapping[str, datetime], now: datetime | None = None) -> list[Article]:
    """The articles of the window not shown by an earlier brief of the folder (NoInputError when none is left)."""
    shared = shared_urls(articles)
    keys = [report_keys(a, shared) for a in articles]
    shown = state.shown_before(folder_key(out), day.isoformat(), [k for ks in keys for k in ks]) \
        if state is not None else {}
    now = now or datetime.now(UTC)
    kept: list[Article] = []
    repeats = 0
    for a, ks in zip(articles, keys, strict=True):
        if any(k in shown for k in ks):
            repeats += 1
            continue
        moment = _aware(a.published or first_seen.get(a.id) or now)
        if win.since <= moment and (a.published is None or moment < win.until):
            kept.append(a)
    if not kept:
        raise nothing_new(win, len(articles), repeats)
    return kept


def nothing_new(win: Window, read: int, repeats: int) -> NoInputError:
    """The one-line error of a build that finds nothing to say."""
    span = f"from {win.since:%Y-%m-%d %H:%M %Z} to {win.until:%Y-%m-%d %H:%M %Z}"
    shown = f" ({repeats} shown in an earlier brief)" if repeats else ""
    if win.given:
        return NoInputError(f"No articles {span} among {read} read{shown}; widen --since.")
    after = f"the brief of {win.previous.isoformat()}" if win.previous else "the day before"
    return NoInputError(f"Nothing new since {after}: no article {span} among {read} read{shown}; "
                        "give --since (e.g. --since 7d) to cover more.")


@dataclass(frozen=True, slots=True)
class Note:
    """What a brief says of one story beside its summary: its anchor, new or developing, since when it has run
    (first_seen, and `days`: 1 on its first day), and the earlier brief's story it continues (day, anchor, link)."""

    anchor: str
    status: str = "new"
    first_seen: date | None = None
    days: int = 1
    earlier_day: date | None = None
    earlier_anchor: str | None = None
    href: str | None = None

    def record(self) -> dict[str, Any]:
        """The JSON fields of a story's note."""
        earlier = ({"date": self.earlier_day.isoformat(), "anchor": self.earlier_anchor}
                   if self.earlier_day is not None else None)
        return {"anchor": self.anchor, "status": self.status,
                "first_seen": self.first_seen.isoformat() if self.first_seen else None, "day": self.days,
                "earlier": earlier}


def anchor_of(story: Story) -> str:
    """A story's anchor in its brief's page: from its lead report (web address and content), so it is the same
    on every rerun."""
    lead = story.lead
    return "s-" + hashlib.sha256(f"{lead.url or lead.id}|{content_key(lead)}".encode()).hexdigest()[:10]
