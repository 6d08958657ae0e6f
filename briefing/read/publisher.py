"""Source names a reader recognises: the publisher, not a feed's channel title or a file path."""

from __future__ import annotations

import re

from ..text.rules import TITLE_SEPARATOR
from ..text.urls import hostname

_FEED_WORDS = re.compile(r"\b(?:rss|atom|feeds?|channel|xml|mrss(?:-\w+)?|podcasts?)\b", re.I)
_BAD_NAME = re.compile(r"copyright|©|^\W*$|_|^https?://|^www\.|\.(?:html?|php|aspx?)$", re.I)


def domain(url: str | None) -> str | None:
    """'https://www.hawaiinewsnow.com/2019/x' -> 'hawaiinewsnow.com'."""
    host = hostname(url) or ""
    if "xn--" in host:  # a reader reads the name, not its IDNA form
        try:
            host = host.encode("ascii").decode("idna")
        except UnicodeError:
            pass
    host = re.sub(r"^(?:www\d*|m|amp|mobile|edition|rss|feeds?)\.", "", host)
    return host or None


# Site names that name no publisher: a CMS's or a syndication host's default.
_GENERIC = frozenset({"hosted", "home", "homepage", "news", "index", "website", "site", "blog", "article", "articles",
                      "story", "stories", "wordpress", "untitled", "default", "main", "page", "web"})


def _usable(name: str | None) -> str | None:
    if not name:
        return None
    name = " ".join(name.split()).strip(" -|:")
    if len(name) < 3 or _BAD_NAME.search(name) or len(name.split()) > 8 or name.lower() in _GENERIC:
        return None
    if name.islower() and len(name) <= 3:  # "nj": a sitename taken from a URL fragment
        return None
    return name


def publisher(sitename: str | None, url: str | None) -> str | None:
    """A web page's publisher: og:site_name / JSON-LD publisher when it reads as a name, else the domain."""
    name = _usable(sitename)
    if name and TITLE_SEPARATOR.search(name):
        name = _usable(TITLE_SEPARATOR.split(name)[0])
    return name or domain(url)


def feed_publisher(title: str | None, link: str | None) -> str | None:
    """A feed's publisher from its channel title ("NYT > World News" -> "NYT", "CNN.com - RSS Channel -
    World" -> "CNN.com"), with feed words and sections dropped; else the domain of its link."""
    title = " ".join((title or "").split())
    parts = [p.strip() for p in TITLE_SEPARATOR.split(title) if p and p.strip()]
    parts = [p for p in parts if not _FEED_WORDS.search(p)] or [_FEED_WORDS.sub("", p).strip() for p in parts]
    parts = [p for p in (_usable(p) for p in parts) if p]
    site = domain(link)
    if site and parts:
        stem = site.split(".")[0].replace("-", "")
        for p in parts:  # the part that names the site ("elmundo" in "Portada // elmundo")
            if stem and stem in p.lower().replace(" ", "").replace("-", ""):
                return p
    if parts:
        return parts[0]
    return site
