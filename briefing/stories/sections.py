"""Stories -> topic sections: the feed's own category when it names a section, else the encoder.

Each section is described by a few plain phrases; the mean of their embeddings is the section's
prototype. A story goes to the section whose prototype is nearest (cosine) to the mean embedding
of the story's sentences and titles: the whole text speaks for the topic, where a lead alone is
often one anecdote (benchmarks/clustering.py measures both). Sections and their phrases are
configurable (`sections` and `[section_descriptions]`).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..models import shipped

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
        "climate, the environment, animals, astronomy and studies published in journals",
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
}

# Feed categories that name a default section in other words.
ALIASES = {
    "world": "World", "international": "World", "foreign": "World", "global": "World",
    "politics": "Politics", "election": "Politics", "government": "Politics",
    "business": "Business", "economy": "Business", "markets": "Business", "finance": "Business", "money": "Business",
    "technology": "Technology", "tech": "Technology", "science & technology": "Technology",
    "science and technology": "Technology",
    "science": "Science", "environment": "Science", "climate": "Science", "space": "Science",
    "health": "Health", "medicine": "Health", "wellness": "Health",
    "sport": "Sports", "sports": "Sports", "football": "Sports", "soccer": "Sports",
    "culture": "Culture", "entertainment": "Culture", "arts": "Culture", "books": "Culture",
    "film": "Culture", "music": "Culture", "movies": "Culture", "tv": "Culture",
    # the fields journals and science desks file under (Science's own feed: "Cell Biology",
    # "Geochemistry, Geophysics", "Medicine, Diseases")
    "biology": "Science", "chemistry": "Science", "physics": "Science", "neuroscience": "Science",
    "genetics": "Science", "genomics": "Science", "immunology": "Science", "astronomy": "Science",
    "astrophysics": "Science", "geophysics": "Science", "geochemistry": "Science", "geology": "Science",
    "ecology": "Science", "evolution": "Science", "biochemistry": "Science", "microbiology": "Science",
    "botany": "Science", "zoology": "Science", "paleontology": "Science", "oceanography": "Science",
    "diseases": "Health", "epidemiology": "Health", "public health": "Health",
}
_CATEGORY_PARTS = re.compile(r"\s*(?:[,;/|&]|\band\b)\s*")


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
    """The section a feed's own category names, if any: the whole category ("Science & Technology"), else
    its first part that names one ("Geochemistry, Geophysics"), a part whole or by its last word
    ("Cell Biology", "US Politics")."""
    if not category:
        return None
    by_lower = {n.lower(): n for n in names}

    def named(key: str) -> str | None:
        if key in by_lower:
            return by_lower[key]
        alias = ALIASES.get(key)
        return alias if alias in names else None

    key = " ".join(category.strip().lower().split())
    if found := named(key):
        return found
    for part in _CATEGORY_PARTS.split(key):
        words = part.split()
        if found := named(part) or (named(words[-1]) if len(words) > 1 else None):
            return found
    return None


CLASSIFIER = shipped("sections") / "sections.npz"  # trained by training/train_sections.py; package data


def load_classifier(path: Path = CLASSIFIER) -> tuple[list[str], np.ndarray, np.ndarray] | None:
    """The section classifier trained on labelled news (training/train_sections.py), or None if absent."""
    try:
        data = np.load(path)
        return list(map(str, data["labels"])), data["weight"] * float(data["scale"]), data["bias"]
    except (OSError, KeyError, ValueError):
        return None


LEXICAL = CLASSIFIER.parent / "lexical.npz"
_WORD = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern, which the lexical model was trained with
# labels, vocabulary, idf, weight, bias, stop words (dropped before word pairs are formed, as sklearn does)
LexicalModel = tuple[list[str], dict[str, int], np.ndarray, np.ndarray, np.ndarray, frozenset[str]]


def story_text(reports: Sequence[tuple[str | None, str]]) -> str:
    """What the lexical model reads of a story: each report's title, then its text."""
    return "\n".join(f"{title or ''}\n{text}" for title, text in reports)


def load_lexical(path: Path = LEXICAL) -> LexicalModel | None:
    """The lexical section model (training/train_sections.py: TF-IDF and logistic regression), or None."""
    try:
        data = np.load(path)
        terms = bytes(data["terms"]).decode("utf-8").split("\n")
        stop = frozenset(bytes(data["stop"]).decode("utf-8").split("\n")) if "stop" in data else frozenset()
        return (list(map(str, data["labels"])), {t: i for i, t in enumerate(terms)}, data["idf"].astype(np.float64),
                data["weight"].astype(np.float64), data["bias"].astype(np.float64), stop)
    except (OSError, KeyError, ValueError):
        return None


