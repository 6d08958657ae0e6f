"""Briefing -> Markdown, HTML (from the Markdown) and JSON; summaries -> text for `summarize`."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, Sequence

from ..contain import LeftOut, attempt, named
from ..documents import Article, Briefing, Story, Summary
from ..stories.history import Note, anchor_of
from ..text.urls import safe_url
from .formats import FORMAT_ALIASES, FORMATS  # noqa: F401  (FORMAT_ALIASES: part of this module's interface)

# Markdown escapes only where Python-Markdown would read article text as syntax: a person opening the .md reads
# "(SNC)" and "We got her!", not "\(SNC\)" and "We got her\!". Emphasis and code marks always; "]" only where
# it would close a link or an image ("](", "]["); "_" only where it could open or close emphasis (not inside
# a word); "#" only at the end (a heading's closing hashes); a backslash only before punctuation it would
# escape (or at the end, before the bullet's closing "**"). "<" becomes an entity, and "&" too where it would
# start one, so no raw HTML comes from an article.
_MD_ALWAYS = re.compile(r"[`*]|\\(?=[!-/:-@\[-`{-~]|$)|\](?=[(\[])|(?<!\w)_|_(?!\w)|#$")
_ENTITY_LIKE = re.compile(r"&(?=#?\w+;)")

CSS = """
:root { color-scheme: light dark; --fg: #1d1d1f; --bg: #fdfdfc; --muted: #62625f; --rule: #e3e2de; --accent: #1f5fbf; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e8e8e6; --bg: #161618; --muted: #a2a29e; --rule: #34343a; --accent: #8ab4f8; }
}
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
h2 { font-size: 1.2rem; margin: 2rem 0 .6rem; padding-top: .4rem; border-top: 1px solid var(--rule); }
nav.toc ul { list-style: none; padding: 0; margin: .5rem 0 1rem; display: flex; flex-wrap: wrap; gap: .3rem .9rem; }
nav.toc li { margin: 0; }
@media (max-width: 30rem) { body { font-size: 1rem; padding: 1rem .75rem 2rem; } h1 { font-size: 1.35rem; } }
"""


def md_escape(text: str) -> str:
    """Article text as literal Markdown: no markup, links or raw HTML can come from it, and no backslash where
    the rendering does not need one."""
    text = _MD_ALWAYS.sub(lambda m: "\\" + m.group(), " ".join(text.split()))
    return _ENTITY_LIKE.sub("&amp;", text).replace("<", "&lt;")


def _safe_url(url: str | None) -> str | None:
    """An http(s) address re-serialised so that Markdown and HTML read it as one link (urls.safe_url)."""
    return safe_url(url)


def _source_ref(article: Article) -> str:
    name = md_escape(article.source)
    url = _safe_url(article.url)
    return f"[{name}]({url})" if url else name


def source_line(article: Article) -> str:
    """'Source: name' with a link where the article has a web address (none when it names no outlet), plus
    dateline, date and cut-off mark."""
    parts = [f"Source: {_source_ref(article)}"] if article.source else []
    if article.dateline:
        parts.append(md_escape(article.dateline))
    if article.published:
        p = article.published
        date_only = (p.hour, p.minute, p.second) == (0, 0, 0)  # a date without a time: no "00:00 UTC"
        parts.append(p.strftime("%Y-%m-%d" if date_only else "%Y-%m-%d %H:%M %Z").strip())
    if article.truncated:
        parts.append("cut off in the source")
    return " · ".join(parts)


def story_sources(story: Story) -> str:
    """'Source: X · dateline' for one outlet; 'Sources (3): A · B · C' for several, each outlet once (linked to
    its first report)."""
    firsts: dict[str, Article] = {}
    for a in story.sources():
        if a.source:  # a report that names no outlet (a local file) adds no name
            firsts.setdefault(a.source, a)  # each outlet's first report
    sources = list(firsts.values())
    if len(sources) <= 1:
        return source_line(story.lead if not sources or sources[0] is story.lead else sources[0])
    line = f"Sources ({len(sources)}): " + " · ".join(_source_ref(a) for a in sources)
    if story.lead.truncated:
        line += " · cut off in the source"
    return line


def developing_line(note: Note | None) -> str:
    """'Developing, day 4 · earlier: [Mon 27 April](2020-04-27.html#s-…)' for a developing story, else ''."""
    if note is None or note.status != "developing" or note.earlier_day is None:
        return ""
    d = note.earlier_day
    when = f"{d:%a} {d.day} {d:%B}"
    link = f"[{when}]({note.href})" if note.href else when
    return f"Developing, day {note.days} · earlier: {link} · "


def bullet(article: Article, summary: Summary, sources: str | None = None) -> str:
    """One Markdown list item: bold headline (labelled when the article is an opinion piece), the rest of the
    summary, then the source(s)."""
    line = f"- {'*Opinion* · ' if article.kind == 'opinion' else ''}**{md_escape(summary.headline)}**"
    rest = " ".join(md_escape(s) for s in summary.rest())
    if rest:
        line += f" {rest}"
    sources = sources or source_line(article)
    return f"{line}  \n  *{sources}*" if sources else line  # an article that names no outlet, date or place


MORE = "More stories"


def more_line(story: Story, note: Note | None = None) -> str:
    """One line of "More stories": the headline, linked to its first web address, and its sources."""
    url = next((u for u in (_safe_url(a.url) for a in story.sources()) if u), None)
    head = md_escape(story.summary.headline)
    parts = [md_escape(n) for n in dict.fromkeys(a.source for a in story.sources() if a.source)]  # each outlet once
    developing = developing_line(note).removesuffix(" · ")
    if developing:  # "· developing, day 2 · earlier: [Mon 27 April](2020-04-27.html#s-…)"
        parts.append(developing[0].lower() + developing[1:])
    tail = "".join(f" · {p}" for p in parts)
    return f"- [{head}]({url}){tail}" if url else f"- {head}{tail}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word if n == 1 else word[:-1] + 'ies' if word.endswith('y') else word + 's'}"


def front_matter(briefing: Briefing) -> dict:
    stories = briefing.all_stories
    return {
        "date": briefing.day.isoformat(),
        "stories": len(stories),
        "articles": briefing.articles,
        "sources": len({a.source for s in stories for a in s.articles if a.source}),  # outlets named
        "sections": [sec.name for sec in briefing.sections] + ([MORE] if briefing.more else []),
        "model": briefing.model,
        "omitted": briefing.omitted,
        "skipped_inputs": len(briefing.skipped),
    }


def _yaml(meta: dict) -> str:
    """YAML front matter; every string is JSON-quoted, which YAML reads as the same string."""
    lines = ["---"]
    for key, value in meta.items():
        lines.append(f"{key}: {json.dumps(value, ensure_ascii=False)}")
    return "\n".join(lines + ["---", ""])


def to_markdown(briefing: Briefing, notes: Mapping[str, Note] | None = None) -> str:
    """The brief in Markdown; `notes` (by story anchor) mark developing stories and link their earlier brief."""
    notes = notes or {}
    day = briefing.day
    stories = briefing.all_stories
    head = [
        _yaml(front_matter(briefing)),
        f"# Briefing for {day:%A}, {day.day} {day:%B %Y}",
        "",
        f"{_plural(len(stories), 'story')} from {_plural(briefing.articles, 'article')} · "
        f"summarized by {md_escape(briefing.model)}",
        "",
    ]
    body: list[str] = []
    for sec in briefing.sections:
        body += [f"## {md_escape(sec.name)}", ""]
        body += [bullet(st.lead, st.summary, developing_line(notes.get(anchor_of(st))) + story_sources(st))
                 for st in sec.stories]
        body.append("")
    tail = []
    if briefing.more:
        tail += [f"## {MORE}", ""] + [more_line(st, notes.get(anchor_of(st))) for st in briefing.more] + [""]
    if briefing.skipped:
        tail += ["---", "", "Inputs left out:", ""] + [f"- {md_escape(s)}" for s in briefing.skipped]
    return "\n".join(head + body + tail).rstrip("\n") + "\n"


def strip_front_matter(markdown_text: str) -> str:
    if markdown_text.startswith("---\n"):
        end = markdown_text.find("\n---\n", 4)
        if end >= 0:
            return markdown_text[end + 5 :]
    return markdown_text


def _page(title: str, body: str, head: str = "") -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
        f"<title>{html.escape(title)}</title>\n{head}<style>{CSS}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def page_body(page: str) -> str:
    """What is inside <main> of a page _page() made (the brief without its head), or '' for another page."""
    start, end = page.find("<main>\n"), page.rfind("\n</main>")
    return page[start + 7 : end] if 0 <= start < end else ""


def _anchored(body: str, briefing: Briefing) -> str:
    """The page's story items with their anchors (<a id="s-…"></a>, the target a later brief links), in the order
    the Markdown lists them: every <li> before the list of inputs left out is a story's (article text never makes
    one: it is escaped)."""
    parts = body.split("<li>", len(briefing.all_stories))
    out = [parts[0]]
    for story, part in zip(briefing.all_stories, parts[1:], strict=False):  # no fewer <li> than stories
        out.append(f'<li><a id="{anchor_of(story)}"></a>{part}')
    return "".join(out)


def to_html(briefing: Briefing, markdown_text: str | None = None, notes: Mapping[str, Note] | None = None) -> str:
    """A self-contained page (inline CSS, no scripts, no external requests) with a table of contents."""
    import markdown

    md = markdown.Markdown(extensions=["toc"], extension_configs={"toc": {"toc_depth": "2-2"}},
                           output_format="html")
    body = _anchored(md.convert(strip_front_matter(markdown_text or to_markdown(briefing, notes))), briefing)
    if len(briefing.sections) > 1:
        nav = f'<nav class="toc" aria-label="Sections">{md.toc}</nav>'
        cut = body.find("<h2")
        body = body[:cut] + nav + "\n" + body[cut:] if cut >= 0 else body
    return _page(f"Briefing {briefing.day.isoformat()}", body)


def summary_record(article: Article, summary: Summary) -> dict:
    """The JSON object `summarize --format json` prints for an article."""
    return {
        "id": article.id,
        "title": article.title,
        "source": article.source,
        "headline": summary.headline,
        "headline_from": summary.headline_from,
        "headline_sentence": summary.headline_sentence,
        "summary": list(summary.sentences),
        "language": article.language,
        "url": _safe_url(article.url),
        "published": article.published.isoformat() if article.published else None,
        "authors": list(article.authors),
        "model": summary.backend,
        "method": summary.method,
        "truncated": article.truncated,
    }


def _article_record(a: Article) -> dict:
    return {"id": a.id, "title": a.title, "source": a.source, "url": _safe_url(a.url), "language": a.language, "kind": a.kind,
            "published": a.published.isoformat() if a.published else None, "truncated": a.truncated}


def story_record(story: Story) -> dict:
    return {
        "headline": story.summary.headline,
        "headline_from": story.summary.headline_from,
        "headline_sentence": story.summary.headline_sentence,
        "title": story.lead.title,
        "summary": list(story.summary.sentences),
        "section": story.section,
        "kind": story.lead.kind,
        "model": story.summary.backend,
        "method": story.summary.method,
        "summarized_from": story.lead.id,
        "sources": [_article_record(a) for a in story.articles],
    }


def check_story(story: Story) -> bool:
    """Render one story in every form a briefing shows it (bullet, one-line entry, JSON record): raises what
    rendering it would raise, so the pipeline can leave out that story rather than lose the briefing."""
    bullet(story.lead, story.summary, story_sources(story))
    more_line(story)
    json.dumps(story_record(story), ensure_ascii=False)
    return True


def _noted(story: Story, briefing: Briefing, notes: Mapping[str, Note]) -> dict:
    """A story's JSON record with its note: anchor, status (new | developing), first_seen, day, earlier."""
    anchor = anchor_of(story)
    return {**story_record(story), **(notes.get(anchor) or Note(anchor, first_seen=briefing.day)).record()}


