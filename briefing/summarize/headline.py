"""Headlines a reader scans: the publisher's title, cleaned; else a sentence that can stand first.

A title is the best headline there is: it is kept, less the site, section, author and format parts a page or
feed puts around it (" - Reuters", " | World news | The Guardian", "TechCrunch | ...", " | Eleanor Ainge Roy",
" – live", "-新华网"), wherever they stand, and shouting capitals. Without one, the headline is
made from the article's lead (headline compression, compress.py), as long as the lead can stand
first: it must not lean on text the reader has not seen, and must not be a caption, a promo, a
question, a list or an unattributed quote.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from ..text.rules import TITLE_SEPARATOR, word_count

_SECTION_WORDS = re.compile(r"\b(?:news|world|politics|business|sport|sports|tech|technology|opinion|us|uk|"
                            r"entertainment|culture|science|health|latest|breaking|online|today|daily|times|post)\b", re.I)

_AGENCIES = re.compile(r"^(?:Reuters|AP|AFP|BBC(?: News)?|CNN|Bloomberg|Associated Press|Al Jazeera|NPR|UPI|"
                       r"The (?:Guardian|Independent|Telegraph|Times|New York Times|Washington Post)|"
                       r"Fox News|NBC News|CBS News|ABC News|Sky News|Euronews|DW|France 24|Xinhua|PTI|ANI)$")
_LABELS = re.compile(r"^(?:opinion|analysis|comment|commentary|editorial|review|explainer|exclusive|breaking|"
                     r"watch|video|live|podcast|sponsored|feature|interview|op-ed|letters?|photos?|gallery|"
                     r"world|politics|business|tech|technology|science|health|sport|sports|culture|news)$", re.I)

# Openings that lean on a sentence before: connectives (never a first sentence), and pronouns or
# "The agency" (which in an article's very first sentence point forward: "They may not be aliens, but ...").
CONNECTIVE = re.compile(
    r"^(?:however|but|and|or|also|meanwhile|moreover|furthermore|additionally|still|yet|so|thus|hence|"
    r"therefore|instead|conversely|nevertheless|nonetheless|likewise|similarly|then|later|initially|"
    r"in addition|as a result|at the same time|closer to home|elsewhere|even so|on the other hand|in turn)\b",
    re.I,
)
DEPENDENT = re.compile(
    r"^(?:"
    r"this|these|those|that|it|its|it's|they|them|their|he|she|his|her|we|our|such|there|here|"
    r"the (?:agency|company|firm|group|department|ministry|organisation|organization|move|decision|report|"
    r"study|statement|announcement|incident|attack|deal|plan|bill|measure|official|spokesman|spokeswoman|"
    r"spokesperson|man|woman|suspect|player|team|club|country|city|government|court|judge|network|site|"
    r"service|app|device|program|programme|project|show|film|book|album|latter|former|same))\b",
    re.I,
)
_CAPTION = re.compile(r"^(?:pictured|above|below|left|right|top|bottom|file photo|photo|image|video|watch|listen|"
                      r"live|update|updated|breaking|editor'?s note|note)\b\W", re.I)
_DATE_LIST = re.compile(r"(?:\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}\b.*){3,}", re.I)
_QUOTE_OPEN = "\"“‘'"
_SAID = re.compile(r"\b(?:said|says|told|added|according to|wrote|tweeted|asked|explained|stated|insisted)\b", re.I)


def can_lead(sentence: str, first: bool = False) -> bool:
    """Can this sentence be a headline or a summary's first sentence? `first`: it opens the article, so a
    pronoun in it cannot lean on anything before."""
    s = sentence.strip()
    if not s or CONNECTIVE.match(s) or (not first and DEPENDENT.match(s)) or _CAPTION.match(s):
        return False
    if s.endswith(("?", ":", "?\"", "?”")) or _DATE_LIST.search(s):
        return False
    if s[0] in _QUOTE_OPEN:
        close = max(s.rfind(q) for q in "\"”’'")
        after = s[close + 1 :] if close > 0 else ""
        if len(re.findall(r"\w+", after)) < 2 and not _SAID.search(s):
            return False  # a quote with no speaker
    return True


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_DOMAIN = re.compile(r"^(?:www\.)?[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|co|info|news|tv|fm|io|[a-z]{2})(?:\.[a-z]{2})?$",
                     re.I)
_CJK_SITE = re.compile(r"^[\u3400-\u9fff\w·]{1,10}(?:网|網|新闻|新聞|日报|日報|晚报|频道|頻道|在线|在線|\.com|\.cn)$")
# a format label standing last: "– live", "– video", "(VIDEO)", "[PHOTOS]", "- as it happened"
_FORMAT = re.compile(r"^(?:live|live updates?|live blog|as it happened|video|videos|audio|podcast|photos?|pictures|"
                     r"in pictures|gallery|slideshow|interactive|watch|listen|opinion|analysis|explainer|review|"
                     r"transcript|full text|graphic|map|quiz|comment|editorial|letters?|obituary|"
                     r"vídeo|fotos|en vivo|en directo|directo|en direct|vidéo|liveticker|live-ticker|bilder)$", re.I)
_FORMAT_BRACKET = re.compile(r"\s*[(\[]\+?\s*(?:video|videos|photos?|pictures|gallery|audio|podcast|live|watch|"
                             r"vídeo|fotos|vidéo|bilder|graphic|map|interactive)\s*[)\]]\s*$", re.I)
_NAME = (r"(?:[A-Z][\w'’.-]+|[A-Z]\.)(?:\s+(?:(?:de|da|van|von|der|del|la|le|bin|al)\s+)?"
         r"(?:[A-Z][\w'’.-]+|[A-Z]\.)){1,3}")
_PEOPLE = re.compile(rf"^(?:by\s+)?{_NAME}(?:\s*(?:,|and|&|und|y|et|e)\s+{_NAME}){{0,3}}$", re.I)
_PEOPLE_CASED = re.compile(rf"^(?:[Bb]y\s+)?{_NAME}(?:\s*(?:,|and|&|und|y|et|e)\s+{_NAME}){{0,3}}$")
# words that are never part of a person's name: "And They're Not Great" is a headline's second half
_NOT_NAME = re.compile(r"\b(?:The|And|Are|Is|Not|Of|For|To|In|On|With|At|From|A|An|It|Its|They|They're|We|You|He|She|"
                       r"New|How|Why|What|When|Who|Will|Can|Has|Have|Was|Were|Be|Live|Video|News|Review|More|All|"
                       r"Our|Your|This|That|Here|There|After|Before|Over|Says|Said|Day|Week|Year)\b")
_WORD_ENDS_ABBREV = re.compile(r"(?:\b(?:[A-Za-z]\.){2,}|\b(?:Inc|Corp|Co|Ltd|Jr|Sr|St|Bros|Mr|Mrs|Ms|Dr|No|vs|etc|"
                               r"Gov|Sen|Rep|Gen|Col|Lt|Mt|Ft|Rev|Hon|Prof|Jan|Feb|Mar|Apr|Aug|Sept|Sep|Oct|Nov|Dec)\.)$")
_LABEL_MORE = re.compile(r"^(?:update|updated|breaking news|just in|exclusive|developing|watch|listen|video|live|"
                         r"photos?|gallery|podcast|analysis|opinion|comment|editorial|explainer|review|"
                         r"actualizaci[oó]n|última hora|en vivo|eilmeldung|liveticker|direct|en direct)$", re.I)


def key(text: str) -> str:
    """What two titles are compared by: NFKC, case and punctuation folded."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.findall(r"\w+", text))


