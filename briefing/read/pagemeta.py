"""What a page says about itself, read from its markup: title candidates, publisher names, authors, address,
date, language, and the paragraphs it marks up as a dek (standfirst) or as the lead.

trafilatura gives one title and one site name, the first it finds; a reader's choice needs all of them
(og:title, twitter:title, the JSON-LD headline, the visible <h1>, <title>), so they are read here once,
from the same parse (trafilatura's own load_html), and chosen among by agreement (titles.py).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..summarize.headline import _CJK, _join, is_site_part, key, split_parts, strip_site_parts
from ..text.rules import word_count

logger = logging.getLogger(__name__)

# JSON-LD types that describe the article itself (not the site, a breadcrumb or a video on the page)
_ARTICLE_TYPES = re.compile(r"(?:News|Reportage|Analysis|Opinion|Review|Background|Satirical|Scholarly|Tech)?"
                            r"Article$|^BlogPosting$|^LiveBlogPosting$|^Report$|^WebPage$|^ItemPage$", re.I)
# Class, id or itemprop words that mark a paragraph as the dek (the standfirst under the headline) ...
DEK_WORDS = frozenset({"dek", "deck", "standfirst", "subtitle", "subheadline", "subhead", "strapline", "summary",
                       "description", "subtitulo", "entradilla", "untertitel", "article-summary", "excerpt"})
# ... or as the article's own lead paragraph (a Czech perex, a German Vorspann, a French chapeau)
LEAD_WORDS = frozenset({"lead", "leadtext", "lede", "perex", "intro", "chapo", "chapeau", "sapo", "teaser", "vorspann",
                        "anriss", "bajada", "lead-text", "leadin"})
# words that, beside a dek or lead word, say the element is something else ("lead-image", "story-summary-list")
_NOT_PROSE = frozenset({"image", "img", "photo", "media", "video", "figure", "caption", "board", "leaderboard", "list",
                        "link", "links", "item", "items", "card", "cards", "related", "promo", "nav", "menu", "meta",
                        "author", "byline", "date", "time", "title", "headline", "button", "icon", "ad", "ads",
                        "story", "stories", "headlines", "widget", "rail", "sidebar", "module"})
_SPLIT_CLASS = re.compile(r"[\s_\-]+|(?<=[a-z])(?=[A-Z])")


@dataclass(frozen=True, slots=True)
class PageMeta:
    """A page's own statements about itself, each as found (not cleaned)."""

    titles: tuple[tuple[str, str], ...] = ()  # (kind, text): og, twitter, ld, h1, title
    site_names: tuple[tuple[str, str], ...] = ()  # (kind, name): og:site_name, ld-publisher, application-name
    url: str | None = None  # canonical, else og:url
    authors: tuple[str, ...] = ()
    published: str | None = None  # as written (ISO 8601 where the page follows schema.org)
    language: str | None = None  # <html lang>, og:locale
    description: str | None = None
    deks: tuple[str, ...] = ()  # texts marked up as a dek / standfirst
    leads: tuple[str, ...] = ()  # texts marked up as the lead paragraph
    types: tuple[str, ...] = ()  # the JSON-LD @types of its objects ("NewsArticle", "OpinionNewsArticle", ...)
    section: str | None = None  # the desk it names: article:section, else JSON-LD articleSection
    extra: dict = field(default_factory=dict, compare=False, hash=False)


def load(html: str):
    """The page's lxml tree as trafilatura parses it (None when it cannot be parsed)."""
    from trafilatura.utils import load_html

    try:
        return load_html(html)
    except Exception:  # noqa: BLE001 - lxml raises several kinds on junk markup
        logger.debug("the page could not be parsed", exc_info=True)
        return None


def _text(el) -> str:
    try:
        return " ".join(el.text_content().split())
    except (ValueError, AttributeError):
        return ""


def class_words(el) -> set[str]:
    """The words of an element's class, id and itemprop ("c-leadtext u-font" -> {c, leadtext, u, font})."""
    words: set[str] = set()
    for attr in ("class", "id", "itemprop", "data-testid", "data-component"):
        value = el.get(attr)
        if value:
            words.update(w.lower() for w in _SPLIT_CLASS.split(value) if w)
    return words


