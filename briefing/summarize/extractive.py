"""Extractive backends: encoder-scored sentences (default) and the lead baseline."""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from ..config import Settings
from ..documents import Article, Sentence, Summary
from ..models.encoder import SENTENCE_TOKENS, Encoder
from ..models.registry import ModelSpec, require_present
from ..read.furniture import is_boilerplate, is_sentence_line
from ..text.lexicon import stem, stop_words
from ..text.rules import word_count
from ..text.sentences import clean, encoder_texts, sentences
from .base import ProgressFn
from .compress import Compressor
from .headline import can_lead, clean_title, title_headline

if TYPE_CHECKING:
    from ..models.bundle import Models

logger = logging.getLogger(__name__)

MIN_WORDS = 5  # shorter "sentences" are captions, bylines and fragments
MAX_WORDS = 80  # longer ones are run-ons or lists glued together by the segmenter
REDUNDANT = 0.85  # cosine above which two sentences say the same thing
SHORT_LEAD = 10  # a lead sentence this short is already a headline: it is not compressed


def is_candidate(sent: Sentence, cut_off: bool = False) -> bool:
    """Can this sentence stand in a summary? It reads as a sentence: long enough, not a run-on, ends as
    prose ends (headings, captions and related-story links do not; `cut_off`: the last sentence of an
    article cut off in the source, which ends where the source stops), and is not page furniture."""
    text = clean(sent.text)
    words = word_count(text)
    return (MIN_WORDS <= words <= MAX_WORDS and (cut_off or is_sentence_line(text))
            and not is_boilerplate(text))


def candidates(article: Article, sents: Sequence[Sentence]) -> list[int]:
    """Indices of the sentences that can stand in a summary."""
    last = len(sents) - 1
    return [i for i, s in enumerate(sents) if is_candidate(s, cut_off=article.truncated and i == last)]


def assemble(article: Article, sents: Sequence[Sentence], head: int | None, chosen: Sequence[int],
             backend: str) -> Summary:
    """A Summary from sentence indices; the article's cut-off ending is marked with an ellipsis.

    The headline is the article's title when it has one; else the sentence `head` (compress_headlines
    shortens long ones, for a batch of summaries at once).
    """
    last = len(sents) - 1

    def text(i: int) -> str:
        t = clean(sents[i].text)
        return t + " …" if article.truncated and i == last else t

    if not chosen and sents:  # nothing reads as a sentence: the text's first line stands in
        head = 0 if head is None else head
        chosen = [head]
    order = sorted(chosen)
    headline = title_headline(article.title, article.source, article.text)
    if headline:
        return Summary(article.id, headline, tuple(text(i) for i in order), backend, sentence_ids=tuple(order),
                       headline_id=None, headline_from="title")
    if head is None:  # nothing to make a headline from: a date-only title is still better than none
        fallback = clean_title(article.title, article.source, article.text) if article.title else ""
        return Summary(article.id, fallback, tuple(text(i) for i in order), backend, sentence_ids=tuple(order),
                       headline_id=None, headline_from="title" if fallback else "sentence")
    # A headline that is a whole sentence is not repeated under it (Summary.rest()).
    return Summary(article.id, clean(sents[head].text), tuple(text(i) for i in order), backend,
                   sentence_ids=tuple(order), headline_id=head, headline_from="sentence")


def compress_headlines(items: Sequence[tuple[Article, Sequence[Sentence], Summary]],
                       compressor: Compressor) -> list[Summary]:
    """Summaries whose headline is a long lead sentence, with that headline compressed (one batch for all).

    Under a compressed headline the summary still starts with the whole lead, kept as headline_sentence.
    """
    todo = [n for n, (_, _, s) in enumerate(items)
            if s.headline_from == "sentence" and s.headline_id is not None and len(s.headline.split()) > SHORT_LEAD]
    out = [s for _, _, s in items]
    made = compressor.compress([out[n].headline for n in todo]) if todo else []
    for n, c in zip(todo, made, strict=True):
        art, sents, summary = items[n]
        if c.words < 3:
            continue
        cut = art.truncated and summary.headline_id == len(sents) - 1
        out[n] = replace(summary, headline=c.text.rstrip(" .") + (" …" if cut else ""), headline_from="compressed",
                         headline_sentence=summary.headline + (" …" if cut else ""))
    return out