def _squash(text: str) -> str:
    return re.sub(r"\W+", "", unicodedata.normalize("NFKC", text).casefold())


_SPLIT = re.compile(f"({TITLE_SEPARATOR.pattern})")


def split_parts(title: str) -> tuple[list[str], list[str]]:
    """(parts, separators): "A | B - C" -> (["A", "B", "C"], [" | ", " - "])."""
    pieces = _SPLIT.split(title)
    parts, seps = pieces[0::2], pieces[1::2]
    return parts, seps


def _join(parts: Sequence[str], seps: Sequence[str], lo: int, hi: int) -> str:
    out = parts[lo]
    for n in range(lo + 1, hi):
        out += seps[n - 1] + parts[n]
    return out.strip()


_words = word_count


def names_match(part: str, names: Iterable[str]) -> bool:
    """Does the part name one of the names ("Sott.net" ~ "Sott", "The Telegraph" ~ "telegraph.co.uk")?"""
    p = _squash(part)
    if not p:
        return False
    for name in names:
        n = _squash(name or "")
        if not n:
            continue
        if p == n or (len(p) >= 4 and len(n) >= 4 and (p in n or n in p)):
            return True
        if re.match(rf"{re.escape(name.strip())}\b", part.strip(), re.I):  # "MSN Lifestyle" for "MSN"
            return True
        stem = _squash(re.sub(r"^(?:www\.)?([\w-]+).*$", r"\1", name)) if _DOMAIN.match(name or "") else ""
        if stem and len(stem) >= 4 and stem in p:
            return True
    return False


