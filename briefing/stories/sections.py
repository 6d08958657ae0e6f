"""Stories -> topic sections: two models trained on newsroom-labelled news, the page's own desk as strong
evidence, and "News" for a story the models are unsure of.

The models (briefing/models/weights/sections/, trained by training/train_sections.py) learn the newsroom
taxonomy: World, Politics, Business, Technology, Science, Health, Sports, Culture, Crime & Justice,
Lifestyle, Climate & Environment, and Opinion (a kind of article, not a section: set aside here). Their
probabilities are averaged (embed_weight and tuner_weight, chosen on a validation split):
  * an embedding model: softmax regression over the story's MiniLM vector beside its title's vector
    (embed.npz; the vectors the grouping already made);
  * a lexical model: TF-IDF of the words, word pairs and character n-grams of the titles and texts, and
    logistic regression, scored here with numpy (lexical.npz);
  * the tuner: MiniLM with its top layers fine-tuned on the same labels, reading each story's title and first
    words (tuner.safetensors, models/section_tuner.py; training/train_section_tuner.py). It needs the encoder's
    package; without it the other two are averaged.
The page's feed category and URL desk (evidence_of_section.py) weigh the sections they name up. A story
whose best section is then below the confidence rule's threshold (news_threshold, set on the validation
split, stored in lexical.npz) goes to the general section "News" when it is configured.

Sections are configurable: a name the models know uses them; a name they do not know (one a user adds, or a
renamed one) is chosen zero-shot, when the story's vector is nearest that section's phrases
([section_descriptions], else DEFAULT_PHRASES, else the name itself).
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelError
from ..models import shipped
from .evidence_of_section import SIBLINGS, boosted, story_evidence

logger = logging.getLogger(__name__)
GENERAL = "News"  # the section for stories the models are unsure of; never learned, never zero-shot
NOT_SECTIONS = ("Opinion",)  # labels the models learn that are kinds of article, not sections

DEFAULT_PHRASES: dict[str, tuple[str, ...]] = {
    "World": (
        "international news: foreign governments, diplomacy, wars and conflicts between countries",
        "news from abroad: refugees, foreign elections, the United Nations, embassies and peace talks",
    ),
    "Politics": (
        "national politics: the government, parliament, ministers, political parties and elections",
        "politicians, legislation, votes, campaigns, policy announcements and opposition leaders",
    ),
    "Business": (
        "business and the economy: companies, markets, shares, profits and trade",
        "banks, interest rates, inflation, jobs, mergers, sales figures and corporate earnings",
    ),
    "Technology": (
        "technology: computers, software, the internet, smartphones, gadgets and video games",
        "tech companies, cybersecurity, hackers, artificial intelligence, broadband and mobile networks",
    ),
    "Science": (
        "science: research, scientists, space exploration, physics, biology and discoveries",
        "astronomy, animals, fossils, experiments and studies published in journals",
    ),
    "Health": (
        "health: medicine, hospitals, doctors, diseases, vaccines and patients",
        "public health, drugs, treatments, mental health and medical research",
    ),
    "Sports": (
        "sport: football, tennis, cricket, rugby, athletics, the Olympics and other games",
        "players, teams, coaches, matches, tournaments, championships, goals and wins",
    ),
    "Culture": (
        "entertainment and culture: films, music, television, books, theatre and art",
        "actors, singers, bands, celebrities, awards, festivals, albums and the box office",
    ),
    "Crime & Justice": (
        "crime and justice: police, arrests, murders, shootings, robberies and fraud",
        "courts, trials, judges, charges, sentences, prisons and lawsuits",
    ),
    "Lifestyle": (
        "lifestyle: food and recipes, restaurants, travel, fashion, beauty and style",
        "home and garden, parenting, family, relationships, weddings and shopping",
    ),
    "Climate & Environment": (
        "climate and the environment: climate change, emissions, pollution, energy and conservation",
        "weather: storms, floods, heatwaves, wildfires, droughts and forecasts",
    ),
    GENERAL: (
        "general news that no other section covers: accidents, local news and human interest",
    ),
}

SECTION_WEIGHTS = shipped("sections")  # trained by training/train_sections.py; package data
EMBED = SECTION_WEIGHTS / "embed.npz"
LEXICAL = SECTION_WEIGHTS / "lexical.npz"  # also holds embed_weight, tuner_weight and news_threshold
EMBED_WEIGHT = 0.5  # the embedding model's share of the average when lexical.npz does not say
_WORD = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern, which the lexical model was trained with
_SPACES = re.compile(r"\s\s+")


def descriptions(names: Sequence[str], custom: Mapping[str, Sequence[str] | str] | None = None) -> dict[str, tuple[str, ...]]:
    """Phrases for each configured section: custom ones, else the default, else the name itself."""
    custom = custom or {}
    out = {}
    for name in names:
        given = custom.get(name)
        if isinstance(given, str):
            given = (given,)
        out[name] = tuple(given or DEFAULT_PHRASES.get(name) or (name,))
    return out


def from_category(category: str | None, names: Sequence[str]) -> str | None:
    """The one configured section a feed category names (through the evidence table, or by a section's own
    name), else None: "Science & Technology" -> Technology, "Cell Biology" -> Science, "Harry Kane" -> None."""
    allowed = (story_evidence([(None, category)], names) or frozenset()) & set(names) if category else None
    return next(iter(allowed)) if allowed and len(allowed) == 1 else None


def story_text(reports: Sequence[tuple[str | None, str]]) -> str:
    """What the lexical model reads of a story: each report's title, then its text."""
    return "\n".join(f"{title or ''}\n{text}" for title, text in reports)


