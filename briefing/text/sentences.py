"""Article -> sentences (pysbd by the article's language, then repairs) and token-budgeted segments that keep
sentence boundaries."""

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
    # pysbd's rules where the article's language has none (Article.language picks them where pysbd has them)
    language: str = "en"
    # the repairs after pysbd (_joins: honorifics, continuations, ordinal days, closing punctuation); raise it
    # when they change, so cached splits are made again
    repairs: int = 1


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


def pysbd_language(language: str | None) -> str:
    """pysbd's rules for a language code; SPLITTING.language where pysbd has none (its English rules suit
    Latin-script text)."""
    from pysbd.languages import LANGUAGE_CODES

    return language if language is not None and language in LANGUAGE_CODES else SPLITTING.language


@functools.lru_cache(maxsize=32)
def segmenter(language: str | None = None):
    """pysbd's segmenter for a language (one per language, kept: building one compiles its rules)."""
    import pysbd

    return pysbd.Segmenter(language=pysbd_language(language), clean=False)


def _segmenter():
    """The segmenter for SPLITTING.language (the default)."""
    return segmenter(SPLITTING.language)


# Honorifics and titles that stand before a name, per language (lower case, without the period): a closed class
# of words, and the rule is "an honorific does not end a sentence" ("Dr the Rt." + "Keith Mitchell").
HONORIFICS = {
    "en": "mr mrs ms mx dr prof rev revd fr rt hon gov sen rep pres supt insp det sgt cpl pvt lt col gen maj capt "
          "cmdr adm brig cllr msgr",
    "es": "sr sra srta dr dra lic ing arq d dña dª don sto sta mons gral cnel",
    "pt": "sr sra srta dr dra prof eng arq exmo exma d",
    "fr": "m mm mme mlle mgr dr pr st ste",
    "de": "dr prof hr fr frl st dipl ing",
    "it": "sig sigg dott dr prof avv ing on arch mons gen",
    "nl": "dhr mevr mr dr prof ir ing drs",
    "cs": "mgr ing dr doc prof phdr judr mudr rndr",
    "pl": "dr prof inż mgr ks św",
}


@functools.lru_cache(maxsize=64)
def honorifics(language: str | None) -> frozenset[str]:
    """The honorifics of a language, and English ones (quoted in any language's news)."""
    return frozenset(HONORIFICS["en"].split() + HONORIFICS.get(language or "en", "").split())


# Month names (their forms after a day number) for ordinal dates: "am 31. Oktober", "1. máje", "le 1. mai".
_MONTHS = ("januar jänner februar feber märz april mai juni juli august september oktober november dezember "
           "january february march may june july october december "
           "januari februari maart mei augustus "
           "leden ledna únor února březen března duben dubna květen května červen června červenec července srpen "
           "srpna září říjen října listopad listopadu prosinec prosince "
           "stycznia lutego marca kwietnia maja czerwca lipca sierpnia września października listopada grudnia "
           "janvier février mars avril juin juillet août septembre octobre novembre décembre "
           "janvāris janvārī februāris februārī martā aprīlī maijā jūnijā jūlijā augustā septembrī oktobrī "
           "novembrī decembrī tammikuuta helmikuuta maaliskuuta huhtikuuta toukokuuta kesäkuuta heinäkuuta "
           "elokuuta syyskuuta lokakuuta marraskuuta joulukuuta").split()
_MONTH = re.compile(r"^[\"'“„(]?(?:" + "|".join(sorted(map(re.escape, set(_MONTHS)), key=len, reverse=True))
                    + r")\b", re.I)
_ENDS_HONORIFIC = re.compile(r"(?:^|[\s(])([A-Za-zÀ-ÿªº]+)\.\s*$")
_ENDS_DAY = re.compile(r"(?:^|\s)\d{1,2}\.\s*$")
_STARTS_LOWER = re.compile(r"^[\"'“„(]?[a-zà-ÿ]")
# Words that go on a phrase, never start a sentence, after an abbreviation's period ("bbl. of oil", "est. at").
CONTINUATIONS = frozenset("of in on at for to from per with by into than and or as de del di du des der von".split())
_ENDS_SHORT = re.compile(r"(?:^|\s)[A-Za-z]{1,5}\.\s*$")  # an abbreviation-sized word ends the piece
_STARTS_CAP_NAME = re.compile(r"^[A-ZÀ-Þ][\w'’-]*")


