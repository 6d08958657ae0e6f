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


@pytest.mark.parametrize("line", [
    "May 2, 2013 | 5: 03pm", "Posted on: 3:35 pm, December 23, 2012", "Saturday, August 24, 2013",
    "UPDATED 05 / 03 / 2013 at 11: 00 AM EDT", "16 September 2013 Last updated at 12: 42 GMT", "2013-09-26",
    "Fri., May. 3, 2013 11:45 AM PDT", "Tuesday, July 2nd, 2013", "10: 55 P. M. FEB. 2, 2009", "Thursday, May 2nd",
    "May 2, 2013 · 5:03 pm", "March 2020",
])
def test_date_stamp_lines(line):
    from briefing.text.datelines import date_only

    assert date_only(line)


@pytest.mark.parametrize("line", [
    "The 2013 season", "Mayday 2013", "At 5pm on Monday", "Reuters Sep 18, 2013, 02. 16PM IST", "1,234", "3-2",
    "Matt, who has stage and TV credits, will take up the role in 2010.", "Found March 08, 2013", "",
    "1984", "2012", "(2013)", "2019-20", "UK 2019", "March 2020: a timeline", "9/11 anniversary",
])
def test_not_date_stamp_lines(line):
    from briefing.text.datelines import date_only

    assert not date_only(line)


def test_date_stamp_title_is_not_the_headline():
    """A record whose title is only a date gets its headline from the story (ECB+ has 28 such titles among 496
    real reports); the title itself is kept (grouping reads the date in it)."""
    import json

    from typer.testing import CliRunner

    from briefing.apps.cli import app

    record = ('{"title": "Saturday, August 24, 2013", "text": "A Palin appointee was indicted on Friday. '
              'Prosecutors said the case would go to trial."}')
    r = CliRunner().invoke(app, ["summarize", "-", "--format", "json", "--model", "lead"], input=record)
    assert r.exit_code == 0, r.output
    [out] = json.loads(r.stdout)
    assert out["title"] == "Saturday, August 24, 2013"
    assert out["headline_from"] != "title" and "Palin" in out["headline"]
    with_site = record.replace('"Saturday, August 24, 2013"',
                               '"Saturday, August 24, 2013 | Example News", "source": "Example News"')
    r = CliRunner().invoke(app, ["summarize", "-", "--format", "json", "--model", "lead"], input=with_site)
    assert "Palin" in json.loads(r.stdout)[0]["headline"]  # the date left once the site name is cut
    r = CliRunner().invoke(app, ["summarize", "-", "--format", "json", "--model", "lead"],
                           input='{"title": "Saturday, August 24, 2013", "text": ""}')
    assert json.loads(r.stdout)[0]["headline"] == "Saturday, August 24, 2013"  # nothing else to say: kept
