"""Train the section classifier: softmax regression on MiniLM story vectors, from labelled real news.

Data (../shared/eval): headlines-agnews-dev.jsonl (AG News: World, Sports, Business, Sci/Tech -> Technology)
and bbc-dev.jsonl (business, entertainment -> Culture, sport -> Sports, tech -> Technology; not politics).
A story vector is what the pipeline uses: the mean of the article's sentence and title vectors.

Beside it, a lexical model: TF-IDF of the title and text (words and word pairs, sublinear counts) with
logistic regression, trained on the same articles; a story's section is the average of the two models'
probabilities (equal weights, fixed before measuring). Words tell apart what the embedding blurs
(earnings vs. products in Business/Technology), the embedding what a day's new words do not say.

First it measures itself honestly: trained on BBC + one half of AG News (split by a hash of the id),
scored on the other half, beside the zero-shot phrase prototypes. Then it trains on everything and
writes briefing/models/weights/sections/sections.npz (labels, weights, bias; a few KB) and
briefing/models/weights/sections/lexical.npz
(vocabulary, idf, weights). Fixed seed; about 2 minutes on 2 cores, most of it encoding. Needs
scikit-learn for the lexical model (pip install scikit-learn; briefing itself scores it with numpy).

    python training/train_sections.py
"""

from __future__ import annotations

import json
import sys
import zlib
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EVAL = ROOT.parent / "shared" / "eval"
OUT = ROOT / "briefing" / "models" / "weights" / "sections" / "sections.npz"
LEXICAL_OUT = ROOT / "briefing" / "models" / "weights" / "sections" / "lexical.npz"
LEXICAL_C = 3.0  # inverse regularisation (sklearn C), chosen on the held-out half: 10: 0.884, 3: 0.887, 1: 0.883
# Politics is left to the zero-shot phrases: AG News files national politics under World, BBC under
# politics, so learning both would teach the classifier two answers for one kind of story.
LABELS = ["World", "Business", "Technology", "Sports", "Culture"]
AG = {"World": "World", "Sports": "Sports", "Business": "Business", "Sci/Tech": "Technology"}
BBC = {"business": "Business", "entertainment": "Culture", "sport": "Sports", "tech": "Technology"}
WEIGHT_DECAY = 0.1  # chosen on the held-out half (0.01: 0.864, 0.1: 0.866, 0.3: 0.856)
SCALE = 10.0  # unit vectors scaled before the linear layer


def story_vectors(rows: list[dict]) -> np.ndarray:
    from briefing.config import Settings
    from briefing.models.bundle import default_encoder
    from briefing.models.encoder import SENTENCE_TOKENS
    from briefing.read.parse import parse_bytes
    from briefing.text.sentences import encoder_texts

    data = "\n".join(json.dumps({"id": r["id"], "title": r.get("title"), "text": r["text"]}) for r in rows).encode()
    arts = {a.id: a for a in parse_bytes(data, "labelled.jsonl", ".jsonl")}
    encoder = default_encoder(Settings())
    out = []
    for r in rows:
        texts = encoder_texts(arts[r["id"]], Settings().max_sentences)
        v = encoder.encode(texts, max_length=SENTENCE_TOKENS).mean(0)
        out.append(v / np.linalg.norm(v))
    return np.stack(out)


