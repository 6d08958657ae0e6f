"""Source names a reader recognises: the publisher, not a feed's channel title or a file path.

A page's publisher, in order: og:site_name, the JSON-LD publisher, application-name (each less a tagline:
"Autoracing | F1 | Indy" is "Autoracing"), trafilatura's site name, the domain of the canonical or og:url address
(or the address it was fetched from), the site part of the page's own <title> ("… | Tulsa World"), a wire-service
dateline ("(CNN)", "WASHINGTON (Reuters) -"). A local file with none of these has no outlet name: "" (render shows
none), never its file name."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..summarize.headline import _FORMAT, _squash, key, split_parts
from ..text.datelines import _AGENCIES
from ..text.rules import TITLE_SEPARATOR, word_count
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


# Names that are a platform's, not the publisher's: a blog host's or a CMS's default.
_PLATFORMS = frozenset({"blogger", "blogspot", "wordpress", "wordpress.com", "medium", "tumblr", "substack", "wix",
                        "squarespace", "ghost", "drupal", "joomla", "escenic", "arc publishing", "nextgen", "typepad"})
_AGENCY = re.compile(r"\(([A-Z][A-Za-z .&]{1,30})\)")


def _name(raw: str | None) -> str | None:
    """A site name as a reader reads it: its first usable part ("Aktuálně.cz - Víte, co se právě děje" ->
    "Aktuálně.cz"), not a platform's name, not a social-media handle ("@politifact")."""
    if not raw:
        return None
    raw = " ".join(raw.split()).lstrip("@") if not raw.strip().startswith("@") else ""
    if not raw:
        return None
    for part in [raw] + [p for p in TITLE_SEPARATOR.split(raw) if p]:
        name = _usable(part)
        if name and not TITLE_SEPARATOR.search(name) and name.lower() not in _PLATFORMS:
            return name
    return None


def _slug(name: str) -> bool:
    """A name written as a lower-case slug ("detroitnews", "floridatoday"), not as readers write it."""
    return name.islower() and " " not in name and "." not in name


def publisher(sitename: str | None, url: str | None) -> str | None:
    """A web page's publisher: og:site_name / JSON-LD publisher when it reads as a name, else the domain."""
    return _name(sitename) or domain(url)


def wire_agency(dateline: str | None) -> str | None:
    """The wire service a dateline names: "(CNN)" -> "CNN", "WASHINGTON (Reuters)" -> "Reuters"."""
    m = _AGENCY.search(dateline or "")
    return m.group(1).strip() if m and _AGENCIES.match(m.group(1).strip()) else None


def title_site_part(page_title: str | None, headline: str | None) -> str | None:
    """The site part of a page's <title> around its headline: "Plan to restrict … | Tulsa World" -> "Tulsa World"
    (the outermost part, so "… _探索者 _光明网" gives "光明网")."""
    if not page_title or not headline:
        return None
    page_title = " ".join(page_title.split())
    m = re.match(r"^([^:]{2,40}):\s+(.+)$", page_title)  # "The Space Review: Seeking a bigger role ..."
    if m and key(m.group(2)) == key(headline) and word_count(m.group(1)) <= 4:
        return _name(m.group(1))
    parts, _ = split_parts(page_title)
    if len(parts) < 2:
        return None
    hk = key(headline)
    inner = [i for i, p in enumerate(parts) if key(p) and key(p) in hk]
    if not inner:
        return None
    if inner[-1] < len(parts) - 1:
        candidate = parts[-1]
    elif inner[0] > 0:
        candidate = parts[0]
    else:
        return None
    name = _name(candidate)
    if not name or word_count(name) > 5 or _FORMAT.match(name) or name.lower() in _GENERIC:
        return None
    return name


def page_publisher(site_names: Sequence[tuple[str, str]], sitename: str | None, url: str | None,
                   page_title: str | None = None, headline: str | None = None, dateline: str | None = None,
                   title_texts: Sequence[str] = ()) -> str | None:
    """A page's publisher from everything it says (see the module docstring); None when it says nothing."""
    heads = {key(t) for t in title_texts if t}
    names = []
    for kind, raw in site_names:
        name = _name(raw)
        if not name:
            continue
        if kind == "application-name" and (key(name) in heads or len(name.split()) > 5):
            continue  # an application-name that is the headline itself (msn.com)
        names.append(name)
    if names:
        # "detroitnews" (og:site_name, a slug) and "The Detroit News" (JSON-LD publisher): the one written as a name
        written = [n for n in names if not _slug(n)]
        return written[0] if written and _slug(names[0]) and _squash(names[0]) in _squash(written[0]) \
            else names[0]
    return (_name(sitename) or domain(url) or title_site_part(page_title, headline)
            or wire_agency(dateline) or None)
