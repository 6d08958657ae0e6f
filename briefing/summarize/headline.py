"""Headlines a reader scans: the publisher's title, cleaned; else a sentence that can stand first.

A title is the best headline there is: it is kept, less the site name a page appends
(" - Reuters", " | World news | The Guardian") and shouting capitals. Without one, the headline is
made from the article's lead (headline compression, compress.py), as long as the lead can stand
first: it must not lean on text the reader has not seen, and must not be a caption, a promo, a
question, a list or an unattributed quote.
"""

from __future__ import annotations

import re

from ..text.rules import TITLE_SEPARATOR

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


def clean_title(title: str, source: str | None = None, text: str = "") -> str:
    """A page or feed title as a headline: no site suffix, no shouting capitals, no trailing stop."""
    t = " ".join(title.split())
    for _ in range(3):  # " | World news | The Guardian": strip suffixes one at a time
        parts = TITLE_SEPARATOR.split(t)
        if len(parts) < 2:
            break
        last = parts[-1]
        head = t[: t.rfind(last)].rstrip(" |–—-:·•»>/")
        if len(head.split()) < 3:
            break
        if _is_site(last, source):
            t = head
            continue
        break
    m = re.match(r"^([^|:]{2,25})\s*[|:]\s+(?=\S)", t)  # a section label in front: "Opinion | ...", "Analysis: ..."
    if m and len(m.group(1).split()) <= 2 and _LABELS.match(m.group(1).strip()):
        t = t[m.end():]
    letters = [c for c in t if c.isalpha()]
    if len(t.split()) > 3 and letters and sum(c.isupper() for c in letters) / len(letters) > 0.7:
        t = _sentence_case(t, text)
    return t.rstrip(" .")


def _is_site(part: str, source: str | None) -> bool:
    words = part.split()
    if not words or len(words) > 5:
        return False
    squashed = re.sub(r"\W", "", part.lower())
    if source and (squashed in re.sub(r"\W", "", source.lower()) or re.sub(r"\W", "", source.lower()) in squashed):
        return True
    if re.search(r"\.\w{2,4}$", part) or _AGENCIES.match(part):  # "CNN.com", "rt.com", "Reuters"
        return True
    if _SECTION_WORDS.search(part) and all(w[0].isupper() or not w[0].isalpha() for w in words):
        return True
    return False


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