def train(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    torch.manual_seed(0)
    xt, yt = torch.tensor(x * SCALE, dtype=torch.float32), torch.tensor(y)
    counts = np.bincount(y, minlength=len(LABELS)).astype(np.float64)
    # classes weighted by inverse frequency: AG News has no Culture, so unweighted it would learn to avoid it
    balance = torch.tensor(len(y) / (len(LABELS) * np.maximum(counts, 1)), dtype=torch.float32)
    layer = torch.nn.Linear(x.shape[1], len(LABELS))
    opt = torch.optim.LBFGS(layer.parameters(), max_iter=300)

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(layer(xt), yt, weight=balance) + WEIGHT_DECAY * (layer.weight ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return layer.weight.detach().numpy(), layer.bias.detach().numpy()


def article_texts(rows: list[dict]) -> list[str]:
    """What the lexical model reads of an article: its title, then its text (as briefing.stories.sections does)."""
    from briefing.stories.sections import story_text

    return [story_text([(r.get("title"), r["text"])]) for r in rows]


def train_lexical(texts: list[str], y: np.ndarray):
    """TF-IDF (sklearn's defaults for words, plus word pairs, sublinear counts) and logistic regression.

    Without sklearn's English stop words: Culture is learned only from BBC articles (long, narrative) and
    World only from AG News (short wire openings), so function words ("had", "was", "he") told the two
    sources apart and sent any long political feature to Culture."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = TfidfVectorizer(sublinear_tf=True, min_df=2, ngram_range=(1, 2), stop_words="english", dtype=np.float64)
    x = vec.fit_transform(texts)
    lr = LogisticRegression(C=LEXICAL_C, max_iter=3000, class_weight="balanced", random_state=0).fit(x, y)
    coef = np.zeros((len(LABELS), x.shape[1]))
    bias = np.full(len(LABELS), -1e9)  # a label absent from training is never chosen
    coef[lr.classes_] = lr.coef_
    bias[lr.classes_] = lr.intercept_
    return vec, lr, coef, bias


def lexical_model(vec, coef, bias):
    terms = vec.get_feature_names_out()
    return LABELS, {t: i for i, t in enumerate(terms)}, vec.idf_, coef, bias, frozenset(vec.get_stop_words())


def main() -> None:
    from briefing.stories.sections import classify

    torch.set_num_threads(2)
    ag = [r for r in (json.loads(line) for line in (EVAL / "headlines-agnews-dev.jsonl").open()) if r["text"].strip()]
    bbc = [r for r in (json.loads(line) for line in (EVAL / "bbc-dev.jsonl").open()) if r["id"].split("-")[1] in BBC]
    va, vb = story_vectors(ag), story_vectors(bbc)
    ya = np.array([LABELS.index(AG[r["category"]]) for r in ag])
    yb = np.array([LABELS.index(BBC[r["id"].split("-")[1]]) for r in bbc])
    half = np.array([zlib.crc32(r["id"].encode()) % 2 for r in ag])
    four = ["World", "Sports", "Business", "Technology"]
    w, b = train(np.concatenate([va[half == 0], vb]), np.concatenate([ya[half == 0], yb]))
    test = np.flatnonzero(half == 1)
    want = [LABELS[ya[i]] for i in test]
    from briefing.config import Settings
    from briefing.models.bundle import default_encoder
    from briefing.stories.sections import descriptions

    flat = [(n, p) for n, ps in descriptions(four).items() for p in ps]
    phrase_vecs = default_encoder(Settings()).encode([p for _, p in flat], max_length=128)
    ta = article_texts(ag)
    tb = article_texts(bbc)
    vec, lr, coef, bias = train_lexical([ta[i] for i in np.flatnonzero(half == 0)] + tb,
                                        np.concatenate([ya[half == 0], yb]))
    held = [ta[i] for i in test]
    from briefing.stories.sections import lexical_probabilities

    mine = lexical_probabilities(held, lexical_model(vec, coef, bias))
    theirs = lr.predict_proba(vec.transform(held))
    assert np.allclose(mine[:, lr.classes_], theirs, atol=1e-6), "briefing's lexical scoring differs from sklearn's"
    lexical = lexical_model(vec, coef, bias)
    runs = {
        "zero-shot phrases": classify(va[test], four, phrase_vecs, [n for n, _ in flat], model=None),
        "classifier": classify(va[test], four, phrase_vecs, [n for n, _ in flat], model=(LABELS, w * SCALE, b)),
        "lexical alone": [four[int(i)] for i in mine[:, [LABELS.index(n) for n in four]].argmax(1)],
        "classifier + lexical (default)": classify(va[test], four, phrase_vecs, [n for n, _ in flat],
                                                   model=(LABELS, w * SCALE, b), texts=held, lexical=lexical),
    }
    for label, got in runs.items():
        acc = np.mean([g == t for g, t in zip(got, want, strict=False)])
        per = {n: np.mean([g == t for g, t in zip(got, want, strict=False) if t == n]) for n in four}
        print(f"AG News held-out half ({len(test)}), four sections, {label}: accuracy {acc:.3f} ("
              + ", ".join(f"{n} {v:.2f}" for n, v in per.items()) + ")")
    w, b = train(np.concatenate([va, vb]), np.concatenate([ya, yb]))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez(OUT, labels=np.array(LABELS), weight=w.astype(np.float32), bias=b.astype(np.float32),
             scale=np.float32(SCALE))
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes), trained on {len(ag)} AG News + {len(bbc)} BBC articles")
    vec, _, coef, bias = train_lexical(ta + tb, np.concatenate([ya, yb]))
    terms = vec.get_feature_names_out()
    np.savez_compressed(LEXICAL_OUT, labels=np.array(LABELS), terms="\n".join(terms).encode("utf-8"),
                        idf=vec.idf_.astype(np.float32), weight=coef.astype(np.float32), bias=bias.astype(np.float32),
                        stop="\n".join(sorted(vec.get_stop_words())).encode("utf-8"))
    print(f"wrote {LEXICAL_OUT} ({LEXICAL_OUT.stat().st_size} bytes, {len(terms)} terms)")


if __name__ == "__main__":
    main()