def to_json(briefing: Briefing, notes: Mapping[str, Note] | None = None) -> str:
    notes = notes or {}
    return json.dumps(
        {
            **front_matter(briefing),
            "sections": [{"name": sec.name, "stories": [_noted(s, briefing, notes) for s in sec.stories]}
                         for sec in briefing.sections],
            "more": [_noted(s, briefing, notes) for s in briefing.more],
            "skipped": list(briefing.skipped),
        },
        indent=2,
        ensure_ascii=False,
    ) + "\n"


def render_all(briefing: Briefing, formats: Sequence[str], notes: Mapping[str, Note] | None = None) -> dict[str, str]:
    """Each asked-for format's text (HTML is made from the Markdown, so that is rendered once)."""
    made: dict[str, str] = {}
    renderers = {
        "md": lambda: made.setdefault("md", to_markdown(briefing, notes)),
        "html": lambda: to_html(briefing, made.get("md") or made.setdefault("md", to_markdown(briefing, notes))),
        "json": lambda: to_json(briefing, notes),
    }
    assert set(renderers) == set(FORMATS)
    return {fmt: renderers[fmt]() for fmt in formats}


FEED = "feed.xml"


def index_markdown(entries: Sequence[tuple[str, dict]], ext: str = "md", feed: bool = False) -> str:
    """The list of briefings, newest first: entries are (date, front matter with "formats": the files that
    exist for that day). Each links to the day in `ext` when it exists, else in a format it has; `feed`: the
    folder has the briefs' Atom feed, linked above the list."""
    lines = ["# Briefings", ""] + ([f"Follow the briefs in a feed reader: [{FEED}]({FEED}) (Atom).", ""] if feed else [])
    for day, meta in entries:
        n = meta.get("stories")
        count = f" · {_plural(n, 'story')}" if isinstance(n, int) else ""
        have = meta.get("formats") or [ext]
        first = ext if ext in have else next(f for f in ("html", "md", "json") if f in have)
        others = " ".join(f"([{f}]({day}.{f}))" for f in ("md", "html", "json") if f in have and f != first)
        lines.append(f"- [{day}]({day}.{first}){count}" + (f" {others}" if others else ""))
    if not entries:
        lines.append("No briefings yet.")
    return "\n".join(lines) + "\n"


