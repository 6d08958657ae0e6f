"""Web pages read the way a reader reads them: the main text with trafilatura, then our layer: the headline the
page shows (chosen among its title candidates by agreement), its publisher (never a file name), its lead kept,
its furniture left out, and what it says of itself (url, published, authors, language).

- a standfirst is dropped only when it is a repeat (its words said again by a later paragraph) or marked up as a
  dek, never because it matches the meta description (many sites use their lede as the description);
- pop-up cards inside paragraphs (The Hill's people cards, tooltips, hover cards) and labels standing first in a
  paragraph (Libération's "Analyse") are taken out before extraction, so they are not glued into a sentence;
- each extracted line is judged as article or furniture from its words and its place in the page (furniture.py).
"""

from __future__ import annotations

import logging
import re
import warnings
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from ..documents import Article
from ..errors import IngestError
from ..stories.kinds import article_kind
from ..text.rules import word_count
from . import furniture
from .build import article_of, from_body, parse_date
from .feedtext import squash
from .pagemeta import PageMeta, choose_title, class_words, load, read_meta
from .publisher import page_publisher, wire_agency

logger = logging.getLogger(__name__)

MIN_HTML_WORDS = 20  # less than this is a navigation page, not an article
REPEAT = 0.7  # a first paragraph is a repeat when a later one says this share of its words ...
MIN_REPEAT_WORDS = 8  # ... and has at least this many words (a short line shares most words with anything)
LEAD_GAP = 4  # text blocks that may stand between a marked-up lead and the first extracted paragraph
POPUP_WORDS = frozenset({"hovercard", "tooltip", "tooltiptext", "popover", "popup", "rollover", "tippy", "flyout"})
LABEL_WORDS = frozenset({"slug", "label", "kicker", "rubric", "rubrique", "category", "flag", "eyebrow", "overline",
                         "surtitre", "badge", "tag", "section"})


def parse_html(data: bytes | str, name: str, url: str | None = None) -> list[Article]:
    """One web page -> its article (IngestError when it has none)."""
    if isinstance(data, bytes):
        from .encoding import decode

        data = decode(data, name)
    html = data
    if not re.search(r"<html[\s>]|<body[\s>]", html[:65536], re.I):
        html = f"<html><body>{html}</body></html>"  # a fragment: an article's paragraphs as markup
    tree = load(html)
    meta = read_meta(tree)
    work = load(html)  # trafilatura changes the tree it reads; `tree` stays the page as served
    for page in (tree, work):
        drop_popups(page)
        drop_inline_labels(page)
    doc = _extract_tree(html, work, name, url)
    text = (doc.text or "") if doc is not None and not isinstance(doc, dict) else ""
    if doc is None or isinstance(doc, dict) or word_count(text) < MIN_HTML_WORDS:
        raise IngestError(f"{name}: no article text found in this HTML page; give the article's own page.")
    names = [n for _, n in meta.site_names] + ([doc.sitename] if doc.sitename else [])
    title = choose_title(meta.titles, names, meta.authors) or doc.title
    lines = furniture.page_lines([ln for ln in text.split("\n") if ln.strip()], tree)
    lines = recover_lead(lines, tree, meta.leads)
    heads = [t for _, t in meta.titles]
    raw = from_body(title, _without_standfirst("\n".join(lines), title, meta.deks, heads), kind="page")
    if raw is None or not raw.text:
        raise IngestError(f"{name}: no article text found in this HTML page; give the article's own page.")
    # the page's own time (schema.org's ISO 8601) where it gives one; trafilatura's finder keeps only the day
    published = _page_time(meta.published) or (parse_date(doc.date, name) if doc.date else None)
    page_url = doc.url or url or meta.url
    page_title = next((t for k, t in meta.titles if k == "title"), None)
    source = page_publisher(meta.site_names, doc.sitename, page_url, page_title, title, None, heads)
    if not source:
        source = wire_agency(raw.dateline) or ""
        if source and raw.dateline and re.fullmatch(r"\([^()]*\)", raw.dateline.strip()):
            raw = replace(raw, dateline=None)  # "(CNN)" became the source: it is not a place
    category = meta.section  # the page's own desk; trafilatura's categories are often the site's menu links
    kind, _ = article_kind(page_url, raw.title, [category] if category else [], page_types=meta.types)
    return [article_of(raw, f"{Path(name).stem}", source, published=published, url=page_url,
                       authors=_authors(meta, doc), category=category, kind=kind)]


