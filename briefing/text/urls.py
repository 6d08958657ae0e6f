"""The one sanitising point for web addresses: parsed and rebuilt whole, or refused.

Every address that reaches a reader, a log line, an id or a cache key goes through here. A URL is
split with urllib, each part is checked (scheme http(s); a host that is a DNS name or an IP
literal, IPv6 kept in brackets; a port in range), and the parts are joined again with everything
Markdown or HTML would read as syntax percent-encoded. Credentials (user:password@) and query
values whose name looks like a secret (token, key, sig, ...) are removed, so they surface nowhere.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

_SECRET_KEY = re.compile(r"token|key|secret|pass|auth|sig|session|sessid|(?:^|[_-])sid$|code|credential", re.I)  # PHPSESSID, sid
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")  # one DNS label, IDNA-encoded ("xn--...")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff\ud800-\udfff]")
_KEEP = "/:@!$&*+,;=%~.-_?#"  # left as they are in a path, query or fragment (all else percent-encoded)


def _host(hostname: str) -> str | None:
    """A hostname as it may stand in a URL: an IP literal (IPv6 bracketed) or an IDNA-encoded DNS name; None
    when it is neither (markup, spaces, a stray bracket)."""
    try:
        address = ipaddress.ip_address(hostname.split("%", 1)[0])
        return f"[{address.compressed}]" if address.version == 6 else address.compressed
    except ValueError:
        pass
    name = hostname.rstrip(".").lower()
    if not name:
        return None
    if not name.isascii():
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    labels = name.split(".")
    if len(name) > 253 or not all(_LABEL.match(label) for label in labels):
        return None
    return name


def _parts(url: object):
    """(scheme, host, port, path, query, fragment) of an http(s) URL, or None."""
    if not isinstance(url, str) or len(url) > 8192:
        return None
    url = url.strip()
    if _UNSAFE.search(url):
        return None
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            return None
        host = _host(parts.hostname)
        port = parts.port  # ValueError when out of range or not a number
    except (ValueError, UnicodeError):
        return None
    if host is None:
        return None
    return scheme, host, port, parts.path, parts.query, parts.fragment


def _query(query: str, mark: str | None) -> str:
    """The query string less secret-looking values: dropped with their names (mark None), or marked."""
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(_SECRET_KEY.search(k) for k, _ in pairs):
        return quote(query, safe=_KEEP)
    if mark is None:
        return urlencode([(k, v) for k, v in pairs if not _SECRET_KEY.search(k)])
    return urlencode([(k, mark if _SECRET_KEY.search(k) else v) for k, v in pairs])


def safe_url(url: object, mark: str | None = None) -> str | None:
    """An http(s) address fit to publish and link: rebuilt from its checked parts, with no credentials, no
    secret-looking query values (dropped, or replaced by `mark`), and nothing that Markdown or HTML would read
    as syntax; None otherwise."""
    parts = _parts(url)
    if parts is None:
        return None
    scheme, host, port, path, query, fragment = parts
    netloc = host + (f":{port}" if port is not None else "")
    return urlunsplit((scheme, netloc, quote(path, safe=_KEEP), _query(query, mark), quote(fragment, safe=_KEEP)))


def redact(url: object) -> str:
    """A URL fit for a log line or a message: safe_url's form with secret values shown as REDACTED (so the reader
    knows which address it was), or for an address it cannot parse the text up to its query, with credentials
    and control characters removed."""
    safe = safe_url(url, "REDACTED")
    if safe is not None:
        return safe
    text = str(url).split("?", 1)[0].split("#", 1)[0]
    text = re.sub(r"//[^/@]*@", "//", text)
    return quote(_UNSAFE.sub("", text)[:300], safe=_KEEP + "()[]")


def hostname(url: object) -> str | None:
    """The host of an http(s) URL as safe_url writes it ('www.example.org', '[2001:db8::1]'), or None."""
    parts = _parts(url)
    return parts[1] if parts else None


def looks_like_url(text: str) -> bool:
    return bool(re.match(r"^\s*[a-z][a-z0-9+.-]*://", text, re.I))


def safe_id(value: str) -> str:
    """An id that may be a URL (a feed entry's guid or link): as safe_url() gives it (else redact()), so no
    credential or token travels in an id; other ids as they are."""
    if not looks_like_url(value):
        return value
    return safe_url(value) or redact(value)