LEAD_WINDOW = 5  # one-sentence summaries: the most central of the first five that can stand first (CNN/DM R1 33.7 vs lead-1 30.1)


def lead(candidates: Sequence[int], sim: np.ndarray | None, k: int, texts: Sequence[str] | None = None,
         skip: int | None = None, scores: np.ndarray | None = None) -> list[int]:
    """The summary: the first k candidate sentences, skipping any that repeat one already kept.

    News is written as an inverted pyramid, and on CNN/DailyMail no centrality weighting we
    measured beat plain lead order (benchmarks/quality.py); the encoder's part is the redundancy check.
    The first sentence must be able to stand first (headline.can_lead); `skip` is a sentence the
    headline already says.
    """
    if k == 1 and scores is not None and texts is not None:
        # One sentence must stand for the whole article: the lead region's most central sentence
        # (ties go to the earlier one). Several sentences follow the inverted pyramid from the top.
        window = [i for i in candidates if i != skip and can_lead(texts[i], i == 0)][:LEAD_WINDOW]
        if window:
            return [max(window, key=lambda i: (scores[i], -i))]
    chosen: list[int] = []
    for i in candidates:
        if len(chosen) == k:
            break
        if i == skip:
            continue
        if not chosen and texts is not None and not can_lead(texts[i], i == 0):
            continue
        if sim is not None and any(sim[i, j] > REDUNDANT for j in chosen):
            continue
        chosen.append(i)
    if not chosen and candidates:  # nothing can stand first: keep lead order after all
        chosen = [i for i in candidates if i != skip][:k]
    return chosen


def headline_sentence(candidates: Sequence[int], texts: Sequence[str],
                      scores: np.ndarray | Callable[[], np.ndarray] | None = None) -> int | None:
    """The sentence an untitled article's headline is made from: its lead, unless the lead cannot stand
    alone; then the first of the next two that can; then the most central one that can. `scores` may be
    a function, called only when centrality decides."""
    able = [i for i in candidates if can_lead(texts[i], i == 0)]
    if not able:
        return candidates[0] if candidates else None
    early = [i for i in able if i in candidates[:3]]
    if early:
        return early[0]
    if scores is None:
        return able[0]
    values = scores() if callable(scores) else scores
    return max(able, key=lambda i: (values[i], -i))


def content_words(text: str) -> list[str]:
    """Stemmed content words of a text."""
    stop = stop_words()
    return [stem(w) for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in stop and len(w) > 1]


RESTATES_NEW = 2  # content words a lead may add to its title and still only restate it ("Officials said ...")