@dataclass(frozen=True)
class SectionModels:
    """The trained section models (either None when its weights are absent): a run loads them once (Models)."""

    classifier: tuple[list[str], np.ndarray, np.ndarray] | None
    lexical: LexicalModel | None


def load_section_models() -> SectionModels:
    return SectionModels(load_classifier(), load_lexical())


def lexical_probabilities(texts: Sequence[str], model: LexicalModel) -> np.ndarray:
    """Each text's probability of each label: scikit-learn's TfidfVectorizer(sublinear_tf=True,
    ngram_range=(1, 2), stop_words=...) and LogisticRegression.predict_proba, recomputed here with numpy (the
    training script checks the two agree), so briefing needs no scikit-learn."""
    labels, vocab, idf, weight, bias, stop = model
    scores = np.tile(bias, (len(texts), 1))
    for row, text in enumerate(texts):
        words = [w for w in _WORD.findall(text.lower()) if w not in stop]
        grams = Counter(words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)])  # each word and the next
        found = [(vocab[g], (1 + math.log(c)) * idf[vocab[g]]) for g, c in grams.items() if g in vocab]
        if found:
            cols = np.array([j for j, _ in found])
            vals = np.array([v for _, v in found])
            scores[row] += weight[:, cols] @ (vals / np.linalg.norm(vals))
    scores -= scores.max(1, keepdims=True)
    probs = np.exp(scores)
    return probs / probs.sum(1, keepdims=True)


def classify(story_vecs: np.ndarray, names: Sequence[str], phrase_vecs: np.ndarray | None = None,
             phrase_section: Sequence[str] | None = None, models: SectionModels | None = None,
             texts: Sequence[str] | None = None) -> list[str]:
    """Each story's section among `names`.

    Sections the classifier learned from labelled news (World, Business, Technology, Sports, Culture) are
    decided by it; a section it does not know (Politics, Science, Health, one a user adds) is chosen
    zero-shot, when the story's vector is nearest that section's phrases. Without phrase vectors, the
    classifier alone decides among the sections it knows. Given the stories' `texts` (story_text()), the
    classifier's probabilities are averaged with the lexical model's (AG News held-out: 0.86 -> 0.88).
    """
    if len(story_vecs) == 0:
        return []
    models = models or SectionModels(None, None)
    clf = models.classifier
    known = [n for n in names if clf is not None and n in clf[0]]
    if clf is None or len(known) < 2:
        if phrase_vecs is None or phrase_section is None:
            raise ValueError("without a classifier that knows two of the sections, phrase vectors are needed")
        return assign(story_vecs, phrase_vecs, phrase_section)
    labels, weight, bias = clf
    cols = [labels.index(n) for n in known]
    lex = models.lexical
    if texts is not None and lex is not None and set(labels) <= set(lex[0]):
        logits = story_vecs @ weight.T + bias
        probs = np.exp(logits - logits.max(1, keepdims=True))
        probs /= probs.sum(1, keepdims=True)
        words = lexical_probabilities(texts, lex)[:, [lex[0].index(n) for n in labels]]
        learned = [known[int(i)] for i in ((probs + words) / 2)[:, cols].argmax(1)]
    else:
        learned = [known[int(i)] for i in (story_vecs @ weight[cols].T + bias[cols]).argmax(1)]
    if phrase_vecs is None or phrase_section is None or not any(n not in known for n in names):
        return learned
    zero = assign(story_vecs, phrase_vecs, phrase_section)
    return [z if z not in known else c for z, c in zip(zero, learned, strict=True)]


def assign(story_vecs: np.ndarray, phrase_vecs: np.ndarray, phrase_section: Sequence[str]) -> list[str]:
    """The nearest section for each story vector, by the sections' prototypes (all unit vectors)."""
    if len(story_vecs) == 0:
        return []
    names = list(dict.fromkeys(phrase_section))
    owner = np.array([names.index(n) for n in phrase_section])
    protos = np.stack([phrase_vecs[owner == k].mean(0) for k in range(len(names))])
    protos /= np.maximum(np.linalg.norm(protos, axis=1, keepdims=True), 1e-12)
    return [names[int(i)] for i in (story_vecs @ protos.T).argmax(1)]
