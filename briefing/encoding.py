"""Bytes -> text: declared encodings honoured, undeclared ones detected, binary and empty input refused."""

from __future__ import annotations

import logging
import re

from .errors import IngestError

logger = logging.getLogger(__name__)

_DECLARED = re.compile(rb"""<\?xml[^>]*encoding=["']([\w.:-]+)["']|<meta[^>]+charset=["']?([\w.:-]+)""", re.I)


def declared_encoding(data: bytes) -> str | None:
    """The encoding the bytes declare: a BOM, an XML declaration or an HTML <meta charset>."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    m = _DECLARED.search(data[:4096])
    if m:
        name = (m.group(1) or m.group(2)).decode("ascii", "replace")
        try:
            import codecs

            return codecs.lookup(name).name
        except LookupError:
            return None
    return None


def decode(data: bytes, name: str, declared: str | None = None) -> str:
    """Bytes -> text, or an IngestError that names the input and the fix.

    The declared encoding wins (HTTP charset given by the caller, BOM, XML declaration, <meta
    charset>); undeclared text that is not UTF-8 is detected with charset-normalizer, and the
    encoding assumed is logged.
    """
    if not data.strip():
        raise IngestError(f"{name}: the input is empty; give a file with at least one article.")
    encoding = declared or declared_encoding(data)
    if encoding and encoding.startswith("utf-16"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise IngestError(f"{name}: broken UTF-16 text; re-save it as UTF-8.") from None
    head = data[:8192]
    if b"\x00" in head or sum(b < 9 or 13 < b < 32 for b in head) > len(head) // 100 + 2:
        raise IngestError(
            f"{name}: a binary file, not text; give text, Markdown, HTML, RSS/Atom or JSONL."
        )
    if encoding and encoding not in ("utf-8", "utf-8-sig"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            logger.warning("%s: declares %s but is not; detecting its encoding", name, encoding)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:1_000_000]).best()
        if best is None:
            raise IngestError(
                f"{name}: not valid UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start}) and no other encoding "
                f"fits; convert it first, e.g. iconv -f windows-1252 -t utf-8 {name} > fixed.txt"
            ) from None
        logger.info("%s: not UTF-8; read as %s", name, best.encoding)
        return data.decode(best.encoding, errors="replace")