def restates(sentence: str, title: str) -> bool:
    """Does the sentence say no more than the title (its content words, less the title's, are at most a few)?"""
    words = set(content_words(sentence))
    new = words - set(content_words(title))
    return len(new) <= max(RESTATES_NEW, len(words) // 4)


def lexical_centrality(texts: Sequence[str]) -> np.ndarray:
    """How many other sentences share each sentence's content words (Radev's centroid, per sentence)."""
    bags = [Counter(content_words(t)) for t in texts]
    spread = Counter(w for bag in bags for w in bag)  # sentences that mention each word
    others = max(1, len(texts) - 1)
    return np.array(
        [sum(spread[w] - 1 for w in bag) / others / np.sqrt(sum(bag.values())) if bag else 0.0 for bag in bags]
    )


TIE = 1e-3  # scores closer than this are a tie: float noise differs between machines and library builds


def _ranks(values: np.ndarray) -> np.ndarray:
    """Competition ranks of values quantised to TIE: equal values share the lower rank, so a near-tie
    is decided by position (the caller's max() takes the first), never by float noise."""
    q = np.round(np.asarray(values, dtype=np.float64) / TIE)
    return np.searchsorted(np.sort(q), q, side="left").astype(np.float64)


def score_sentences(emb: np.ndarray, texts: Sequence[str], title: np.ndarray | None = None) -> np.ndarray:
    """Headline fitness: semantic centrality (to the article and its title) fused with lexical centrality.

    The two are fused by rank (a Borda count), so neither scale needs a tuned weight. Position is
    left out on purpose: a half-weight position vote cost 0.4 ROUGE-1 on XSum (benchmarks/quality.py).
    """
    centroid = emb.mean(0)
    centroid /= np.linalg.norm(centroid) or 1.0
    semantic = emb @ centroid
    if title is not None:
        semantic = (semantic + emb @ title) / 2
    return _ranks(semantic) + _ranks(lexical_centrality(texts))


class CentralitySummarizer:
    """Embed each sentence, score it, keep the best in document order."""

    multi_source = False  # picks sentences of one article: a story's best report

    def __init__(self, encoder: Encoder, name: str, max_sentences: int = 80, max_length: int = SENTENCE_TOKENS,
                 compressor: Compressor | None = None):
        self.encoder = encoder
        self.compressor = compressor
        self.name = name
        self.max_sentences = max_sentences
        self.max_length = max_length

    @property
    def cache_key(self) -> str:
        from .. import __version__

        parts = ["extractive", self.encoder.identity, f"max_sentences={self.max_sentences}",
                 f"tokens={self.max_length}", self.compressor.identity if self.compressor else "no-compressor",
                 __version__]
        return "|".join(parts)

    def summarize(self, articles: Sequence[Article], n_sentences: int, progress: ProgressFn | None = None) -> list[Summary]:
        per_article = [sentences(a)[: self.max_sentences] for a in articles]
        texts: list[str] = []
        spans = []
        for art in articles:
            lo = len(texts)
            texts.extend(encoder_texts(art, self.max_sentences))  # the sentences, then the title
            spans.append((lo, len(texts)))
        emb = self.encoder.encode(texts, self.max_length) if texts else np.zeros((0, 1), np.float32)
        out = []
        for art, sents, (lo, hi) in zip(articles, per_article, spans, strict=True):
            out.append(self._one(art, sents, emb[lo:hi], n_sentences))
            if progress:
                progress(1)
        if self.compressor is None:
            return out
        return compress_headlines(list(zip(articles, per_article, out, strict=True)), self.compressor)

    def _one(self, art: Article, sents: Sequence[Sentence], vecs: np.ndarray, k: int) -> Summary:
        cands = candidates(art, sents)
        if not cands:
            return assemble(art, sents, None, [], self.name)
        texts = [clean(s.text) for s in sents]
        sent_vecs = vecs[: len(sents)]
        sim = sent_vecs @ sent_vecs.T
        # centrality decides only a one-sentence summary and a headline whose lead cannot stand alone:
        # computed then, not for every article (lexical centrality is most of the summarizer's own time)
        if art.title and title_headline(art.title, art.source, art.text):
            # the summary starts with the lead, but not with a sentence that only restates the title: close to it
            # (embeddings say two texts are about one thing) and adding next to nothing to it (the words say
            # whether one adds anything; the sentence after a skipped lead often leans on it)
            title_vec = vecs[-1]
            echo = [i for i in cands[:1]
                    if float(sent_vecs[i] @ title_vec) > REDUNDANT and restates(texts[i], art.title)]
            scores = score_sentences(sent_vecs, texts, title_vec) if k == 1 else None
            return assemble(art, sents, None, lead(cands, sim, k, texts, echo[0] if echo else None, scores),
                            self.name)
        made: list[np.ndarray] = []

        def centrality() -> np.ndarray:
            if not made:
                made.append(score_sentences(sent_vecs, texts))
            return made[0]

        head = headline_sentence(cands, texts, centrality)
        return assemble(art, sents, head, lead(cands, sim, k, texts, scores=centrality() if k == 1 else None),
                        self.name)


class LeadSummarizer:
    """The first sentences that read as sentences: the classic news baseline."""

    name = "lead"
    multi_source = False

    @property
    def cache_key(self) -> str:
        from .. import __version__

        return f"lead|{__version__}"

    def summarize(self, articles: Sequence[Article], n_sentences: int, progress: ProgressFn | None = None) -> list[Summary]:
        out = []
        for art in articles:
            sents = sentences(art)
            cands = candidates(art, sents)
            texts = [clean(s.text) for s in sents]
            head = None if title_headline(art.title, art.source, art.text) else headline_sentence(cands, texts)
            out.append(assemble(art, sents, head, lead(cands, None, n_sentences, texts), self.name))
            if progress:
                progress(1)
        return out


def make_extractive(settings: Settings, spec: ModelSpec, models: Models) -> CentralitySummarizer:
    path = require_present(spec)
    return CentralitySummarizer(models.encoder_at(path), spec.name, settings.max_sentences,
                                compressor=models.compressor(path))


def make_lead(settings: Settings, spec: ModelSpec, models: Models) -> LeadSummarizer:
    return LeadSummarizer()
