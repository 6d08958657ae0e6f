"""SQLite cache and state: summaries already made, feeds' validators, articles seen before.

- cache.db (platformdirs user cache dir, or `cache_dir`): summaries keyed by a hash of the
  article's content, the model and the settings that shape a summary; sentence vectors keyed
  by the encoder and the text; articles' sentence splits. Entries unused for KEEP_DAYS are
  dropped when it opens, so a daily cron job does not grow it without end. Safe to delete.
- state.db (platformdirs user state dir, or `state_dir`): per feed URL its ETag,
  Last-Modified and last body (for conditional GET), and when each article (by id, URL and
  content fingerprint) was first seen (for `--since` on undated articles); per output folder, its
  briefs (which day, from when), the reports each showed (by URL and content fingerprint) and what
  it said of each story (for "since the last brief" and developing stories: stories/history.py).

Every write is a transaction; SQLite's journal keeps a killed run from corrupting the files.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .documents import Article, Sentence, Summary
from .errors import ConfigError

logger = logging.getLogger(__name__)

KEEP_DAYS = 30
CACHE_VERSION = 2  # older cache files are emptied, not migrated: they hold nothing that cannot be remade

SCHEMA = {
    "cache": """
        CREATE TABLE IF NOT EXISTS summaries (key TEXT PRIMARY KEY, summary TEXT NOT NULL, used REAL NOT NULL);
        CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL, used REAL NOT NULL);
        CREATE TABLE IF NOT EXISTS splits (key TEXT PRIMARY KEY, sentences TEXT NOT NULL, used REAL NOT NULL);
        CREATE TABLE IF NOT EXISTS groups (key TEXT PRIMARY KEY, result TEXT NOT NULL, used REAL NOT NULL);
        CREATE INDEX IF NOT EXISTS summaries_used ON summaries (used);
        CREATE INDEX IF NOT EXISTS vectors_used ON vectors (used);
        CREATE INDEX IF NOT EXISTS splits_used ON splits (used);
    """,
    "state": """
        CREATE TABLE IF NOT EXISTS feeds (url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, body BLOB, fetched REAL);
        CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY, first_seen REAL NOT NULL);
        CREATE TABLE IF NOT EXISTS briefs (out TEXT NOT NULL, day TEXT NOT NULL, since REAL, stories INTEGER,
                                           PRIMARY KEY (out, day));
        CREATE TABLE IF NOT EXISTS shown (out TEXT NOT NULL, key TEXT NOT NULL, day TEXT NOT NULL, anchor TEXT,
                                          PRIMARY KEY (out, key, day));
        CREATE INDEX IF NOT EXISTS shown_day ON shown (out, day);
        CREATE TABLE IF NOT EXISTS stories (out TEXT NOT NULL, day TEXT NOT NULL, anchor TEXT NOT NULL,
                                            position INTEGER NOT NULL, record TEXT NOT NULL, vectors BLOB,
                                            encoder TEXT, PRIMARY KEY (out, day, anchor));
    """,
}


def _tolerant(default=None):
    """A cache or state operation that fails mid-run (disk full, a damaged page, a lock) is logged once and
    skipped: the run goes on as if that entry were not there."""
    def deco(method):
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except sqlite3.Error as e:
                if not getattr(self, "_failed", False):
                    logger.warning("%s: %s failed (%s); going on without it", self.path, method.__name__, e)
                    self._failed = True
                return default() if callable(default) else default
        wrapper.__name__ = method.__name__
        wrapper.__doc__ = method.__doc__
        return wrapper
    return deco


LOCK_WAIT = 10  # seconds to wait for another process's write before going on without the database


def _connect(path: Path, kind: str) -> sqlite3.Connection:
    """Open (creating) a database. A damaged file (truncated, garbage, scrambled pages) is moved aside
    and made anew with a warning: both hold only what a run can remake. A locked or unopenable one is a
    ConfigError, which the pipeline turns into a run without that database."""
    try:
        return _open(path, kind)
    except sqlite3.DatabaseError as e:
        if isinstance(e, sqlite3.OperationalError):  # locked, or the folder cannot be written: not damage
            raise ConfigError(f"The {kind} database {path} cannot be used ({e}).") from None
        aside = path.with_name(f"{path.name}.broken-{int(time.time())}")
        try:
            path.replace(aside)
        except OSError as move:
            raise ConfigError(f"The {kind} database {path} is damaged ({e}) and cannot be moved aside "
                              f"({move.strerror}); delete it.") from None
        logger.warning("the %s database %s was damaged (%s); moved to %s and started anew", kind, path, e, aside.name)
        try:
            return _open(path, kind)
        except (OSError, sqlite3.Error) as e2:
            raise ConfigError(f"Cannot open the {kind} database {path} ({e2}); fix its folder or set {kind}_dir.") from None
    except OSError as e:
        raise ConfigError(f"Cannot open the {kind} database {path} ({e}); fix its folder or set {kind}_dir.") from None


def _open(path: Path, kind: str) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=LOCK_WAIT)
    try:
        if db.execute("PRAGMA quick_check(1)").fetchone()[0] != "ok":
            raise sqlite3.DatabaseError("failed its integrity check")
        if kind == "cache" and db.execute("PRAGMA user_version").fetchone()[0] < CACHE_VERSION:
            with db:
                db.executescript("DROP TABLE IF EXISTS summaries; DROP TABLE IF EXISTS embeddings;"
                                 "DROP TABLE IF EXISTS vectors; DROP TABLE IF EXISTS splits;")
                db.execute(f"PRAGMA user_version = {CACHE_VERSION}")
        db.executescript(SCHEMA[kind])
    except BaseException:
        db.close()
        raise
    return db


def _split_key(text: str, identity: str) -> str:
    """A cached split's key: what the splitting depends on (text.sentences.split_identity) and the text."""
    return hashlib.sha256(f"{identity}|{text}".encode()).hexdigest()