_PAGE_START = re.compile(r"<!doctype\s+html|<html[\s>]", re.I)


def _extract_tree(html: str, tree, name: str, url: str | None):
    """trafilatura's reading of the parsed page (its pop-up cards taken out); of the text when that fails."""
    import trafilatura

    if tree is not None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                doc = trafilatura.bare_extraction(tree, url=url, with_metadata=True, include_comments=False)
            if doc is not None and not isinstance(doc, dict):
                return doc
        except Exception:  # noqa: BLE001 - trafilatura and lxml raise many kinds on junk markup
            logger.debug("%s: the extractor failed on the parsed page; reading the text", name, exc_info=True)
    return _extract(html, name, url)


def _extract(data: bytes | str, name: str, url: str | None):
    """trafilatura's reading of a page. When it fails on the bytes (junk before the page's <html>: an lxml
    AssertionError deep in the date finder), it reads the page from its <html> on; IngestError if that fails too."""
    import trafilatura

    for attempt_no in range(2):
        try:
            with warnings.catch_warnings():  # dateutil's UnknownTimezoneWarning is the page's problem, not the reader's
                warnings.simplefilter("ignore")
                return trafilatura.bare_extraction(data, url=url, with_metadata=True, include_comments=False)
        except Exception as e:  # noqa: BLE001 - trafilatura and lxml raise many kinds on junk markup
            logger.debug("%s: the extractor failed (%r)", name, e, exc_info=True)
            text = data if isinstance(data, str) else data.decode("utf-8", "replace")
            m = _PAGE_START.search(text, 1)
            if attempt_no or m is None:
                raise IngestError(f"{name}: this HTML page could not be read ({type(e).__name__}); save the page "
                                  "again or give its text.") from None
            data = text[m.start():]
    return None


def drop_popups(tree) -> int:
    """Take pop-up cards out of the page's paragraphs: a card's trigger (its first link, or its first text)
    stays in the sentence, the card's content goes. Returns how many were taken out."""
    if tree is None:
        return 0
    dropped = 0
    for p in list(tree.iter("p", "li", "dd", "blockquote")):
        for el in list(p.iter()):
            if el is p or not isinstance(el.tag, str) or el.getparent() is None or el.tag == "a":
                continue  # (a link is a card's trigger itself)
            if not (class_words(el) & POPUP_WORDS):
                continue
            between = [a for a in el.iterancestors() if a is not p and p in a.iterancestors()]
            if any(class_words(a) & POPUP_WORDS for a in between):
                continue  # an inner part of a card already handled
            links = [a for a in el.iter("a") if " ".join(a.text_content().split())]
            trigger = " ".join((links[0].text_content() if links else el.text or "").split())
            if " ".join(el.text_content().split()) == trigger:
                continue  # nothing but the trigger: no card here
            tail = el.tail
            for child in list(el):
                el.remove(child)
            el.text = trigger
            el.tail = tail
            dropped += 1
    return dropped


def drop_inline_labels(tree) -> int:
    """Take out a label standing first inside a paragraph or heading (Libération's <h2><span class="slug">Analyse
    </span> Après une semaine ...</h2>): an element of three words at most, with no text before it, whose class says
    it is a label. Otherwise the extractor runs it into the lead ("Analyse Après une semaine agitée")."""
    if tree is None:
        return 0
    dropped = 0
    for block in list(tree.iter("p", "h2", "h3", "li", "div")):
        if (block.text or "").strip() or not len(block):
            continue
        first = block[0]
        if not isinstance(first.tag, str) or first.tag not in ("span", "strong", "em", "b", "a", "small"):
            continue
        label = " ".join(first.text_content().split())
        rest = " ".join(block.text_content().split())[len(label):]
        if label and len(label.split()) <= 3 and len(rest.split()) >= 8 and class_words(first) & LABEL_WORDS:
            tail = first.tail
            block.remove(first)
            block.text = (tail or "").lstrip()
            dropped += 1
    return dropped


