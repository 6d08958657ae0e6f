"""Extractive backends: encoder-scored sentences (default) and the lead baseline."""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

from ..config import Settings
from ..documents import Article, Sentence, Summary
from ..lexicon import stem, stop_words
from ..models import ModelSpec, require_present
from ..segment import clean, encoder_texts, sentences
from .base import ProgressFn, register
from .encoder import SENTENCE_TOKENS, Encoder, shared_encoder

logger = logging.getLogger(__name__)

MIN_WORDS = 5  # shorter "sentences" are captions, bylines and fragments
MAX_WORDS = 80  # longer ones are run-ons or lists glued together by the segmenter
REDUNDANT = 0.85  # cosine above which two sentences say the same thing
_BOILERPLATE = re.compile(
    r"^(?:click here|scroll down|follow (?:us|him|her)|sign up|subscribe|read more|share (?:this|on)|"
    r"image (?:copyright|caption)|media playback|advertisement|all rights reserved|copyright ©|"
    r"related:|watch:|listen:|updated:|published:|last modified|by \S+ \S+ (?:\.|and)|photo:)",
    re.I,
)


# A headline must stand alone: these openings lean on a sentence the reader has not seen.
_DEPENDENT = re.compile(
    r"^(?:however|but|and|or|also|meanwhile|moreover|furthermore|additionally|still|yet|so|thus|hence|"
    r"therefore|instead|conversely|nevertheless|nonetheless|likewise|similarly|then|later|initially|"
    r"this|these|those|that|it|its|they|them|their|he|she|his|her|such|there)\b",
    re.I,
)


def is_candidate(sent: Sentence) -> bool:
    """Can this sentence stand in a summary?"""
    words = len(sent.text.split())
    return MIN_WORDS <= words <= MAX_WORDS and not _BOILERPLATE.match(clean(sent.text))


def assemble(article: Article, sents: Sequence[Sentence], head: int | None, chosen: Sequence[int], backend: str) -> Summary:
    """A Summary from sentence indices; the article's cut-off ending is marked with an ellipsis."""
    last = len(sents) - 1

    def text(i: int) -> str:
        t = clean(sents[i].text)
        return t + " …" if article.truncated and i == last else t

    if head is None:  # no text, or nothing that reads as a sentence
        headline = article.title or (text(0) if sents else "")
        return Summary(article.id, headline, tuple(text(i) for i in range(min(len(sents), 1))), backend)
    order = sorted(chosen)
    return Summary(article.id, text(head), tuple(text(i) for i in order), backend, sentence_ids=tuple(order),
                   headline_id=head)


def lead(candidates: Sequence[int], sim: np.ndarray | None, k: int) -> list[int]:
    """The summary: the first k candidate sentences, skipping any that repeat one already kept.

    News is written as an inverted pyramid, and on CNN/DailyMail no centrality weighting we
    measured beat plain lead order (benchmarks/quality.py); the encoder's part is the redundancy check.
    """
    chosen: list[int] = []
    for i in candidates:
        if len(chosen) == k:
            break
        if sim is not None and any(sim[i, j] > REDUNDANT for j in chosen):
            continue
        chosen.append(i)
    return chosen


def content_words(text: str) -> list[str]:
    """Stemmed content words of a text."""
    stop = stop_words()
    return [stem(w) for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in stop and len(w) > 1]


def lexical_centrality(texts: Sequence[str]) -> np.ndarray:
    """How many other sentences share each sentence's content words (Radev's centroid, per sentence)."""
    bags = [Counter(content_words(t)) for t in texts]
    spread = Counter(w for bag in bags for w in bag)  # sentences that mention each word
    others = max(1, len(texts) - 1)
    return np.array(
        [sum(spread[w] - 1 for w in bag) / others / np.sqrt(sum(bag.values())) if bag else 0.0 for bag in bags]
    )


def _ranks(values: np.ndarray) -> np.ndarray:
    return np.argsort(np.argsort(values, kind="stable"), kind="stable").astype(np.float64)


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

    def __init__(self, encoder: Encoder, name: str, max_sentences: int = 80, max_length: int = SENTENCE_TOKENS):
        self.encoder = encoder
        self.name = name
        self.max_sentences = max_sentences
        self.max_length = max_length

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
        for art, sents, (lo, hi) in zip(articles, per_article, spans):
            out.append(self._one(art, sents, emb[lo:hi], n_sentences))
            if progress:
                progress(1)
        return out

    def _one(self, art: Article, sents: Sequence[Sentence], vecs: np.ndarray, k: int) -> Summary:
        cands = [i for i, s in enumerate(sents) if is_candidate(s)]
        if not cands:
            return assemble(art, sents, None, [], self.name)
        sent_vecs = vecs[: len(sents)]
        scores = score_sentences(sent_vecs, [clean(s.text) for s in sents], vecs[-1] if art.title else None)
        standalone = [i for i in cands if not _DEPENDENT.match(clean(sents[i].text))] or cands
        head = max(standalone, key=lambda i: scores[i])
        return assemble(art, sents, head, lead(cands, sent_vecs @ sent_vecs.T, k), self.name)


class LeadSummarizer:
    """The first sentences that read as sentences: the classic news baseline."""

    name = "lead"
    multi_source = False

    def summarize(self, articles: Sequence[Article], n_sentences: int, progress: ProgressFn | None = None) -> list[Summary]:
        out = []
        for art in articles:
            sents = sentences(art)
            cands = [i for i, s in enumerate(sents) if is_candidate(s)]
            out.append(assemble(art, sents, cands[0] if cands else None, lead(cands, None, n_sentences), self.name))
            if progress:
                progress(1)
        return out


@register("extractive")
def _extractive(settings: Settings, spec: ModelSpec) -> CentralitySummarizer:
    path = require_present(spec)
    encoder = shared_encoder(path, settings.batch_size, settings.threads)
    return CentralitySummarizer(encoder, spec.name, settings.max_sentences)


@register("lead")
def _lead(settings: Settings, spec: ModelSpec) -> LeadSummarizer:
    return LeadSummarizer()