def content_key(article: Article) -> str:
    """A hash of what a summary depends on in an article."""
    h = hashlib.sha256()
    for part in (article.title or "", article.text, str(article.truncated)):
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


class SummaryCache:
    """Summaries by (article content, model, summary settings)."""

    def __init__(self, folder: Path, now: float | None = None, read_only: bool = False):
        """read_only (for --dry-run): look things up in an existing cache, write nothing, create nothing."""
        self.path = folder / "cache.db"
        self.read_only = read_only
        self.now = time.time() if now is None else now
        self.hits = 0
        self.misses = 0
        self.tables = {"summaries", "vectors", "splits", "groups"}  # a read-only cache from an older version may lack some
        if read_only:
            if not self.path.is_file():
                raise ConfigError(f"No cache at {self.path} yet.")
            try:
                self.db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=LOCK_WAIT)
                self.db.execute("SELECT 1 FROM summaries LIMIT 1")
                self.tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            except sqlite3.Error as e:
                raise ConfigError(f"The cache {self.path} cannot be read ({e}).") from None
            return
        self.db = _connect(self.path, "cache")
        try:
            with self.db:  # forget what no run has used for KEEP_DAYS
                for table in ("summaries", "vectors", "splits", "groups"):
                    self.db.execute(f"DELETE FROM {table} WHERE used < ?", (self.now - KEEP_DAYS * 86400,))
        except sqlite3.Error as e:  # another process is writing it: the clean-up can wait for another run
            logger.info("%s: old entries not dropped this run (%s)", self.path, e)

    def _key(self, article: Article, model: str, settings_key: str) -> str:
        return hashlib.sha256(f"{content_key(article)}|{model}|{settings_key}".encode()).hexdigest()

    @_tolerant(None)
    def _get_many(self, keys: list[str]) -> dict[str, Any]:
        return self._lookup("summaries", "summary", list(dict.fromkeys(keys)))

    def get_many(self, articles: Sequence[Article], model: str, settings_key: str) -> list[Summary | None]:
        """The cached summary of each article, or None; looked up (and marked used) in one transaction."""
        keys = [self._key(a, model, settings_key) for a in articles]
        found = self._get_many(keys) or {}
        out: list[Summary | None] = []
        for article, key in zip(articles, keys, strict=True):
            out.append(_summary(found[key], article) if key in found else None)
        self.hits += sum(s is not None for s in out)
        self.misses += sum(s is None for s in out)
        return out

    @_tolerant(None)
    def groups(self, key: str, n_articles: int) -> tuple[list[list[int]], list[str]] | None:
        """A grouping made by an earlier run over exactly these articles with these settings: a partition of
        range(n_articles) with one section per group; anything else stored there is a miss."""
        if "groups" not in self.tables:
            return None
        found = self._lookup("groups", "result", [key])
        return _grouping(found[key], n_articles) if key in found else None

    @_tolerant(None)
    def put_groups(self, key: str, groups: list[list[int]], sections: list[str]) -> None:
        if self.read_only:
            return
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO groups VALUES (?, ?, ?)",
                            (key, json.dumps({"groups": groups, "sections": sections}), self.now))

    @_tolerant(None)
    def put(self, article: Article, model: str, settings_key: str, summary: Summary) -> None:
        if self.read_only:
            return
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO summaries VALUES (?, ?, ?)",
                            (self._key(article, model, settings_key), json.dumps(asdict(summary)), self.now))

    def _lookup(self, table: str, column: str, keys: list[str]) -> dict[str, Any]:
        """Values found for these keys in a table, each marked as used now."""
        out: dict[str, Any] = {}
        for lo in range(0, len(keys), 500):
            chunk = keys[lo : lo + 500]
            marks = ",".join("?" * len(chunk))
            out.update(self.db.execute(f"SELECT key, {column} FROM {table} WHERE key IN ({marks})", chunk).fetchall())
        if not self.read_only:
            with self.db:
                self.db.executemany(f"UPDATE {table} SET used = ? WHERE key = ?", [(self.now, k) for k in out])
        return out

    @_tolerant(dict)
    def vectors(self, keys: list[str]) -> dict[str, bytes]:
        return self._lookup("vectors", "vector", keys)

    @_tolerant(None)
    def put_vectors(self, items: list[tuple[str, bytes]]) -> None:
        if self.read_only:
            return
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", [(k, v, self.now) for k, v in items])

    @_tolerant(dict)
    def splits(self, texts: list[str]) -> dict[str, tuple[Sentence, ...]]:
        """Sentence splits made by earlier runs, for those of these texts that have one."""
        from .text.sentences import split_identity

        identity = split_identity()
        keys = {_split_key(t, identity): t for t in texts}
        found = self._lookup("splits", "sentences", list(keys))
        out = {}
        for k, data in found.items():
            split = _split(data, keys[k])
            if split is not None:
                out[keys[k]] = split
        return out

    @_tolerant(None)
    def put_splits(self, splits: dict[str, tuple[Sentence, ...]]) -> None:
        from .text.sentences import split_identity

        identity = split_identity()
        rows = [(_split_key(t, identity),
                 json.dumps([[s.index, s.text, s.start, s.end, s.paragraph] for s in sents]), self.now)
                for t, sents in splits.items()]
        if self.read_only:
            return
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO splits VALUES (?, ?, ?)", rows)

    def close(self) -> None:
        self.db.close()