def _without_standfirst(text: str, title: str | None, deks=(), heads=()) -> str:
    """The page's text less its heading and standfirst. The standfirst (a teaser standing between the headline and
    the story) goes only when it is a repeat, its words said again by a later paragraph, or when the page marks
    it up as a dek (`deks`). Matching the meta description is no reason: many sites use the lede as their
    description, and it is then the story's first paragraph. `heads`: the page's title candidates, any of which
    may stand as the heading line."""
    lines = [re.sub(r"^(?:[|•·]\s*)+", "", ln.strip()) for ln in text.split("\n")]
    lines = [ln for ln in lines if ln]
    heading_keys = {squash(h) for h in (title, *heads) if h}
    heading_keys.discard("")
    at = 0
    if lines and heading_keys:
        first = squash(lines[0])
        if first and any(first == h or (len(first) > 15 and first in h) for h in heading_keys):
            at = 1  # the page's own heading ("Is Football Violence a Crime?" under "Opinion | Is ...")
        elif title and lines[0].startswith(title.strip()) and len(lines[0]) > len(title.strip()) + 20:
            lines[0] = lines[0][len(title.strip()):].strip()  # the heading run into the first paragraph
    if at >= len(lines):
        return "\n".join(lines)
    first = squash(lines[at])
    marked = any(first and d and (first == d or (len(first) > 30 and (first in d or d in first)))
                 for d in (squash(x) for x in deks))
    words = set(first.split())
    repeat = len(words) >= MIN_REPEAT_WORDS and any(
        len(words & set(squash(ln).split())) >= REPEAT * len(words) for ln in lines[at + 1:])
    if marked or repeat:
        return "\n".join(lines[:at] + lines[at + 1:])
    return "\n".join(lines)


def recover_lead(lines: list[str], tree, leads) -> list[str]:
    """The extracted lines, preceded by the page's marked-up lead paragraph when the extractor left it out (a Czech
    perex, WirtschaftsWoche's "c-leadtext": the story's own first paragraph, in bold above the body). It must be
    prose, stand before the first extracted paragraph with at most LEAD_GAP blocks between, and not be there
    already."""
    if not leads or tree is None or not lines:
        return lines
    index = furniture.page_blocks(tree)

    def key(text: str) -> str:
        return " ".join(furniture.norm_words(text)[: furniture.PREFIX_WORDS])

    first = next((index.get(key(ln)) for ln in lines[:3] if index.get(key(ln)) is not None), None)
    if first is None:
        return lines
    order = {el: n for n, el in enumerate(tree.iter())}
    blocks = sorted(order[el] for el in index.values() if el in order)
    have = squash(" ".join(lines))
    for lead in reversed(leads):
        el = index.get(key(lead))
        if el is None or el not in order or not furniture.prose(lead) or len(lead.split()) < 12:
            continue
        if squash(lead)[:80] in have or order[el] >= order[first]:
            continue
        if sum(order[el] < b < order[first] for b in blocks) > LEAD_GAP:
            continue
        return [lead] + lines
    return lines


def _page_time(value: str | None) -> datetime | None:
    """The page's published time when it is ISO 8601 (else None: trafilatura's date stands)."""
    try:
        dt = datetime.fromisoformat((value or "").strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _authors(meta: PageMeta, doc) -> tuple[str, ...]:
    """The page's authors (JSON-LD, meta author), else the extractor's byline split into names."""
    if meta.authors:
        return meta.authors
    raw = getattr(doc, "author", None) or ""
    return tuple(a.strip() for a in re.split(r";|\s+and\s+|,(?=\s*[A-Z])", raw) if a.strip())[:10]
