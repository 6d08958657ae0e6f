"""Inputs -> Articles: text, Markdown, HTML, RSS/Atom, JSON/JSONL, folders and stdin."""

from __future__ import annotations

import calendar
import json
import logging
import os
import re
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..contain import LeftOut, attempt
from ..documents import Article
from ..errors import IngestError, NoInputError
from ..progress import ProgressFactory, track
from ..text.language import language
from ..text.rules import word_count
from .encoding import declared_encoding, decode  # noqa: F401  (part of this module's interface)
from .feedtext import entry_text, html_to_text, media_texts, squash
from .plaintext import RawArticle, is_truncated, make_article, split_articles, split_dateline
from .publisher import feed_publisher, publisher

logger = logging.getLogger(__name__)

MAX_BYTES = 50 * 1024 * 1024  # a day's news is far smaller; larger inputs are a mistake
MIN_HTML_WORDS = 20  # less than this is a navigation page, not an article
TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown", ""}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
FEED_SUFFIXES = {".xml", ".rss", ".atom", ".feed"}
JSON_SUFFIXES = {".jsonl", ".ndjson", ".json"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
STDIN = "-"


def sniff(data: bytes, suffix: str) -> str:
    """The input's kind: text, html, feed, json or parquet."""
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in FEED_SUFFIXES:
        return "feed"
    if suffix in JSON_SUFFIXES:
        return "json"
    if suffix in PARQUET_SUFFIXES or data[:4] == b"PAR1":
        return "parquet"
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
        dt = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except (ValueError, TypeError):
        logger.warning("%s: published %r is not an ISO 8601 date (e.g. 2026-02-05T08:00:00Z); ignored", where, value)
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _from_body(title: str | None, body: str, kind: str = "text") -> RawArticle | None:
    lines = [ln.strip() for ln in body.split("\n") if ln.strip()]
    if title and lines and lines[0] == title.strip():
        lines = lines[1:]
    return make_article(lines, title=title or None, kind=kind) if (lines or title) else None


def parse_html(data: bytes | str, name: str, url: str | None = None) -> list[Article]:
    doc = _extract(data, name, url)
    text = (doc.text or "") if doc is not None and not isinstance(doc, dict) else ""
    if doc is None or isinstance(doc, dict) or word_count(text) < MIN_HTML_WORDS:
        raise IngestError(f"{name}: no article text found in this HTML page; give the article's own page.")
    raw = _from_body(doc.title, _without_standfirst(text, doc.title, doc.description), kind="page")
    if raw is None or not raw.text:
        raise IngestError(f"{name}: no article text found in this HTML page; give the article's own page.")
    published = _parse_date(doc.date, name) if doc.date else None
    page_url = doc.url or url
    source = publisher(doc.sitename, page_url) or Path(name).name
    return [_article(raw, f"{Path(name).stem}", source, published=published, url=page_url)]


_PAGE_START = re.compile(r"<!doctype\s+html|<html[\s>]", re.I)


def _extract(data: bytes | str, name: str, url: str | None):
    """trafilatura's reading of a page. When it fails on the bytes (junk before the page's <html>: an lxml
    AssertionError deep in the date finder), it reads the page from its <html> on; IngestError if that fails too."""
    import trafilatura

    for attempt_no in range(2):
        try:
            with warnings.catch_warnings():  # dateutil's UnknownTimezoneWarning is the page's problem, not the reader's
                warnings.simplefilter("ignore")
                return trafilatura.bare_extraction(data, url=url, with_metadata=True, include_comments=False)
        except Exception as e:  # noqa: BLE001 - trafilatura and lxml raise many kinds on junk markup
            logger.debug("%s: the extractor failed (%r)", name, e, exc_info=True)
            text = data if isinstance(data, str) else data.decode("utf-8", "replace")
            m = _PAGE_START.search(text, 1)
            if attempt_no or m is None:
                raise IngestError(f"{name}: this HTML page could not be read ({type(e).__name__}); save the page "
                                  "again or give its text.") from None
            data = text[m.start():]
    return None


def _without_standfirst(text: str, title: str | None, description: str | None) -> str:
    """The page's text less its standfirst: the page description (og:description) standing as a paragraph
    right under the title, or repeated before the body that says it again. It is the publisher's own teaser,
    not the story's text, and a summary built on it would repeat the headline."""
    lines = [re.sub(r"^(?:[|•·]\s*)+", "", ln.strip()) for ln in text.split("\n")]
    lines = [ln for ln in lines if ln]
    squashed_title = squash(title or "")
    at = 0
    if lines and squashed_title:
        first = squash(lines[0])
        if first and (first == squashed_title or (len(first) > 15 and first in squashed_title)):
            at = 1  # the page's own heading ("Is Football Violence a Crime?" under "Opinion | Is ...")
        elif title and lines[0].startswith(title.strip()) and len(lines[0]) > len(title.strip()) + 20:
            lines[0] = lines[0][len(title.strip()):].strip()  # the heading run into the first paragraph
    desc = squash((description or "").rstrip(" .…"))[:120]
    if at >= len(lines) or len(desc) < 40:
        return "\n".join(lines)
    first = squash(lines[at])
    if not (first.startswith(desc) or desc.startswith(first[:120])):
        return "\n".join(lines)
    words = set(first.split())
    later = any(len(words & set(squash(ln).split())) >= 0.7 * len(words) for ln in lines[at + 1 :])
    if at == 1 or later:
        return "\n".join(lines[:at] + lines[at + 1 :])
    return "\n".join(lines)


def parse_feed(data: bytes, name: str, ledger: LeftOut | None = None) -> list[Article]:
    feed = _feedparser(data, name)
    if not feed.entries:
        why = f" ({feed.bozo_exception})" if feed.bozo else ""
        raise IngestError(f"{name}: not a readable RSS/Atom feed{why}; check the file or its URL.")
    channel = feed.feed
    source = feed_publisher(_text_of(channel.get("title")), _text_of(channel.get("link"))) or Path(name).name
    media = media_texts(data)
    out = []
    for n, entry in enumerate(feed.entries, 1):
        article = attempt(ledger, f"{name}: entry {n}", _entry_article, entry, n, name, source, media)
        if article is not None:
            out.append(article)
    if not out:
        why = f" ({feed.bozo_exception})" if feed.bozo else ""
        raise IngestError(f"{name}: not a readable RSS/Atom feed{why}; its entries have no title or text.")
    return out


def _feedparser(data: bytes, name: str):
    """feedparser's reading of the bytes; if it fails on them (a garbled encoding declaration: UnicodeDecodeError
    deep inside), its reading of the text as decode() reads it; IngestError when neither works."""
    import feedparser

    try:
        return feedparser.parse(data)
    except Exception:  # noqa: BLE001 - feedparser raises several kinds on garbled bytes
        logger.debug("%s: feedparser failed on the bytes; trying the decoded text", name, exc_info=True)
    text = re.sub(r"^\s*<\?xml[^>]{0,500}\?>", "", decode(data, name))  # its declaration was the trouble
    try:
        return feedparser.parse(text)
    except Exception as e:  # noqa: BLE001
        raise IngestError(f"{name}: not a readable RSS/Atom feed ({type(e).__name__}); check the file or its URL.") \
            from None


def _entry_article(entry, n: int, name: str, source: str, media: set[str]) -> Article | None:
    """One feed entry's article (None, with a warning, when it has neither title nor text)."""
    raw = _from_body(html_to_text(_text_of(entry.get("title"))) or None, entry_text(entry, media), kind="feed")
    if raw is None:
        logger.warning("%s: entry %d has no title and no text; skipped", name, n)
        return None
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    published = _from_struct(stamp)
    tags = entry.get("tags") or []
    category = tags[0].get("term") if tags and isinstance(tags[0], dict) else None
    link = _text_of(entry.get("link")) or None
    return _article(raw, _text_of(entry.get("id")) or link or f"{Path(name).stem}-{n}", source,
                    published=published, url=link, category=category)


def _text_of(value: object) -> str:
    """A feed field as text: feedparser gives str, but a hostile feed can make it anything."""
    return value if isinstance(value, str) else ""


def _from_struct(stamp: object) -> datetime | None:
    """A feedparser time tuple as an aware datetime; None when it is missing or out of range."""
    try:
        return datetime.fromtimestamp(calendar.timegm(stamp), UTC) if stamp else None  # type: ignore[arg-type]
    except (OverflowError, ValueError, TypeError, OSError):
        return None


def parse_json(text: str, name: str, ledger: LeftOut | None = None) -> list[Article]:
    """JSONL (one object a line) or a JSON list of {id, title, text, source, published}."""
    stripped = text.lstrip()
    document = None
    if stripped.startswith("[") or (stripped.startswith("{") and not _is_jsonl(stripped)):
        try:
            document = json.loads(stripped)  # a JSON document (a list, or one pretty-printed object)
        except json.JSONDecodeError as e:
            raise IngestError(f"{name}: invalid JSON ({e}); fix the file or give it as JSONL.") from None
        except RecursionError:
            raise IngestError(f"{name}: JSON nested too deeply to be articles; give a list of article objects.") \
                from None
    if document is not None:
        if isinstance(document, dict):  # {"articles": [...]}, {"items": [...]} or one article
            keys = ("articles", "items", "entries", "data")
            listed = next((document[k] for k in keys if isinstance(document.get(k), list)), None)
            document = listed if listed is not None else [document]
        if not isinstance(document, list):
            raise IngestError(f"{name}: JSON must be a list of articles or one article object; "
                              f"got {type(document).__name__}.")
        records = list(enumerate(document, 1))
    else:
        records = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                records.append((n, json.loads(line)))
            except json.JSONDecodeError as e:
                logger.warning("%s: line %d is not valid JSON (%s); skipped", name, n, e.msg)
            except RecursionError:
                logger.warning("%s: line %d nests too deeply to be an article; skipped", name, n)
    out = _from_records(records, name, ledger=ledger)
    if not out:
        raise IngestError(f"{name}: no usable records; each line needs a JSON object with a \"text\" field.")
    return out


def parse_parquet(data: bytes, name: str) -> list[Article]:
    """A Parquet table with the JSONL fields as columns (id, title, text, source, url, published, category)."""
    import io

    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise IngestError(f"{name}: reading Parquet needs pyarrow: pip install pyarrow (or 'offline-briefing[ray]').") from None
    try:
        rows = pq.read_table(io.BytesIO(data)).to_pylist()
    except Exception as e:  # noqa: BLE001 - pyarrow raises several kinds for a damaged file
        raise IngestError(f"{name}: not a readable Parquet file ({type(e).__name__}); check the file.") from None
    out = _from_records(list(enumerate(rows, 1)), name, "row")
    if not out:
        raise IngestError(f"{name}: no usable rows; the table needs a \"text\" column.")
    return out


def _from_records(records: list[tuple[int, Any]], name: str, unit: str = "line",
                  ledger: LeftOut | None = None) -> list[Article]:
    """Articles from JSON-like records ({id, title, text, source, url, published, category}); records without
    text or title are skipped with a warning, and a record that fails otherwise is left out (ledger)."""
    out = []
    for n, rec in records:
        article = attempt(ledger, f"{name}: {unit} {n}", _record_article, rec, n, name, unit)
        if article is not None:
            out.append(article)
    return out


def _record_article(rec: Any, n: int, name: str, unit: str) -> Article | None:
    where = f"{name}: {unit} {n}"
    if not isinstance(rec, dict) or not (_field(rec, "text") or _field(rec, "title")):
        logger.warning("%s has no \"text\" field; skipped", where)
        return None
    raw = _from_body(_field(rec, "title"), _field(rec, "text") or "")
    if raw is None:
        logger.warning("%s has no usable text or title; skipped", where)
        return None
    return _article(
        raw,
        _field(rec, "id") or f"{Path(name).stem}-{n}",
        _field(rec, "source") or publisher(None, _field(rec, "url")) or Path(name).name,
        published=_parse_date(_field(rec, "published"), where),
        url=_field(rec, "url"),
        category=_field(rec, "category"),
    )


def _is_jsonl(text: str) -> bool:
    """Does the text start with a complete JSON object on its first line (JSONL)?"""
    first = text.split("\n", 1)[0]
    try:
        return isinstance(json.loads(first), dict)
    except (json.JSONDecodeError, RecursionError):
        return False


def _field(rec: dict, key: str) -> str | None:
    """A record's field as text: numbers become text, lists and objects are ignored."""
    value = rec.get(key)
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value).strip() or None


