"""One input's bytes -> its articles, by kind (sniffed from the content, else the suffix): plain text and Markdown
(plaintext.py), web pages (html.py), feeds (feeds.py), JSON and JSONL, Parquet."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..contain import LeftOut, attempt
from ..documents import Article
from ..errors import IngestError
from .build import article_of, from_body, parse_date
from .encoding import decode
from .feeds import parse_feed
from .html import parse_html
from .plaintext import split_articles
from .publisher import publisher, wire_agency

logger = logging.getLogger(__name__)


MAX_BYTES = 50 * 1024 * 1024  # a day's news is far smaller; larger inputs are a mistake




HTML_SUFFIXES = {".html", ".htm", ".xhtml"}


FEED_SUFFIXES = {".xml", ".rss", ".atom", ".feed"}


JSON_SUFFIXES = {".jsonl", ".ndjson", ".json"}


PARQUET_SUFFIXES = {".parquet", ".pq"}


STDIN = "-"


SNIFF_BYTES = 65536  # a page's <html> or <head> stands well before this, whatever junk precedes it
_COMMENT = re.compile(rb"<!--.*?(?:-->|$)", re.S)
_DECL = re.compile(rb"<\?[^>]{0,500}\?>|<!doctype(?!\s+html)[^>]{0,500}>", re.I)
_FEED_ROOT = re.compile(rb"<(?:rss|feed|rdf:rdf)[\s>]", re.I)
_PAGE = re.compile(rb"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]", re.I)
_TAG = re.compile(rb"</?([a-z][a-z0-9]{0,10})(?:\s[^<>]{0,2000})?/?>", re.I)
_CODE = re.compile(rb"<(script|style)[\s>].*?(?:</\1\s*>|$)", re.I | re.S)
_PAGE_PARTS = frozenset({b"head", b"body", b"title", b"meta", b"link", b"script", b"style", b"div", b"p", b"a",
                         b"span"})
_BLOCKS = frozenset({b"p", b"div", b"br", b"article", b"section", b"h1", b"h2", b"h3", b"h4", b"li", b"table",
                     b"blockquote", b"figure", b"ul", b"ol"})
MARKUP_SHARE = 0.2  # a fragment this much of which is tags is markup, not prose that mentions a tag
MIN_TAGS = 8


def _tags(head: bytes) -> list[bytes]:
    return [m.lower() for m in _TAG.findall(head)]


def _page(bare: bytes) -> bool:
    """A whole page: an <html>, <head> or <body> tag or an HTML doctype anywhere (after any junk), and the parts
    of a page around it (head, meta, title, script, div, p: three kinds at least)."""
    if re.match(rb"<!doctype\s+html|<html[\s>]", bare, re.I):
        return True  # it starts as a page does (after comments, declarations and whitespace)
    if not _PAGE.search(bare):
        return False
    tags = _tags(_CODE.sub(b"<script>", bare))
    return len(tags) >= MIN_TAGS and len(_PAGE_PARTS.intersection(tags)) >= 3


def _fragment(bare: bytes) -> bool:
    """An article's paragraphs pasted as markup: block tags, and tags a fifth of the text (scripts and styles left
    out), so prose that mentions "<p>" is not one."""
    text = _CODE.sub(b"", bare).strip()
    spans = [m.group() for m in _TAG.finditer(text)]
    blocks = sum(1 for t in _tags(text) if t in _BLOCKS)
    return len(spans) >= MIN_TAGS and blocks >= 4 and sum(map(len, spans)) >= MARKUP_SHARE * len(text)


def sniff(data: bytes, suffix: str) -> str:
    """The input's kind: text, html, feed, json or parquet. A suffix that names a kind decides; else the content
    does: a feed's root element, a page's <html>/<head>/<body> or doctype anywhere in the first 64 KiB (after
    comments and junk), or text that is mostly tags; JSON by its first character."""
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in FEED_SUFFIXES:
        return "feed"
    if suffix in JSON_SUFFIXES:
        return "json"
    if suffix in PARQUET_SUFFIXES or data[:4] == b"PAR1":
        return "parquet"
    head = data[:SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"{", b"[")):
        return "json"
    if b"\x00" in head[:200]:  # UTF-16: judged on its ASCII bytes
        head = head.replace(b"\x00", b"")
    bare = _DECL.sub(b"", _COMMENT.sub(b"", head)).lstrip()
    if _FEED_ROOT.match(bare) or (head[:5].lower() == b"<?xml" and not _PAGE.search(bare[:4096])):
        return "feed"  # an XML document that is not XHTML: feedparser judges it
    if _page(bare) or _fragment(bare):
        return "html"  # a page (whatever precedes its <html>), or an article's paragraphs as markup
    return "text"


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
    raw = from_body(_field(rec, "title"), _field(rec, "text") or "")
    if raw is None:
        logger.warning("%s has no usable text or title; skipped", where)
        return None
    return article_of(
        raw,
        _field(rec, "id") or f"{Path(name).stem}-{n}",
        _field(rec, "source") or publisher(None, _field(rec, "url")) or wire_agency(raw.dateline) or "",
        published=parse_date(_field(rec, "published"), where),
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
        # feedparser honours the XML declaration itself; a feed that names no publisher has none, not its file name
        return [a if a.source != Path(name).name else replace(a, source="")
                for a in parse_feed(data, name, ledger)]
    text = decode(data, name, declared)
    if kind == "json":
        return parse_json(text, name, ledger)
    raws = split_articles(text)
    if not raws:
        raise IngestError(f"{name}: no article text found; give a file with at least one article.")
    stem = Path(name).stem if name != STDIN else "stdin"
    return [_wire_source(article_of(raw, stem if len(raws) == 1 else f"{stem}-{n}", ""))
            for n, raw in enumerate(raws, 1)]


def _wire_source(article: Article) -> Article:
    """A text names its outlet only through a wire-service dateline ("(CNN)" -> "CNN", and then "(CNN)" is no
    place); else it has none (render shows no "Source:"), never its file name."""
    wire = wire_agency(article.dateline)
    if not wire:
        return article
    return replace(article, source=wire,
                   dateline=None if article.dateline and article.dateline.startswith("(") else article.dateline)
