"""What the web serves around an article, taken off: boilerplate lines, trailers, glued sentences, language.

Web pages and feeds carry more than the story: newsletter prompts, "Related:" links, reprint
notices, comment counters, credit lines, lists of related headlines. These are recognised line by
line (a line is a paragraph as the extractor gives it):

- boilerplate: a line that matches a pattern of page furniture (BOILERPLATE below) is dropped
  wherever it stands;
- trailer: at the end of a page, the lines that are not sentences (no closing punctuation:
  related-story headlines, credits, dates, "Comments") are dropped, so a complete page is not
  mistaken for one cut off mid-sentence;
- on a web page, each prose line is also judged from its place in the page (page_lines): the element it
  stands in and its ancestors (figcaption, aside, nav, footer, a link list), their class and id words
  (related, newsletter, promo, caption, disclosure, hovercard, ...) and how much of it is links, with its
  words, by a small logistic regression (training/train_furniture.py, trained on real pages: aeb's true
  bodies and peers' with/without snippets; weights in models/weights/furniture/, inference in numpy).
  The page's first prose line is protected unless the page itself puts it in a caption, aside, nav,
  footer or link.
"""

from __future__ import annotations

import functools
import re
import unicodedata
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..text import sanitize
from ..text.rules import ends_sentence, word_count
from .pagemeta import class_words

# Page furniture, matched against a whole line (case-insensitive). Each alternative names a kind of
# line that is never the story's own text, seen on real pages and feeds.
BOILERPLATE = re.compile(
    r"""^\W*(?:
      (?:click|tap)\ here\b | scroll\ down\b | read\ (?:more|the\ full|next)\b | continue\ reading\b
    | (?:sign|signing)\ up\b | subscribe\b | thanks\ for\ signing\ up | keep\ an\ eye\ on\ your\ inbox
    | there\ was\ an\ error\ processing | join\ our\b | get\ (?:access|the\ latest|our)\b | start\ your\ day\ with
    | follow\ (?:us|him|her|the\ latest|.{0,60}\ on\ (?:facebook|twitter|instagram|x)\b)
    | share\ (?:this|on|your)\b | please\ share\ your | (?:also\ on|more\ from|more\ on|see\ more|see\ also|also\ read|also\ see|don'?t\ miss|most\ popular|popular\ on|recommended|related(?:\ (?:post|article|story|stories|coverage|content|links?))?|you\ may\ also\ like|you\ might\ also\ like|trending|watch|listen|live|video|photos?|gallery|explore\ further|more\ stories|top\ stories|editor'?s\ picks?)\b\s*[:\-–—|]
    | (?:also\ on|explore\ further|you\ may\ also\ like|you\ might\ also\ like|related\ (?:articles|stories|posts)|more\ stories|popular\ on\ \S+|don'?t\ miss|see\ more\ photos|advertisement|comments?|tell\ us\ what\ you\ think|leave\ a\ comment)\W*$
    | advertisement\b | by\ \S+\ \S+\ (?:\.|and\b)
    | this\ copy\ is\ for\ your\ personal | (?:all\ rights\ reserved|copyright\b|©|\(c\)\ \d{4}) | image\ (?:copyright|caption|credit)
    | (?:main\ )?(?:image|photo|picture|video)\ (?:credit|source|by)\b | media\ playback | filed\ under\b | tags?\s*: | posted\ in\b
    | (?:sources?|credits?|contributing|photos?|pictures?)\s*:
    | with\ .{0,30}\ wires\W*$ | (?:additional\ reporting|reporting|writing|editing|compiled)\ by\b | also\ on\ \S+\.\w+
    | \(.{0,150}\)\W*$
    | \(?reporting\ by\b | .{0,80}\bcontributed\ (?:reporting|to\ this\ report)\b | published\ by\b | publicado\ por\b
    | tempo\ de\ leitura | reading\ time\b | \d+\ min(?:ute)?s?\ read\W*$ | last\ (?:updated|modified)\b | (?:updated|published|posted)\s*(?:on\s*)?:
    | the\ times\ is\ committed\ to\ publishing | we'?d\ like\ to\ hear\ what\ you\ think
    | if\ you\ buy\ something\ through | this\ (?:article|post|story)\ (?:contains|may\ contain)\ affiliate
    | the\ views\ and\ opinions\ expressed | the\ opinions\ expressed
    | \[(?:button|related|embed|caption)\b
    | (?:leer(?:\ m[aá]s)?|seguir\ leyendo|lire\ (?:la\ suite|plus)|weiterlesen|mehr\ lesen|leggi(?:\ (?:tutto|di\ pi[uù]))?
       |continua\ a\ leggere|ler\ mais|continuar\ lendo|lees\ meer|czytaj\ wi[eę]cej|devam[ıi]n[ıi]\ oku)\W*$
    | .{0,60}\b(?:comments?|comentários|comentarios|kommentare|commentaires)\b.{0,160}\b(?:moderat|approv|aprovad|policy|guidelines|política|richtlinien)
    | .{0,80}\b(?:click|tap|view|read|see|find|watch|listen|download|sign\ up|subscribe|register)\b.{0,80}\bhere\W*$
    )""",
    re.I | re.X,
)
# A line that is a list of dates and places (tour dates, event listings), or a byline with a date.
_LISTING = re.compile(
    r"""^(?:
      (?i:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\ \d{1,2}\s*(?:--|[–—-])\s*\S.*,\s*[A-Z]{2}\W*$
    | .{0,60}\|\s*.{0,60}\|\s*\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\W*$
    | \d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\s*[-–—|].{0,120}$
    | by\ [A-Z][\w.'-]+(?:\ [A-Z][\w.'-]+){0,3}\W*$
    | (?=.*\b(?:19|20)\d\d\b)(?=.*\b\d{1,2}[:h]\d\d\b)(?:\S+\s+){0,11}\S+\W*$
    )""",
    re.X,
)
TRAILER_WORDS = 40  # a trailer this short is always furniture
TRAILER_SHARE = 0.25  # ... and a longer one only while it is under a quarter of the page
_URL_LINE = re.compile(r"^\W*(?:https?://|www\.)\S+\W*$", re.I)
_GLUED_SENTENCE = re.compile(r"(?<=[a-z]{2}[.!?])(?=[A-Z][a-z])")  # "on Wednesday.The stabbing"


