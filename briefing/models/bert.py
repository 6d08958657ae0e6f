"""A BERT encoder in plain torch, for fast cold starts: MiniLM without importing transformers.

Importing transformers' BertModel costs about 2.3 s on this project's 2-core machine (torch itself
1.0 s): half of a cold `briefing summarize`, for a 6-layer encoder whose forward pass is the few
lines below. So a checkpoint folder with a BERT config.json, model.safetensors and a tokenizer.json
(all-MiniLM-L6-v2 has them) loads here, with the `tokenizers` library for the tokenizer; any other
model, and any config this does not cover, goes through transformers as before. The arithmetic is
transformers' BertModel's (the same layers, scaled-dot-product attention, erf GELU, LayerNorm eps from
the config); tests/test_engine.py checks both give the same vectors and the same token ids.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import torch
from torch import nn

SUPPORTED = {"model_type": "bert", "hidden_act": "gelu", "position_embedding_type": "absolute"}


def supported(path: Path) -> bool:
    """Can this folder load here (a plain BERT with safetensors weights and a fast tokenizer)?"""
    try:
        config = json.loads((path / "config.json").read_text())
    except (OSError, ValueError):
        return False
    return (all(config.get(k, v) == v for k, v in SUPPORTED.items()) and not config.get("is_decoder")
            and (path / "model.safetensors").exists() and (path / "tokenizer.json").exists())


# a layer's parts as transformers names them (encoder.layer.N.<name>) -> as _Layer does
LAYER_NAMES = {"attention.self.query": "query", "attention.self.key": "key", "attention.self.value": "value",
               "attention.output.dense": "attn_out", "attention.output.LayerNorm": "attn_norm",
               "intermediate.dense": "inner", "output.dense": "out", "output.LayerNorm": "out_norm"}


class _Layer(nn.Module):
    def __init__(self, hidden: int, heads: int, inner: int, eps: float):
        super().__init__()
        self.heads = heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.attn_out = nn.Linear(hidden, hidden)
        self.attn_norm = nn.LayerNorm(hidden, eps=eps)
        self.inner = nn.Linear(hidden, inner)
        self.out = nn.Linear(inner, hidden)
        self.out_norm = nn.LayerNorm(hidden, eps=eps)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        b, n, d = x.shape
        split = (b, n, self.heads, d // self.heads)
        q, k, v = (f(x).view(split).transpose(1, 2) for f in (self.query, self.key, self.value))
        a = nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=1 / math.sqrt(d // self.heads))
        x = self.attn_norm(self.attn_out(a.transpose(1, 2).reshape(b, n, d)) + x)
        return self.out_norm(self.out(nn.functional.gelu(self.inner(x))) + x)


class Bert(nn.Module):
    """BertModel's encoder: token ids -> last hidden states."""

    def __init__(self, config: dict[str, Any]):
        super().__init__()
        hidden, eps = config["hidden_size"], config.get("layer_norm_eps", 1e-12)
        self.hidden_size = hidden
        self.word = nn.Embedding(config["vocab_size"], hidden, padding_idx=config.get("pad_token_id", 0))
        self.position = nn.Embedding(config["max_position_embeddings"], hidden)
        self.token_type = nn.Embedding(config.get("type_vocab_size", 2), hidden)
        self.norm = nn.LayerNorm(hidden, eps=eps)
        self.layers = nn.ModuleList(_Layer(hidden, config["num_attention_heads"], config["intermediate_size"], eps)
                                    for _ in range(config["num_hidden_layers"]))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                token_type_ids: torch.Tensor | None = None) -> torch.Tensor:
        n = input_ids.shape[1]
        types = token_type_ids if token_type_ids is not None else torch.zeros_like(input_ids)
        x = self.word(input_ids) + self.token_type(types) + self.position(torch.arange(n).unsqueeze(0))
        x = self.norm(x)
        # as transformers: no mask when nothing is padded, else padded keys take no part
        mask = None if bool(attention_mask.all()) else attention_mask[:, None, None, :].bool()
        for layer in self.layers:
            x = layer(x, mask)
        return x

    def load_checkpoint(self, state: dict[str, torch.Tensor], partial: bool = False) -> None:
        """Weights named as transformers saves them (bert.* / embeddings.* / encoder.layer.N.*); with
        `partial`, only some of them (fine-tuned layers over a base), none unknown."""
        names = {"embeddings.word_embeddings": "word", "embeddings.position_embeddings": "position",
                 "embeddings.token_type_embeddings": "token_type", "embeddings.LayerNorm": "norm"}
        layer_names = LAYER_NAMES
        mine: dict[str, torch.Tensor] = {}
        unknown = []
        for key, value in state.items():
            key = key.removeprefix("bert.").replace(".gamma", ".weight").replace(".beta", ".bias")
            stem, _, leaf = key.rpartition(".")
            parts = stem.split(".", 3)
            if stem in names:
                mine[f"{names[stem]}.{leaf}"] = value
            elif stem.startswith("encoder.layer.") and len(parts) == 4 and parts[3] in layer_names:
                mine[f"layers.{parts[2]}.{layer_names[parts[3]]}.{leaf}"] = value
            elif not stem.startswith("pooler") and key != "embeddings.position_ids":  # neither shapes the states
                unknown.append(key)
        missing, _ = self.load_state_dict({k: v.float() for k, v in mine.items()}, strict=False)
        if unknown and partial:
            raise ValueError(f"weights this encoder does not have: {unknown[:3]}")
        if missing and not partial:
            raise ValueError(f"the checkpoint lacks {missing[:3]}")


