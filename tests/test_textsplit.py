import pytest

from briefing.read.plaintext import is_truncated, split_articles, split_dateline


def test_seeds_file_gives_four_articles_with_datelines_and_cutoffs(seeds):
    arts = split_articles((seeds / "000_196f52d4205b3aea.txt").read_text())
    assert len(arts) == 4
    assert [a.dateline for a in arts] == ["Muscat, Oman", None, "FORT PIERCE, Fla.", "ROME"]
    assert [a.truncated for a in arts] == [False, True, True, True]
    assert arts[0].text.startswith("In a tense diplomatic maneuver")
    assert arts[0].text.count("\n") == 10  # paragraphs are kept
    assert arts[3].text.startswith("Italy has successfully")


@pytest.mark.parametrize(
    "line, dateline, rest",
    [
        ("ROME – Italy has won.", "ROME", "Italy has won."),
        ("FORT PIERCE, Fla. – Ryan Routh spoke.", "FORT PIERCE, Fla.", "Ryan Routh spoke."),
        ("WASHINGTON (Reuters) - The Senate voted.", "WASHINGTON (Reuters)", "The Senate voted."),
        ("(CNN) -- A man was held.", "(CNN)", "A man was held."),
        ("NEW YORK — Stocks fell.", "NEW YORK", "Stocks fell."),
        ("Apple – the company – grew.", None, "Apple – the company – grew."),
        ("The vote - a close one - passed.", None, "The vote - a close one - passed."),
    ],
)
def test_dateline(line, dateline, rest):
    assert split_dateline(line) == (dateline, rest)


def test_markdown_headings_split_articles_and_give_titles():
    arts = split_articles("# First story\n\nOne para.\n\nTwo para.\n\n# Second story\n\nOther text.\n")
    assert [(a.title, a.text) for a in arts] == [("First story", "One para.\nTwo para."), ("Second story", "Other text.")]


def test_separator_lines_split_articles():
    arts = split_articles("Alpha one. Alpha two.\n---\nBeta one.\n")
    assert [a.text for a in arts] == ["Alpha one. Alpha two.", "Beta one."]


def test_single_article_with_blank_line_paragraphs_and_a_title():
    arts = split_articles("Council backs plan\n\nThe council voted on Monday.\n\nIt passed 7-2.\n")
    assert len(arts) == 1
    assert arts[0].title == "Council backs plan"
    assert arts[0].text == "The council voted on Monday.\nIt passed 7-2."


def test_one_paragraph_blocks_split_at_datelines():
    arts = split_articles("PARIS – One thing happened.\n\nMore on it here.\n\nBERLIN – Another thing happened.\n")
    assert [a.dateline for a in arts] == ["PARIS", "BERLIN"]
    assert arts[0].text == "One thing happened.\nMore on it here."


def test_truncation():
    assert is_truncated("It stopped mid")
    assert not is_truncated('He said "yes."')
    assert not is_truncated("Done!")


def test_the_spanish_wire_dash_goes_with_the_agency():
    assert split_dateline("MANAGUA (EFE).- Nicaragua cerró el año con pérdidas.") == \
        ("MANAGUA (EFE)", "Nicaragua cerró el año con pérdidas.")