def _article(raw: RawArticle, id: str, source: str, **extra) -> Article:
    return Article(id=id, title=raw.title, text=raw.text, source=source, dateline=raw.dateline,
                   truncated=raw.truncated, language=language(f"{raw.title or ''}\n{raw.text}"), **extra)


def parse_bytes(data: bytes, name: str, suffix: str = "", declared: str | None = None,
                url: str | None = None, ledger: LeftOut | None = None) -> list[Article]:
    """One input's bytes -> its articles (declared: the charset an HTTP server gave). An entry or line that
    fails is left out (written to `ledger`, else logged); IngestError when the input as a whole cannot be read."""
    if len(data) > MAX_BYTES:
        raise IngestError(f"{name}: {len(data) // 2**20} MiB is too large (limit {MAX_BYTES // 2**20} MiB); split it.")
    kind = sniff(data, suffix.lower())
    if kind == "parquet":
        return parse_parquet(data, name)
    if kind == "html":
        return parse_html(decode(data, name, declared), name, url)  # decoded with its declared charset
    if kind == "feed":
        decode(data, name, declared)  # the same checks for empty and binary input
        return parse_feed(data, name, ledger)  # feedparser honours the XML declaration itself
    text = decode(data, name, declared)
    if kind == "json":
        return parse_json(text, name, ledger)
    raws = split_articles(text)
    if not raws:
        raise IngestError(f"{name}: no article text found; give a file with at least one article.")
    stem = Path(name).stem if name != STDIN else "stdin"
    return [
        _article(raw, stem if len(raws) == 1 else f"{stem}-{n}", Path(name).name if name != STDIN else "stdin")
        for n, raw in enumerate(raws, 1)
    ]


