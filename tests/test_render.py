import json
import os
from datetime import UTC, date, datetime
from pathlib import Path

from conftest import EchoSummarizer, make_article

from briefing.documents import Article, Story, Summary
from briefing.publish.compose import TOP, compose
from briefing.publish.output import read_front_matter, write_index, write_together
from briefing.publish.render import md_escape, to_html, to_json, to_markdown

GOLDEN = Path(__file__).parent / "golden"
SECTIONS = ("World", "Business", "Science")


def story(*articles, section="World"):
    return Story(tuple(articles), EchoSummarizer().summarize(articles[:1], 2)[0], section)


def sample_briefing():
    t = datetime(2026, 2, 5, 7, 30, tzinfo=UTC)
    budget = [make_article("Council approves budget. Taxes rise 3 percent. Vote was 7-2.", id=f"b{i}", source=src,
                           url=f"https://{src.lower().replace(' ', '')}.example/budget", dateline="BOSTON", published=t)
              for i, src in enumerate(["Example Wire", "City Paper", "Radio Ten"])]
    stories = [
        story(make_article("Probe reaches asteroid. It collects samples in July. Then it returns", id="p1",
                           source="Science Desk", truncated=True), section="Science"),
        story(*budget, section="Business"),
        story(make_article("Shares fell two percent. Traders were cautious.", id="s1", source="Markets Daily"),
              section="Business"),
        story(make_article("Ministers met in Geneva. Talks resume Monday.", id="w1", source="World Desk"), section="World"),
        story(make_article("A second probe launches. It carries a camera.", id="p2", source="Science Desk"),
              section="Science"),
    ]
    return compose(date(2026, 2, 5), stories, range(len(stories)), "echo", sections=SECTIONS, top=5,
                   per_section=1, articles=7, skipped=["x.bin: a binary file"])


def test_ranking_top_stories_sections_and_caps():
    b = sample_briefing()
    assert [s.name for s in b.sections] == [TOP, "World", "Business", "Science"]
    top = b.sections[0].stories
    assert len(top) == 2  # a third of five stories, rounded up
    assert top[0].lead.id == "b0" and len(top[0].sources()) == 3  # most sources first
    assert top[1].lead.id == "p1"  # then input order
    assert [s.lead.id for s in b.sections[3].stories] == ["p2"]
    assert b.omitted == 0
    capped = compose(date(2026, 2, 5), b.stories + b.stories[:1], range(6), "echo", sections=SECTIONS, top=0,
                     per_section=1)
    assert capped.omitted == 3 and all(len(s.stories) == 1 for s in capped.sections)
    md = to_markdown(capped)
    assert "## More stories" in md and md.count("\n- ") == 6  # nothing hidden: 3 in full, 3 one line each
    assert 'stories: 6' in md
    data = json.loads(to_json(capped))
    assert len(data["more"]) == 3 and data["stories"] == 6


def test_title_only_item_is_never_a_top_story():
    b = sample_briefing()
    bare = Story((Article("t", "Storm closes ports", "", "Feed", url="https://x.example/404"),),
                 Summary("t", "Storm closes ports", (), "echo"), "World")
    out = compose(date(2026, 2, 5), [bare] + list(b.stories), range(6), "echo", sections=SECTIONS, top=5)
    assert all(s.lead.id != "t" for s in out.sections[0].stories)
    assert any(s.lead.id == "t" for s in out.all_stories)


def test_markdown_matches_golden():
    md = to_markdown(sample_briefing())
    golden = GOLDEN / "briefing.md"
    if os.environ.get("UPDATE_GOLDEN"):  # UPDATE_GOLDEN=1 rewrites it; review the diff, then commit
        golden.write_text(md)
    assert md == golden.read_text()


def test_front_matter_round_trips(tmp_path):
    (path,) = write_together({tmp_path / "2026-02-05.md": to_markdown(sample_briefing())})  # as publish() writes
    meta = read_front_matter(path)
    assert meta["date"] == "2026-02-05" and meta["stories"] == 5 and meta["articles"] == 7
    assert meta["sections"] == [TOP, "World", "Business", "Science"] and meta["model"] == "echo"