# A photo caption ends with its credit after the last full stop: "... in New York. Reuters",
# "... on Monday. AP Photo/Jane Doe", "... at the summit. Getty Images".
_CAPTION_CREDIT = re.compile(r"[.!?]\s+(?:(?:AP|AFP|EPA|Reuters|Getty|Shutterstock|Bloomberg|PA|Xinhua|Alamy|"
                             r"Associated Press|File|Courtesy|Photo|Image|Credit)\b[\w ./&-]{0,40}|[A-Z][\w.-]+/[A-Z][\w .-]+)$")


# A reprint or syndication notice: where the story ran first or who lent it, not the story. Short, and not a
# sentence that reports something ("The story first appeared in the Times, he said." is the story's).
_REPRINT = re.compile(
    r"""^\W*(?:(?:this|the)\ (?:article|story|post|piece|report|column|interview|essay|review|video)
          \ (?:was\ |is\ |has\ been\ )?(?:originally|first)\ (?:appeared|appears|published|posted|ran)\b
      | (?:originally|first)\ (?:appeared|published|posted)\ (?:on|in|at|by)\b
      | a\ version\ of\ this\ (?:article|story|report)\ (?:appears|appeared)\b
      | .{0,80}\b(?:republished|reprinted|reproduced)\ (?:here\ )?(?:with|by)\ (?:kind\ )?permission\b
      | .{0,60}\bis\ republished\ from\b)""", re.I | re.X)
# "This story was produced by ProPublica." - a partner notice only when that is all the line says
_PARTNER = re.compile(r"^\W*(?:this|the)\ (?:article|story|post|piece|report)\ (?:was|is)\ (?:produced|reprinted|"
                      r"republished|adapted|co-published)\ (?:by|in|from|with)\ (?!.*\ and\ )\S+(?:\ \S+){0,4}\W*$",
                      re.I)
_REPORTS = re.compile(r"\b(?:said|says|told|according)\b", re.I)
REPRINT_WORDS = 30  # a notice is one short line