# ------------------------------------------------------------------------------------------ lexical model

@dataclass(frozen=True, eq=False)
class LexicalModel:
    """TF-IDF blocks and logistic regression (scikit-learn's, recomputed with numpy): words and word pairs
    (English stop words dropped first), and character n-grams within words (char_wb); each block
    l2-normalised on its own, as an hstack of two TfidfVectorizers is."""

    labels: list[str]
    vocab: dict[str, int]
    idf: np.ndarray
    weight: np.ndarray  # labels x word terms
    bias: np.ndarray
    stop: frozenset[str] = frozenset()
    char_vocab: dict[str, int] = field(default_factory=dict)
    char_idf: np.ndarray | None = None
    char_weight: np.ndarray | None = None  # labels x char terms
    char_range: tuple[int, int] = (3, 5)
    meta: dict[str, float] = field(default_factory=dict)  # embed_weight, tuner_weight, news_threshold (training's choices)
    _word_ids: dict[str, np.ndarray] = field(default_factory=dict, repr=False)  # a word's known char n-grams


def load_lexical(path: Path = LEXICAL) -> LexicalModel | None:
    """The lexical section model (training/train_sections.py), or None when its weights are absent."""
    try:
        with np.load(path) as d:
            words = bytes(d["terms"]).decode("utf-8").split("\n")
            stop = frozenset(bytes(d["stop"]).decode("utf-8").split("\n")) if "stop" in d else frozenset()
            chars: dict[str, Any] = {}
            if "char_terms" in d:
                chars = {"char_vocab": {t: i for i, t in enumerate(bytes(d["char_terms"]).decode("utf-8").split("\n"))},
                         "char_idf": d["char_idf"].astype(np.float64), "char_weight": d["char_weight"].astype(np.float32),
                         "char_range": (int(d["char_range"][0]), int(d["char_range"][1]))}
            meta = {k: float(d[k]) for k in ("embed_weight", "tuner_weight", "news_threshold") if k in d}
            return LexicalModel(list(map(str, d["labels"])), {t: i for i, t in enumerate(words)},
                                d["idf"].astype(np.float64), d["weight"].astype(np.float32),
                                d["bias"].astype(np.float64), stop, **chars, meta=meta)
    except (OSError, KeyError, ValueError):
        return None


def word_grams(text: str, stop: frozenset[str]) -> Counter:
    """scikit-learn's word analyzer: lower-case \\b\\w\\w+\\b tokens, stop words dropped, then each word and
    each pair of neighbours."""
    words = [w for w in _WORD.findall(text.lower()) if w not in stop]
    return Counter(words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)])


def char_wb_grams(text: str, lo: int, hi: int) -> Counter:
    """scikit-learn's 'char_wb' analyzer: the n-grams of each space-padded word; a word no longer than n
    gives itself once, and no longer n-grams."""
    out: Counter = Counter()
    for w in _SPACES.sub(" ", text.lower()).split():
        w = f" {w} "
        for n in range(lo, hi + 1):
            last = max(len(w) - n, 0)
            for i in range(last + 1):
                out[w[i : i + n]] += 1
            if last == 0:
                break
    return out