def test_html_has_toc_dark_mode_and_cut_off_mark():
    page = to_html(sample_briefing())
    assert '<nav class="toc"' in page and 'href="#top-stories"' in page and 'id="business"' in page
    assert "prefers-color-scheme: dark" in page and 'name="viewport"' in page
    assert "cut off in the source" in page
    assert "date:" not in page  # front matter stays out of the page


def test_html_is_self_contained_and_escapes_article_markup():
    art = make_article('Evil <script>alert("x")</script> text [link](javascript:alert(1)) *bold* here. '
                       '<img src=x onerror=alert(1)> More.', id="e", source="<b>src</b>", url="javascript:alert(1)")
    b = compose(date(2026, 2, 5), [story(art)], [0], "echo", sections=SECTIONS)
    page = to_html(b)
    assert "<script>" not in page and "<img" not in page
    assert 'href="javascript' not in page
    assert "&lt;script&gt;" in page and "<b>src</b>" not in page
    assert "<em>bold</em>" not in page
    assert "http://" not in page and "https://" not in page  # no external requests


def test_json_is_the_same_briefing():
    data = json.loads(to_json(sample_briefing()))
    assert data["date"] == "2026-02-05" and data["stories"] == 5
    top = data["sections"][0]
    assert top["name"] == TOP and [s["id"] for s in top["stories"][0]["sources"]] == ["b0", "b1", "b2"]
    assert top["stories"][0]["sources"][1]["url"] == "https://citypaper.example/budget"
    assert top["stories"][0]["method"] == "extractive" and top["stories"][0]["section"] == "Business"


def test_index_lists_briefings_newest_first(tmp_path):
    for day in ("2026-02-04", "2026-02-06", "2026-02-05"):
        write_together({tmp_path / f"{day}.md": to_markdown(sample_briefing()).replace("2026-02-05", day)})
    write_together({tmp_path / "2026-02-06.html": "<html></html>"})
    (tmp_path / "notes.md").write_text("not a briefing")
    md, page = write_index(tmp_path)
    lines = [line for line in md.read_text().splitlines() if line.startswith("- ")]
    assert lines == ["- [2026-02-06](2026-02-06.md) · 5 stories ([html](2026-02-06.html))",
                     "- [2026-02-05](2026-02-05.md) · 5 stories", "- [2026-02-04](2026-02-04.md) · 5 stories"]
    assert 'href="2026-02-06.html"' in page.read_text()
    assert 'href="2026-02-05.md"' in page.read_text()  # no html that day: the index never links a missing file


def test_index_with_json_only(tmp_path):
    write_together({tmp_path / "2026-02-05.json": to_json(sample_briefing())})
    md, page = write_index(tmp_path)
    assert "[2026-02-05](2026-02-05.json) · 5 stories" in md.read_text() and "No briefings" not in md.read_text()


def test_written_files_respect_umask_and_keep_a_chosen_mode(tmp_path):
    old = os.umask(0o022)
    try:
        (p, q) = write_together({tmp_path / "a.md": "x", tmp_path / "a.html": "x"})
        assert p.stat().st_mode & 0o777 == q.stat().st_mode & 0o777 == 0o644
        p.chmod(0o640)
        write_together({p: "y", q: "y"})
        assert p.stat().st_mode & 0o777 == 0o640 and p.read_text() == "y"
        assert q.stat().st_mode & 0o777 == 0o644 and q.read_text() == "y"
    finally:
        os.umask(old)


def test_md_escape():
    assert md_escape("a*b_c [x](y) <i>") == r"a\*b_c [x\](y) &lt;i>"
    assert md_escape("(SNC) We got her! +3 - 4.5") == "(SNC) We got her! +3 - 4.5"  # no stray escapes in the .md


