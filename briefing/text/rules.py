"""Text rules every stage shares, written once: where a sentence ends, what separates a title's parts, and how
CJK text is counted."""

from __future__ import annotations

import re

# The one rule for "ends a sentence" (prose lines here; complete vs cut-off articles in textsplit): a full stop,
# question or exclamation mark (CJK ones included) or an ellipsis, then any closing quotes or brackets.
_ENDS_SENTENCE = re.compile(r"""[.!?。！？…]["'”’»」』)\]]*\s*$""")


def ends_sentence(text: str) -> bool:
    """Does the text end as a sentence does (., !, ?, 。, … with optional closing quotes or brackets)?"""
    return bool(_ENDS_SENTENCE.search(text))


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def word_count(text: str) -> int:
    """Words, counting CJK text (written without spaces) at two characters a word."""
    cjk = len(_CJK.findall(text))
    return len(_CJK.sub(" ", text).split()) + (cjk + 1) // 2


# What separates a title's parts (headline, site, section, author: "Story - Reuters", "NYT > World",
# "Portada // elmundo", "Story » Local » Noticias", "Story -- Sott.net", "中美元首会晤-新华网", "Story_光明网"): one
# set, for headlines and for source names alike. Spaced marks anywhere; unspaced "|", "｜", "_" and ">" too, and a
# dash between CJK characters. A part is only taken off a headline when it reads as a site, section, author or
# format part (summarize/headline.py), so a headline's own " - " stays.
TITLE_SEPARATOR = re.compile(r"\s+(?:\|{1,2}|-{1,2}|–|—|::|:|·|•|»|«|>|~|//|/|\\)\s+|\s*[|｜_>]\s*"
                             r"|(?<=[\u3040-\u9fff])\s*[-–—]\s*(?=[\u3040-\u9fff])")
