"""Article -> sentences (pysbd) and token-budgeted segments that keep sentence boundaries."""

from __future__ import annotations

import functools
import logging
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from ..documents import Article, Segment, Sentence
from ..procs import die_with_parent
from .datelines import split_dateline

logger = logging.getLogger(__name__)
TokenCounter = Callable[[str], int]
_WORD = re.compile(r"\S+")


@functools.lru_cache(maxsize=1)
def _segmenter():
    import pysbd

    return pysbd.Segmenter(language=SPLITTING.language, clean=False)


def approx_tokens(text: str) -> int:
    """A tokenizer-free estimate: subword tokenizers make about 1.3 tokens per English word."""
    return (len(_WORD.findall(text)) * 4 + 2) // 3


@dataclass(frozen=True, slots=True)
class SplitParams:
    """What decides an article's sentences besides its text; all of it is in the split cache's key (split_identity)."""

    # an article's text split into sentences at most (~170k words, a book; news is ~4k chars)
    max_split_chars: int = 1_000_000
    # pysbd's time grows with the square of what it is given: long paragraphs go in pieces of about this many
    # characters, cut where a sentence likely ends (tests/test_hardening.py: a 1 MB paragraph in bounded time)
    max_piece: int = 2_000
    # pysbd's rules: English (the language the summarizer and encoder read)
    language: str = "en"


SPLITTING = SplitParams()
MAX_SPLIT_CHARS = SPLITTING.max_split_chars
MAX_PIECE = SPLITTING.max_piece


def split_identity() -> str:
    """Everything a cached split depends on besides the text: our version (the rules in this module), the
    splitting parameters and the segmenter's version."""
    import dataclasses
    import importlib.metadata
    import json

    from .. import __version__

    return json.dumps([__version__, dataclasses.asdict(SPLITTING), importlib.metadata.version("pysbd")])
_ROUGH_END = re.compile(r"[.!?][\"'”’)]?\s+(?=[\"'“‘(]?[A-Z0-9])")


def _pieces(para: str) -> list[str]:
    """A paragraph in pieces of at most about MAX_PIECE characters, cut where a sentence likely ends."""
    if len(para) <= MAX_PIECE:
        return [para]
    out, start = [], 0
    while len(para) - start > MAX_PIECE:
        window = para[start : start + MAX_PIECE]
        cuts = [m.end() for m in _ROUGH_END.finditer(window)]
        cut = cuts[-1] if cuts and cuts[-1] > MAX_PIECE // 4 else (window.rfind(" ") + 1 or MAX_PIECE)
        out.append(para[start : start + cut])
        start += cut
    out.append(para[start:])
    return out


# A piece with no sentence-ending mark but (at most) its last character, and no quote, bracket or
# parenthesis, is one sentence: pysbd has nowhere to split it. Checked against pysbd on 41,414 paragraphs
# of ../shared/eval and realworld: it answered one sentence for all 25,445 that pass, 40% of its time.
_CANNOT_SPLIT = re.compile(r"[.!?…。！？\"“”`()]|['’\]]$")


def one_sentence(piece: str) -> bool:
    """Can pysbd find no sentence boundary in this piece? (Then it need not run.)"""
    body = piece.rstrip()
    body = body[:-1] if body.endswith((".", "!", "?")) else body
    return not _CANNOT_SPLIT.search(body)


def split_sentences(text: str) -> tuple[Sentence, ...]:
    """Sentences of a text, paragraph by paragraph, with char offsets into it.

    Work is bounded: only the first MAX_SPLIT_CHARS characters are split, and a long paragraph is
    split piece by piece (pysbd is quadratic in its input's length)."""
    out: list[Sentence] = []
    pos = 0
    text_cut = text[:MAX_SPLIT_CHARS]
    if len(text) > MAX_SPLIT_CHARS:
        logger.warning("an article of %d characters: only its first %d are split into sentences", len(text),
                       MAX_SPLIT_CHARS)
    for para_no, para in enumerate(text_cut.split("\n")):
        para_start = pos
        pos += len(para) + 1
        if not para.strip():
            continue
        cursor = para_start
        for piece in (p for chunk in _pieces(para)
                      for p in ([chunk] if one_sentence(chunk) else _segmenter().segment(chunk))):
            piece = piece.strip()
            if not piece:
                continue
            start = text.find(piece, cursor)
            if start < 0:  # pysbd changed the text; fall back to the cursor
                start = cursor
            end = start + len(piece)
            cursor = end
            out.append(Sentence(len(out), piece, start, end, para_no))
    return tuple(out)


@functools.lru_cache(maxsize=1024)
def _split_memo(text: str) -> tuple[Sentence, ...]:
    return split_sentences(text)