def _block(found: list[tuple[int, float]], weight: np.ndarray) -> np.ndarray:
    if not found:
        return np.zeros(weight.shape[0])
    cols = np.fromiter((j for j, _ in found), dtype=np.int64, count=len(found))
    vals = np.fromiter((v for _, v in found), dtype=np.float64, count=len(found))
    return weight[:, cols].astype(np.float64) @ (vals / np.linalg.norm(vals))


def _char_block(text: str, m: LexicalModel) -> np.ndarray:
    """The char_wb block's scores, computed per distinct word (a word's n-grams never cross a space), each
    word's known n-gram ids remembered in the model: about 10x faster than counting the text's n-grams."""
    lo, hi = m.char_range
    ids, reps = [], []
    for w, c in Counter(_SPACES.sub(" ", text.lower()).split()).items():
        got = m._word_ids.get(w)
        if got is None:
            got = np.array([m.char_vocab[g] for g, k in char_wb_grams(w, lo, hi).items() for _ in range(k)
                            if g in m.char_vocab], dtype=np.int64)
            if len(m._word_ids) < 200_000:
                m._word_ids[w] = got
        ids.append(got)
        reps.append(np.full(len(got), c))
    if not ids or not sum(map(len, ids)):
        return np.zeros(m.bias.shape[0])
    assert m.char_idf is not None and m.char_weight is not None  # the caller checked m.char_vocab
    cols, inverse = np.unique(np.concatenate(ids), return_inverse=True)
    vals = (1.0 + np.log(np.bincount(inverse, weights=np.concatenate(reps)))) * m.char_idf[cols]
    return m.char_weight[:, cols].astype(np.float64) @ (vals / np.linalg.norm(vals))


def lexical_probabilities(texts: Sequence[str], m: LexicalModel) -> np.ndarray:
    """Each text's probability of each label: TfidfVectorizer(sublinear_tf=True) blocks and
    LogisticRegression.predict_proba, recomputed with numpy (training checks the two agree), so briefing
    needs no scikit-learn."""
    scores = np.tile(m.bias, (len(texts), 1))
    for row, text in enumerate(texts):
        grams = word_grams(text, m.stop)
        scores[row] += _block([(m.vocab[g], (1 + math.log(c)) * m.idf[m.vocab[g]]) for g, c in grams.items()
                               if g in m.vocab], m.weight)
        if m.char_weight is not None:
            scores[row] += _char_block(text, m)
    return _softmax(scores)


def _softmax(scores: np.ndarray) -> np.ndarray:
    scores = scores - scores.max(1, keepdims=True)
    p = np.exp(scores)
    return p / p.sum(1, keepdims=True)


# ------------------------------------------------------------------------------------------ embedding model

@dataclass(frozen=True, eq=False)
class EmbedModel:
    """Softmax regression over embed_features(): a story's vector beside its title's vector (2 x 384)."""

    labels: list[str]
    weight: np.ndarray  # labels x 768
    bias: np.ndarray


def load_embed(path: Path = EMBED) -> EmbedModel | None:
    """The embedding section model (training/train_sections.py), or None when its weights are absent."""
    try:
        with np.load(path) as d:
            return EmbedModel(list(map(str, d["labels"])), d["weight"].astype(np.float64) * float(d["scale"]),
                              d["bias"].astype(np.float64))
    except (OSError, KeyError, ValueError):
        return None


def embed_features(story_vecs: np.ndarray, title_vecs: np.ndarray) -> np.ndarray:
    """What the embedding model reads: each story's vector (the mean of its sentence and title vectors) and its
    title vector (the mean of its reports' title vectors, unit length; the story vector when it has no title),
    side by side."""
    return np.hstack([np.asarray(story_vecs, dtype=np.float64), np.asarray(title_vecs, dtype=np.float64)])


@dataclass(frozen=True, eq=False)
class SectionModels:
    """The trained section models (each None when its weights, or for the tuner the encoder, are absent) and
    how they are combined: a run loads them once (Models.sections())."""

    classifier: EmbedModel | None
    lexical: LexicalModel | None
    embed_weight: float = EMBED_WEIGHT  # the embedding model's share of the average
    news_threshold: float = 0.0  # a story whose best section is less likely than this goes to GENERAL
    tuner: Any = None  # a models.section_tuner.SectionTuner, or None
    tuner_weight: float = 0.0  # the tuner's share (the lexical model has what the other two leave), as stored

    @property
    def labels(self) -> list[str]:
        return self.classifier.labels if self.classifier is not None else self.lexical.labels if self.lexical else []