def _reprint(line: str) -> bool:
    return (bool(_REPRINT.match(line)) and len(line.split()) <= REPRINT_WORDS and not _REPORTS.search(line)
            or bool(_PARTNER.match(line)))


# Words run together where the extractor joined a list of links ("Related articlesMore from author").
_GLUED = re.compile(r"\b[a-z]{2,}[A-Z][a-z]{2,}")


_BRACKETED = re.compile(r"\[[^\[\]]{10,300}\]")  # a whole line in brackets: an editor's insert


def is_boilerplate(line: str) -> bool:
    """Is this line page furniture rather than the story? The patterns above; a whole line in square brackets (an
    editor's insert: "[Get New York Today in your inbox.]"); a reprint notice ("This article originally appeared
    on VICE US."); a list of links run together (two words glued: "articlesMore", "authorPrison").

    Not the model on the words alone: at the threshold calibrated on CNN/DailyMail and BBC sentences it still
    took 5 of 3,799 AG News openings for furniture, and an opening that is an article's only line cannot be lost.
    The model judges page lines, with their page (page_lines)."""
    line = line.strip()
    return bool(BOILERPLATE.match(line) or _LISTING.match(line) or _URL_LINE.match(line)
                or _CAPTION_CREDIT.search(line) or _BRACKETED.fullmatch(line) or _reprint(line)
                or len(set(_GLUED.findall(line))) >= 2)


def is_sentence_line(line: str) -> bool:
    """Does the line end as prose does?"""
    return ends_sentence(line.strip())


def clean_lines(lines: list[str], page: bool) -> list[str]:
    """Drop boilerplate lines anywhere, and (for a web page) the non-sentence trailer at the end."""
    kept = [u for u in (_repair(ln) for ln in lines) if u and not is_boilerplate(u)]
    if page:
        # The trailer: non-sentence lines at the end (related headlines, credits, dates). A long run of
        # them is the article itself (a list, a table, tour dates the story is about), so it stays.
        total = sum(len(ln.split()) for ln in kept)
        end = len(kept)
        while end > 1 and not is_sentence_line(kept[end - 1]):
            end -= 1
        trailer = sum(len(ln.split()) for ln in kept[end:])
        if trailer <= max(TRAILER_WORDS, TRAILER_SHARE * total):
            kept = kept[:end]
        # a paywall stub ("All...") or an orphan short line after the last paragraph
        while len(kept) > 1 and len(kept[-1].split()) < 4 and kept[-1].rstrip().endswith(("...", "…")):
            kept.pop()
    return kept


_LEADING_RULES = re.compile(r"^(?:[|•·]\s*)+")
_INLINE_BYLINE = re.compile(
    r"^by [A-Z][\w.'’-]+(?: [A-Z][\w.'’-]+){0,3}\s+(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)?"
    r"(?:(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2},? \d{4}\s+)(?=[A-Z])")


_DATE_STAMP = re.compile(
    r"^(?:(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2},? \d{4}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4})"
    r"\s*[-–—|,]?\s*(?:\d{1,2}:\d{2}\s*(?:[AaPp]\.?[Mm]\.?\w{0,3})?\s*)?(?:[\w.]+\s*[-–—|]\s+)?(?=[A-Z])")


_ENTITY = re.compile(r"&(?:[a-zA-Z]{2,8}|#\d{2,5}|#x[0-9a-fA-F]{2,4});")
_BARE_ENTITY = re.compile(r"(?<![&\w])#(\d{2,4});")  # "&#39;" that lost its "&" on the way: "this year #39;s"
_TAG = re.compile(r"<(?:a|/a|b|/b|i|/i|em|/em|strong|/strong|span|/span|font|/font)\b[^<>]{0,300}>", re.I)


