"""Train the article-vs-furniture line classifier (briefing/read/furniture.py) on real labelled pages.

    python training/train_furniture.py [--rebuild] [--out briefing/models/weights/furniture/furniture.npz]

Data (read-only, never shipped; ../shared/realworld), read once into a cache of labelled lines
(build/furniture_data.jsonl.gz, one row per line; --rebuild reads the pages again):
- aeb/ (127 pages, human-marked article body): every line the package's extraction gives, labelled article when
  its words stand in the true body, furniture when fewer than half of its words are in it (between: left out);
  and the page's other text blocks (4+ words) the extraction left out, labelled the same way, at half weight, so
  the model sees the furniture the extractor already drops (with its structure);
- peers/ trafilatura pages (38): lines and blocks that contain a `with` snippet (article) or a `without` snippet
  (furniture); other lines are unlabelled.
Held out entirely, never trained on: peers/ readability and newspaper4k pages (26, full true body; other sites and
other truths) and goose3 pages (17, the true lead).

Features (furniture.features): the line's words and word pairs, its shape, its position in the text, and its
place in the page (element, notable ancestors, class/id words near and far, link count and share). Every line is
trained twice, with and without its page features, so the model also scores a line alone (feeds, text).

Measures, honestly first: 5-fold cross-validation grouped by site (no site in both train and test) over the
training pages, then the held-out pages; the threshold is the lowest P(furniture) at which at most DROP_BUDGET of
the article lines that could stand in a summary would be dropped out of fold; for a line judged alone (no page:
feeds, text, summary sentences) also at most NEWS_BUDGET of the sentences of clean news articles (../shared/eval
CNN/DailyMail and BBC dev, never trained on). Then it trains on all training pages and writes the weights.
Fixed seed; about two minutes on 2 cores (most of it reading the pages once). scikit-learn and scipy are needed
for training only; inference (furniture.Model) is numpy. Retrain after any change to furniture.features: the
weights are indexed by hashes of the feature names.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REAL = ROOT.parent / "shared" / "realworld"
EVAL = ROOT.parent / "shared" / "eval"
DATA = ROOT / "build" / "furniture_data.jsonl.gz"  # a cache of what the pages say (build/ is not in git)
OUT = ROOT / "briefing" / "models" / "weights" / "furniture" / "furniture.npz"
REPORT = "furniture_report.json"  # the figures, beside the weights they describe
SEED = 24
C_GRID = (0.01, 0.03, 0.1)  # inverse regularisation, chosen by grouped cross-validation (log loss)
DROP_BUDGET = 0.003  # at most this share of real article lines that could stand in a summary (furniture.prose),
# out of fold, may be dropped on pages
TEXT_DROP_BUDGET = 0.001  # ... and when scored without their page (feeds, text, summary sentences)
INDICATOR = True  # a feature marking the left-out page blocks (see row_features)
PROSE_WEIGHT = 2.0
EXTRA_WEIGHT = 0.5  # page blocks the extractor already left out: seen, but the extracted lines count more


def norm_words(text: str) -> list[str]:
    return re.findall(r"\w+", unicodedata.normalize("NFKC", text).lower())


def site(url: str | None, fallback: str) -> str:
    host = urlparse(url or "").hostname or ""
    host = re.sub(r"^(?:www\d*|m|amp|edition)\.", "", host)
    return host or fallback


# ------------------------------------------------------------------------------------------------ data
def read_page(path: Path):
    """(extracted lines, their contexts, the page's other blocks as (text, context)) as parse_html sees them."""
    from briefing.read import furniture, pagemeta
    from briefing.read import html as reading
    from briefing.read.encoding import decode

    html = decode(path.read_bytes(), path.name)
    tree = pagemeta.load(html)
    reading.drop_popups(tree)
    reading.drop_inline_labels(tree)
    work = pagemeta.load(html)
    reading.drop_popups(work)
    reading.drop_inline_labels(work)
    doc = reading._extract_tree(html, work, path.name, None)
    lines = [ln for ln in ((doc.text or "") if doc is not None else "").split("\n") if ln.strip()]
    index = furniture.page_blocks(tree)
    ctxs = furniture.contexts(lines, tree, index)
    seen = {" ".join(norm_words(ln)[: furniture.PREFIX_WORDS]) for ln in lines}
    extra = []
    for k, el in index.items():
        if any(isinstance(d.tag, str) and d.tag in furniture.BLOCK_TAGS for d in el.iterdescendants()):
            continue  # a container: its blocks are rows of their own
        text = " ".join(el.text_content().split())
        if k not in seen and len(text.split()) >= 4 and len(text) < 2000:
            extra.append((text, furniture._context(el)))
    return lines, ctxs, extra


def _ctx_row(ctx) -> dict | None:
    if ctx is None:
        return None
    return {"tag": ctx.tag, "ancestors": sorted(ctx.ancestors), "near": sorted(ctx.near), "far": sorted(ctx.far),
            "link_share": round(ctx.link_share, 3), "links": ctx.links}


def body_label(line: str, body_norm: str, body_set: set[str]) -> int | None:
    """1 furniture, 0 article, None unsure: the line's words in order in the true body, or under half of them."""
    words = norm_words(line)
    if not words:
        return None
    if " ".join(words) in body_norm:
        return 0
    if sum(w in body_set for w in words) / len(words) < 0.5:
        return 1
    return None


def build() -> list[dict]:
    rows: list[dict] = []
    aeb = json.loads((REAL / "aeb" / "ground-truth.json").read_text())
    peers = json.loads((REAL / "peers" / "groundtruth.json").read_text())
    jobs = [("aeb", p, aeb[p.name.split(".")[0]]) for p in sorted((REAL / "aeb" / "html").glob("*.html"))]
    jobs += [("peers", p, peers[p.stem]) for p in sorted((REAL / "peers" / "html").glob("*.html"))]
    for n, (corpus, path, gt) in enumerate(jobs, 1):
        try:
            lines, ctxs, extra = read_page(path)
        except Exception as e:  # noqa: BLE001 - a page that cannot be read gives no rows
            print(f"  {path.name}: {type(e).__name__}", file=sys.stderr)
            continue
        repo = gt.get("source_repo", "aeb")
        split = "train" if corpus == "aeb" or repo == "adbar/trafilatura" else "heldout"
        page = path.stem[:24]
        base = {"page": page, "site": site(gt.get("url"), page), "corpus": corpus,
                "repo": repo.split("/")[-1], "split": split}
        body = gt.get("articleBody") or gt.get("body")
        labelled: list[tuple[str, object, int | None, str, int | None]] = []
        if body:
            bn = " ".join(norm_words(body))
            bs = set(bn.split())
            labelled += [(ln, c, body_label(ln, bn, bs), "extracted", i)
                         for i, (ln, c) in enumerate(zip(lines, ctxs, strict=True))]
            labelled += [(t, c, body_label(t, bn, bs), "page", None) for t, c in extra]
        else:
            withs = [" ".join(norm_words(w)) for w in gt.get("with", []) if norm_words(w)]
            if gt.get("lead_prefix"):
                withs = [" ".join(w.split()[:8]) for w in withs]  # the lead's start: its first line
            withouts = [" ".join(norm_words(w)) for w in gt.get("without", []) if norm_words(w)]

            def snippet_label(text: str, withs=withs, withouts=withouts) -> int | None:
                t = " ".join(norm_words(text))
                if any(w in t for w in withouts):
                    return 1
                if any(w in t for w in withs):
                    return 0
                return None

            labelled += [(ln, c, snippet_label(ln), "extracted", i)
                         for i, (ln, c) in enumerate(zip(lines, ctxs, strict=True))]
            labelled += [(t, c, snippet_label(t), "page", None) for t, c in extra]
        first_article = next((i for ln, _, y, kind, i in labelled if kind == "extracted" and y == 0
                              and len(ln.split()) >= 12), None)
        for text, ctx, y, kind, pos in labelled:
            if y is None:
                continue
            rows.append({**base, "kind": kind, "text": text, "label": y, "ctx": _ctx_row(ctx), "pos": pos,
                         "total": len(lines), "lead": pos is not None and pos == first_article})
        if n % 25 == 0:
            print(f"  read {n}/{len(jobs)} pages", file=sys.stderr)
    return rows


# ------------------------------------------------------------------------------------------------ model
def row_features(row: dict, with_page: bool) -> list[str]:
    from briefing.read import furniture

    ctx = None
    if with_page and row["ctx"] is not None:
        c = row["ctx"]
        ctx = furniture.Context(c["tag"], frozenset(c["ancestors"]), frozenset(c["near"]), frozenset(c["far"]),
                                c["link_share"], c["links"])
    if not with_page:
        return furniture.features(row["text"], None)
    feats = furniture.features(row["text"], ctx, row["pos"], row["total"])
    if INDICATOR and row["kind"] == "page":
        feats.append("kind:page")  # absorbs what sets the blocks the extractor left out apart (never at inference)
    return feats


def matrix(rows: list[dict], with_page: bool):
    from scipy.sparse import csr_matrix

    from briefing.read import furniture

    indptr, indices = [0], []
    for r in rows:
        idx = np.unique(furniture.hashed(row_features(r, with_page)))
        indices.extend(idx.tolist())
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float32)
    return csr_matrix((data, np.array(indices), np.array(indptr)), shape=(len(rows), furniture.DIM))


