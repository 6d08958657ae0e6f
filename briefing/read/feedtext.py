"""Feed and HTML-fragment text: block tags as line breaks, and an entry's article text chosen for what it is."""

from __future__ import annotations

import bisect
import html
import re

from ..text import sanitize

_BLOCKS = ("p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "td", "th",
           "table", "section", "article", "header", "footer", "figure", "figcaption", "dt", "dd", "hr", "pre")


def html_to_text(fragment: str) -> str:
    """An HTML fragment (a feed entry) -> plain paragraphs; scripts and styles dropped."""
    import lxml.html

    fragment = sanitize.xml_safe(fragment)  # lxml refuses control characters: one stray U+0007 stopped a build
    if "<" not in fragment:
        return fragment.strip()
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except Exception:  # lxml raises several types on junk markup
        return re.sub(r"<[^>]{0,1000}>", " ", fragment).strip()
    for bad in root.xpath("//script|//style|//noscript|//iframe"):
        bad.drop_tree()
    for el in root.iter(*_BLOCKS):  # a block starts and ends a line: "...is heard</p><p>Chelsea's..."
        el.tail = "\n" + (el.tail or "")
        if el.tag != "br":
            el.text = "\n" + (el.text or "")
    lines = (re.sub(r"\s+", " ", ln).strip() for ln in root.text_content().split("\n"))
    return "\n".join(ln for ln in lines if ln)


_MEDIA_OPEN = re.compile(rb"<media:(?:description|text|credit|title)\b[^<>]{0,2000}>", re.I)
_MEDIA_CLOSE = re.compile(rb"</media:", re.I)
MAX_MEDIA = 10_000  # captions read from one feed at most (a real feed has one or two an entry)


def media_texts(data: bytes) -> set[str]:
    """Captions and credits of a feed's media (media:description, media:text, media:credit): never an entry's text.

    Linear in the feed's size: each opening tag is paired with the next closing tag found by bisection over
    one list of closing positions (a lazy `.*?` regex rescanned to the end for every unclosed tag: 50,000 of
    them took minutes)."""
    closes = [m.start() for m in _MEDIA_CLOSE.finditer(data)]
    found = set()
    for n, m in enumerate(_MEDIA_OPEN.finditer(data)):
        if n >= MAX_MEDIA:
            break
        k = bisect.bisect_left(closes, m.end())
        if k == len(closes):
            break  # no closing tag after this one, nor after any later one
        value = data[m.end(): closes[k]][:100_000].decode("utf-8", "replace")
        value = re.sub(r"^<!\[CDATA\[|\]\]>$", "", value.strip())
        found.add(squash(html_to_text(html.unescape(value))))
    return found


def squash(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def entry_text(entry, media: set[str]) -> str:
    """An entry's article text: full content (content:encoded, Atom content) when it is the article,
    else the description; never a media caption or credit that feedparser files as content."""
    summary = html_to_text(entry.get("summary", "") or "")
    contents = [html_to_text(c.get("value", "") or "") for c in entry.get("content") or []]
    contents = [c for c in contents if c and squash(c) not in media]
    best = max(contents, key=lambda c: len(c.split()), default="")
    if summary and squash(summary) in media:
        summary = ""
    if best and len(best.split()) >= len(summary.split()):
        return best
    return summary or best