def load_section_models(folder: Path = SECTION_WEIGHTS, base: Path | None = None, threads: int | None = None,
                        precision: str = "auto", shared: Any = None) -> SectionModels:
    """The shipped section models; a part whose weights are absent or unreadable is None, and the tuner is
    loaded only over the encoder in `base` (None: without it). The average's weights and the News threshold are
    stored beside the lexical model (training/train_sections.py chose them). `shared`: the encoder's
    (model, tokenizer) loader, for the tuner to share (SectionTuner)."""
    from ..models.section_tuner import SectionTuner, tuner_present

    embed, lexical = load_embed(folder / EMBED.name), load_lexical(folder / LEXICAL.name)
    if embed is not None and lexical is not None and embed.labels != lexical.labels:
        logger.warning("the section models in %s were trained on different labels; using the embedding model alone",
                       folder)
        lexical = None
    tuner = None
    if base is not None and tuner_present(folder):
        try:
            tuner = SectionTuner(base, folder, threads=threads, precision=precision, shared=shared)
        except (OSError, ValueError, KeyError, TypeError) as e:
            logger.warning("the section tuner in %s is unreadable (%s); the other section models decide", folder, e)
        known = SectionModels(embed, lexical).labels
        if tuner is not None and known and tuner.labels != known:
            logger.warning("the section tuner in %s was trained on other labels; the other section models decide",
                           folder)
            tuner = None
    meta = lexical.meta if lexical is not None else {}
    return SectionModels(embed, lexical, meta.get("embed_weight", EMBED_WEIGHT), meta.get("news_threshold", 0.0),
                         tuner, meta.get("tuner_weight", 0.0))


def section_probabilities(models: SectionModels, features: np.ndarray | None, texts: Sequence[str]) -> np.ndarray:
    """Each story's probability of each of models.labels (Opinion included): the embedding model's over
    `features` (embed_features(); None: without it), the lexical model's and the tuner's over `texts`
    (story_text()), averaged with the stored weights (renormalised over the parts present)."""
    parts: list[tuple[float, np.ndarray]] = []
    if models.classifier is not None and features is not None:
        m = models.classifier
        parts.append((models.embed_weight, _softmax(np.asarray(features, dtype=np.float64) @ m.weight.T + m.bias)))
    if models.tuner is not None and models.tuner_weight > 0:
        try:
            parts.append((models.tuner_weight, models.tuner.probabilities(list(texts))))
        except ModelError as e:  # a damaged or mismatched tuner: the other models decide, the run goes on
            logger.warning("%s; the other section models decide", e)
    if models.lexical is not None:
        rest = 1.0 - models.embed_weight - models.tuner_weight
        parts.append((rest if parts else 1.0, lexical_probabilities(texts, models.lexical)))
    if not parts:
        return np.zeros((len(texts), 0))
    return np.asarray(sum(w * p for w, p in parts) / sum(w for w, _ in parts))


# ------------------------------------------------------------------------------------------ the decision

def decide(probs: np.ndarray, labels: Sequence[str], names: Sequence[str], allowed: frozenset[str] | None,
           threshold: float) -> str | None:
    """One story's section among the configured `names` the models know, from its probabilities over
    `labels`: an unconfigured label's probability goes to its configured sibling (SIBLINGS), Opinion and other
    unconfigured labels are set aside and the rest renormalised, the page's evidence weighed in; below
    `threshold`, GENERAL when configured (not when the evidence names the winner). None when the models know none
    of the names."""
    cols = [i for i, label in enumerate(labels) if label in names and label not in NOT_SECTIONS]
    if not cols:
        return None
    probs = np.asarray(probs, dtype=np.float64)
    folded = probs.copy()
    for i, label in enumerate(labels):
        sibling = SIBLINGS.get(label)
        if label not in names and sibling in names and sibling in labels:
            folded[labels.index(sibling)] += probs[i]
    p = folded[cols]
    p = p / p.sum() if p.sum() > 0 else np.full(len(cols), 1 / len(cols))
    known = [labels[i] for i in cols]
    p = boosted(p, known, allowed)
    best = int(p.argmax())
    if GENERAL in names and p[best] < threshold and not (allowed and known[best] in allowed):
        return GENERAL
    return known[best]