class CachedEncoder:
    """An Encoder whose vectors are kept in the cache: a rerun over the same texts loads no model."""

    def __init__(self, encoder, cache: SummaryCache):
        self.encoder = encoder
        self.cache = cache

    @property
    def identity(self) -> str:
        return self.encoder.identity

    def _keys(self, texts, max_length: int | None) -> list[str]:
        tag = f"{self.encoder.identity}|{max_length}|"
        return [hashlib.sha256((tag + t).encode("utf-8")).hexdigest() for t in texts]

    def _found(self, keys: list[str]) -> dict[str, bytes]:
        """The stored vectors of these keys that have the encoder's length (another length is a miss)."""
        found = self.cache.vectors(list(dict.fromkeys(keys)))
        width = getattr(self.encoder, "width", None)
        size = 4 * width if isinstance(width, int) else None
        return {k: v for k, v in found.items()
                if isinstance(v, bytes) and v and len(v) % 4 == 0 and (size is None or len(v) == size)}

    def cached(self, texts, max_length: int | None = None) -> list:
        """Each text's stored vector, or None (nothing is encoded)."""
        import numpy as np

        keys = self._keys(texts, max_length)
        found = self._found(keys)
        return [np.frombuffer(found[k], dtype=np.float32) if k in found else None for k in keys]

    def remember(self, texts, vectors, max_length: int | None = None) -> None:
        """Store vectors made elsewhere (another engine's workers) for these texts."""
        import numpy as np

        keys = self._keys(texts, max_length)
        self.cache.put_vectors(list({k: np.asarray(v, np.float32).tobytes() for k, v in zip(keys, vectors, strict=True)}.items()))

    def encode(self, texts, max_length: int | None = None, advance=None):
        import numpy as np

        keys = self._keys(texts, max_length)
        found = self._found(keys)
        if len({len(v) for v in found.values()}) > 1:  # stored vectors of several lengths: trust none of them
            found = {}
        missing = sorted({i for i, k in enumerate(keys) if k not in found}, key=lambda i: keys[i])
        if advance is not None and len(keys) > len(missing):
            advance(len(keys) - len(missing))
        if missing:
            fresh = self.encoder.encode([texts[i] for i in missing], max_length, advance)
            new = {keys[i]: v.astype(np.float32).tobytes() for i, v in zip(missing, fresh, strict=True)}
            if found and len(next(iter(found.values()))) != fresh.shape[1] * 4:
                return self._encode_all(texts, keys, max_length)
            self.cache.put_vectors(list(new.items()))
            found.update(new)
        return np.stack([np.frombuffer(found[k], dtype=np.float32) for k in keys]) if keys else np.zeros((0, 1), np.float32)


    def _encode_all(self, texts, keys: list[str], max_length: int | None):
        """Every text encoded afresh and stored (the stored vectors had another length than the model's)."""
        import numpy as np

        fresh = self.encoder.encode(list(texts), max_length).astype(np.float32)
        self.cache.put_vectors(list({k: v.tobytes() for k, v in zip(keys, fresh, strict=True)}.items()))
        return fresh


