"""The section tuner: the sentence encoder (all-MiniLM-L6-v2) with its top layers fine-tuned on newsroom-labelled
news and a softmax head over the section labels (training/train_section_tuner.py). It reads a story's title and
first words (READ_TOKENS), as it was trained on headlines and descriptions, and gives each label's probability;
stories/sections.py averages it with the embedding and lexical models. torch is imported here only.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelError

logger = logging.getLogger(__name__)
WEIGHTS = "tuner.safetensors"
META = "tuner.json"
MAX_TOKENS = 128  # what training reads of an item (most are a headline and its description: median 28 tokens)
# what it reads of a story: its title and lead, about the length of the headlines and descriptions it learned from
# (90% of them are under 50 tokens); 128 costs 12.5 s per 1,000 stories on 2 cores, 64 costs 5.5 s
READ_TOKENS = 64
BATCH = 32


def tuner_present(folder: Path) -> bool:
    """Are the tuner's weights and description installed in `folder`?"""
    return (folder / WEIGHTS).exists() and (folder / META).exists()


class SectionTuner:
    """Texts -> probabilities of the section labels, by the fine-tuned encoder; loaded on first use."""

    def __init__(self, base: Path, folder: Path, threads: int | None = None, precision: str = "auto",
                 shared: Callable[[], tuple[Any, Any]] | None = None):
        """`shared` gives the encoder's loaded (model, tokenizer) for `base` (Encoder.parts): the tuner then keeps
        only its own top layers and shares the embeddings and frozen layers (60 MB less); else it loads its own."""
        from .encoder import resolve_precision

        self.shared = shared
        self.base = base
        self.folder = folder
        self.threads = threads
        self.precision = resolve_precision(precision)
        self.meta: dict[str, Any] = json.loads((folder / META).read_text("utf-8"))
        self.labels: list[str] = [str(x) for x in self.meta["labels"]]
        self._model: Any = None
        self._head: Any = None
        self._tokenizer: Any = None

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        if self._model is not None:
            return
        import torch
        from safetensors.torch import load_file

        from .encoder import load_encoder, set_threads

        set_threads(self.threads)
        try:
            state = load_file(str(self.folder / WEIGHTS))
            want = self.meta.get("base_sample")
            if want and want != base_sample(self.base):
                raise ValueError(f"it was trained over another encoder than the one in {self.base}")
            trained = sorted({int(k.split(".")[2]) for k in state if k.startswith("encoder.layer.")})
            if self.shared is not None:
                model, self._tokenizer = _over(*self.shared(), trained)
            else:
                model, self._tokenizer = load_encoder(self.base)
        except Exception as e:  # noqa: BLE001 - safetensors, torch and a damaged file raise many kinds
            raise ModelError(f"Cannot load the section tuner in {self.folder}: {e}".splitlines()[0]) from None
        weight, bias = state.pop("head.weight").float(), state.pop("head.bias").float()
        if weight.shape != (len(self.labels), model.hidden_size):
            raise ModelError(f"The section tuner in {self.folder} does not fit the encoder in {self.base}: its head "
                             f"is {tuple(weight.shape)}; retrain it (training/train_section_tuner.py).")
        head = torch.nn.Linear(model.hidden_size, len(self.labels))
        head.load_state_dict({"weight": weight, "bias": bias})
        try:
            model.load_checkpoint(state, partial=True)  # the fine-tuned top layers over the base encoder
        except ValueError as e:
            raise ModelError(f"The section tuner in {self.folder} does not fit the encoder in {self.base}: {e}") \
                from None
        self._model, self._head = model.eval(), head.eval()
        logger.debug("loaded the section tuner from %s over %s", self.folder, self.base)

    def probabilities(self, texts: Sequence[str], max_tokens: int = READ_TOKENS) -> np.ndarray:
        """Each text's probability of each of self.labels (rows sum to 1), reading its first `max_tokens`."""
        import torch

        from .encoder import inference

        if not texts:
            return np.zeros((0, len(self.labels)))
        self.load()
        rows = self._tokenizer.ids(list(texts), max_tokens)
        order = sorted(range(len(rows)), key=lambda i: len(rows[i]))  # by length: little padding; stable
        out = np.zeros((len(rows), len(self.labels)))
        with inference(self.precision):
            for lo in range(0, len(order), BATCH):
                idx = order[lo : lo + BATCH]
                batch = self._tokenizer.pad([rows[i] for i in idx])
                hidden = self._model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
                out[idx] = torch.softmax(self._head(pooled.float()).float(), -1).double().numpy()
        return out


def base_sample(base: Path) -> str:
    """A short hash of the base encoder's weights (their last megabyte): the tuner's layers fit only the encoder
    they were trained over, and another one of the same shape would load without an error."""
    import hashlib

    path = base / "model.safetensors"
    with path.open("rb") as f:
        f.seek(max(0, path.stat().st_size - (1 << 20)))
        return hashlib.sha256(f.read()).hexdigest()[:16]


def _over(model: Any, tokenizer: Any, trained: Sequence[int]) -> tuple[Any, Any]:
    """A model that shares `model`'s embeddings and the layers the tuner did not train, with its own copies of the
    `trained` layers (by number) to load the tuner's weights into: the encoder itself is left as it is. A model
    that is not the package's own BERT (bert.Bert) is copied whole."""
    import copy

    from . import bert

    if not isinstance(model, bert.Bert):
        return copy.deepcopy(model), tokenizer
    if not trained or max(trained) >= len(model.layers):
        raise ValueError(f"its layers {list(trained)} are not the encoder's ({len(model.layers)} layers)")
    own = copy.copy(model)
    own._modules = dict(model._modules)  # a module's children live in this dict: the copy gets its own
    own.layers = type(model.layers)([copy.deepcopy(layer) if i in trained else layer
                                     for i, layer in enumerate(model.layers)])
    return own, tokenizer