def index_html(entries: Sequence[tuple[str, dict]], feed: bool = False) -> str:
    import markdown

    head = f'<link rel="alternate" type="application/atom+xml" title="Briefings" href="{FEED}">\n' if feed else ""
    return _page("Briefings", markdown.markdown(index_markdown(entries, "html", feed), output_format="html"), head)


def summaries_text(pairs: Sequence[tuple[Article, Summary]], fmt: str) -> str:
    """What `summarize` prints: text, markdown or json."""
    if fmt == "json":
        return json.dumps([summary_record(a, s) for a, s in pairs], indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return "\n".join(bullet(a, s) for a, s in pairs) + "\n"
    blocks = []
    for a, s in pairs:
        rest = " ".join(s.rest())
        note = ", ".join(filter(None, (a.source, "cut off" if a.truncated else None)))  # none for a local file
        lines = [f"* {s.headline}"] + ([f"  {rest}"] if rest else []) + ([f"  ({note})"] if note else [])
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def renderable(ledger: LeftOut, stories: Sequence[Story]) -> list[int]:
    """The indices of the stories every format can render; one that fails to render is left out (ledger), not
    the briefing."""
    return [i for i, st in enumerate(stories) if attempt(ledger, f"story {named(st.lead)}", check_story, st) is not None]
