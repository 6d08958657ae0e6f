"""The sentence encoder's arithmetic: speed and fidelity of each option on this CPU (issue 14).

Run: python benchmarks/encoder_precision.py [--articles 120]

Encodes the sentences of the first N XSum dev articles (first 30 each; ~1,900 sentences, 48 tokens at
most, as the pipeline does) with all-MiniLM-L6-v2 and prints, for each option, the seconds and the
cosine of its vectors to the fp32 ones (min and mean):
- fp32: torch eager, exact floats;
- bf16: torch autocast to bfloat16 (what precision = "auto" picks where the CPU has AVX-512 BF16 or AMX);
- int8: torch dynamic quantisation of the linear layers (per tensor);
- onnx-fp32 / onnx-int8: ONNX Runtime on a dynamo export, int8 per channel (only when onnxruntime,
  onnx and onnxscript are installed; they are not dependencies).
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
sys.path.insert(0, str(ROOT))
XSUM = ROOT.parent / "shared" / "eval" / "xsum-dev.jsonl"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=120)
    a = ap.parse_args()
    import numpy as np
    import torch

    from briefing.documents import Article
    from briefing.models.encoder import SENTENCE_TOKENS, Encoder, cpu_has_bf16
    from briefing.models.registry import resolve
    from briefing.text.sentences import sentences

    rows = [json.loads(line) for line in XSUM.open(encoding="utf-8")][: a.articles]
    texts = [s.text for r in rows for s in sentences(Article(r["id"], None, r["text"], "x"))[:30]]
    path = resolve("minilm").path
    torch.set_num_threads(len(os.sched_getaffinity(0)))
    print(f"{len(texts)} sentences; CPU bf16: {cpu_has_bf16()}; threads {torch.get_num_threads()}")

    def timed(encoder: Encoder) -> tuple[float, np.ndarray]:
        encoder.load()
        encoder.encode(texts[:32], SENTENCE_TOKENS)  # warm up
        encoder._memo.clear()
        t = time.perf_counter()
        vecs = encoder.encode(texts, SENTENCE_TOKENS)
        return time.perf_counter() - t, vecs

    base_s, base = timed(Encoder(path, precision="fp32"))
    results = {"fp32": (base_s, base)}
    results["bf16"] = timed(Encoder(path, precision="bf16"))
    q = Encoder(path, precision="fp32")
    q.load()
    q._model = torch.ao.quantization.quantize_dynamic(q._model, {torch.nn.Linear}, dtype=torch.qint8)
    results["int8"] = timed(q)
    results.update(_onnx(path, texts))
    print(f"{'option':<10} {'seconds':>8} {'speed-up':>9} {'cos min':>8} {'cos mean':>9}")
    for name, (secs, vecs) in results.items():
        cos = (vecs * base).sum(1)
        print(f"{name:<10} {secs:8.2f} {base_s / secs:8.2f}x {cos.min():8.4f} {cos.mean():9.4f}")
    return 0


def _onnx(path: Path, texts: list[str]) -> dict:
    try:
        import onnxruntime as ort
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError:
        print("onnx: skipped (pip install onnxruntime onnx onnxscript to measure it)")
        return {}
    import numpy as np
    import torch
    from transformers import AutoModel, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModel.from_pretrained(path).eval()

    class Hidden(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, ids, mask, types):
            return self.m(input_ids=ids, attention_mask=mask, token_type_ids=types).last_hidden_state

    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        fp32, int8 = f"{tmp}/minilm.onnx", f"{tmp}/minilm-int8.onnx"
        ex = tok(["a short one", "a somewhat longer example sentence with padding"], padding=True, return_tensors="pt")
        batch, seq = torch.export.Dim("batch"), torch.export.Dim("seq")
        torch.onnx.export(Hidden(model), (ex["input_ids"], ex["attention_mask"], ex["token_type_ids"]), fp32,
                          input_names=["ids", "mask", "types"], dynamo=True,
                          dynamic_shapes=({0: batch, 1: seq}, {0: batch, 1: seq}, {0: batch, 1: seq}))
        quantize_dynamic(fp32, int8, weight_type=QuantType.QInt8, per_channel=True)
        for name, file in (("onnx-fp32", fp32), ("onnx-int8", int8)):
            opts = ort.SessionOptions()
            opts.intra_op_num_threads = len(os.sched_getaffinity(0))
            sess = ort.InferenceSession(file, opts, providers=["CPUExecutionProvider"])
            order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
            vecs = np.zeros((len(texts), 384), np.float32)
            t = time.perf_counter()
            for lo in range(0, len(order), 32):
                idx = order[lo : lo + 32]
                b = tok([texts[i] for i in idx], padding=True, truncation=True, max_length=48, return_tensors="np")
                h = sess.run(None, {"ids": b["input_ids"], "mask": b["attention_mask"], "types": b["token_type_ids"]})[0]
                m = b["attention_mask"][..., None].astype(np.float32)
                p = (h * m).sum(1) / m.sum(1)
                vecs[idx] = p / np.linalg.norm(p, axis=1, keepdims=True)
            out[name] = (time.perf_counter() - t, vecs)
    return out


if __name__ == "__main__":
    sys.exit(main())