class Tokenizer:
    """The checkpoint's tokenizer.json through the `tokenizers` library, called like a transformers fast
    tokenizer for what briefing needs: a batch of texts (or of word lists) -> padded int64 tensors."""

    def __init__(self, path: Path):
        from tokenizers import Tokenizer as Backend

        self.backend = Backend.from_file(str(path / "tokenizer.json"))
        self.backend.no_padding()
        self.backend.no_truncation()
        pad = self.backend.token_to_id("[PAD]")
        self.pad_id = 0 if pad is None else pad
        self._last: list[Any] = []

    def __call__(self, texts: list, max_length: int, is_split_into_words: bool = False) -> dict[str, torch.Tensor]:
        self.backend.enable_truncation(max_length)
        encodings = self.backend.encode_batch(texts, is_pretokenized=is_split_into_words)
        self._last = encodings
        return self.pad([e.ids for e in encodings], [e.type_ids for e in encodings])

    def ids(self, texts: list[str], max_length: int) -> list[list[int]]:
        """Each text's token ids (special tokens included, at most max_length), unpadded: a caller can
        batch texts of equal length together (Encoder._encode)."""
        self.backend.enable_truncation(max_length)
        rows: list[list[int]] = []
        for lo in range(0, len(texts), 1024):  # an Encoding holds strings and offsets too: few alive at once
            rows.extend(e.ids for e in self.backend.encode_batch(texts[lo : lo + 1024]))
        return rows

    def pad(self, rows: list[list[int]], types: list[list[int]] | None = None) -> dict[str, torch.Tensor]:
        """Rows of token ids as padded int64 tensors (token types 0 unless given)."""
        width = max((len(r) for r in rows), default=0)
        ids = torch.full((len(rows), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        type_ids = torch.zeros((len(rows), width), dtype=torch.long)
        for i, row in enumerate(rows):
            n = len(row)
            ids[i, :n] = torch.tensor(row)
            mask[i, :n] = 1
            if types is not None:
                type_ids[i, :n] = torch.tensor(types[i])
        return {"input_ids": ids, "attention_mask": mask, "token_type_ids": type_ids}

    def word_ids(self, row: int) -> list[int | None]:
        """For the last batch: each token's word index (None for special and padding tokens)."""
        return list(self._last[row].word_ids)


def load(path: Path) -> tuple[Bert, Tokenizer]:
    """The encoder and tokenizer of a supported() checkpoint folder, in eval mode."""
    from safetensors.torch import load_file

    model = Bert(json.loads((path / "config.json").read_text()))
    model.load_checkpoint(load_file(str(path / "model.safetensors")))
    return model.eval(), Tokenizer(path)
