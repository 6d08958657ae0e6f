"""A sentence encoder (all-MiniLM-L6-v2 by default): texts -> unit vectors."""

from __future__ import annotations

import functools
import logging
import os
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelError

logger = logging.getLogger(__name__)
SENTENCE_TOKENS = 48  # a sentence's gist is in its first words: measured 20% faster than 128 at equal ROUGE
MEMO_SIZE = 50_000  # vectors kept per encoder (384 floats each: about 75 MB at most)



@functools.lru_cache(maxsize=1)
def cpu_has_bf16() -> bool:
    """Does this CPU multiply bfloat16 natively (AVX-512 BF16 or AMX)? Elsewhere bf16 is emulated, and slower."""
    try:
        flags = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return False
    return any(f in flags.split() for f in ("avx512_bf16", "amx_bf16"))


def resolve_precision(precision: str) -> str:
    """'auto' -> 'bf16' where the CPU has it, else 'fp32'. Measured on all-MiniLM-L6-v2 over 1,873 XSum
    sentences (benchmarks/encoder_precision.py, 2 cores): bf16 autocast 1.6-2.0x faster than fp32 with
    cosine >= 0.9999 to the fp32 vectors; torch's dynamic int8 2.0x but cosine 0.76 at worst; ONNX Runtime
    int8 (per channel) 2.1x, cosine 0.97 at worst, and it needs an exported copy of the weights."""
    if precision == "auto":
        return "bf16" if cpu_has_bf16() else "fp32"
    return precision


def inference(precision: str):
    """The torch context a forward pass runs in: inference mode, and bf16 autocast when asked."""
    import contextlib

    import torch

    stack = contextlib.ExitStack()
    stack.enter_context(torch.inference_mode())
    if resolve_precision(precision) == "bf16":
        stack.enter_context(torch.autocast("cpu", dtype=torch.bfloat16))
    return stack


def set_threads(threads: int | None) -> None:
    """Use every core unless told otherwise (torch's default can be lower in containers)."""
    import torch

    torch.set_num_threads(threads or len(os.sched_getaffinity(0)))


def quiet_transformers() -> None:
    """Keep transformers' own bars and notices off stderr: we draw our own progress."""
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


class Encoder:
    """Mean-pooled, L2-normalised transformer embeddings."""

    def __init__(self, path: Path, batch_size: int = 32, max_length: int = 128, threads: int | None = None,
                 precision: str = "auto"):
        self.path = path
        self.precision = resolve_precision(precision)
        self.batch_size = batch_size
        self.max_length = max_length  # news sentences average ~30 tokens; longer tails add little
        self.threads = threads
        self._model: Any = None  # a transformers model once loaded
        self._tokenizer: Any = None
        self._memo: OrderedDict[tuple[int, str], np.ndarray] = OrderedDict()

    @property
    def identity(self) -> str:
        """What determines this encoder's vectors: the model's folder and files, and the arithmetic."""
        from .registry import fingerprint

        return f"{self.path.resolve()}|{fingerprint(self.path)}|{self.precision}"

    def load(self) -> None:
        if self._model is not None:
            return
        import torch  # noqa: F401  (imported here so --help and the lead backend stay light)

        set_threads(self.threads)
        try:
            self._model, self._tokenizer = load_encoder(self.path)
        except (OSError, ValueError) as e:
            raise ModelError(f"Cannot load the encoder in {self.path}: {e}".splitlines()[0]) from None
        logger.debug("loaded encoder from %s", self.path)

    def encode(self, texts: Sequence[str], max_length: int | None = None,
               advance: Callable[[int], object] | None = None) -> np.ndarray:
        """Unit vectors, one row per text. Texts seen before in this process (clustering and then the
        summarizer embed the same sentences) come from a bounded memo; the rest are encoded once each.
        `advance(n)` is told of each batch done (a progress bar)."""
        max_length = max_length or self.max_length
        keys = [(max_length, t) for t in texts]
        todo = list(dict.fromkeys(k for k in keys if k not in self._memo))
        if advance is not None and len(texts) > len(todo):
            advance(len(texts) - len(todo))
        if todo:
            for key, vec in zip(todo, self._encode([t for _, t in todo], max_length, advance), strict=True):
                self._memo[key] = vec
        if not keys:
            return np.zeros((0, self.dim()), dtype=np.float32)
        out = np.stack([self._memo[k] for k in keys])
        for k in keys:
            self._memo.move_to_end(k)
        while len(self._memo) > MEMO_SIZE:
            self._memo.popitem(last=False)
        return out

    def parts(self) -> tuple[Any, Any]:
        """The loaded (model, tokenizer): the section tuner shares its embeddings and lower layers."""
        self.load()
        return self._model, self._tokenizer

    def dim(self) -> int:
        self.load()
        return int(self._model.hidden_size)

    @functools.cached_property
    def width(self) -> int | None:
        """The vectors' length as the model's config.json states it, read without loading the model (the cache
        checks stored vectors against it); None when the config does not say."""
        import json

        try:
            size = json.loads((self.path / "config.json").read_text("utf-8")).get("hidden_size")
        except (OSError, ValueError, AttributeError):
            return None
        return size if isinstance(size, int) and size > 0 else None

    def _encode(self, texts: Sequence[str], max_length: int,
                advance: Callable[[int], object] | None = None) -> np.ndarray:
        """Tokenized first, then batched by token count: every row of a batch is computed at the batch's
        width, so texts of unequal length waste work on padding (sorted by characters, 28% of the
        tokens computed on 1,000 news articles were padding; by token count, 0.15%)."""
        import torch

        self.load()
        out = np.zeros((len(texts), self._model.hidden_size), dtype=np.float32)
        rows = self._tokenizer.ids(list(texts), max_length)
        order = sorted(range(len(texts)), key=lambda i: len(rows[i]))  # stable: ties keep input order
        with inference(self.precision):
            for lo in range(0, len(order), self.batch_size):
                idx = order[lo : lo + self.batch_size]
                batch = self._tokenizer.pad([rows[i] for i in idx])
                hidden = self._model(**batch)
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                out[idx] = torch.nn.functional.normalize(pooled.float(), dim=-1).numpy()
                if advance is not None:
                    advance(len(idx))
        return out


