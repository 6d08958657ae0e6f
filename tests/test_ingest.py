from pathlib import Path

import pytest
from conftest import FIXTURES
from hypothesis import given, settings
from hypothesis import strategies as st

from briefing.errors import IngestError, NoInputError
from briefing.read.feedtext import html_to_text
from briefing.read.files import read_inputs, require_articles
from briefing.read.parse import parse_bytes


def test_html_page_main_text_and_title():
    [a] = parse_bytes((FIXTURES / "page.html").read_bytes(), "page.html", ".html")
    assert a.title == "Storm closes ports along the coast"
    assert a.dateline == "HALIFAX"
    assert a.text.startswith("A powerful winter storm")
    assert "Home" not in a.text and "tracker" not in a.text
    assert a.source == "Coast Daily"


def test_rss_entries_with_html_stripped_and_title_only_entries_kept():
    arts = parse_bytes((FIXTURES / "feed.xml").read_bytes(), "feed.xml", ".xml")
    assert [a.title for a in arts] == ["Council approves new budget", "Only a title here"]
    assert arts[0].text == ("The city council approved a $2.1 billion budget on Wednesday after a six-hour debate.\n"
                            "The plan raises property taxes by 3 percent.")
    assert arts[0].url == "https://example.org/budget"
    assert arts[0].published.isoformat() == "2026-02-05T07:30:00+00:00"
    assert arts[0].category == "Politics"
    assert arts[1].text == ""


def test_atom_uses_full_content_over_summary():
    [a] = parse_bytes((FIXTURES / "atom.xml").read_bytes(), "atom.xml", ".xml")
    assert a.text.startswith("A NASA probe reached")
    assert a.source == "Science Desk"


def test_jsonl_keeps_ids_and_skips_bad_lines(caplog):
    arts = parse_bytes((FIXTURES / "articles.jsonl").read_bytes(), "articles.jsonl", ".jsonl")
    assert [a.id for a in arts] == ["wire-17", "wire-18"]
    assert arts[1].published is None
    assert "line 2 is not valid JSON" in caplog.text
    assert "not an ISO 8601 date" in caplog.text


def test_sniffs_kind_without_suffix():
    data = (FIXTURES / "feed.xml").read_bytes()
    assert parse_bytes(data, "-")[0].title == "Council approves new budget"


@pytest.mark.parametrize(
    "data, phrase",
    [
        (b"", "empty"),
        (b"  \n\n ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "a PNG image, not text"),
        (bytes(range(256)) * 4, "binary file"),
        (b"<?xml version='1.0'?><rss><channel><item><title>x</ti", "not a readable RSS/Atom feed"),
        (b"<html><body><nav>Home</nav></body></html>", "no article text found in this HTML page"),
        (b'{"no_text": 1}\n', "no usable records"),
    ],
)
def test_bad_input_gets_one_line_error_naming_it(data, phrase):
    with pytest.raises(IngestError) as e:
        parse_bytes(data, "bad-input")
    assert phrase in str(e.value)
    assert str(e.value).startswith("bad-input")
    assert "\n" not in str(e.value)


def test_undeclared_latin1_text_is_detected(caplog):
    caplog.set_level("INFO", logger="briefing")
    data = "Le caf\xe9 de la gare a rouvert apr\xe8s les travaux, a annonc\xe9 la mairie lundi.".encode("cp1252")
    [a] = parse_bytes(data, "latin.txt", ".txt")
    assert "café" in a.text and "après" in a.text
    assert "latin.txt: not UTF-8; read as" in caplog.text


def test_declared_feed_encoding_is_honoured():
    feed = ('<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel><title>Jornal</title>'
            '<item><title>Governo aprova or\xe7amento</title><description>O governo aprovou o or\xe7amento '
            'para o pr\xf3ximo ano na sess\xe3o de segunda-feira.</description></item></channel></rss>').encode("latin-1")
    [a] = parse_bytes(feed, "jn.rss", ".rss")
    assert a.title == "Governo aprova orçamento" and "próximo" in a.text
    assert a.language == "pt"


def test_html_meta_charset_is_honoured():
    body = "<p>" + " ".join(["Der Stadtrat hat am Montag den Haushalt für das nächste Jahr beschlossen."] * 4) + "</p>"
    page = f'<html><head><meta charset="iso-8859-1"><title>Haushalt</title></head><body><article>{body}</article></body></html>'
    [a] = parse_bytes(page.encode("latin-1"), "de.html", ".html")
    assert "für das nächste" in a.text


def test_utf16_with_bom_is_read():
    [a] = parse_bytes("Rain fell all day. Roads flooded.".encode("utf-16"), "u16.txt", ".txt")
    assert a.text == "Rain fell all day. Roads flooded."


def test_folder_is_read_recursively_and_bad_files_reported(tmp_path):
    (tmp_path / "in" / "sub").mkdir(parents=True)
    (tmp_path / "in" / "a.txt").write_text("First story. It is short.")
    (tmp_path / "in" / "sub" / "b.md").write_text("Second story here.")
    (tmp_path / "in" / "empty.txt").write_text("")
    (tmp_path / "in" / ".hidden").write_text("ignored")
    arts, problems = read_inputs([tmp_path / "in", tmp_path / "missing.txt"])
    assert [a.id for a in arts] == ["a", "b"]
    assert len(problems) == 2
    assert any("empty.txt: the input is empty" in p for p in problems)
    assert any("missing.txt: no such file or folder" in p for p in problems)


def test_duplicate_ids_are_made_unique(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    (tmp_path / "x" / "s.txt").write_text("One.")
    (tmp_path / "y" / "s.txt").write_text("Two.")
    arts, _ = read_inputs([tmp_path / "x", tmp_path / "y"])
    assert [a.id for a in arts] == ["s", "s~2"]


def test_no_usable_input_raises():
    with pytest.raises(NoInputError, match="no such file"):
        require_articles(*read_inputs([Path("nope.txt")]))


def test_stdin():
    arts, _ = read_inputs(["-"], stdin=b"ROME - Something happened today. Then more.")
    assert arts[0].dateline == "ROME" and arts[0].id == "stdin"


def test_html_fragment_drops_scripts():
    assert html_to_text("<p>Hi <b>there</b></p><script>alert(1)</script><p>Next</p>") == "Hi there\nNext"


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.binary(max_size=600), st.text(max_size=600).map(lambda t: t.encode("utf-8"))))
def test_any_bytes_give_articles_or_a_clean_error(data):
    try:
        arts = parse_bytes(data, "fuzz")
    except IngestError as e:
        assert str(e).startswith("fuzz")
    else:
        assert all(a.text or a.title for a in arts)
