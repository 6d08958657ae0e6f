"""Briefing -> Markdown, HTML (from the Markdown) and JSON; summaries -> text for `summarize`."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence

from .documents import Article, Briefing, Summary

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")

CSS = """
:root { color-scheme: light dark; --fg: #1d1d1f; --bg: #fdfdfc; --muted: #62625f; --rule: #e3e2de; --accent: #1f5fbf; }
@media (prefers-color-scheme: dark) { :root { --fg: #e8e8e6; --bg: #161618; --muted: #a2a29e; --rule: #34343a; --accent: #8ab4f8; } }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 44rem; padding: 1.5rem 1rem 3rem; background: var(--bg); color: var(--fg);
  font: 1.05rem/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0 0 .25rem; }
h1 + p { color: var(--muted); margin-top: 0; font-size: .9rem; }
ul { padding-left: 1.1rem; } li { margin: 0 0 1.1rem; }
li strong { display: block; font-size: 1.08rem; line-height: 1.35; margin-bottom: .2rem; }
li em { color: var(--muted); font-size: .88rem; font-style: normal; }
a { color: var(--accent); }
hr { border: 0; border-top: 1px solid var(--rule); }
"""


def md_escape(text: str) -> str:
    """Article text as literal Markdown: no markup, links or raw HTML can come from it."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _safe_url(url: str | None) -> str | None:
    return url if url and re.match(r"^https?://[^\s<>\"']+$", url) else None


def source_line(article: Article) -> str:
    """'Source: name' with a link where the article has a web address, plus dateline and cut-off mark."""
    name = md_escape(article.source)
    url = _safe_url(article.url)
    parts = [f"Source: [{name}]({url})" if url else f"Source: {name}"]
    if article.dateline:
        parts.append(md_escape(article.dateline))
    if article.published:
        parts.append(article.published.strftime("%Y-%m-%d %H:%M %Z").strip())
    if article.truncated:
        parts.append("cut off in the source")
    return " · ".join(parts)


def bullet(article: Article, summary: Summary) -> str:
    """One Markdown list item: bold headline, the rest of the summary, then the source."""
    line = f"- **{md_escape(summary.headline)}**"
    rest = " ".join(md_escape(s) for s in summary.rest())
    if rest:
        line += f" {rest}"
    return f"{line}  \n  *{source_line(article)}*"


def to_markdown(briefing: Briefing) -> str:
    day = briefing.day
    n = len(briefing.items)
    head = [
        f"# Briefing for {day:%A}, {day.day} {day:%B %Y}",
        "",
        f"{n} {'story' if n == 1 else 'stories'} · summarized by {md_escape(briefing.model)}",
        "",
    ]
    body = [bullet(item.article, item.summary) for item in briefing.items]
    tail = []
    if briefing.skipped:
        tail = ["", "---", "", "Inputs left out:", ""] + [f"- {md_escape(s)}" for s in briefing.skipped]
    return "\n".join(head + body + tail) + "\n"


def to_html(briefing: Briefing, markdown_text: str | None = None) -> str:
    """A self-contained page (inline CSS, no scripts, no external requests) from the Markdown."""
    import markdown

    body = markdown.markdown(markdown_text or to_markdown(briefing), output_format="html")
    title = html.escape(f"Briefing {briefing.day.isoformat()}")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
        f"<title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def summary_record(article: Article, summary: Summary) -> dict:
    """The JSON object `summarize --format json` prints for an article."""
    return {
        "id": article.id,
        "title": article.title,
        "source": article.source,
        "headline": summary.headline,
        "summary": list(summary.sentences),
        "model": summary.backend,
        "method": summary.method,
        "truncated": article.truncated,
    }


def to_json(briefing: Briefing) -> str:
    return json.dumps(
        {
            "date": briefing.day.isoformat(),
            "model": briefing.model,
            "items": [summary_record(i.article, i.summary) for i in briefing.items],
            "skipped": list(briefing.skipped),
        },
        indent=2,
        ensure_ascii=False,
    ) + "\n"


def summaries_text(pairs: Sequence[tuple[Article, Summary]], fmt: str) -> str:
    """What `summarize` prints: text, markdown or json."""
    if fmt == "json":
        return json.dumps([summary_record(a, s) for a, s in pairs], indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return "\n".join(bullet(a, s) for a, s in pairs) + "\n"
    blocks = []
    for a, s in pairs:
        rest = " ".join(s.rest())
        lines = [f"* {s.headline}"] + ([f"  {rest}"] if rest else []) + [f"  ({a.source}{', cut off' if a.truncated else ''})"]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"
