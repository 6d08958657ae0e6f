"""Faithfulness guard: a generated text may only name facts its source article names.

Abstractive models invent numbers, dates and names ("hallucinate"). Checking those
against the source catches the errors readers notice most, with no second model.
A claim is a number, or a word that starts with a capital letter (names, places,
months, weekdays, and any word that opens a sentence). Comparison is case-insensitive
after normalising possessives and thousands separators, and words also match by their
Snowball stem, so "Oman's" matches "Oman", "Delegates" matches "delegations" and "1,200"
matches "1200"; numbers up to twenty also match their spelled-out form. "Iranian" does
not match "Iran": a new adjective of nationality is a new claim.
"""

from __future__ import annotations

import functools
import re

from ..text.lexicon import stem, stop_words

_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
_CAPITAL = re.compile(r"\b[A-Z][\w'’\-]*")
_WORD = re.compile(r"[\w'’\-]+")
_SPELLED = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty"
).split()


def _norm_number(token: str) -> str:
    token = token.replace(",", "")
    if re.fullmatch(r"\d+\.0+", token):
        token = token.split(".")[0]
    return token.lstrip("0") or "0"


_NOT_FUNCTION_WORDS = {"may", "us"}  # the month and the country are claims


def _function_word(word: str) -> bool:
    return word in stop_words() and word not in _NOT_FUNCTION_WORDS


def _norm_word(token: str) -> str:
    token = re.sub(r"['’]s?$", "", token.lower())
    return token


@functools.lru_cache(maxsize=256)
def _vocabulary(source: str) -> frozenset[str]:
    """Every normalised word and number of a source text, with parts of hyphenated words."""
    vocab: set[str] = set()
    for num in _NUMBER.findall(source):
        n = _norm_number(num)
        vocab.add(n)
        if n.isdigit() and int(n) < len(_SPELLED):
            vocab.add(_SPELLED[int(n)])
    for word in _WORD.findall(source):
        w = _norm_word(word)
        for part in [w] + [p for p in re.split(r"[-_]", w) if p]:
            vocab.add(part)
            vocab.add("~" + stem(part))
        if w in _SPELLED:
            vocab.add(str(_SPELLED.index(w)))
    return frozenset(vocab)


def claims(text: str) -> list[str]:
    """The numbers and capitalised words (bar function words like "They") of a text, as written."""
    found = [m.group() for m in _NUMBER.finditer(text)]
    found += [m.group() for m in _CAPITAL.finditer(text) if not _function_word(_norm_word(m.group()))]
    return found


def unsupported(text: str, source: str) -> list[str]:
    """The claims of `text` that `source` does not contain."""
    vocab = _vocabulary(source)
    missing = []
    for claim in claims(text):
        if claim[0].isdigit():
            ok = _norm_number(claim) in vocab
        else:
            key = _norm_word(claim)
            parts = [p for p in re.split(r"[-_]", key) if p]
            ok = all(p in vocab or "~" + stem(p) in vocab for p in parts)
        if not ok:
            missing.append(claim)
    return missing
