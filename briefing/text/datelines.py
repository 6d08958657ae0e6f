"""Datelines: the place (and agency) a report was filed from, at the start of its first paragraph."""

from __future__ import annotations

import re

# "ROME –", "FORT PIERCE, Fla. –", "Muscat, Oman –", "WASHINGTON (Reuters) -", "(CNN) --"
_WORD = r"[A-Z][\w.'’&-]*"
_DATELINE = re.compile(
    rf"^\s*(?P<place>{_WORD}(?:\s+{_WORD}){{0,3}}(?:,\s*{_WORD}(?:\s+{_WORD}){{0,2}}){{0,2}})?"
    r"\s*(?:\((?P<agency>[A-Za-z][A-Za-z .&]{1,30})\))?"
    r"(?:\s*(?P<dash>--|[–—]|-(?=\s)|:(?=\s))\s*|(?<=\))\s*)(?=\S)"
)
# Agency tags that stand before the first word with no dash: "(CNN)President ...", "(CNN Business)A ..."
_AGENCIES = re.compile(r"^(?:CNN|Reuters|AP|AFP|BBC|Bloomberg|UPI|PTI|IANS|ANI|dpa|EFE|Xinhua|CNN Business|CNN Sport|"
                       r"CNN Money|Associated Press|AP Photo)$")
_AGENCY_DASH = re.compile(r"^[.,]\s*[-–—]+\s*")
_NOT_PLACES = frozenset({"UPDATE", "UPDATED", "BREAKING", "BREAKING NEWS", "EXCLUSIVE", "WATCH", "LIVE", "VIDEO",
                         "ANALYSIS", "OPINION", "COMMENT", "EDITOR'S NOTE", "NOTE", "CORRECTION", "REVIEW", "PHOTOS"})


def split_dateline(text: str) -> tuple[str | None, str]:
    """Split a leading dateline off a paragraph: ('ROME', 'Italy has ...')."""
    m = _DATELINE.match(text)
    if not m:
        return None, text
    place, agency, dash = m.group("place"), m.group("agency"), m.group("dash")
    if dash is None and not (agency and _AGENCIES.match(agency)):
        return None, text  # no dash: only a known agency tag ends a dateline
    if dash == ":" and not (place and ("," in place or (place.split()[0].isupper() and len(place.split()[0]) > 2))):
        return None, text  # "Washington, DC, United States: ...", "NEW DELHI: ..." yes; "Update: ..." no
    first = place.split()[0].rstrip(".,") if place else ""
    rest = text[m.end():]
    looks_like_place = bool(place) and (
        (first.isupper() and len(first) > 1) or "," in place or bool(agency)
        # "Indianapolis – Several thousand ...", not "Apple – the company – grew"
        or (dash in ("–", "—", "--") and len(place.split()) <= 3 and rest[:1].isupper())
    )
    if not (looks_like_place or (agency and not place)):
        return None, text
    if place and not agency and place.upper() in _NOT_PLACES:
        return None, rest  # "BREAKING: ...", "UPDATE – ...": a label, dropped, not a dateline
    label = " ".join(p for p in (place, f"({agency})" if agency else None) if p)
    if agency:
        rest = _AGENCY_DASH.sub("", rest)  # the Spanish wire dash: "(EFE).- Nicaragua cerró ..."
    return label, rest


# A line that is only when the page was posted: "May 2, 2013 | 5:03pm", "Posted on: 3:35 pm, December 23, 2012",
# "Saturday, August 24, 2013", "UPDATED 05/03/2013 at 11:00 AM EDT", "2013-09-26". Page furniture, not a headline
# or a sentence of the story.
_MONTH = (r"(?:january|february|march|april|may|june|july|august|september|october|november|december"
          r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?(?![a-z])")
_WEEKDAY = r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)\.?(?![a-z])"
_STAMP_LABEL = (r"(?:(?:first\s+|last\s+)?(?:published|posted|updated|released?|created|modified)|story\s+created)"
                r"(?:\s+(?:on|at|time))?")
_ZONE = r"(?:gmt|utc|bst|cet|cest|eet|est|edt|cst|cdt|mst|mdt|pst|pdt|akdt|akst|hst|ist|et|pt|ct|aest|aedt|jst|hkt|sgt|uk)"
_STAMP_TOKEN = re.compile(rf"(?<![a-z])(?:{_MONTH}|{_WEEKDAY}|{_STAMP_LABEL}|{_ZONE}|[ap]\.?\s?m\.?|at|on|hrs)(?![a-z])"
                          rf"|\d{{1,4}}(?:st|nd|rd|th)?(?!\d)|[-–—|/:.,()+·•@\s\u200b\u00ad]", re.I)
# "May 2", "2 May", "May 2013", "05/02/2013"
_A_DATE = re.compile(rf"{_MONTH}\s*\d{{1,2}}(?:st|nd|rd|th)?\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}"
                     rf"|{_MONTH}\s*,?\s*(?:19|20)\d\d\b|\b\d{{1,4}}\s*[-/.]\s*\d{{1,2}}\s*[-/.]\s*\d{{1,4}}\b", re.I)
_A_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_A_TIME_OR_LABEL = re.compile(rf"\b\d{{1,2}}\s*[:.]\s*\d\d\b|\b\d{{1,2}}\s*[ap]\.?\s?m\b|(?<![a-z])(?:{_WEEKDAY}|{_STAMP_LABEL})",
                              re.I)


def date_only(line: str) -> bool:
    """Is the line only a date or time stamp (with its label: "Posted", "Updated", a weekday, a time zone)?"""
    line = line.strip()
    if not 0 < len(line) <= 80 or _STAMP_TOKEN.sub("", line).strip():
        return False
    # a date, or a year with a time, weekday or label; a bare year ("1984", "2012") is a title's own word
    return bool(_A_DATE.search(line) or (_A_YEAR.search(line) and _A_TIME_OR_LABEL.search(line)))