def weight(row: dict) -> float:
    """A row's weight: an extracted line 1; a page block the extractor left out EXTRA_WEIGHT, but PROSE_WEIGHT when
    it could stand in a summary (a newsletter blurb, a caption, a related teaser: the furniture that matters)."""
    from briefing.read import furniture

    if row["kind"] != "page":
        return 1.0
    return PROSE_WEIGHT if furniture.prose(row["text"]) else EXTRA_WEIGHT


def fit(rows: list[dict], c: float):
    """Logistic regression on every row twice (with and without its page features)."""
    from scipy.sparse import vstack
    from sklearn.linear_model import LogisticRegression

    x = vstack([matrix(rows, True), matrix(rows, False)]).tocsr()
    y = np.array([r["label"] for r in rows] * 2)
    w = np.array([weight(r) for r in rows] * 2)
    model = LogisticRegression(C=c, max_iter=3000, solver="liblinear", random_state=SEED)
    model.fit(x, y, sample_weight=w)
    return model


def predict(model, rows: list[dict], with_page: bool) -> np.ndarray:
    return model.predict_proba(matrix(rows, with_page))[:, 1] if rows else np.zeros(0)


def folds(rows: list[dict], k: int = 5) -> list[int]:
    """A fold per site (sites dealt round-robin in a fixed shuffled order)."""
    sites = sorted({r["site"] for r in rows})
    rng = np.random.default_rng(SEED)
    order = rng.permutation(len(sites))
    fold_of = {sites[j]: n % k for n, j in enumerate(order)}
    return [fold_of[r["site"]] for r in rows]