def _repair(line: str) -> str:
    line = sanitize.line(line)
    if "&" in line or "#" in line:  # HTML entities left in text ("AT&amp;T", "&lt;A HREF=...&gt;")
        import html

        line = _BARE_ENTITY.sub(lambda m: chr(int(m.group(1))) if int(m.group(1)) < 0x110000 else m.group(), line)
        line = re.sub(r"(?<=\w) '(?=(?:s|t|re|ve|ll|d)\b)", "'", line)  # "this year 's" -> "this year's"
        if _ENTITY.search(line):
            line = html.unescape(line)
    if "<" in line:
        line = _TAG.sub("", line)  # inline markup that came through as text
    line = _LEADING_RULES.sub("", line.strip())  # table rules left by the extractor: "|  | Text"
    line = _INLINE_BYLINE.sub("", line)
    line = _DATE_STAMP.sub("", line)  # "November 20, 2019 - 11:28 AMT PanARMENIAN.Net - Verified video ..."  # "by Jeff Foust Monday, November 18, 2019 Earlier this month, ..."
    line = _GLUED_SENTENCE.sub(" ", line)
    line = _END_MARK.sub("", line)  # "... the last paragraph. ❖": the paragraph ends a sentence before the mark
    return _BYLINE_PREFIX.sub("", line)  # "By Aaron Humes: The Ministry of ...": a byline run into the lead


# End-of-story marks: the line before them is complete ("... the last paragraph. ❖", "-30-", "###").
_END_MARK = re.compile(r"\s*(?:[❖■□◆◇●◼▪∎♦]|-30-|###|\[ends?\]|\(end\))\s*$", re.I)
# "By Aaron Humes: The Ministry of ..." - a byline run into the lead paragraph
_BYLINE_PREFIX = re.compile(r"^By\s+[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3}\s*[:|–—-]\s+(?=[A-Z\"“])")


# ------------------------------------------------------------------------------------------------ the page
DIM = 1 << 18  # hashed feature space (the trained model keeps ~20k non-zero weights)
BLOCK_TAGS = frozenset("p li h1 h2 h3 h4 h5 h6 figcaption blockquote td th dd dt pre caption div section article aside "
                       "header footer figure ul ol table tr nav form main address details summary label center "
                       "dl".split())
NOTABLE = frozenset("figure figcaption aside nav footer header form li ul ol blockquote table button label a h1 h2 h3 "
                    "h4 h5 h6 article main section dl small strong em time address".split())
_WORD = re.compile(r"\w+")
# Class and id words that name page furniture (the list and its kin), pooled into one feature so the model
# learns one weight for them from every page, not one per word from the few pages that use each.
FURNITURE_CLASS = frozenset("""related newsletter newsletters promo promos promotion promoted disclosure disclaimer
    subscribe subscription subscriptions signup cta advert advertisement advertising ads ad sponsor sponsored affiliate
    commerce caption captions credit credits hovercard tooltip popover share sharing sharebar social recirc
    recirculation recommended recommendation recommendations trending outbrain taboola comments comment popular
    mostread copyright legal footer sidebar breadcrumb breadcrumbs nav navigation menu banner paywall registration
    login modal overlay rollover latest teaser teasers""".split())
ARTICLE_CLASS = frozenset("body content text story article paragraph entry prose richtext copy".split())
FURNITURE_ANCESTORS = frozenset({"aside", "nav", "footer", "form", "figcaption", "button", "label"})
# Words that open a line addressed to the reader ("Follow us ...", "Sign up ...", "Tell us what you think")
IMPERATIVE = frozenset("""follow sign subscribe get click tap tell submit reach join download register watch listen
    share read see explore discover shop buy learn like enter never start check visit continue""".split())
_CLASS_WORD = re.compile(r"^[a-z]{3,20}$")
PREFIX_WORDS = 8  # a line and a page block are matched on their first words


@dataclass(frozen=True, slots=True)
class Context:
    """Where a line stands in its page."""

    tag: str
    ancestors: frozenset[str]  # notable ancestor tags
    near: frozenset[str]  # class/id words of the element and its two closest ancestors
    far: frozenset[str]  # class/id words of ancestors three to eight levels up
    link_share: float  # share of the element's text inside links
    links: int
    own: frozenset[str] = frozenset()  # class/id words of the element and its parent (what the page calls it)


# ------------------------------------------------------------------------------------------------ page structure
def norm_words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKC", text).lower())


