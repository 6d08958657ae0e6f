"""Bytes -> text: declared encodings honoured, undeclared ones detected, binary and empty input refused."""

from __future__ import annotations

import logging
import re

from ..errors import IngestError

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


# File signatures of formats that are never news text, whatever the file is called (a PNG renamed .txt).
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
    (b"%PDF-", "a PDF document"), (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"\x1f\x8b", "a gzip archive"), (b"BZh", "a bzip2 archive"), (b"\xfd7zXZ\x00", "an xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"), (b"\x7fELF", "a program"), (b"SQLite format 3\x00", "an SQLite database"),
    (b"ID3", "an MP3 file"), (b"OggS", "an Ogg file"), (b"\x00\x00\x01\x00", "an icon"), (b"wOFF", "a web font"),
    (b"\xd0\xcf\x11\xe0", "an old Office document"), (b"{\\rtf", "an RTF document"),
)


def binary_kind(data: bytes) -> str | None:
    """What a known binary format the bytes start with is ("a PNG image"), or None."""
    for magic, kind in _SIGNATURES:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        return "a WebP image, WAV or AVI file"
    if data[4:8] == b"ftyp":
        return "an MP4/MOV video or HEIC image"
    return None


def decode(data: bytes, name: str, declared: str | None = None) -> str:
    """Bytes -> text, or an IngestError that names the input and the fix.

    The declared encoding wins (HTTP charset given by the caller, BOM, XML declaration, <meta
    charset>); undeclared text that is not UTF-8 is detected with charset-normalizer, and the
    encoding assumed is logged.
    """
    if not data.strip():
        raise IngestError(f"{name}: the input is empty; give a file with at least one article.")
    kind = binary_kind(data)
    if kind is not None:
        raise IngestError(f"{name}: {kind}, not text; give text, Markdown, HTML, RSS/Atom or JSONL.")
    encoding = declared or declared_encoding(data)
    if encoding and encoding.startswith(("utf-16", "utf-32")) and b"\x00" not in data[:200]:
        encoding = None  # declared in ASCII bytes, so not UTF-16: a page's copied <meta charset="utf-16">
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
        if not data.isascii() and _valid_utf8(data):
            # A declaration is trusted only when the bytes fit it: every byte "fits" a one-byte charset such as
            # iso-8859-15, but non-ASCII text that is valid UTF-8 is UTF-8 ("kilÃ³metros" otherwise).
            logger.info("%s: declares %s but its bytes are UTF-8; read as UTF-8", name, encoding)
            return data.decode("utf-8-sig")
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


def _valid_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