def threshold_for(p: np.ndarray, y: np.ndarray, budget: float) -> float:
    """The lowest threshold at which at most `budget` of the article lines (y == 0) score at or above it."""
    art = np.sort(p[y == 0])[::-1]
    allowed = int(np.floor(budget * len(art)))
    return float(min(0.99, max(0.5, art[allowed] + 1e-6))) if len(art) > allowed else 0.5


def scores(p: np.ndarray, y: np.ndarray, t: float) -> dict:
    drop = p >= t
    tp, fp = int((drop & (y == 1)).sum()), int((drop & (y == 0)).sum())
    fn = int((~drop & (y == 1)).sum())
    return {"threshold": round(t, 4), "furniture_lines": int((y == 1).sum()), "article_lines": int((y == 0).sum()),
            "precision": round(tp / max(1, tp + fp), 4), "recall": round(tp / max(1, tp + fn), 4),
            "article_dropped": fp, "article_drop_rate": round(fp / max(1, int((y == 0).sum())), 5)}


def auc(p: np.ndarray, y: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return round(float(roc_auc_score(y, p)), 4) if len(set(y.tolist())) == 2 else float("nan")


def pr_table(p: np.ndarray, y: np.ndarray) -> list[dict]:
    """The figure: precision / recall / article lines dropped at thresholds 0.5 ... 0.99."""
    return [scores(p, y, t) for t in (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.97, 0.99)]


NEWS_BUDGET = 0.0005  # of real news sentences (CNN/DailyMail, BBC) a line alone may be judged furniture


def news_sentences() -> list[str]:
    """Sentences of clean news articles (../shared/eval CNN/DailyMail and BBC dev: no page around them, almost no
    furniture), for the threshold of a line judged without its page: split as the package splits them."""
    from briefing.text.sentences import split_sentences as split

    out = []
    for name in ("cnndm-dev.jsonl", "bbc-dev.jsonl"):
        path = EVAL / name
        if not path.is_file():
            continue
        for line in path.open(encoding="utf-8"):
            out += [s.text for s in split(json.loads(line)["text"]) if len(s.text.split()) >= 5]
    return out


def news_threshold(model, sentences: list[str]) -> float:
    """The lowest threshold at which at most NEWS_BUDGET of the news sentences score as furniture."""
    rows = [{"text": t, "ctx": None, "pos": None, "total": 0, "kind": "extracted"} for t in sentences]
    p = np.sort(predict(model, rows, False))[::-1]
    allowed = int(np.floor(NEWS_BUDGET * len(p)))
    return float(min(0.99, p[allowed] + 1e-6)) if len(p) > allowed else 0.5


FIGURES = ROOT / "build" / "furniture_figures.md"


def figures_markdown(report: dict) -> str:
    """The figures as Markdown tables (precision/recall/article lines dropped by threshold)."""
    out = ["# Furniture classifier: figures (train_furniture.py)", "",
           f"C = {report['C']}, seed {report['seed']}; {report['data']['train_lines']} training lines from "
           f"{report['data']['train_pages']} pages of {report['data']['train_sites']} sites; "
           f"{report['data']['heldout_lines']} held-out lines (readability, newspaper4k, goose3 pages).", ""]
    tables = (("Out of fold, grouped by site: extracted lines that could stand in a summary, with their page",
               ("cv_by_site", "figure_with_page")),
              ("Out of fold, grouped by site: the same lines, words alone", ("cv_by_site", "figure_text_only")))
    for title, key in tables:
        out += [f"## {title}", "", "| threshold | precision | recall | article lines dropped |",
                "| --- | --- | --- | --- |"]
        for row in report[key[0]][key[1]]:
            out.append(f"| {row['threshold']} | {row['precision']} | {row['recall']} | {row['article_dropped']} of "
                       f"{row['article_lines']} |")
        out.append("")
    out += ["## At the chosen thresholds", "", "| set | threshold | precision | recall | AUC | article lines dropped |",
            "| --- | --- | --- | --- | --- | --- |"]
    for name, d in (("cv by site, page", report["cv_by_site"]["extracted_lines_with_page"]),
                    ("cv by site, left-out prose blocks", report["cv_by_site"]["left_out_prose_blocks"]),
                    ("cv by site, words alone", report["cv_by_site"]["extracted_lines_text_only"]),
                    ("held out, page", report["heldout"]["extracted_lines_with_page"]),
                    ("held out, words alone", report["heldout"]["extracted_lines_text_only"])):
        out.append(f"| {name} | {d['threshold']} | {d['precision']} | {d['recall']} | {d.get('auc', '')} | "
                   f"{d['article_dropped']} of {d['article_lines']} |")
    return "\n".join(out) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rebuild", action="store_true", help="read the pages again (else furniture_data.jsonl.gz)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    t0 = time.time()
    if args.rebuild or not DATA.is_file():
        rows = build()
        DATA.parent.mkdir(exist_ok=True)
        with gzip.open(DATA, "wt", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    with gzip.open(DATA, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    train = [r for r in rows if r["split"] == "train"]
    held = [r for r in rows if r["split"] == "heldout"]
    print(f"data: {len(rows)} lines ({time.time() - t0:.0f} s); train {len(train)} from "
          f"{len({r['page'] for r in train})} pages / {len({r['site'] for r in train})} sites "
          f"({Counter(r['label'] for r in train)}); held out {len(held)} from {len({r['page'] for r in held})} pages")
    from briefing.read import furniture

    fold = np.array(folds(train))
    y = np.array([r["label"] for r in train])
    # judged at inference: the extracted lines that could stand in a summary (furniture.prose)
    extracted = np.array([r["kind"] == "extracted" and furniture.prose(r["text"]) for r in train])
    best = None
    oof: dict[float, tuple[np.ndarray, np.ndarray]] = {}
    from sklearn.metrics import log_loss

    for c in C_GRID:
        p_page, p_text = np.zeros(len(train)), np.zeros(len(train))
        for k in range(5):
            tr = [r for r, f in zip(train, fold, strict=True) if f != k]
            te_idx = np.flatnonzero(fold == k)
            m = fit(tr, c)
            te = [train[i] for i in te_idx]
            p_page[te_idx] = predict(m, te, True)
            p_text[te_idx] = predict(m, te, False)
        loss = log_loss(y[extracted], np.clip(p_page[extracted], 1e-6, 1 - 1e-6))
        print(f"  C={c}: out-of-fold log loss {loss:.4f}, AUC {auc(p_page[extracted], y[extracted])}")
        oof[c] = (p_page, p_text)
        if best is None or loss < best[0]:
            best = (loss, c)
    c = best[1]
    p_page, p_text = oof[c]
    t_page = threshold_for(p_page[extracted], y[extracted], DROP_BUDGET)
    t_text = threshold_for(p_text[extracted], y[extracted], TEXT_DROP_BUDGET)
    calib = news_sentences()
    t_news = news_threshold(fit(train, best[1]), calib) if calib else 0.5
    print(f"  text threshold: {t_text:.3f} from the pages, {t_news:.3f} from {len(calib)} news sentences")
    t_text = max(t_text, t_news)
    report: dict = {"C": c, "seed": SEED, "drop_budget": DROP_BUDGET, "text_drop_budget": TEXT_DROP_BUDGET,
                    "data": {"train_lines": len(train), "heldout_lines": len(held),
                             "train_pages": len({r["page"] for r in train}),
                             "train_sites": len({r["site"] for r in train})}}
    lead = np.array([r["lead"] for r in train])
    # the furniture trafilatura already leaves out, where it could stand in a summary: a harder, larger test of the
    # page features (newsletter blurbs, captions, related teasers, comment policies)
    left_out = np.array([r["kind"] == "page" and furniture.prose(r["text"]) for r in train])
    report["cv_by_site"] = {
        "extracted_lines_with_page": {**scores(p_page[extracted], y[extracted], t_page),
                                      "auc": auc(p_page[extracted], y[extracted]),
                                      "leads_dropped": int((p_page[lead] >= t_page).sum()), "leads": int(lead.sum())},
        "extracted_lines_text_only": {**scores(p_text[extracted], y[extracted], t_text),
                                      "auc": auc(p_text[extracted], y[extracted])},
        "left_out_prose_blocks": scores(p_page[left_out], y[left_out], t_page),
        "figure_with_page": pr_table(p_page[extracted], y[extracted]),
        "figure_text_only": pr_table(p_text[extracted], y[extracted]),
    }
    final = fit(train, c)
    hy = np.array([r["label"] for r in held])
    hext = np.array([r["kind"] == "extracted" and furniture.prose(r["text"]) for r in held])
    hp = predict(final, held, True)
    ht = predict(final, held, False)
    hlead = np.array([r["lead"] for r in held])
    report["heldout"] = {
        "extracted_lines_with_page": {**scores(hp[hext], hy[hext], t_page), "auc": auc(hp[hext], hy[hext]),
                                      "leads_dropped": int((hp[hlead] >= t_page).sum()), "leads": int(hlead.sum())},
        "extracted_lines_text_only": {**scores(ht[hext], hy[hext], t_text), "auc": auc(ht[hext], hy[hext])},
        "by_repo": {repo: scores(hp[hext & np.array([r["repo"] == repo for r in held])],
                                 hy[hext & np.array([r["repo"] == repo for r in held])], t_page)
                    for repo in sorted({r["repo"] for r in held})},
        "dropped_article_lines": [f"{r['page']}: {r['text'][:120]}" for r, p, e in zip(held, hp, hext, strict=True)
                                  if e and r["label"] == 0 and p >= t_page],
    }
    report["cv_by_site"]["dropped_article_lines"] = [
        f"{r['page']}: {r['text'][:120]}" for r, p, e in zip(train, p_page, extracted, strict=True)
        if e and r["label"] == 0 and p >= t_page]
    coef = final.coef_.ravel().astype(np.float32)
    nz = np.flatnonzero(np.abs(coef) > 1e-6)

    np.savez_compressed(args.out, dim=np.int64(furniture.DIM), index=nz.astype(np.int64), value=coef[nz],
                        bias=np.float32(final.intercept_[0]), threshold=np.float32(t_page),
                        text_threshold=np.float32(t_text))
    report["weights"] = {"nonzero": int(len(nz)), "bytes": args.out.stat().st_size, "threshold": t_page,
                         "text_threshold": t_text}
    report_path = args.out.parent / REPORT
    report_path.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    FIGURES.parent.mkdir(exist_ok=True)
    FIGURES.write_text(figures_markdown(report))
    cv, ho = report["cv_by_site"], report["heldout"]
    print(f"C={c}; thresholds: page {t_page:.3f}, text {t_text:.3f}")
    for name, d in (("cv by site, page", cv["extracted_lines_with_page"]),
                    ("cv by site, text", cv["extracted_lines_text_only"]),
                    ("held out, page", ho["extracted_lines_with_page"]),
                    ("held out, text", ho["extracted_lines_text_only"])):
        print(f"  {name:18} P {d['precision']:.3f} R {d['recall']:.3f} AUC {d['auc']} article lines dropped "
              f"{d['article_dropped']}/{d['article_lines']}" + (f", leads dropped {d['leads_dropped']}/{d['leads']}"
                                                                if "leads" in d else ""))
    print(f"wrote {args.out} ({report['weights']['bytes']} bytes, {len(nz)} weights) and {report_path} "
          f"({time.time() - t0:.0f} s)")


if __name__ == "__main__":
    main()
