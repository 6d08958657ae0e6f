"""Real pages and real feeds (../shared/realworld): is what reaches the briefing the article, read the way a
reader reads it?

    python benchmarks/realworld.py [--no-model] [--only peers|aeb] [--show] [--details OUT.json]

Prints, on peers/ (81 pages from the test suites of trafilatura, mozilla/readability, goose3 and newspaper4k,
10 languages; issue 24), overall and per source:
- title: the headline shown equals the true title (whitespace collapsed); "split": equal once site parts are
  split off both (the longest part between separators), casefolded, closing stops dropped;
- file-name sources: articles whose source shown is the input's file name (or any name ending .html);
- in body: summary sentences whose words stand, in order, in the true full body (readability, newspaper4k);
- without: `without` snippets (text a reader does not want, trafilatura's truth) in a summary (headline and
  sentences) and, as extraction leak, in the text; with: share of `with` snippets in the text;
- lead kept: the true lead (the first sentence of the first true paragraph of 10+ words that the page does not
  mark up as a caption or dek) in our text (dateline + text), on full-body pages; "strict": the first paragraph
  as the truth has it; "prefix": goose3's lead-prefix pages; opens on lead: the summary's first sentence is the
  lead (or one the truth has before it);
- crashes: an exception outside the BriefingError family; stdin differs: the page's bytes on stdin ("-", no
  suffix) or as serve's text field read differently from the file (title, text, source, url, dateline, published);
with --build, the real day's build over all pages (peers/ and aeb/, 208): `briefing build` as a user runs it
(exit status, stories, file names shown as sources, empty "Source:" lines, seconds);
and on aeb/ (real news pages with the human-marked article body in ground-truth.json):
- article-body extraction token P/R/F1 (the benchmark's own measure: whitespace tokens, as
  multisets), ours beside plain trafilatura.extract on the same pages;
- pages flagged "cut off" (all of them are complete pages), file-name sources, pages read differently on stdin or
  as serve's text field;
- summary sentences (with the default model) whose words do not stand, in order, in the true article body;
- headline length in words (median, share over 20) and how many titled pages show their title;
and on feeds/: caption-like entries, glued words ("[a-z][A-Z]" joins not in the source), and
for every input whether it was read with no traceback.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
import traceback
import unicodedata
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REAL = ROOT.parent / "shared" / "realworld"


def prf(pred: str, gold: str) -> tuple[float, float, float]:
    """Token precision/recall/F1 of whitespace tokens (article-extraction-benchmark's evaluate.py)."""
    p, g = Counter(pred.split()), Counter(gold.split())
    common = sum((p & g).values())
    if not p or not g:
        return (1.0 if not p and not g else 0.0,) * 3
    prec, rec = common / sum(p.values()), common / sum(g.values())
    return prec, rec, (2 * prec * rec / (prec + rec) if common else 0.0)


GLUE = re.compile(r"\b[a-z]{2,}[A-Z][a-z]+")


def glued(text: str, source_norm_text: str) -> list[str]:
    """Tokens like 'heardChelsea' that are not in the source as written (e.g. 'iPhone', 'McDonald')."""
    return [m.group() for m in GLUE.finditer(text) if m.group() not in source_norm_text]


SOURCES = {"adbar/trafilatura": "trafilatura", "mozilla/readability": "readability", "goose3/goose3": "goose3",
           "AndyTheFactory/newspaper4k": "newspaper4k"}


_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"


def norm(text: str) -> str:
    """Words only, lower case, NFKC: how texts are compared (punctuation and spacing differ between truths; so
    does spacing around CJK text: "アプリ Kindle for PC に" and "アプリKindle for PCに" are one text)."""
    text = unicodedata.normalize("NFKC", text).replace("…", " ")
    out = " ".join(re.findall(r"\w+", text.lower()))
    return re.sub(rf"(?<=[{_CJK}]) | (?=[{_CJK}])", "", out)


def words(text: str) -> int:
    """Words, CJK text counted at two characters a word."""
    cjk = len(re.findall(rf"[{_CJK}]", text))
    return len(re.sub(rf"[{_CJK}]", " ", text).split()) + cjk // 2


def in_text(sentence: str, text_norm: str) -> bool:
    """Do the sentence's words stand, in order, in the (normalised) text?"""
    s = norm(sentence)
    return bool(s) and s in text_norm


_TITLE_SEP = re.compile(r"\s+(?:\||-{1,2}|–|—|::|·|•|»|«|/|_|:)\s+|\s*[|_｜]\s*|(?<=[\u4e00-\u9fff])[-–]"
                        r"(?=[\u4e00-\u9fff])")


def title_core(title: str) -> str:
    """A title with its site, section, author and format parts split off: the longest part between separators,
    a one-word label before a colon ("VIDEO: ...", "Coronavirus: ...") counted as a section part."""
    title = re.sub(r"^\w+:\s+(?=\S)", "", " ".join(title.split()))
    parts = [p for p in _TITLE_SEP.split(title) if p and p.strip()]
    core = max(parts, key=len) if parts else title
    return unicodedata.normalize("NFKC", core).casefold().strip(" .!").replace("’", "'").replace("‘", "'")


_NOT_LEAD = re.compile(r"caption|credit|dek\b|deck|standfirst|summary|subtitle|description|strapline", re.I)


def marked_not_lead(para: str, tree) -> bool:
    """Does the page mark this paragraph up as something other than the story's text: a caption (figcaption,
    figure, a "caption"/"credit" class) or a dek ("dek", "standfirst", "summary", "subtitle" class, or a paragraph
    in the article's <header>)? Readability's truths keep both; neither is the story's lead."""
    if tree is None:
        return False
    want = norm(para)[:80]
    best = None
    for el in tree.iter("p", "div", "span", "figcaption", "h2", "h3", "li", "td"):
        if want and want in norm(el.text_content()[:2000]):
            best = el  # the last (innermost, in document order) element holding it
    node, depth = best, 0
    while node is not None and depth < 5:
        if not isinstance(node.tag, str):
            break
        attrs = " ".join(node.get(a, "") for a in ("class", "id", "itemprop"))
        if node.tag in ("figcaption", "figure", "header") or _NOT_LEAD.search(attrs):
            return True
        node, depth = node.getparent(), depth + 1
    return False


def first_sentence(text: str, tree=None) -> str:
    """The true lead: the first sentence of the first paragraph of 10+ words (a truth may open on a byline or a
    date line), skipping, with `tree`, paragraphs the page marks up as a caption or a dek."""
    import pysbd

    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    paras = [ln for ln in lines if words(ln) >= 10]
    para = next((p for p in paras if not marked_not_lead(p, tree)), paras[0] if paras else (lines[0] if lines else ""))
    if re.search(r"[\u4e00-\u9fff]", para):
        return re.split(r"(?<=[。！？])", para)[0]
    sents = pysbd.Segmenter(language="en", clean=False).segment(para)
    out = ""
    for x in sents:  # a dateline pysbd cuts off ("MONTGOMERY, Ala." | "-- Alabama's ...") stays with its sentence
        out += x
        if len(out.split()) >= 6:
            break
    return out.strip() or para


def lead_kept(lead: str, ours_norm: str) -> bool:
    """Is the true lead in our text? Its words in order, or all but a leading dateline (4 words) of a long one."""
    words = norm(lead).split()
    if not words:
        return True
    return " ".join(words) in ours_norm or (len(words) >= 10 and " ".join(words[4:]) in ours_norm)


def page_tree(path: Path):
    """The page parsed with lxml (for where a truth paragraph stands in it)."""
    import lxml.html

    try:
        return lxml.html.fromstring(path.read_bytes())
    except Exception:  # noqa: BLE001
        return None


def is_file_name(source: str, name: str) -> bool:
    """Is the source shown the input's file name (or any file name)?"""
    return source in (Path(name).name, Path(name).stem) or bool(re.search(r"\.(?:html?|txt|xml|json)$", source))


# ---------------------------------------------------------------- reading
def read(path: Path, name: str, parse_bytes) -> tuple[object | None, str]:
    """(article, status): status "" when read, "not read: ..." for a BriefingError, "CRASH: ..." otherwise."""
    try:
        arts = parse_bytes(path.read_bytes(), name, ".html")
    except Exception as e:  # noqa: BLE001 - the benchmark records every failure
        family = any(c.__name__ == "BriefingError" for c in type(e).__mro__)
        if not family:
            traceback.print_exc()
        return None, ("not read: " if family else "CRASH: ") + f"{type(e).__name__}: {e}".splitlines()[0][:160]
    return arts[0], ""


def same_record(path: Path, art, parse_bytes) -> bool:
    """Does the page's HTML given as stdin ("-", no suffix) and as serve's text field ("text") read as the file
    does (title, text, source, url, dateline, published)?"""
    data = path.read_bytes()
    fields = ("title", "text", "source", "url", "dateline", "published")
    for name in ("-", "text"):
        try:
            other = parse_bytes(data, name, "")[0]
        except Exception:  # noqa: BLE001
            return False
        if any(getattr(other, f) != getattr(art, f) for f in fields):
            return False
    return True


def summarize(articles: list, use_model: bool) -> list:
    """The default summarizer's summaries (3 sentences), or the lead baseline with --no-model."""
    from dataclasses import replace

    from briefing.config import load_settings
    from briefing.models.bundle import get_summarizer

    settings = load_settings()
    return get_summarizer(settings if use_model else replace(settings, model="lead")).summarize(articles, 3)


def bench_peers(use_model: bool, show: bool) -> dict:
    from briefing.read.parse import parse_bytes

    truth = json.loads((REAL / "peers" / "groundtruth.json").read_text())
    pages = sorted((REAL / "peers" / "html").glob("*.html"))
    rows: dict[str, dict] = {}
    read_ok = []
    t0 = time.time()
    for page in pages:
        key = page.stem
        gt = truth[key]
        row = rows[key] = {"source": SOURCES[gt["source_repo"]], "lang": gt["lang"]}
        art, status = read(page, str(page), parse_bytes)
        row["status"] = status
        if art is None:
            continue
        read_ok.append((key, art))
        row["same_as_stdin"] = same_record(page, art, parse_bytes)
        ours = norm(" ".join(x for x in (art.dateline, art.text) if x))
        row["title_raw"] = art.title
        row["source_shown"] = art.source
        row["file_name_source"] = is_file_name(art.source, str(page))
        if gt.get("with"):
            row["with_found"] = [in_text(w, ours) for w in gt["with"]]
        if gt.get("without"):
            row["without_in_text"] = [w for w in gt["without"] if in_text(w, ours)]
        if "body" in gt and gt["body"]:
            lead = first_sentence(gt["body"])
            row["lead_strict"], row["lead_strict_kept"] = lead, lead_kept(lead, ours)
            lead = first_sentence(gt["body"], page_tree(page))
            row["lead"], row["lead_kept"], row["lead_kind"] = lead, lead_kept(lead, ours), "body"
        elif gt.get("lead_prefix"):
            lead = first_sentence(gt["with"][0])
            row["lead"], row["lead_kept"], row["lead_kind"] = lead, lead_kept(lead, ours), "prefix"
    t_read = time.time() - t0
    t0 = time.time()
    try:
        sums = summarize([a for _, a in read_ok], use_model)
    except Exception:  # noqa: BLE001
        traceback.print_exc()
        sums = []
        for key, a in read_ok:
            try:
                sums += summarize([a], use_model)
            except Exception as e:  # noqa: BLE001
                rows[key]["status"] = f"CRASH: summarize {type(e).__name__}: {e}"[:200]
                sums.append(None)
    t_sum = time.time() - t0
    for (key, _art), s in zip(read_ok, sums, strict=True):
        row, gt = rows[key], truth[key]
        if s is None:
            continue
        row["headline"], row["headline_from"], row["summary"] = s.headline, s.headline_from, list(s.sentences)
        said = norm(" ".join((s.headline,) + tuple(s.sentences)))
        if gt.get("title"):
            row["title_exact"] = " ".join(s.headline.split()) == " ".join(gt["title"].split())
            row["title_split"] = title_core(s.headline) == title_core(gt["title"])
        if gt.get("without"):
            row["without_in_summary"] = [w for w in gt["without"] if norm(w) and (
                norm(w) in said or any(len(norm(x).split()) >= 4 and norm(x) in norm(w) for x in s.sentences))]
        if row.get("lead_kind") == "body" and s.sentences:
            first, lead_n, body_n = norm(s.sentences[0]), norm(row["lead"]), norm(gt["body"])
            at, lead_at = body_n.find(first) if first else -1, body_n.find(lead_n)
            # the summary opens on the true lead, or on a sentence the truth has before it
            row["opens_on_lead"] = bool(first) and (first in lead_n or lead_n in first or 0 <= at <= max(0, lead_at))
        if gt.get("body"):
            body = norm(gt["body"])
            row["not_in_body"] = [x for x in s.sentences if not in_text(x, body)]
            row["n_sentences"] = len(s.sentences)
    return {"rows": rows, "truth": truth, "t_read": t_read, "t_sum": t_sum}


def report_peers(res: dict, show: bool) -> dict:
    rows, truth = res["rows"], res["truth"]
    groups = ["all", "trafilatura", "readability", "goose3", "newspaper4k"]
    figures: dict[str, dict] = {}
    for g in groups:
        rs = {k: r for k, r in rows.items() if g == "all" or r["source"] == g}
        titled = [r for k, r in rs.items() if truth[k].get("title") and "title_exact" in r]
        n_titled = sum(1 for k in rs if truth[k].get("title"))
        sents = sum(r.get("n_sentences", 0) for r in rs.values())
        bad = sum(len(r.get("not_in_body", [])) for r in rs.values())
        withs = [f for r in rs.values() for f in r.get("with_found", [])]
        body_leads = [r["lead_kept"] for r in rs.values() if r.get("lead_kind") == "body"]
        opens = [r["opens_on_lead"] for r in rs.values() if "opens_on_lead" in r]
        strict_leads = [r["lead_strict_kept"] for r in rs.values() if "lead_strict_kept" in r]
        prefix_leads = [r["lead_kept"] for r in rs.values() if r.get("lead_kind") == "prefix"]
        figures[g] = {
            "pages": len(rs),
            "crashes": sum(r["status"].startswith("CRASH") for r in rs.values()),
            "not_read": sum(r["status"].startswith("not read") for r in rs.values()),
            "titled": n_titled,
            "title_exact": sum(r["title_exact"] for r in titled) / max(1, n_titled),
            "title_split": sum(r["title_split"] for r in titled) / max(1, n_titled),
            "file_name_sources": sum(bool(r.get("file_name_source")) for r in rs.values()),
            "summary_sentences_full_body": sents,
            "in_body": (sents - bad) / max(1, sents),
            "without_in_summary": sum(len(r.get("without_in_summary", [])) for r in rs.values()),
            "without_in_text": sum(len(r.get("without_in_text", [])) for r in rs.values()),
            "with_in_text": sum(withs) / max(1, len(withs)),
            "stdin_differs": sum(not r.get("same_as_stdin", True) for r in rs.values()),
            "lead_kept_full_body": sum(body_leads) / max(1, len(body_leads)),
            "summary_opens_on_lead": sum(opens) / max(1, len(opens)),
            "lead_kept_strict": sum(strict_leads) / max(1, len(strict_leads)),
            "lead_pages_full_body": len(body_leads),
            "lead_kept_prefix": sum(prefix_leads) / max(1, len(prefix_leads)),
            "lead_pages_prefix": len(prefix_leads),
        }
    print(f"peers: {len(rows)} pages (read {res['t_read']:.1f} s, summaries {res['t_sum']:.1f} s)")
    cols = [("pages", "{}"), ("crashes", "{}"), ("not_read", "{}"), ("titled", "{}"), ("title_exact", "{:.3f}"),
            ("title_split", "{:.3f}"), ("file_name_sources", "{}"), ("stdin_differs", "{}"), ("in_body", "{:.4f}"),
            ("summary_sentences_full_body", "{}"), ("without_in_summary", "{}"), ("without_in_text", "{}"),
            ("with_in_text", "{:.3f}"), ("lead_kept_full_body", "{:.3f}"), ("lead_kept_strict", "{:.3f}"),
            ("summary_opens_on_lead", "{:.3f}"),
            ("lead_kept_prefix", "{:.3f}")]
    print(f"  {'':28}" + "".join(f"{g:>13}" for g in groups))
    for c, fmt in cols:
        print(f"  {c:28}" + "".join(f"{fmt.format(figures[g][c]):>13}" for g in groups))
    if show:
        print("  misses:")
        for k, r in sorted(rows.items()):
            gt = truth[k]
            if r["status"]:
                print(f"    {k}: {r['status']}")
            if gt.get("title") and not r.get("title_split"):
                print(f"    {k}: title {r.get('headline')!r} (raw {r.get('title_raw')!r}) vs {gt['title']!r}")
            elif gt.get("title") and not r.get("title_exact"):
                print(f"    {k}: title~ {r.get('headline')!r} vs {gt['title']!r}")
            if not r.get("same_as_stdin", True):
                print(f"    {k}: the page on stdin or as serve's text reads differently from the file")
            if r.get("file_name_source"):
                print(f"    {k}: source {r.get('source_shown')!r}")
            for x in r.get("not_in_body", []):
                print(f"    {k}: not in body {x[:140]!r}")
            for x in r.get("without_in_summary", []):
                print(f"    {k}: without in summary {x[:100]!r}")
            for x in r.get("without_in_text", []):
                print(f"    {k}: without in text {x[:100]!r}")
            if "lead_kept" in r and not r["lead_kept"]:
                print(f"    {k}: lead lost ({r['lead_kind']}) {r['lead'][:140]!r}")
            if "lead_strict_kept" in r and not r["lead_strict_kept"] and r["lead_strict"] != r.get("lead"):
                print(f"    {k}: strict lead (a caption or dek by the page's markup) not in our text "
                      f"{r['lead_strict'][:100]!r}")
            if "opens_on_lead" in r and not r["opens_on_lead"] and r.get("lead_kept"):
                print(f"    {k}: summary opens on {r['summary'][0][:100]!r}, not on the lead")
            if r.get("with_found") and not all(r["with_found"]):
                miss = [w for w, f in zip(gt["with"], r["with_found"], strict=True) if not f]
                print(f"    {k}: with missing {[m[:60] for m in miss]}")
    return figures


def build_all() -> None:
    """`briefing build` over every real page (peers/ and aeb/) into a temporary folder, as a user would run it."""
    import subprocess
    import tempfile

    folders = [str(REAL / "peers" / "html"), str(REAL / "aeb" / "html")]
    pages = sum(len(list(Path(f).glob("*.html"))) for f in folders)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.time()
        run = subprocess.run([sys.executable, "-m", "briefing", "build", *folders, "-o", tmp, "-f", "all",
                              "--since", "1990-01-01", "--no-cache", "-q"], capture_output=True, text=True,
                             cwd=ROOT)
        secs = time.time() - t0
        md = next(iter(sorted(Path(tmp).glob("2*.md"))), None)
        text = md.read_text() if md else ""
    source_lines = re.findall(r"^.*Sources? ?(?:\(\d+\))?:.*$", text, re.M)
    shown = [re.sub(r"\]\([^)]*\)", "]", ln) for ln in source_lines]  # the names shown, not the link targets
    file_names = [ln for ln in shown if re.search(r"\.(?:html?|txt)\b", ln)]
    empty = [ln for ln in text.splitlines() if ln.strip() in ("**", "*Source: *", "*Source:*")]
    bullets = len(re.findall(r"^\s*- ", text, re.M))
    print(f"build over {pages} real pages: exit {run.returncode} ({secs:.0f} s), {bullets} bullets, "
          f"{len(source_lines)} source lines, {len(file_names)} naming a file, {len(empty)} empty")
    for ln in file_names[:10] + empty[:10]:
        print(f"    {ln[:140]}")
    if run.returncode:
        print(run.stderr[-2000:])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-model", action="store_true", help="extraction and feeds only (no summaries; peers with the "
                                                            "lead baseline)")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--only", choices=["peers", "aeb"], help="only peers/, or only aeb/ and feeds/")
    ap.add_argument("--show", action="store_true", help="list every miss on peers/")
    ap.add_argument("--details", type=Path, help="write peers/' rows and figures as JSON here")
    ap.add_argument("--build", action="store_true", help="only the real day's build over all pages")
    args = ap.parse_args()
    if args.build:
        return build_all()
    import logging

    logging.basicConfig(level=logging.ERROR)
    if args.only in (None, "peers"):
        res = bench_peers(not args.no_model, args.show)
        figures = report_peers(res, args.show)
        if args.details:
            args.details.write_text(json.dumps({"peers": figures, "rows": res["rows"]}, indent=1, ensure_ascii=False,
                                               default=str))
    if args.only == "peers":
        return
    import trafilatura

    from briefing.read.parse import parse_bytes

    truth = json.loads((REAL / "aeb" / "ground-truth.json").read_text())
    pages = sorted((REAL / "aeb" / "html").glob("*.html"))
    if args.limit:
        pages = pages[: args.limit]
    ours, plain = [], []
    cut_off, errors, articles = [], [], []
    file_names: list[str] = []  # pages whose source shown is a file name
    differs: list[str] = []  # pages read differently on stdin or as serve's text field
    t0 = time.time()
    for page in pages:
        key = page.name.split(".")[0]
        gold = truth[key]["articleBody"]
        data = page.read_bytes()
        plain.append(prf(trafilatura.extract(data) or "", gold))
        try:
            [art] = parse_bytes(data, str(page), ".html")
        except Exception as e:  # noqa: BLE001  (the benchmark records every failure)
            kind = "error" if type(e).__name__.endswith("Error") and "briefing" in type(e).__module__ else "TRACEBACK"
            errors.append(f"{kind} {page.name}: {e}".splitlines()[0])
            if kind == "TRACEBACK":
                traceback.print_exc()
            ours.append((0.0, 0.0, 0.0))
            continue
        ours.append(prf(art.text, gold))
        if is_file_name(art.source, str(page)):
            file_names.append(f"{page.name[:12]} {art.source!r}")
        if not same_record(page, art, parse_bytes):
            differs.append(page.name[:12])
        articles.append((art, gold))
        if art.truncated:
            cut_off.append(f"{page.name}: ...{art.text[-80:]!r}")
    n = len(pages)
    mean = lambda xs, i: sum(x[i] for x in xs) / max(1, len(xs))  # noqa: E731
    print(f"aeb pages: {n} ({time.time() - t0:.1f} s)")
    print(f"  extraction P/R/F1  ours {mean(ours, 0):.3f} / {mean(ours, 1):.3f} / {mean(ours, 2):.3f}"
          f"   plain trafilatura.extract {mean(plain, 0):.3f} / {mean(plain, 1):.3f} / {mean(plain, 2):.3f}")
    print(f"  pages not read: {len(errors)}" + "".join(f"\n    {e}" for e in errors))
    print(f"  pages flagged cut off: {len(cut_off)}" + "".join(f"\n    {c}" for c in cut_off[:20]))
    print(f"  file-name sources: {len(file_names)}" + "".join(f"\n    {c}" for c in file_names))
    print(f"  read differently on stdin or as serve's text: {len(differs)}" + "".join(f"\n    {c}" for c in differs))
    langs = Counter(getattr(a, "language", None) for a, _ in articles)
    print(f"  languages: {dict(langs)}")

    feed_arts = []
    for feed in sorted((REAL / "feeds").iterdir()):
        try:
            found = parse_bytes(feed.read_bytes(), str(feed), feed.suffix)
        except Exception as e:  # noqa: BLE001
            print(f"  feed {feed.name}: {type(e).__name__}: {e}".splitlines()[0])
            continue
        src = feed.read_text(encoding="utf-8", errors="replace")
        glue = [g for a in found for g in glued(f"{a.title or ''}\n{a.text}", src)]
        print(f"feed {feed.name}: {len(found)} entries, source {found[0].source!r}, "
              f"languages {dict(Counter(getattr(a, 'language', None) for a in found))}, glued tokens {len(glue)} {glue[:5]}")
        feed_arts += found

    if args.no_model:
        return
    from briefing.config import load_settings
    from briefing.models.bundle import get_summarizer

    settings = load_settings()
    summarizer = get_summarizer(settings)
    arts = [a for a, _ in articles]
    t0 = time.time()
    sums = summarizer.summarize(arts, 3)
    bad, total, heads, titled, shows_title = [], 0, [], 0, 0
    glue_sum = []
    for (art, gold), s in zip(articles, sums, strict=False):
        body = norm(gold)  # CJK spacing folded, as on peers: "アプリ Kindle for PC に" is "アプリKindle for PCに"
        for sent in s.sentences:
            total += 1
            if not in_text(sent, body):
                bad.append(f"{art.id[:12]} {sent[:110]!r}")
        heads.append(len(s.headline.split()))
        if art.title:
            titled += 1
            shows_title += s.headline == getattr(s, "headline", None) and getattr(s, "headline_from", "") == "title"
        glue_sum += glued(" ".join((s.headline,) + s.sentences), gold + (art.title or ""))
    print(f"summaries of {len(arts)} pages ({time.time() - t0:.1f} s): {total} sentences, "
          f"{len(bad)} not in the true body ({100 * len(bad) / max(1, total):.2f}%)")
    for b in bad:
        print(f"    {b}")
    heads.sort()
    print(f"  headline words: median {statistics.median(heads)}, over 20: {sum(h > 20 for h in heads)} "
          f"({100 * sum(h > 20 for h in heads) / max(1, len(heads)):.1f}%); titled pages showing their title: "
          f"{shows_title}/{titled}; glued tokens in summaries: {len(glue_sum)} {glue_sum[:5]}")
    fs = summarizer.summarize(feed_arts, 3)
    fheads = sorted(len(s.headline.split()) for s in fs)
    print(f"  feed headlines: median {statistics.median(fheads)} words, over 20: {sum(h > 20 for h in fheads)}")


if __name__ == "__main__":
    main()