def _context(el) -> Context:
    near: set[str] = set()
    own: set[str] = set()
    far: set[str] = set()
    ancestors: set[str] = set()
    node, depth = el, 0
    while node is not None and depth <= 8:
        if isinstance(node.tag, str):
            words = {w for w in class_words(node) if _CLASS_WORD.match(w)}
            (near if depth <= 2 else far).update(words)
            if depth <= 1:
                own.update(words)
            if depth and node.tag in NOTABLE:
                ancestors.add(node.tag)
            if node.get("hidden") is not None or node.get("aria-hidden") == "true":
                ancestors.add("hidden")
        node, depth = node.getparent(), depth + 1
    text = " ".join(el.text_content().split())
    links = [" ".join(a.text_content().split()) for a in el.iter("a")]
    share = sum(len(t) for t in links) / max(1, len(text))
    return Context(el.tag if isinstance(el.tag, str) else "?", frozenset(ancestors), frozenset(near),
                   frozenset(far), min(1.0, share), len(links), frozenset(own))


def page_blocks(tree) -> dict[str, object]:
    """The page's text blocks (elements with no block inside), keyed by their first words."""
    index: dict[str, object] = {}
    if tree is None:
        return index
    body = tree.find(".//body")
    later = []
    for el in (body if body is not None else tree).iter(*BLOCK_TAGS):
        if any(isinstance(d.tag, str) and d.tag in BLOCK_TAGS for d in el.iterdescendants()):
            later.append(el)  # a container: its words key a line only where no block inside starts the same way
            continue
        words = norm_words(el.text_content())
        if words:
            index.setdefault(" ".join(words[:PREFIX_WORDS]), el)
    for el in reversed(later):  # innermost containers first (document order lists outer ones first)
        words = norm_words(el.text_content()[:400])
        if words:
            index.setdefault(" ".join(words[:PREFIX_WORDS]), el)
    return index


def contexts(lines: list[str], tree, index: dict | None = None) -> list[Context | None]:
    """Each line's place in the page (None where no block of the page starts with its words)."""
    index = page_blocks(tree) if index is None else index
    out: list[Context | None] = []
    for line in lines:
        words = norm_words(line)
        el = index.get(" ".join(words[:PREFIX_WORDS])) if words else None
        out.append(_context(el) if el is not None else None)
    return out


# ------------------------------------------------------------------------------------------------ features
def _bucket(n: float, edges: tuple[float, ...]) -> int:
    return sum(n >= e for e in edges)


def features(line: str, ctx: Context | None, position: int | None = None, total: int | None = None) -> list[str]:
    """The line's features: words, shape, and (when known) its place in the page and in the text."""
    text = " ".join(line.split())
    words = norm_words(text)
    words = [re.sub(r"\d", "0", w) for w in words]
    f = [f"w:{w}" for w in words[:60]]
    f += [f"b:{a}_{b}" for a, b in zip(words[:40], words[1:41], strict=False)]
    if words:
        f += [f"first:{words[0]}", f"last:{words[-1]}"]
        if len(words) > 1:
            f.append(f"first2:{words[0]}_{words[1]}")
    f.append(f"len:{_bucket(len(words), (2, 4, 8, 13, 20, 30, 50))}")
    end = text[-1:] if text else ""
    f.append("end:" + ({".": "stop", "?": "q", "!": "ex", ":": "colon", "…": "ell", "»": "quote", "”": "quote",
                        '"': "quote", ")": "paren"}.get(end, "other")))
    caps = [w for w in text.split() if w[:1].isalpha()]
    if caps:
        f.append(f"caps:{_bucket(sum(w[0].isupper() for w in caps) / len(caps), (0.2, 0.4, 0.6, 0.8))}")
    if re.search(r"https?://|www\.|\.com\b", text):
        f.append("has:url")
    if "@" in text:
        f.append("has:at")
    if re.search(r"©|\(c\)|copyright", text, re.I):
        f.append("has:copy")
    if "|" in text:
        f.append("has:bar")
    if re.fullmatch(r"\[.*\]|\(.*\)", text):
        f.append("has:bracketed")
    if re.match(r"(?i)by\s", text):
        f.append("starts:by")
    if words and words[0] in IMPERATIVE:
        f.append("cue:imperative")
    if re.search(r"(?i)\byou(?:r|'ll|'re)?\b", text):
        f.append("cue:you")
    if re.search(r"(?i)\b(?:our|us)\b", text):
        f.append("cue:our")
    if position is not None and total:
        f.append("pos:" + ("first" if position == 0 else "last" if position == total - 1 else
                           "early" if position < 3 else "late" if position >= total - 3 else "mid"))
    if ctx is None:
        f.append("ctx:none")
        return f
    f.append(f"tag:{ctx.tag}")
    if ctx.near & FURNITURE_CLASS:
        f.append("cue:class")
        if not ctx.near & ARTICLE_CLASS:
            f.append("cue:class_only")
    if ctx.ancestors & FURNITURE_ANCESTORS:
        f.append("cue:ancestor")
    f += [f"anc:{a}" for a in ctx.ancestors]
    f += [f"cls:{w}" for w in ctx.near]
    f += [f"far:{w}" for w in ctx.far - ctx.near]
    f.append(f"links:{_bucket(ctx.links, (1, 2, 4, 8))}")
    f.append(f"linkshare:{_bucket(ctx.link_share, (0.05, 0.3, 0.6, 0.9))}")
    return f