def is_site_part(part: str, names: Iterable[str] = ()) -> bool:
    """Does this part of a title name a site: the publisher, a domain, a CJK site name, a news agency?"""
    part = part.strip(" .:")
    if not part or _words(part) > 8:
        return False
    return bool(names_match(part, names) or _DOMAIN.match(part) or _CJK_SITE.match(part)
                or _AGENCIES.match(part))


def _is_section_part(part: str) -> bool:
    """A short label that can stand between a headline and its site: "News", "Puppet Masters", "科技"."""
    part = part.strip()
    if not part or re.search(r"[.!?]$|\d{3,}", part):
        return False
    if _CJK.search(part):
        return len(part) <= 8
    words = part.replace(",", " ").split()
    if re.search(r"\b(?:And|Are|Is|Not|They're|They|We|You|He|She|It|Was|Were|Will|Can|Has|Have|Says|Said|To|For|"
                 r"With|How|Why|What|When|Who)\b", part):
        return False  # a clause ("And They're Not Great"), not a label
    return 0 < len(words) <= 4 and all(w[0].isupper() or not w[0].isalpha() or w.lower() in ("and", "of", "the", "de")
                                       for w in words)


def _is_author_part(part: str, authors: Sequence[str]) -> bool:
    part = part.strip()
    if authors and (names_match(part, authors) or all(names_match(p, authors)
                                                      for p in re.split(r"\s*(?:,|\band\b|&)\s*", part) if p)):
        return True
    return False