# Files in a news folder that are notes about it, not news.
NOT_NEWS = re.compile(r"^(?:readme|license|licence|copying|provenance|changelog|changes|notice|authors|contributing)"
                      r"(?:\.[\w.]+)?$", re.I)


def _files(path: Path, problems: list[str] | None = None) -> Iterator[Path]:
    """The files below a folder (hidden ones and folder notes skipped), or the path itself; a folder that
    cannot be read is named in `problems`, never skipped silently."""
    if not path.is_dir():
        yield path
        return

    def unreadable(e: OSError) -> None:
        if problems is not None:
            problems.append(f"{e.filename}: folder cannot be read ({e.strerror}); check its permissions.")

    found = []
    for folder, dirs, files in os.walk(path, onerror=unreadable):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            p = Path(folder) / name
            if name.startswith("."):
                continue
            if not p.is_file():  # a FIFO would block the read, a device never end, a broken link fail
                if problems is not None:
                    problems.append(f"{shown(p)}: not a regular file (a pipe, a device or a broken link); skipped.")
                continue
            if NOT_NEWS.match(name):
                logger.info("%s: skipped (a note about the folder, not news)", p)
                continue
            found.append(p)
    yield from sorted(found)


Source = tuple[str, Path | None]  # (the name shown in messages, the file; None for stdin)