def hashed(feats: list[str]) -> np.ndarray:
    """Feature names -> indices into the weight vector (crc32: the same in every process and version)."""
    return np.fromiter((zlib.crc32(x.encode("utf-8")) % DIM for x in feats), dtype=np.int64, count=len(feats))


# ------------------------------------------------------------------------------------------------ the model
@dataclass(frozen=True)
class Model:
    """The trained weights (dense over DIM), bias and decision threshold."""

    weights: np.ndarray
    bias: float
    threshold: float
    text_threshold: float

    def proba(self, feats: list[str]) -> float:
        """P(furniture) of one line's features."""
        idx = np.unique(hashed(feats))  # binary features: a feature that repeats counts once
        z = float(self.weights[idx].sum()) + self.bias
        return 1.0 / (1.0 + np.exp(-z))


def model_path() -> Path:
    """Where the shipped furniture model is (training/train_furniture.py writes it)."""
    from ..models import shipped

    return shipped("furniture") / "furniture.npz"


# The model is packaged data, the same for every run and setting (like text/language.py's identifier), so it is
# read once per process, not carried in the run's Models: parse_html runs wherever a page arrives (files, fetches,
# serve) and has no run to ask.
@functools.lru_cache(maxsize=2)
def load(path: Path | None = None) -> Model | None:
    """The model from its .npz (None when it is missing: then only the rules apply)."""
    path = path or model_path()
    if not path.is_file():
        return None
    with np.load(path) as z:
        weights = np.zeros(int(z["dim"]), dtype=np.float32)
        weights[z["index"]] = z["value"]
        return Model(weights, float(z["bias"]), float(z["threshold"]), float(z["text_threshold"]))


def prose(line: str) -> bool:
    """A line that could stand in a summary: five words or more (CJK: ten characters) ending as a sentence ends.
    Only these are judged: the rest never reaches a summary, and the package's rules already handle it."""
    return word_count(line) >= 5 and ends_sentence(line)


SURE = ("figcaption", "aside", "nav", "footer", "a")  # structure that alone says a lead-position line is not the
# story: a caption, a sidebar, navigation, a footer, or a paragraph inside a link (a related story's teaser)


def page_marks_furniture(ctx: Context | None) -> bool:
    """Does the page itself say this line is not the story: it stands in a caption, aside, nav, footer or link, is
    all links, or its own element or wrapper is named as furniture ("editorial-disclosure", "newsletter-signup")?"""
    return ctx is not None and bool(ctx.ancestors & set(SURE) or ctx.link_share >= 0.9 or ctx.own & FURNITURE_CLASS)


def page_lines(lines: list[str], tree, model: Model | None = None) -> list[str]:
    """The page's extracted lines less the furniture among them."""
    model = model or load()
    if model is None or not lines:
        return lines
    ctxs = contexts(lines, tree)
    kept = []
    first_prose = next((i for i, ln in enumerate(lines) if len(ln.split()) >= 12), None)
    for i, (line, ctx) in enumerate(zip(lines, ctxs, strict=True)):
        if prose(line):
            p = model.proba(features(line, ctx, i, len(lines)))
            # the first prose line is the lead unless the page says otherwise (an advertiser disclosure above
            # the story, thepointsguy.com's "editorial-disclosure" section, is no lead)
            protected = i == first_prose and not page_marks_furniture(ctx)
            if p >= model.threshold and not protected:
                continue
        kept.append(line)
    return kept