def _summary(stored: Any, article: Article) -> Summary | None:
    """A stored summary, or None when what is stored is not one (edited, damaged, another shape)."""
    try:
        data = json.loads(stored)
        data.update(article_id=article.id, sentences=tuple(data["sentences"]),
                    sentence_ids=tuple(data["sentence_ids"]))
        summary = Summary(**data)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    ok = (isinstance(summary.headline, str) and all(isinstance(s, str) for s in summary.sentences)
          and all(isinstance(i, int) for i in summary.sentence_ids))
    return summary if ok else None


def _grouping(stored: Any, n: int) -> tuple[list[list[int]], list[str]] | None:
    """A stored grouping when it is one for n articles (a partition of range(n), a section name per group)."""
    try:
        data = json.loads(stored)
        groups, sections = data["groups"], data["sections"]
        ok = (isinstance(groups, list) and isinstance(sections, list) and len(groups) == len(sections)
              and all(isinstance(g, list) and g for g in groups) and all(isinstance(s, str) for s in sections))
        flat = [i for g in groups for i in g] if ok else []
        if not ok or sorted(flat) != list(range(n)) or not all(type(i) is int for i in flat):
            return None
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return [list(g) for g in groups], list(sections)


def _split(stored: Any, text: str) -> tuple[Sentence, ...] | None:
    """A stored sentence split of `text`, when it is one (each sentence the text between its offsets)."""
    try:
        rows = json.loads(stored)
        out = tuple(Sentence(*row) for row in rows)
    except (ValueError, TypeError):
        return None
    for s in out:
        if not (type(s.index) is int and type(s.start) is int and type(s.end) is int and type(s.paragraph) is int
                and 0 <= s.start <= s.end <= len(text) and text[s.start:s.end] == s.text):
            return None
    return out