def list_sources(inputs: Iterable[str | Path], problems: list[str]) -> list[Source]:
    """The files the inputs name (folders expanded, in order); each input that cannot be listed is named in
    `problems`."""
    sources: list[Source] = []
    for given in inputs:
        if str(given) == STDIN:
            sources.append((STDIN, None))
            continue
        folder = Path(given)
        if not folder.exists():
            problems.append(f"{shown(folder)}: no such file or folder; check the path.")
            continue
        sources += [(shown(p), p) for p in _files(folder, problems)]
    return sources


def read_source(name: str, path: Path | None, stdin: bytes | None = None,
                ledger: LeftOut | None = None) -> list[Article]:
    """One file's (or stdin's) articles; IngestError, naming the input, when it cannot be read."""
    try:
        if path is not None and not path.is_file():  # a FIFO blocks, a device never ends
            raise IngestError(f"{name}: not a regular file (a pipe or a device); save it to a file or give it as -.")
        if path is not None and path.stat().st_size > MAX_BYTES:  # don't read a huge file to reject it
            raise IngestError(f"{name}: {path.stat().st_size // 2**20} MiB is too large "
                              f"(limit {MAX_BYTES // 2**20} MiB); split it.")
        data = stdin if path is None else _read_limited(path)
    except OSError as e:
        raise IngestError(f"{name}: cannot be read ({e.strerror}); check its permissions.") from None
    return parse_bytes(data or b"", name, path.suffix if path else "", ledger=ledger)


def unique_ids(found: Iterable[list[Article]]) -> list[Article]:
    """The articles of every source in order, a repeated id made unique (a~2, a~3, ...)."""
    seen: dict[str, int] = {}
    articles: list[Article] = []
    for arts in found:
        for art in arts:
            n = seen.get(art.id, 0)
            seen[art.id] = n + 1
            articles.append(replace(art, id=f"{art.id}~{n + 1}") if n else art)
    return articles


def read_inputs(inputs: Iterable[str | Path], stdin: bytes | None = None,
                progress: ProgressFactory | None = None) -> tuple[list[Article], list[str]]:
    """Read every input; return the articles and a one-line reason per input (or entry) left out. One input that
    fails in any way, expected or not, costs only itself (contain.attempt)."""
    ledger = LeftOut(log=False)  # require_articles says them
    problems: list[str] = []
    found: list[list[Article]] = []
    sources = list_sources(inputs, problems)
    with track(progress, "reading", len(sources)) as advance:
        for name, path in sources:
            got = attempt(ledger, name, read_source, name, path, stdin, ledger)
            if got is not None:
                found.append(got)
            advance(1)
    return unique_ids(found), problems + ledger.lines


def shown(path: Path | str) -> str:
    """A path as one printable line: a newline or escape code in a file name cannot forge a log line."""
    text = str(path)
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


def _read_limited(path: Path) -> bytes:
    """A file's bytes, never more than MAX_BYTES (it may grow between the size check and the read)."""
    with path.open("rb") as f:
        data = f.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise IngestError(f"{path}: over {MAX_BYTES // 2**20} MiB; split it.")
    return data


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