def test_escaped_text_renders_as_the_text_itself():
    """Whatever an article says, its bullet renders as exactly that text: no markup, link, image or entity comes
    from it, and no backslash is left over."""
    import html as htmllib

    import markdown
    from hypothesis import given, settings
    from hypothesis import strategies as st

    marks = st.sampled_from(list("\\`*_[]()!#<>&;:+-. ab") + ["](", "][", "![", "&amp;", "&#60;", "<b>", "**",
                                                                 "__", "C#", "x_y", "http://a.b/"])

    @settings(max_examples=300, deadline=None, derandomize=True)
    @given(st.lists(marks, max_size=12).map("".join))
    def check(text):
        shown = " ".join(text.split())
        if not shown:
            return
        out = markdown.markdown(f"- **{md_escape(text)}**")
        inner = out.removeprefix("<ul>\n<li><strong>").removesuffix("</strong></li>\n</ul>")
        assert "<" not in inner, out
        assert htmllib.unescape(inner) == shown, (text, out)

    check()


def test_escaped_text_reads_as_written_in_html():
    """What Python-Markdown does not unescape is not escaped: no stray backslashes on the page."""
    import markdown

    text = "A | B ~ C <script>alert(1)</script> [x](javascript:y) *bold* 50% #1 (AP) 3.5!"
    html = markdown.markdown(f"- **{md_escape(text)}**")
    assert "\\" not in html and "<script>" not in html and "href" not in html
    assert "A | B ~ C &lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:y) *bold* 50% #1 (AP) 3.5!" in html


def test_more_stories_line_names_each_outlet_once():
    from briefing.publish.render import more_line

    two = [make_article("Ambassador visits Bangalore. He meets the chief minister.", id=f"v{i}", source="Varthabharathi",
                        url=f"https://varthabharati.example/{i}") for i in range(2)]
    line = more_line(story(*two, make_article("Ambassador in Bangalore.", id="v3", source="DH")))
    assert line == "- [Ambassador visits Bangalore.](https://varthabharati.example/0) · Varthabharathi · DH"


def test_a_report_that_names_no_outlet_adds_no_empty_name_to_the_sources():
    from briefing.publish.render import story_sources

    unnamed = make_article("Council approves budget. Taxes rise.", id="f1", source="")
    wire = make_article("Council approves budget. Taxes rise 3 percent.", id="w1", source="Example Wire",
                        url="https://wire.example/budget")
    paper = make_article("The council approved its budget.", id="p1", source="City Paper",
                         url="https://paper.example/budget")
    assert story_sources(story(unnamed, wire)) == "Source: [Example Wire](https://wire.example/budget)"
    assert story_sources(story(unnamed, wire, paper)) == ("Sources (2): [Example Wire](https://wire.example/budget)"
                                                          " · [City Paper](https://paper.example/budget)")
    assert story_sources(story(unnamed)) == ""


def test_a_briefing_of_reports_naming_no_outlet_counts_no_source():
    from briefing.publish.render import more_line

    unnamed = make_article("Council approves budget. Taxes rise.", id="f1", source="")
    day = compose(date(2026, 2, 5), [story(unnamed)], [0], "test", sections=["World"])
    assert json.loads(to_json(day))["sources"] == 0
    assert more_line(story(unnamed)) == "- Council approves budget."


def test_top_stories_are_in_the_days_language():
    english = [story(make_article(f"Council {w} approves budget. Taxes rise.", id=f"e{k}", language="en",
                                  source=f"Paper {k}"), section="Politics") for k, w in enumerate("abcdef")]
    chinese = story(make_article("外国专家：中美合作共赢符合国际社会利益。多名外国专家告诉记者。", id="zh", language="zh",
                                 source="China Daily", title="外国专家：中美合作共赢符合国际社会利益"), section="World")
    day = compose(date(2026, 2, 5), [chinese, *english], list(range(7)), "test", sections=["World", "Politics"])
    top = next(s for s in day.sections if s.name == TOP)
    assert chinese not in top.stories and len(top.stories) == 3  # the first in the input, but not the reader's language
    assert chinese in next(s for s in day.sections if s.name == "World").stories
