"""The briefs as an Atom feed, OUT/feed.xml: one entry per brief, newest first, the last `feed_entries` of them.

A build keeps the entries of the feed as it finds them (each brief as it was published) and puts in its own
day's, written together with the day's files (output.publish). A missing or unreadable feed starts again from
the folder's HTML briefs. The feed's id is a UUID made from the folder's path when the feed is first written and
read back from the feed after that (a folder moved to a web server keeps its ids); an entry's id is a UUID from
the feed's and the day. Times come from the briefs, never from the clock (an entry is updated at its newest
report's publication time), so a rerun of a day writes the same feed, byte for byte.
"""

from __future__ import annotations

import logging
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from ..documents import Briefing
from ..stories.history import folder_key, start_of

logger = logging.getLogger(__name__)
ATOM = "http://www.w3.org/2005/Atom"
_DAY_LINK = re.compile(r"^(\d{4}-\d{2}-\d{2})\.(html|md|json)(#.*)?$")
MAX_FEED_BYTES = 64 * 2**20  # a feed.xml larger than this is not ours: started again


@dataclass(frozen=True, slots=True)
class Entry:
    """One brief in the feed: its day, title, when it was last updated (RFC 3339), its page's HTML and file."""

    day: str
    title: str
    updated: str
    content: str
    link: str


def feed_uuid(out: Path) -> uuid.UUID:
    """The id of a folder's first feed."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"briefing:{folder_key(out)}")


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def title_of(day: date) -> str:
    return f"Briefing for {day:%A}, {day.day} {day:%B %Y}"


def updated_of(briefing: Briefing) -> str:
    """When a brief was last updated: its newest report's publication time (within its day), else its day's start."""
    start = start_of(briefing.day)
    end = start_of(date.fromordinal(briefing.day.toordinal() + 1))
    times = [p if p.tzinfo else p.astimezone() for s in briefing.all_stories for a in s.articles
             if (p := a.published) is not None]
    inside = [t for t in times if t < end]
    return _stamp(max(inside, default=start))


def entry_of(briefing: Briefing, page: str, link: str) -> Entry:
    from .render import page_body

    return Entry(briefing.day.isoformat(), title_of(briefing.day), updated_of(briefing), page_body(page), link)


def read_entries(path: Path) -> tuple[uuid.UUID, list[Entry]] | None:
    """The id and entries of a feed this program wrote, or None when there is none or it cannot be read as one."""
    try:
        if not path.is_file() or path.is_symlink() or path.stat().st_size > MAX_FEED_BYTES:
            return None
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError, ValueError):
        return None
    if root.tag != f"{{{ATOM}}}feed":
        return None
    try:
        found = uuid.UUID((root.findtext(f"{{{ATOM}}}id") or "").removeprefix("urn:uuid:"))
    except ValueError:
        return None
    out = []
    for e in root.findall(f"{{{ATOM}}}entry"):
        link = e.find(f"{{{ATOM}}}link")
        href = link.get("href", "") if link is not None else ""
        m = _DAY_LINK.match(href)
        title, updated, content = (e.findtext(f"{{{ATOM}}}{k}") for k in ("title", "updated", "content"))
        if m and title is not None and updated is not None and content is not None:
            out.append(Entry(m.group(1), title, updated, content, href))
    return found, out


def entries_on_disk(folder: Path) -> list[Entry]:
    """Entries for the HTML briefs in a folder (a feed started again): each updated at its day's start."""
    from .render import page_body

    out = []
    for p in sorted(folder.glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9].html")):
        try:
            day = date.fromisoformat(p.stem)
            body = page_body(p.read_text(encoding="utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            continue
        if body:
            out.append(Entry(p.stem, title_of(day), _stamp(start_of(day)), body, p.name))
    return out


def feed_text(out: Path, new: Entry, keep: int) -> str:
    """OUT/feed.xml with `new` in place of its day's entry: the last `keep` briefs, newest first."""
    found = read_entries(out / "feed.xml") or (feed_uuid(out), entries_on_disk(out))
    by_day: dict[str, Entry] = {e.day: e for e in found[1]}
    by_day[new.day] = new
    return to_xml(found[0], [by_day[d] for d in sorted(by_day, reverse=True)[:keep]])


def to_xml(feed_id: uuid.UUID, entries: list[Entry]) -> str:
    """The Atom document (RFC 4287) of these entries."""
    ET.register_namespace("", ATOM)

    def add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        el.text = text
        return el

    feed = ET.Element(f"{{{ATOM}}}feed")
    add(feed, "id", f"urn:uuid:{feed_id}")
    add(feed, "title", "Briefings")
    add(feed, "updated", max((e.updated for e in entries), default=_stamp(datetime(1970, 1, 1, tzinfo=UTC))))
    add(add(feed, "author"), "name", "briefing")
    add(feed, "generator", "briefing")
    add(feed, "link", rel="self", href="feed.xml")
    add(feed, "link", rel="alternate", type="text/html", href="index.html")
    for e in entries:
        entry = add(feed, "entry")
        add(entry, "id", f"urn:uuid:{uuid.uuid5(feed_id, e.day)}")
        add(entry, "title", e.title)
        add(entry, "updated", e.updated)
        add(entry, "link", rel="alternate", type="text/html" if e.link.endswith(".html") else "text/plain", href=e.link)
        add(entry, "content", e.content, type="html")
    ET.indent(feed)
    return ET.tostring(feed, encoding="unicode", xml_declaration=False).join(
        ['<?xml version="1.0" encoding="utf-8"?>\n', "\n"])


def link_for(day: date, formats: Mapping[str, str] | tuple[str, ...]) -> str:
    """The file an entry links: the day's HTML, else its Markdown, else its JSON."""
    ext = next(f for f in ("html", "md", "json") if f in formats)
    return f"{day.isoformat()}.{ext}"
