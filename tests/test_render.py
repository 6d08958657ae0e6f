import os
from datetime import date, datetime, timezone
from pathlib import Path

from briefing.compose import compose
from briefing.render import md_escape, to_html, to_json, to_markdown
from conftest import EchoSummarizer, make_article

GOLDEN = Path(__file__).parent / "golden"


def sample_briefing():
    arts = [
        make_article("Council approves budget. Taxes rise 3 percent. Vote was 7-2.", id="b1", source="Example Wire",
                     url="https://example.org/budget", dateline="BOSTON",
                     published=datetime(2026, 2, 5, 7, 30, tzinfo=timezone.utc)),
        make_article("Probe reaches asteroid. It collects samples in July. Then it returns", id="b2",
                     source="Science Desk", truncated=True),
    ]
    return compose(date(2026, 2, 5), arts, EchoSummarizer().summarize(arts, 2), "echo", ["x.bin: a binary file"])


def test_markdown_matches_golden():
    md = to_markdown(sample_briefing())
    golden = GOLDEN / "briefing.md"
    if os.environ.get("UPDATE_GOLDEN"):  # UPDATE_GOLDEN=1 rewrites it; review the diff, then commit
        golden.write_text(md)
    assert md == golden.read_text()


def test_html_is_self_contained_and_escapes_article_markup():
    art = make_article('Evil <script>alert("x")</script> text [link](javascript:alert(1)) *bold* here.', id="e",
                       source="<b>src</b>", url="javascript:alert(1)")
    b = compose(date(2026, 2, 5), [art], EchoSummarizer().summarize([art], 1), "echo")
    page = to_html(b)
    assert "<script>" not in page and "javascript:" not in page.replace("javascript:alert(1))", "")
    assert 'href="javascript' not in page
    assert "&lt;script&gt;" in page and "<b>src</b>" not in page
    assert "<em>bold</em>" not in page
    assert "http://" not in page and "https://" not in page  # no external requests
    assert "prefers-color-scheme: dark" in page and 'name="viewport"' in page


def test_json_has_items():
    data = to_json(sample_briefing())
    assert '"date": "2026-02-05"' in data and '"id": "b2"' in data


def test_md_escape():
    assert md_escape("a*b_c [x](y) <i>") == r"a\*b\_c \[x\]\(y\) \<i\>"
