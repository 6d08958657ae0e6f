"""Writing files so that a crash or a kill never leaves one half-written."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

from ..config import Settings
from ..contain import attempt
from ..documents import Briefing
from ..errors import BusyError, ConfigError, OutputError, StuckRunError
from ..stories.history import Note

logger = logging.getLogger(__name__)

BRIEF_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.(md|html|json)$")


TEMP_PREFIX = ".briefing-tmp."  # only temp files with this prefix are ours to clean up


def _mode_for(path: Path) -> int:
    """The mode a written file gets: the existing file's (a user's chmod 644 stays), else what the umask allows."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_temp(path: Path, text: str) -> Path:
    """The text in a temp file beside `path` (same folder, so the rename is atomic), on disk, with the mode
    `path` will have."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f"{TEMP_PREFIX}{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fchmod(f.fileno(), _mode_for(path))
            os.fsync(f.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


JOURNAL = ".briefing-pending.json"  # the renames of a set of files in progress: finished by the next run if cut short


def write_together(files: dict[Path, str]) -> tuple[Path, ...]:
    """Write several files (in one folder) so that a kill at any moment leaves either the old set or the new one
    once the next run has started: every temp file is written and synced first, then a journal naming the
    renames is synced, then the renames are done and the journal removed. A run killed among the renames
    leaves the journal, and the next run (under the folder's lock) finishes them (`finish_pending`)."""
    temps: dict[Path, Path] = {}
    folder = next(iter(files)).parent if files else Path(".")
    switching = False  # once the journal is on disk, the switch is finished, never undone
    try:
        for path, text in files.items():
            temps[path] = write_temp(path, text)
        if len(temps) > 1:
            _write_journal(folder, temps)
            switching = True
        for path, tmp in temps.items():
            os.replace(tmp, path)
        (folder / JOURNAL).unlink(missing_ok=True)
    except BaseException as e:
        if switching:
            with contextlib.suppress(OSError):  # SIGTERM among the renames: finish them (else the next run does)
                finish_pending(folder)
        else:
            for tmp in temps.values():
                tmp.unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise OutputError(f"Cannot write {e.filename or next(iter(files))} ({e.strerror}); the earlier files "
                              "there are unchanged. Free some space or choose another --out.") from None
        raise
    return tuple(files)


def _write_journal(folder: Path, temps: dict[Path, Path]) -> None:
    """The renames to come, on disk (synced, then the folder synced) before the first of them is done."""
    pairs = [[tmp.name, path.name] for path, tmp in temps.items()]
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f"{TEMP_PREFIX}journal.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(pairs, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, folder / JOURNAL)
    _sync_folder(folder)


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def finish_pending(folder: Path) -> None:
    """Finish the renames of a run killed among them (its journal is there), so the day's files are all new,
    never mixed. The caller holds the folder's lock. A journal that is not ours, or not readable, is removed."""
    journal = folder / JOURNAL
    if not journal.is_file() or journal.is_symlink():
        return
    try:
        pairs = json.loads(journal.read_text(encoding="utf-8"))
        renames = [(folder / t, folder / p) for t, p in pairs
                   if isinstance(t, str) and isinstance(p, str) and t.startswith(TEMP_PREFIX) and "/" not in t + p
                   and (BRIEF_FILE.match(p) or p in ("index.md", "index.html", "feed.xml"))]
    except (OSError, ValueError, TypeError):
        renames = []
    for tmp, path in renames:
        if tmp.is_file() and not tmp.is_symlink():
            logger.warning("finishing %s, left half-switched by an interrupted run", path.name)
            os.replace(tmp, path)
    journal.unlink(missing_ok=True)
    _sync_folder(folder)


def read_front_matter(path: Path) -> dict:
    """The front matter of a briefing we wrote (one JSON value per key); {} if unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    if not text.startswith("---\n"):
        return {}
    meta = {}
    for line in text[4 : text.find("\n---\n", 4)].splitlines():
        key, _, value = line.partition(": ")
        try:
            meta[key] = json.loads(value)
        except ValueError:
            continue
    return meta


def write_index(folder: Path) -> tuple[Path, ...]:
    """folder/index.md and index.html: every briefing there, newest first."""
    from .render import FEED, index_html, index_markdown

    days: dict[str, dict] = {}
    for p in folder.iterdir():
        if m := BRIEF_FILE.match(p.name):
            if not p.is_file():  # a folder or a pipe named like a briefing is not one
                continue
            meta = days.setdefault(m.group(1), {"formats": []})
            meta["formats"].append(m.group(2))
            if m.group(2) == "md":
                stories = read_front_matter(p).get("stories")
            elif m.group(2) == "json" and "stories" not in meta:
                try:
                    stories = json.loads(p.read_text(encoding="utf-8")).get("stories")
                except (OSError, ValueError, AttributeError):
                    stories = None
            else:
                stories = None
            if type(stories) is int and stories >= 0:  # a foreign file's front matter may hold anything
                meta["stories"] = stories
    entries = sorted(days.items(), reverse=True)
    feed = (folder / FEED).is_file()
    return write_together({folder / "index.md": index_markdown(entries, feed=feed),
                           folder / "index.html": index_html(entries, feed)})


LOCK = ".briefing.lock"
HOLDER = ".briefing.lock.started"  # when the run holding the lock started, and its process id


@contextlib.contextmanager
def locked(out: Path, wait: float = 0, stale_after: float = 7200) -> Iterator[None]:
    """Hold the output folder's lock while a run writes there; clear what a killed run left behind.

    `wait`: seconds to wait for another run (0: do not). BusyError when another run holds it (a cron run
    then skips quietly), StuckRunError when that run has held it for longer than `stale_after` seconds.
    """
    from filelock import FileLock, Timeout

    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise ConfigError(f"Output folder {out} is a file, not a folder; fix --out.") from None
    except OSError as e:
        raise OutputError(f"Output folder {out} cannot be created ({e.strerror}); fix --out or its permissions.") from None
    path = out / LOCK
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise ConfigError(f"{path} is not a plain file (a link or a folder); remove it and run again.")
    lock = FileLock(path)
    try:
        lock.acquire(timeout=wait)
    except Timeout:
        _busy(out, wait, stale_after)
    except OSError as e:  # a read-only folder, a full disk: nothing can be written there
        raise OutputError(f"Cannot lock {path} ({e.strerror}); the briefing cannot be written there: check the "
                          "output folder's permissions and free space, or choose another --out.") from None
    try:
        with contextlib.suppress(OSError):
            (out / HOLDER).write_text(f"{time.time():.0f} {os.getpid()}\n")
        finish_pending(out)
        remove_stale_temp_files(out)
        yield
    finally:
        (out / HOLDER).unlink(missing_ok=True)
        lock.release()


def _busy(out: Path, wait: float, stale_after: float) -> None:
    """Another run holds the lock: busy while it is young; past stale_after, say loudly that it is stuck."""
    try:
        started, pid = (out / HOLDER).read_text().split()[:2]
        age = time.time() - float(started)
    except (OSError, ValueError):
        age, pid = 0.0, "?"
    if age > stale_after:
        raise StuckRunError(f"Another briefing run (process {pid}) has held {out} for {age / 3600:.1f} h, "
                            f"longer than stale_lock = {stale_after:.0f} s: it is likely stuck. Stop it "
                            f"(kill {pid}) and the next run goes on.")
    raise BusyError(f"Another briefing run is writing to {out}; skipped "
                    f"({f'waited {wait:.0f} s' if wait else 'use --wait to wait for it'}).")


def remove_stale_temp_files(folder: Path) -> None:
    """Temp files a killed run left behind (the caller holds the lock, so no live run owns one)."""
    for tmp in folder.glob(f"{TEMP_PREFIX}*.tmp"):
        if tmp.is_symlink() or not tmp.is_file():  # a folder (or link) of that name is not our temp file
            continue
        logger.info("removing %s, left by an interrupted run", tmp)
        with contextlib.suppress(OSError):
            tmp.unlink()


def publish(briefing: Briefing, settings: Settings, notes: Mapping[str, Note] | None = None) -> tuple[Path, ...]:
    """Render every format (and the feed), then write them together (each replaced atomically: a kill leaves the
    old set or the new one) and the index. Returns the day's files."""
    from .render import FEED, render_all

    texts = render_all(briefing, settings.formats, notes)  # render everything before writing anything
    day = briefing.day.isoformat()
    files = {settings.out / f"{day}.{fmt}": text for fmt, text in texts.items()}
    if settings.feed_entries:  # a feed that cannot be made is said once and left as it was; the brief is written
        feed = attempt(None, f"{settings.out / FEED}", _feed, briefing, settings, texts, notes)
        if feed is not None:
            files[settings.out / FEED] = feed
    write_together(files)
    write_index(settings.out)
    return tuple(p for p in files if p.name != FEED)


def _feed(briefing: Briefing, settings: Settings, texts: Mapping[str, str], notes: Mapping[str, Note] | None) -> str:
    """OUT/feed.xml with this brief's entry (its page, rendered for the feed when html is not a format)."""
    from .feed import entry_of, feed_text, link_for
    from .render import to_html

    page = texts.get("html") or to_html(briefing, texts.get("md"), notes)
    return feed_text(settings.out, entry_of(briefing, page, link_for(briefing.day, settings.formats)),
                     settings.feed_entries)
