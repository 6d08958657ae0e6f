"""Inputs -> Articles: text, Markdown, HTML, RSS/Atom, JSON/JSONL, folders and stdin."""

from __future__ import annotations

import calendar
import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from .documents import Article
from .errors import IngestError, NoInputError
from .textsplit import RawArticle, is_truncated, make_article, split_articles, split_dateline

logger = logging.getLogger(__name__)

MAX_BYTES = 50 * 1024 * 1024  # a day's news is far smaller; larger inputs are a mistake
MIN_HTML_WORDS = 20  # less than this is a navigation page, not an article
TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown", ""}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
FEED_SUFFIXES = {".xml", ".rss", ".atom", ".feed"}
JSON_SUFFIXES = {".jsonl", ".ndjson", ".json"}
STDIN = "-"


def decode(data: bytes, name: str) -> str:
    """Bytes -> text, or an IngestError that names the input and the fix."""
    if not data.strip():
        raise IngestError(f"{name}: the input is empty; give a file with at least one article.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise IngestError(f"{name}: broken UTF-16 text; re-save it as UTF-8.") from None
    head = data[:8192]
    if b"\x00" in head or sum(b < 9 or 13 < b < 32 for b in head) > len(head) // 100 + 2:
        raise IngestError(
            f"{name}: a binary file, not text; give text, Markdown, HTML, RSS/Atom or JSONL."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise IngestError(
            f"{name}: not valid UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start}); "
            f"convert it first, e.g. iconv -f windows-1252 -t utf-8 {name} > fixed.txt"
        ) from None


def sniff(data: bytes, suffix: str) -> str:
    """The input's kind: text, html, feed or json."""
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in FEED_SUFFIXES:
        return "feed"
    if suffix in JSON_SUFFIXES:
        return "json"
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<?xml") or head.startswith(b"<rss") or head.startswith(b"<feed") or b"<rdf:rdf" in head:
        return "feed"
    if head.startswith((b"<!doctype html", b"<html")):
        return "html"
    if head.startswith((b"{", b"[")):
        return "json"
    return "text"


def _parse_date(value: object, where: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        logger.warning("%s: published %r is not an ISO 8601 date (e.g. 2026-02-05T08:00:00Z); ignored", where, value)
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def html_to_text(fragment: str) -> str:
    """An HTML fragment (a feed entry) -> plain paragraphs; scripts and styles dropped."""
    import lxml.html

    if "<" not in fragment:
        return fragment.strip()
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except Exception:  # lxml raises several types on junk markup
        return re.sub(r"<[^>]*>", " ", fragment).strip()
    for bad in root.xpath("//script|//style|//noscript|//iframe"):
        bad.drop_tree()
    for el in root.iter("p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr"):
        el.tail = "\n" + (el.tail or "")
    lines = (re.sub(r"\s+", " ", ln).strip() for ln in root.text_content().split("\n"))
    return "\n".join(ln for ln in lines if ln)


def _from_body(title: str | None, body: str) -> RawArticle | None:
    lines = [ln.strip() for ln in body.split("\n") if ln.strip()]
    if title and lines and lines[0] == title.strip():
        lines = lines[1:]
    return make_article(lines, title=title or None) if (lines or title) else None


def parse_html(data: bytes, name: str) -> list[Article]:
    import trafilatura

    doc = trafilatura.bare_extraction(data, with_metadata=True, include_comments=False)
    text = (doc.text or "") if doc else ""
    if len(text.split()) < MIN_HTML_WORDS:
        raise IngestError(f"{name}: no article text found in this HTML page; give the article's own page.")
    raw = _from_body(doc.title, text)
    published = _parse_date(doc.date, name) if doc.date else None
    source = doc.sitename or doc.hostname or name
    return [_article(raw, f"{Path(name).stem}", source, published=published, url=doc.url)]


def parse_feed(data: bytes, name: str) -> list[Article]:
    import feedparser

    feed = feedparser.parse(data)
    if not feed.entries:
        why = f" ({feed.bozo_exception})" if feed.bozo else ""
        raise IngestError(f"{name}: not a readable RSS/Atom feed{why}; check the file or its URL.")
    source = feed.feed.get("title") or name
    out = []
    for n, entry in enumerate(feed.entries, 1):
        body = entry.content[0].value if entry.get("content") else entry.get("summary", "")
        raw = _from_body(html_to_text(entry.get("title", "")) or None, html_to_text(body or ""))
        if raw is None:
            logger.warning("%s: entry %d has no title and no text; skipped", name, n)
            continue
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        published = datetime.fromtimestamp(calendar.timegm(stamp), timezone.utc) if stamp else None
        tags = entry.get("tags") or []
        out.append(
            _article(
                raw,
                str(entry.get("id") or entry.get("link") or f"{Path(name).stem}-{n}"),
                source,
                published=published,
                url=entry.get("link"),
                category=(tags[0].get("term") if tags else None),
            )
        )
    if not out:
        why = f" ({feed.bozo_exception})" if feed.bozo else ""
        raise IngestError(f"{name}: not a readable RSS/Atom feed{why}; its entries have no title or text.")
    return out


def parse_json(text: str, name: str) -> list[Article]:
    """JSONL (one object a line) or a JSON list of {id, title, text, source, published}."""
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            records = list(enumerate(json.loads(stripped), 1))
        except json.JSONDecodeError as e:
            raise IngestError(f"{name}: invalid JSON ({e}); fix the file or give it as JSONL.") from None
    else:
        records = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                records.append((n, json.loads(line)))
            except json.JSONDecodeError as e:
                logger.warning("%s: line %d is not valid JSON (%s); skipped", name, n, e.msg)
    out = []
    for n, rec in records:
        where = f"{name}: line {n}"
        if not isinstance(rec, dict) or not (str(rec.get("text") or "").strip() or rec.get("title")):
            logger.warning("%s has no \"text\" field; skipped", where)
            continue
        raw = _from_body(rec.get("title"), str(rec.get("text") or ""))
        out.append(
            _article(
                raw,
                str(rec.get("id") or f"{Path(name).stem}-{n}"),
                str(rec.get("source") or name),
                published=_parse_date(rec.get("published"), where),
                url=rec.get("url"),
                category=rec.get("category"),
            )
        )
    if not out:
        raise IngestError(f"{name}: no usable records; each line needs a JSON object with a \"text\" field.")
    return out


def _article(raw: RawArticle, id: str, source: str, **extra) -> Article:
    return Article(id=id, title=raw.title, text=raw.text, source=source, dateline=raw.dateline,
                   truncated=raw.truncated, **extra)


def parse_bytes(data: bytes, name: str, suffix: str = "") -> list[Article]:
    """One input's bytes -> its articles."""
    if len(data) > MAX_BYTES:
        raise IngestError(f"{name}: {len(data) // 2**20} MiB is too large (limit {MAX_BYTES // 2**20} MiB); split it.")
    kind = sniff(data, suffix.lower())
    if kind == "html":
        decode(data, name)  # the same checks for empty and binary input
        return parse_html(data, name)
    if kind == "feed":
        decode(data, name)
        return parse_feed(data, name)
    text = decode(data, name)
    if kind == "json":
        return parse_json(text, name)
    raws = split_articles(text)
    if not raws:
        raise IngestError(f"{name}: no article text found; give a file with at least one article.")
    stem = Path(name).stem if name != STDIN else "stdin"
    return [
        _article(raw, stem if len(raws) == 1 else f"{stem}-{n}", name)
        for n, raw in enumerate(raws, 1)
    ]


def _files(path: Path) -> Iterator[Path]:
    if path.is_dir():
        for p in sorted(path.rglob("*")):
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts):
                yield p
    else:
        yield path


def read_inputs(inputs: Iterable[str | Path], stdin: bytes | None = None) -> tuple[list[Article], list[str]]:
    """Read every input; return the articles and a one-line reason per input left out."""
    articles: list[Article] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for given in inputs:
        if str(given) == STDIN:
            sources = [(STDIN, None)]
        else:
            path = Path(given)
            if not path.exists():
                problems.append(f"{path}: no such file or folder; check the path.")
                continue
            sources = [(str(p), p) for p in _files(path)]
        for name, path in sources:
            try:
                if path is not None and path.stat().st_size > MAX_BYTES:  # don't read a huge file to reject it
                    raise IngestError(f"{name}: {path.stat().st_size // 2**20} MiB is too large "
                                      f"(limit {MAX_BYTES // 2**20} MiB); split it.")
                data = stdin if path is None else path.read_bytes()
                found = parse_bytes(data or b"", name, path.suffix if path else "")
            except IngestError as e:
                problems.append(str(e))
                continue
            except OSError as e:
                problems.append(f"{name}: cannot be read ({e.strerror}); check its permissions.")
                continue
            for art in found:
                n = seen.get(art.id, 0)
                seen[art.id] = n + 1
                articles.append(replace(art, id=f"{art.id}~{n + 1}") if n else art)
    return articles, problems


def require_articles(articles: list[Article], problems: list[str]) -> list[Article]:
    """The articles (each problem logged as a warning), or NoInputError when no input gave any."""
    if not articles and len(problems) <= 1:
        raise NoInputError(f"No usable articles: {problems[0] if problems else 'no inputs given'}")
    for p in problems:
        logger.warning("%s", p)
    if not articles:
        raise NoInputError(f"No usable articles in {len(problems)} inputs; see the warnings above.")
    return articles


__all__ = ["decode", "html_to_text", "is_truncated", "parse_bytes", "read_inputs", "require_articles", "split_dateline"]