def sentences(article: Article) -> tuple[Sentence, ...]:
    """An article's sentences: those the plan stage attached, else split now (a pure function of the
    text; the last 1,024 texts are remembered, since several stages ask and pysbd takes ~10 ms an article)."""
    if article.sentences is not None:
        return article.sentences
    return _split_memo(article.text)


POOL_FROM = 200  # articles to split before a process pool pays for its start (~0.3 s a worker)


def with_sentences(articles: Sequence[Article], known: Mapping[str, tuple[Sentence, ...]] | None = None,
                   workers: int | None = None, meanwhile: Callable[[], object] | None = None,
                   advance: Callable[[int], object] | None = None) -> list[Article]:
    """The articles with their sentences attached: from `known` (text -> sentences, e.g. the cache), else
    split here, in a process pool across the cores when there are many (pysbd is pure Python: it
    would hold one core for ~10 ms an article). `meanwhile` runs in this process while the pool splits
    (the pipeline loads the encoder there, which the new texts will need)."""
    known = known or {}
    todo = list(dict.fromkeys(a.text for a in articles if a.sentences is None and a.text not in known))
    workers = workers or len(os.sched_getaffinity(0))
    made: dict[str, tuple[Sentence, ...]] = {}
    if advance is not None and len(articles) > len(todo):
        advance(len(articles) - len(todo))  # split already, or the same text as another
    if len(todo) >= POOL_FROM and workers > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        try:
            # spawn, not fork: the parent may hold threads (torch, httpx) that a fork would copy mid-lock.
            # Each worker ends with this process however it ends: a run killed with SIGKILL left its workers,
            # and so the resource tracker, waiting on a pipe for good (issue 32).
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                     initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
                results = pool.map(split_sentences, todo, chunksize=max(1, len(todo) // (workers * 8)))
                if meanwhile is not None:
                    meanwhile()
                for text, split in zip(todo, results, strict=True):
                    made[text] = split
                    if advance is not None:
                        advance(1)
        except (OSError, RuntimeError) as e:  # no /dev/shm, a sandbox without processes: split here
            logger.debug("no process pool for splitting (%s); splitting in this process", e)
    for text in todo:
        if text not in made:
            made[text] = split_sentences(text)
            if advance is not None:
                advance(1)
    return [a if a.sentences is not None else replace(a, sentences=known[a.text] if a.text in known else made[a.text])
            for a in articles]


def clean(text: str) -> str:
    """A sentence as a bullet: no dateline, agency tag or stray dash in front."""
    _, text = split_dateline(text)
    return re.sub(r"^[\s–—-]+", "", text).strip()


def encoder_texts(article: Article, limit: int) -> list[str]:
    """What the sentence encoder sees of an article: its first `limit` sentences (cleaned), then its title.

    The summarizer, same-story clustering and sections all embed exactly these texts, so each is
    encoded once per run (and kept in the cache across runs). Never empty: an article with neither
    text nor title is represented by its source.
    """
    texts = [clean(s.text) for s in sentences(article)[:limit]]
    if article.title:
        texts.append(article.title)
    return texts or [article.source or article.id]


def _split_long(sent: Sentence, budget: int, count: TokenCounter) -> Iterable[Sentence]:
    """Cut a sentence longer than the budget at word boundaries."""
    words = list(_WORD.finditer(sent.text))
    lo = 0
    while lo < len(words):
        hi = lo + 1
        step = max(1, budget // 2)
        while hi < len(words):
            nxt = min(len(words), hi + step)
            piece = sent.text[words[lo].start() : words[nxt - 1].end()]
            if count(piece) > budget:
                if step == 1:
                    break
                step = max(1, step // 2)
                continue
            hi = nxt
        a, b = words[lo].start(), words[hi - 1].end()
        yield Sentence(sent.index, sent.text[a:b], sent.start + a, sent.start + b, sent.paragraph)
        lo = hi


def make_segments(
    article: Article, budget: int, count: TokenCounter = approx_tokens
) -> tuple[Segment, ...]:
    """Pack whole sentences into segments of at most `budget` tokens each."""
    if budget < 1:
        raise ValueError("budget must be positive")
    groups: list[list[Sentence]] = []
    used = budget + 1
    for sent in sentences(article):
        n = count(sent.text)
        pieces = [sent] if n <= budget else list(_split_long(sent, budget, count))
        for piece in pieces:
            n = count(piece.text) if len(pieces) > 1 else n
            if not groups or used + n + 1 > budget:
                groups.append([])
                used = 0
            groups[-1].append(piece)
            used += n + 1  # +1: the joining space often becomes a token
    return tuple(
        Segment(
            article_id=article.id,
            index=i,
            text=article.text[g[0].start : g[-1].end],
            start=g[0].start,
            end=g[-1].end,
            sentences=tuple(g),
        )
        for i, g in enumerate(groups)
        if g
    )