_NON_LATIN = re.compile(r"[\u0370-\u03ff\u0400-\u04ff\u0590-\u06ff\u0900-\u0dff\u0e00-\u0e7f\u3040-\u30ff"
                        r"\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def _other_script(part: str, head: str) -> bool:
    """A last part of one capitalised Latin-script word after a headline in another script: the site's Latin name
    ("… 남상미 - Entermedia", "… за 14 дней | Lenta.ru")."""
    part = part.strip()
    if not part or _NON_LATIN.search(part) or len(part.split()) > 1 or not part[0].isupper():
        return False
    letters = [c for c in head if c.isalpha()]
    return bool(letters) and sum(bool(_NON_LATIN.match(c)) for c in letters) >= 0.8 * len(letters)


def _reads_as_people(part: str, sep: str) -> bool:
    """A part that reads as persons' names: "Eleanor Ainge Roy" after " | ", "Maggie Haberman and Shira Toeplitz"
    after any dash (feeds name their authors there; the page's own authors are matched by name instead)."""
    part = part.strip()
    if not _PEOPLE_CASED.match(part) or _NOT_NAME.search(part) or _SECTION_WORDS.search(part):
        return False
    return sep.strip() == "|" or bool(re.search(r"\s(?:and|&)\s", part))


def strip_site_parts(title: str, names: Sequence[str] = (), authors: Sequence[str] = (),
                     people: bool = False) -> str:
    """The title less the site, section, author and format parts at its ends. `names`: the publisher's names;
    `authors`: the page's authors; `people`: also take off a trailing part that reads as persons' names
    (feeds, where the authors are not known; never a headline's only part)."""
    t = " ".join(title.split())
    m = _FORMAT_BRACKET.search(t)
    if m and _words(t[: m.start()]) >= 3:
        t = t[: m.start()].rstrip()
    for _ in range(6):
        parts, seps = split_parts(t)
        if len(parts) < 2:
            break
        def head_ok(lo: int, hi: int, parts=parts, seps=seps) -> bool:
            return _words(_join(parts, seps, lo, hi)) >= 3
        # trailing chain: the first part (from the left) that names the site, and every part after it
        cut = next((i for i in range(1, len(parts)) if is_site_part(parts[i], names)
                    and all(_words(p) <= 6 for p in parts[i:]) and head_ok(0, i)), None)
        if cut is not None:
            t = _join(parts, seps, 0, cut)
            # the sections between the headline and the site ("| News | Jamaica Gleaner")
            parts, seps = split_parts(t)
            while len(parts) > 1 and _is_section_part(parts[-1]) and head_ok(0, len(parts) - 1):
                parts, seps = parts[:-1], seps[:-1]
            t = _join(parts, seps, 0, len(parts))
            continue
        last = parts[-1].strip()
        if head_ok(0, len(parts) - 1) and (
                _FORMAT.match(last) or _is_author_part(last, authors)
                or (people and _reads_as_people(last, seps[-1])
                    and _words(_join(parts, seps, 0, len(parts) - 1)) >= 4)):
            t = _join(parts, seps, 0, len(parts) - 1)
            continue
        if _other_script(last, _join(parts, seps, 0, len(parts) - 1)) and head_ok(0, len(parts) - 1):
            t = _join(parts, seps, 0, len(parts) - 1)  # "악녀의 덫에 걸린 이유리 ... - Entermedia"
            continue
        first = parts[0].strip()
        if is_site_part(first, names) and head_ok(1, len(parts)):  # "TechCrunch | 2005 Zuckerberg ..."
            t = _join(parts, seps, 1, len(parts))
            continue
        break
    m = re.match(r"^([^:]{2,40}):\s+(?=\S)", t)  # "The Space Review: Seeking a bigger role ..."
    if m and any(_squash(m.group(1)) == _squash(n) for n in names) and _words(t[m.end():]) >= 3:
        t = t[m.end():]
    return t.strip()


def _final_stop(t: str) -> str:
    """No closing full stop, but an abbreviation keeps its own ("U.S.", "Inc.")."""
    t = t.rstrip(" ")
    while t.endswith(" ."):
        t = t[:-2].rstrip()
    if t.endswith(".") and not t.endswith("..") and not _WORD_ENDS_ABBREV.search(t):
        t = t[:-1].rstrip()
    return t


def title_headline(title: str | None, source: str | None = None, text: str = "") -> str | None:
    """The article's title as its headline (clean_title()); None when it has none, or when it is only a date or
    time stamp ("Saturday, August 24, 2013": when, not what; 28 of ECB+'s 496 real reports have one), so the
    headline comes from the story. The title stays the article's: grouping still reads the date in it."""
    from ..text.datelines import date_only

    if not title or not title.strip() or date_only(title):
        return None
    cleaned = clean_title(title, source, text)  # "Saturday, August 24, 2013 | Example News": the date is left
    return None if not cleaned or date_only(cleaned) else cleaned


def clean_title(title: str, source: str | None = None, text: str = "") -> str:
    """A page or feed title as a headline: no site, section, author or format parts, no section label in
    front, no shouting capitals, no closing full stop (an abbreviation keeps its own)."""
    t = strip_site_parts(title, [source] if source else (), people=True)
    m = re.match(r"^([^|:]{2,25})\s*[|:]\s+(?=\S)", t)  # a section label in front: "Opinion | ...", "Update | ..."
    if m and len(m.group(1).split()) <= 2 and (_LABELS.match(m.group(1).strip())
                                               or _LABEL_MORE.match(m.group(1).strip())):
        t = t[m.end():]
    letters = [c for c in t if c.isalpha()]
    if len(t.split()) > 3 and letters and sum(c.isupper() for c in letters) / len(letters) > 0.7:
        t = _sentence_case(t, text)
    return _final_stop(t)

def _sentence_case(title: str, text: str) -> str:
    words = title.split()
    acronyms = set(re.findall(r"\b[A-Z][A-Z0-9&]{1,5}\b", text))  # written in capitals in the article too
    out = []
    for n, w in enumerate(words):
        core = re.sub(r"\W", "", w)
        # an acronym the article also writes in capitals (NASA, UN) stays; shouting goes
        keep = core.isupper() and (core in acronyms or (not text and len(core) <= 3))
        lw = w if keep else w.lower()
        out.append(lw[:1].upper() + lw[1:] if n == 0 else lw)
    return " ".join(out)
