"""What the web serves around an article, taken off: boilerplate lines, trailers, glued sentences, language.

Web pages and feeds carry more than the story: newsletter prompts, "Related:" links, reprint
notices, comment counters, credit lines, lists of related headlines. These are recognised line by
line (a line is a paragraph as the extractor gives it):

- boilerplate: a line that matches a pattern of page furniture (BOILERPLATE below) is dropped
  wherever it stands;
- trailer: at the end of a page, the lines that are not sentences (no closing punctuation:
  related-story headlines, credits, dates, "Comments") are dropped, so a complete page is not
  mistaken for one cut off mid-sentence.
"""

from __future__ import annotations

import re

from ..text import sanitize
from ..text.rules import ends_sentence

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


def is_boilerplate(line: str) -> bool:
    """Is this line page furniture rather than the story?"""
    line = line.strip()
    return bool(BOILERPLATE.match(line) or _LISTING.match(line) or _URL_LINE.match(line)
                or _CAPTION_CREDIT.search(line))


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
    return _GLUED_SENTENCE.sub(" ", line)
