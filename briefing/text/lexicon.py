"""English word tools shared by the extractive scorer and the faithfulness guard."""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball (Porter2) stem of a lower-case word."""
    return _stemmer().stemWord(word)


@functools.lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """English function words (the stop-words package's list)."""
    from stop_words import get_stop_words

    return frozenset(get_stop_words("english"))