def _joins(prev: str, nxt: str, language: str | None = None) -> bool:
    """Do two pieces pysbd split belong to one sentence? Rules about what cannot end or start a sentence."""
    p, n = prev.rstrip(), nxt.lstrip()
    if n[:1] in ",;:)]}%" and p:
        return True  # ", visited the border ..." after "Rep. David McKinley, R-W.Va.": no sentence starts so
    if not p.endswith(".") or not n:
        return False
    m = _ENDS_HONORIFIC.search(p)
    if m and m.group(1).lower() in honorifics(language) and _STARTS_CAP_NAME.match(n):
        return True  # "Dr the Rt." + "Keith Mitchell has ..."
    first = n.split(maxsplit=1)[0].strip("\"'“„(")
    if _STARTS_LOWER.match(n) and first.lower() in CONTINUATIONS and _ENDS_SHORT.search(p):
        return True  # "4.9 million bbl." + "of oil that ..."
    return bool(_ENDS_DAY.search(p) and _MONTH.match(n))  # "am 31." + "Oktober aus der EU ..."


def repair(pieces: list[str], language: str | None = None) -> list[str]:
    """pysbd's pieces with the wrong splits joined again (the text between them kept as it was)."""
    out: list[str] = []
    for piece in pieces:
        if out and _joins(out[-1], piece, language):
            out[-1] += piece
        else:
            out.append(piece)
    return out


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


def split_sentences(text: str, language: str | None = None) -> tuple[Sentence, ...]:
    """Sentences of a text, paragraph by paragraph, with char offsets into it, by the rules of its language
    (detected when not given; pysbd's, then repair()).

    Work is bounded: only the first MAX_SPLIT_CHARS characters are split, and a long paragraph is
    split piece by piece (pysbd is quadratic in its input's length)."""
    if language is None:
        from .language import language as detect

        language = detect(text)
    seg = _segmenter() if pysbd_language(language) == SPLITTING.language else segmenter(language)
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
                      for p in ([chunk] if one_sentence(chunk) else repair(seg.segment(chunk), language))):
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
def _split_memo(text: str, language: str | None = None) -> tuple[Sentence, ...]:
    return split_sentences(text, language)


def sentences(article: Article) -> tuple[Sentence, ...]:
    """An article's sentences: those the plan stage attached, else split now in its language (a pure function
    of the text and language; the last 1,024 are remembered, since several stages ask and pysbd takes ~10 ms an
    article)."""
    if article.sentences is not None:
        return article.sentences
    return _split_memo(article.text, article.language)


POOL_FROM = 200  # articles to split before a process pool pays for its start (~0.3 s a worker)


def with_sentences(articles: Sequence[Article], known: Mapping[str, tuple[Sentence, ...]] | None = None,
                   workers: int | None = None, meanwhile: Callable[[], object] | None = None,
                   advance: Callable[[int], object] | None = None) -> list[Article]:
    """The articles with their sentences attached: from `known` (text -> sentences, e.g. the cache), else
    split here, in a process pool across the cores when there are many (pysbd is pure Python: it
    would hold one core for ~10 ms an article). `meanwhile` runs in this process while the pool splits
    (the pipeline loads the encoder there, which the new texts will need)."""
    known = known or {}
    # text -> the language it is split in (the article's; the split cache keys on the text, whose language
    # Article.language is read from)
    langs = {a.text: a.language for a in articles if a.sentences is None and a.text not in known}
    todo = list(langs)
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
                results = pool.map(split_sentences, todo, [langs[t] for t in todo],
                                   chunksize=max(1, len(todo) // (workers * 8)))
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
            made[text] = split_sentences(text, langs[text])
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