def classify(story_vecs: np.ndarray, names: Sequence[str], phrase_vecs: np.ndarray | None = None,
             phrase_section: Sequence[str] | None = None, models: SectionModels | None = None,
             texts: Sequence[str] | None = None, evidence: Sequence[frozenset[str] | None] | None = None,
             title_vecs: np.ndarray | None = None) -> list[str]:
    """Each story's section among `names`.

    Sections the models learned are decided by them (section_probabilities over the stories' vectors, their
    `title_vecs` (None: the story vectors stand in) and their `texts`, story_text(); without texts, the
    embedding model alone), with each story's page `evidence` (evidence_of_section.story_evidence) weighed in
    and the News rule applied. A configured section they do not know (one a user adds) is chosen zero-shot,
    when the story's vector is nearest that section's phrases; GENERAL never is. Without models, evidence
    naming one configured section decides, else the phrases.
    """
    n = len(story_vecs)
    if n == 0:
        return []
    models = models or SectionModels(None, None)
    evidence = list(evidence) if evidence is not None else [None] * n
    learned: list[str | None] = [None] * n
    labels = models.labels
    if any(label in names for label in labels) and (texts is not None or models.classifier is not None):
        features = embed_features(story_vecs, story_vecs if title_vecs is None else title_vecs)
        lexical_ok = texts is not None
        probs = section_probabilities(models if lexical_ok else SectionModels(models.classifier, None,
                                                                             models.embed_weight),
                                      features, list(texts or ()) if lexical_ok else [""] * n)
        if probs.shape[1]:
            learned = [decide(p, labels, names, e, models.news_threshold) for p, e in zip(probs, evidence, strict=True)]
    zero: list[str | None] = [None] * n
    candidates = [(v, s) for v, s in zip(phrase_vecs if phrase_vecs is not None else [], phrase_section or [],
                                         strict=False) if s != GENERAL]
    unknown = {s for _, s in candidates if s not in labels}
    if candidates and (unknown or any(c is None for c in learned)):
        zero = list(assign(np.asarray(story_vecs), np.stack([v for v, _ in candidates]), [s for _, s in candidates]))
    out = []
    how: Counter[str] = Counter()
    for k in range(n):
        named = [s for s in (evidence[k] or ()) if s in names]
        nearest, model = zero[k], learned[k]
        if len(named) == 1 and named[0] not in labels:
            out.append(named[0])  # the page names a configured section the models do not know
            how["by the page's desk"] += 1
        elif nearest is not None and nearest in unknown:
            out.append(nearest)  # a section the models do not know is the nearest by its phrases
            how["by their phrases"] += 1
        elif model is not None:
            out.append(model)
            how["by the section models"] += 1
        elif len(named) == 1:
            out.append(named[0])
            how["by the page's desk"] += 1
        elif nearest is not None:
            out.append(nearest)
            how["by their phrases"] += 1
        else:
            raise ValueError("without section models that know the sections, phrase vectors are needed")
    logger.info("sections of %d stories: %s", n, ", ".join(f"{c} {w}" for w, c in sorted(how.items())))
    if how["by the section models"]:
        parts = [name for name, part in (("embedding", models.classifier), ("lexical", models.lexical if texts else None),
                                         ("tuner", models.tuner if texts and models.tuner is not None and
                                          models.tuner.loaded else None)) if part]
        logger.info("section models used: %s", " + ".join(parts))
    return out


def assign(story_vecs: np.ndarray, phrase_vecs: np.ndarray, phrase_section: Sequence[str]) -> list[str]:
    """The nearest section for each story vector, by the sections' prototypes (all unit vectors)."""
    if len(story_vecs) == 0:
        return []
    names = list(dict.fromkeys(phrase_section))
    owner = np.array([names.index(n) for n in phrase_section])
    protos = np.stack([phrase_vecs[owner == k].mean(0) for k in range(len(names))])
    protos /= np.maximum(np.linalg.norm(protos, axis=1, keepdims=True), 1e-12)
    return [names[int(i)] for i in (story_vecs @ protos.T).argmax(1)]