class State:
    """Feed validators, first-seen times, and each output folder's briefs (what they showed, what they said)."""

    def __init__(self, folder: Path):
        self.path = folder / "state.db"
        self.db = _connect(self.path, "state")

    @_tolerant(lambda: (None, None, None))
    def feed(self, url: str) -> tuple[str | None, str | None, bytes | None]:
        row = self.db.execute("SELECT etag, last_modified, body FROM feeds WHERE url = ?", (url,)).fetchone()
        if not row or not isinstance(row[2], bytes):  # no stored copy, or not one: fetched afresh
            return None, None, None
        etag, modified = (v if isinstance(v, str) and v.isprintable() else None for v in row[:2])
        return etag, modified, row[2]

    @_tolerant(None)
    def save_feed(self, url: str, etag: str | None, last_modified: str | None, body: bytes) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO feeds VALUES (?, ?, ?, ?, ?)",
                            (url, etag, last_modified, body, time.time()))

    @_tolerant(dict)
    def first_seen(self, articles: list[Article], now: float | None = None) -> dict[str, datetime]:
        """When each article was first seen (recording the new ones now), by article id."""
        now = time.time() if now is None else now
        out = {}
        with self.db:
            for a in articles:
                keys = [f"h:{content_key(a)}"] + ([f"u:{a.url}"] if a.url else [])
                found = [r[0] for k in keys for r in self.db.execute("SELECT first_seen FROM seen WHERE key = ?", (k,))]
                good = [t for t in found if isinstance(t, (int, float)) and 0 <= t <= now + 86400]
                first = min(good) if good else now
                if len(good) < len(found):  # a value that is not a time: replaced, as a miss
                    self.db.executemany("DELETE FROM seen WHERE key = ?", [(k,) for k in keys])
                self.db.executemany("INSERT OR IGNORE INTO seen VALUES (?, ?)", [(k, first) for k in keys])
                out[a.id] = datetime.fromtimestamp(first, UTC)
        return out

    @_tolerant(None)
    def previous_brief(self, out: str, day: str) -> str | None:
        """The day (YYYY-MM-DD) of the latest brief of folder `out` before `day`, or None."""
        rows = self.db.execute("SELECT day FROM briefs WHERE out = ? AND day < ? ORDER BY day DESC", (out, day))
        return next((d for (d,) in rows if isinstance(d, str) and _DAY.fullmatch(d)), None)

    @_tolerant(dict)
    def shown_before(self, out: str, day: str, keys: Sequence[str]) -> dict[str, str]:
        """Of these report keys, those a brief of `out` before `day` showed: key -> the first such day."""
        found: dict[str, str] = {}
        keys = list(dict.fromkeys(keys))
        for lo in range(0, len(keys), 500):
            chunk = keys[lo : lo + 500]
            rows = self.db.execute(f"SELECT key, MIN(day) FROM shown WHERE out = ? AND day < ? AND key IN "
                                   f"({','.join('?' * len(chunk))}) GROUP BY key", (out, day, *chunk))
            found.update((k, d) for k, d in rows if isinstance(d, str) and _DAY.fullmatch(d))
        return found

    @_tolerant(list)
    def stories_between(self, out: str, first: str, day: str) -> list[tuple[Any, ...]]:
        """What briefs of `out` from `first` up to (not including) `day` kept of their stories: rows of
        (day, anchor, position, record JSON, vectors, encoder), oldest day first, then by position."""
        return self.db.execute("SELECT day, anchor, position, record, vectors, encoder FROM stories "
                               "WHERE out = ? AND day >= ? AND day < ? ORDER BY day, position, anchor",
                               (out, first, day)).fetchall()

    @_tolerant(None)
    def record_brief(self, out: str, day: str, since: float | None, shown: Sequence[tuple[str, str]],
                     stories: Sequence[tuple[str, int, str, bytes | None, str | None]], keep_from: str) -> None:
        """Remember a written brief in one transaction, replacing what a former build of that day wrote: the
        reports it showed ((key, anchor)), its stories ((anchor, position, record, vectors, encoder)); stories of
        days before `keep_from` are forgotten (only developing stories look back, and only so far)."""
        with self.db:
            for table in ("briefs", "shown", "stories"):
                self.db.execute(f"DELETE FROM {table} WHERE out = ? AND day = ?", (out, day))
            self.db.execute("INSERT INTO briefs VALUES (?, ?, ?, ?)", (out, day, since, len(stories)))
            self.db.executemany("INSERT OR IGNORE INTO shown VALUES (?, ?, ?, ?)", [(out, k, day, a) for k, a in shown])
            self.db.executemany("INSERT OR REPLACE INTO stories VALUES (?, ?, ?, ?, ?, ?, ?)",
                                [(out, day, *row) for row in stories])
            self.db.execute("DELETE FROM stories WHERE out = ? AND day < ?", (out, keep_from))

    def close(self) -> None:
        self.db.close()


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