def _ld_objects(tree) -> list[dict]:
    """Every JSON-LD object of the page, @graph and lists flattened (invalid JSON skipped)."""
    out: list[dict] = []

    def walk(node, depth=0):
        if depth > 6:
            return
        if isinstance(node, list):
            for n in node:
                walk(n, depth + 1)
        elif isinstance(node, dict):
            out.append(node)
            if "@graph" in node:
                walk(node["@graph"], depth + 1)

    for script in tree.xpath('//script[@type="application/ld+json"]'):
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            walk(json.loads(raw))
        except (ValueError, RecursionError):
            # a page's JSON-LD is often invalid (a stray control character, a trailing comma): its headline still reads
            for m in re.finditer(r'"headline"\s*:\s*"((?:[^"\\]|\\.){3,400})"', raw):
                try:
                    out.append({"@type": "Article", "headline": json.loads(f'"{m.group(1)}"')})
                except ValueError:
                    pass
    return out


def _types(obj: dict) -> list[str]:
    t = obj.get("@type") or []
    return [str(x) for x in (t if isinstance(t, list) else [t])]


def _names(value) -> list[str]:
    """Names from a JSON-LD author/publisher value: a string, an object with a name, or a list of them."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        name = value.get("name")
        return [name] if isinstance(name, str) else []
    if isinstance(value, list):
        return [n for v in value[:10] for n in _names(v)]
    return []


def _strings(value) -> list[str]:
    """A JSON-LD text value that may be a string or a list of them."""
    if isinstance(value, str):
        return [value]
    return [v for v in value[:5] if isinstance(v, str)] if isinstance(value, list) else []


def read_meta(tree) -> PageMeta:
    """Everything the page says about itself (empty fields when it says nothing)."""
    if tree is None:
        return PageMeta()
    metas: dict[str, list[str]] = {}
    for m in tree.iter("meta"):
        key = (m.get("property") or m.get("name") or m.get("itemprop") or "").strip().lower()
        content = " ".join((m.get("content") or "").split())
        if key and content:
            metas.setdefault(key, []).append(content)
    titles: list[tuple[str, str]] = []
    sites: list[tuple[str, str]] = []
    authors: list[str] = []
    published = None
    url = None
    page_types: list[str] = []
    sections: list[str] = []
    for obj in _ld_objects(tree):
        types = _types(obj)
        page_types += types
        if any(_ARTICLE_TYPES.search(t) for t in types):
            sections += [s for s in _strings(obj.get("articleSection")) if s.strip()]
        if any(_ARTICLE_TYPES.search(t) for t in types):
            head = obj.get("headline")
            if isinstance(head, str) and head.strip() and not any(t in ("WebPage", "ItemPage") for t in types):
                titles.append(("ld", " ".join(head.split())))
            sites += [("ld-publisher", n) for n in _names(obj.get("publisher"))]
            authors += _names(obj.get("author"))
            published = published or (obj.get("datePublished") if isinstance(obj.get("datePublished"), str) else None)
            if isinstance(obj.get("url"), str) and not any(t in ("WebPage", "ItemPage") for t in types):
                url = url or obj["url"]
        elif any(t in ("Organization", "NewsMediaOrganization", "WebSite") for t in types) and not sites:
            sites += [("ld-site", n) for n in _names(obj)]
    for key, kind in (("og:title", "og"), ("twitter:title", "twitter")):
        titles += [(kind, v) for v in metas.get(key, [])[:1]]
    for h1 in tree.iter("h1"):
        text = " ".join(" ".join(h1.itertext()).split())  # a label in a child span is not glued to the headline
        if text and len(titles) < 20:
            titles.append(("h1", text))
    head_title = tree.find(".//title")
    if head_title is not None and _text(head_title):
        titles.append(("title", _text(head_title)))
    for key, kind in (("og:site_name", "og:site_name"), ("application-name", "application-name"),
                      ("apple-mobile-web-app-title", "application-name"), ("cxenseparse:site", "og:site_name")):
        sites += [(kind, v) for v in metas.get(key, [])[:1]]
    sites.sort(key=lambda s: ["og:site_name", "ld-publisher", "application-name", "ld-site"].index(s[0]))
    for link in tree.iter("link"):
        if (link.get("rel") or "").lower() == "canonical" and link.get("href", "").startswith("http"):
            url = link.get("href")
            break
    url = url or next((u for u in metas.get("og:url", []) if u.startswith("http")), None)
    for key in ("author", "article:author", "sailthru.author", "dc.creator", "byl"):
        authors += [a for a in metas.get(key, []) if not a.startswith("http")]
    dates = ("article:published_time", "datepublished", "date", "pubdate", "dc.date", "og:published_time")
    published = published or next((metas[k][0] for k in dates if k in metas), None)
    root = tree if tree.tag == "html" else tree.getroottree().getroot()
    language = root.get("lang") or root.get("xml:lang") or next(iter(metas.get("og:locale", [])), None)
    description = next((metas[k][0] for k in ("og:description", "description", "twitter:description") if k in metas),
                       None)
    deks, leads = marked_paragraphs(tree)
    section = next(iter(metas.get("article:section", [])), None) or next(iter(sections), None)
    seen: set[str] = set()
    clean_authors = []
    for a in authors:
        a = " ".join(a.split()).strip(" ,;|")
        if a and len(a) <= 80 and a.lower() not in seen:
            seen.add(a.lower())
            clean_authors.append(a)
    return PageMeta(titles=tuple(titles), site_names=tuple((k, " ".join(v.split())) for k, v in sites if v.strip()),
                    url=url, authors=tuple(clean_authors[:10]), published=published, language=language,
                    description=description, deks=deks, leads=leads, types=tuple(dict.fromkeys(page_types))[:20],
                    section=" ".join(section.split())[:80] if section else None)


def _next_text_element(el):
    """The element after this one in the page (its parent's next, when it is the last), skipping empty ones."""
    for _ in range(3):
        nxt = el.getnext()
        while nxt is not None and (not isinstance(nxt.tag, str) or not _text(nxt)):
            nxt = nxt.getnext()
        if nxt is not None:
            return nxt
        el = el.getparent()
        if el is None:
            return None
    return None


_BLOCKS_INSIDE = ".//p|.//div|.//li|.//h2|.//h3|.//section|.//article"


def marked_paragraphs(tree) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Texts the page marks up as a dek and as the lead. A dek: a paragraph whose class, id or itemprop says so
    (dek, standfirst, subtitle, summary, ...), a subheading standing right under the page's <h1> (<h1> then
    <h2>: Salon's), or a paragraph in the article's <header> beside its <h1> (NYT's summary line). A lead: a
    paragraph whose class says so (lead, perex, intro, chapo, ...). Only paragraphs count, not a container
    whose class happens to say "summary" (Drupal's "field-type-text-with-summary" body)."""
    deks: list[str] = []
    leads: list[str] = []
    for el in tree.iter("p", "div", "h2", "h3", "span", "section"):
        if el.xpath(_BLOCKS_INSIDE):
            continue
        text = _text(el)
        if len(text.split()) < 6 or len(text) > 600:
            continue
        # its own class words, and those of the wrappers around it that hold little else ("div.ngart-hl__deck > h2")
        words, node = set(class_words(el)), el.getparent()
        for _ in range(2):
            if node is None or len(_text(node)) > 1.5 * len(text) + 60:
                break
            words |= class_words(node)
            node = node.getparent()
        if not words or words & _NOT_PROSE or not (words & (DEK_WORDS | LEAD_WORDS)):
            continue
        if words & DEK_WORDS and len(deks) < 5:
            deks.append(text)
        elif words & LEAD_WORDS and len(leads) < 5:
            leads.append(text)
    for h1 in tree.iter("h1"):
        nxt = _next_text_element(h1)
        text = _text(nxt) if nxt is not None else ""
        if nxt is not None and nxt.tag in ("h2", "h3", "h4") and len(text.split()) >= 6 and len(text) <= 600:
            deks.append(text)
    for header in tree.iter("header"):
        if header.find(".//h1") is None:
            continue
        for p in header.iter("p"):
            text = _text(p)
            if len(text.split()) >= 8 and len(deks) < 8 and not (class_words(p) & _NOT_PROSE):
                deks.append(text)
    return tuple(dict.fromkeys(deks)), tuple(dict.fromkeys(leads))


# ------------------------------------------------------------------------------------------------ the headline
def _runs(text: str) -> list[str]:
    """The title and every run of its parts: the texts it can share with another candidate."""
    parts, seps = split_parts(text)
    runs = [text]
    if 1 < len(parts) <= 8:
        for lo in range(len(parts)):
            for hi in range(lo + 1, len(parts) + 1):
                if (lo, hi) != (0, len(parts)):
                    runs.append(_join(parts, seps, lo, hi))
    return runs


_FAMILY = {"og": "social", "twitter": "social", "ld": "ld", "h1": "h1", "title": "title", "extracted": "extracted"}
_AGREED_ORDER = ("h1", "title", "ld", "social", "extracted")  # among agreeing candidates: what the page shows first
REWORDED = 0.6  # share of the agreed headline's words an <h1> must say to be its visible form (nzz.ch: 5/6)
_SINGLE_ORDER = ("ld", "social", "title", "extracted", "h1")  # none agree: an unconfirmed <h1> is often page chrome


def choose_title(candidates: Iterable[tuple[str, str]], names: Sequence[str] = (),
                 authors: Sequence[str] = ()) -> str | None:
    """The page's headline: among its title candidates (kind, text), the text that most families of them state,
    alone or with extras around it (og:title and twitter:title are one family, as one usually copies the other).
    Ties go to what the page shows (<h1>, then <title>). A candidate that only names the site, and an <h1> no
    other candidate confirms, are page chrome."""
    candidates_list = [(kind, " ".join((raw or "").split())) for kind, raw in candidates]
    full: dict[str, tuple[tuple[int, ...], str]] = {}  # key -> (rank, text) of candidates stating it whole
    runs: list[tuple[str, set[str]]] = []  # (family, keys of its runs)
    for kind, text in candidates_list:
        family = _FAMILY.get(kind, "extracted")
        if not text or len(text) > 400 or (text.endswith(("...", "…")) and family == "social"):
            continue
        k = key(text)
        if not k or is_site_part(text, names) or (word_count(text) < 2 and not _CJK.search(text)):
            continue
        where = (_AGREED_ORDER.index(family),)
        if k not in full or where < full[k][0]:
            full[k] = (where, text)
        runs.append((family, {key(r) for r in _runs(text)}))
    if not full:
        return None
    # a text's votes: the families that state it, whole or with extras (the candidates' common part)
    votes = {k: {fam for fam, ks in runs if k in ks} for k in full}
    best_votes = max(len(v) for v in votes.values())
    order = _AGREED_ORDER if best_votes > 1 else _SINGLE_ORDER

    def standing(k: str) -> tuple[int, int, int]:
        return (len(votes[k]), -min(order.index(f) for f in votes[k]), len(k))

    best = max(votes, key=standing)
    if "h1" not in votes[best]:
        # The page shows its headline in an <h1>; the metadata titles are often a shorter one for search and social
        # ("Brexit: Nervenkrieg geht in nächste Runde" for "Der Nervenkrieg um den Brexit geht in die nächste
        # Runde"). An <h1> that says most of the agreed headline's words again is that headline as the reader
        # sees it (but not one that is the agreed headline plus glued extras).
        agreed = set(best.split())
        for kind, text in candidates_list:
            k = key(text)
            if kind == "h1" and k and best not in k and not is_site_part(text, names) and \
                    len(agreed & set(k.split())) >= REWORDED * len(agreed) and len(k) <= 2 * len(best):
                return strip_site_parts(text, names, authors)
    return strip_site_parts(full[best][1], names, authors)
