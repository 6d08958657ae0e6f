"""Throughput of the generative path against a plain transformers loop (issue 3).

Run: python benchmarks/speed.py [--articles 8] [--new-tokens 60] [--beams 1]

Both sides use the same random-weight model with the shape of DistilBART-CNN-12-6
(d_model 1024, 12 encoder and 6 decoder layers, 16 heads, FFN 4096, 50,264-token vocabulary,
1024 positions; 306M parameters), the same tokenizer (a byte-level BPE trained on the articles)
and the same CNN/DailyMail articles (those that fit one 1024-token window, so neither side
truncates or map-reduces). Output length is fixed (min = max new tokens) so the compute matches.

- plain: one `model.generate` call per article, no batching, the model's default settings.
- ours:  GenerativeSummarizer._generate as `build` runs it: int8 linear layers (`quantize`),
         length-sorted batches of 16, inference mode, threads from the machine, and our
         generation config (greedy with --beams 1: the same search as plain).
         `--no-quantize` measures batching alone.

Prints articles per second for each and the ratio. Target: ours >= 2x plain at equal output length.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
CNNDM = ROOT.parent / "shared" / "eval" / "cnndm-dev.jsonl"

DISTILBART_CNN_12_6 = dict(d_model=1024, encoder_layers=12, decoder_layers=6, encoder_attention_heads=16,
                           decoder_attention_heads=16, encoder_ffn_dim=4096, decoder_ffn_dim=4096,
                           vocab_size=50264)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=8)
    ap.add_argument("--new-tokens", type=int, default=60)
    ap.add_argument("--beams", type=int, default=1)
    ap.add_argument("--no-quantize", action="store_true", help="keep fp32 weights on our side too")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    import tiny_models as tm
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    from briefing.config import Settings
    from briefing.models.bundle import get_summarizer

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    rows = [json.loads(line) for line in CNNDM.open(encoding="utf-8")]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "distilbart-shaped"
        shape = dict(DISTILBART_CNN_12_6)
        model_vocab = shape.pop("vocab_size")  # the real output layer, whatever our tokenizer's size
        tm.tiny_bart(folder, [r["text"] for r in rows], positions=1024, vocab=8000, model_vocab=model_vocab, **shape)

        ours = get_summarizer(Settings(model=str(folder), beams=args.beams, guard=False,
                                        quantize=not args.no_quantize))
        ours.load()
        fits = [r["text"] for r in rows if ours.count(r["text"]) + 2 <= ours.context][: args.articles]

        t0 = time.perf_counter()
        ours._generate(fits, words=40, fixed=args.new_tokens)
        t_ours = time.perf_counter() - t0

        tok = AutoTokenizer.from_pretrained(folder)
        plain = AutoModelForSeq2SeqLM.from_pretrained(folder)
        n_params = sum(p.numel() for p in plain.parameters())
        t0 = time.perf_counter()
        for text in fits:
            enc = tok(text, return_tensors="pt")
            plain.generate(**enc, min_new_tokens=args.new_tokens, max_new_tokens=args.new_tokens)
        t_plain = time.perf_counter() - t0

    result = {
        "model": f"random DistilBART-CNN-12-6 shape, {n_params / 1e6:.0f}M parameters",
        "articles": len(fits),
        "input_tokens_mean": round(sum(ours.count(t) for t in fits) / len(fits)),
        "new_tokens": args.new_tokens,
        "beams": args.beams,
        "ours_int8": not args.no_quantize,
        "threads": torch.get_num_threads(),
        "plain_articles_per_s": round(len(fits) / t_plain, 3),
        "ours_articles_per_s": round(len(fits) / t_ours, 3),
        "speedup": round(t_plain / t_ours, 2),
    }
    if args.json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        print(f"{key:>22}: {value}")


if __name__ == "__main__":
    main()