def load_encoder(path: Path) -> tuple[Any, Any]:
    """(model, tokenizer) for a checkpoint folder: model(input_ids, attention_mask, token_type_ids) -> hidden
    states, with .hidden_size; tokenizer(texts, max_length, is_split_into_words) -> padded tensors, and
    .word_ids(row); tokenizer.ids(texts, max_length) -> unpadded id lists, and .pad(rows) -> padded tensors.
    A plain BERT (MiniLM) loads without importing transformers (bert.py: 2.3 s less at every cold start);
    anything else through transformers' AutoModel."""
    from . import bert

    if bert.supported(path):
        return bert.load(path)
    return _hf_load(path)


def _hf_load(path: Path) -> tuple[_HFModel, _HFTokenizer]:
    from transformers import AutoModel, AutoTokenizer

    quiet_transformers()
    return _HFModel(AutoModel.from_pretrained(path).eval()), _HFTokenizer(AutoTokenizer.from_pretrained(path))


class _HFModel:
    """transformers' AutoModel called as bert.Bert is."""

    def __init__(self, model: Any):
        self.model = model
        self.hidden_size = int(model.config.hidden_size)

    def __call__(self, input_ids, attention_mask, token_type_ids=None):
        kwargs = {"token_type_ids": token_type_ids} if token_type_ids is not None else {}
        return self.model(input_ids=input_ids, attention_mask=attention_mask, **kwargs).last_hidden_state

    def load_checkpoint(self, state: dict, partial: bool = False) -> None:
        result = self.model.load_state_dict({k: v.float() for k, v in state.items()}, strict=not partial)
        if result.unexpected_keys:
            raise ValueError(f"weights this encoder does not have: {result.unexpected_keys[:3]}")


class _HFTokenizer:
    """transformers' AutoTokenizer called as bert.Tokenizer is."""

    def __init__(self, tokenizer: Any):
        self.tokenizer = tokenizer
        self._last: Any = None

    def __call__(self, texts: list, max_length: int, is_split_into_words: bool = False) -> dict:
        self._last = self.tokenizer(texts, padding=True, truncation=True, max_length=max_length, return_tensors="pt",
                                    is_split_into_words=is_split_into_words)
        return dict(self._last)

    def ids(self, texts: list[str], max_length: int) -> list[list[int]]:
        return self.tokenizer(texts, truncation=True, max_length=max_length)["input_ids"]

    def pad(self, rows: list[list[int]]) -> dict:
        return dict(self.tokenizer.pad({"input_ids": rows}, return_tensors="pt"))

    def word_ids(self, row: int) -> list[int | None]:
        return self._last.word_ids(row)
