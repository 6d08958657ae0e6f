"""Real pages read the way a reader reads them (issue 24): the headline the page shows, its publisher, its lead
kept, its furniture left out; each case a class of the issue's table, on literal inputs (fast, offline)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from briefing.documents import Article, Summary
from briefing.publish.render import source_line, summary_record
from briefing.read import furniture
from briefing.read.html import _without_standfirst, parse_html
from briefing.read.pagemeta import choose_title, load, marked_paragraphs, read_meta
from briefing.read.parse import parse_bytes, sniff
from briefing.read.publisher import page_publisher, publisher, title_site_part, wire_agency
from briefing.summarize.headline import clean_title


def page(head: str, body: str) -> str:
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>"


LEDE = ("Zimbabwe President Robert Mugabe, his wife Grace and two key figures from her G40 political faction are under "
        "house arrest at the Blue House compound in Harare, a source said.")
BODY = [LEDE,
        "The G40 figures are cabinet ministers Jonathan Moyo and Saviour Kasukuwere, who fled to the compound after "
        "their homes were attacked by troops in Tuesday night's coup, the source told Reuters.",
        "Mr Mugabe is resisting mediation by a Catholic priest to allow the former guerrilla a graceful exit after the "
        "military takeover, according to people familiar with the talks.",
        "The priest, Fidelis Mukonori, is acting as a middle-man between Mr Mugabe and the generals, who seized power "
        "in a targeted operation against criminals in his entourage."]
PARAS = "".join(f"<p>{p}</p>" for p in BODY)


# ------------------------------------------------------------------------------------------------ titles
@pytest.mark.parametrize("title,source,want", [
    ("TechCrunch | 2005 Zuckerberg Didn’t Want To Take Over The World", "TechCrunch",
     "2005 Zuckerberg Didn’t Want To Take Over The World"),
    ("Why you should check your credit report - Your Money Today - Your Life - MSN Lifestyle", "MSN",
     "Why you should check your credit report"),
    ("Giuliani weighs a Senate run against Clinton - Maggie Haberman and Shira Toeplitz", "POLITICO",
     "Giuliani weighs a Senate run against Clinton"),
    ("Court files expose security team in spy operation -- Sott.net", None,
     "Court files expose security team in spy operation"),
    ("中美元首会晤取得积极成果-新华网", None, "中美元首会晤取得积极成果"),
    ("Police search for gunman after shooting - WSVN 7News | Miami News, Weather, Sports | Fort Lauderdale", "WSVN",
     "Police search for gunman after shooting"),
    ("New Zealand volcano: death toll rises to 16 | Eleanor Ainge Roy", "the Guardian",
     "New Zealand volcano: death toll rises to 16"),
    ("Brexit vote: MPs debate the deal – live", "The Guardian", "Brexit vote: MPs debate the deal"),
    ("The dog that learned to surf – video", "The Guardian", "The dog that learned to surf"),
    ("Un incendio calcina una nave industrial en Palma » Local » Noticias » Ultima Hora Mallorca", "Ultima Hora",
     "Un incendio calcina una nave industrial en Palma"),
    ("Russia's Nuclear Help Stirs Questions About Relations With U.S.", "Fox News",
     "Russia's Nuclear Help Stirs Questions About Relations With U.S."),
    ("Update | Deceased Clarendon crash victims identified", "Jamaica Gleaner",
     "Deceased Clarendon crash victims identified"),
    # kept as they are: a clause after a dash, a headline's own " - "; a closing full stop goes
    ("The Early Reviews For Stadia Are Here — And They're Not Great - Digg", "Digg",
     "The Early Reviews For Stadia Are Here — And They're Not Great"),
    ("Unterhaus vertagt Votum über Brexit-Deal - es drohen Chaos-Tage", "stern.de",
     "Unterhaus vertagt Votum über Brexit-Deal - es drohen Chaos-Tage"),
    ("Ravenous wild goats ruled this island. Now, it's being reborn.", None,
     "Ravenous wild goats ruled this island. Now, it's being reborn"),
])
def test_clean_title_takes_off_site_author_section_and_format_parts(title, source, want):
    assert clean_title(title, source) == want


def test_choose_title_by_agreement_not_first():
    # webmd: an <h1> no other candidate confirms is a section name ("Allergies Health Center")
    assert choose_title([("h1", "Allergies Health Center"),
                         ("title", "Babies Who Eat Peanuts Early May Avoid Allergy")]) \
        == "Babies Who Eat Peanuts Early May Avoid Allergy"
    # telegraph: a JSON-LD "headline" that is the CMS's name loses to what og:title, <title> and <h1> say
    cands = [("og", "Plumber jailed after boiler killed millionaire's daughter"), ("ld", "escenic"),
             ("title", "Plumber jailed after boiler killed millionaire's daughter"),
             ("h1", "Plumber jailed after boiler killed millionaire's daughter")]
    assert choose_title(cands, ["The Telegraph"]) == "Plumber jailed after boiler killed millionaire's daughter"
    # the candidates' common part: og:title and <title> carry the site on either side
    cands = [("og", "TechCrunch | 2005 Zuckerberg Didn’t Want To Take Over The World"),
             ("title", "2005 Zuckerberg Didn’t Want To Take Over The World | TechCrunch")]
    assert choose_title(cands, ["TechCrunch"]) == "2005 Zuckerberg Didn’t Want To Take Over The World"
    # the visible <h1> when it says the agreed (shorter, SEO) headline's words again
    cands = [("og", "Brexit: Nervenkrieg geht in nächste Runde"), ("title", "Brexit: Nervenkrieg geht in nächste Runde"),
             ("h1", "Der Nervenkrieg um den Brexit geht in die nächste Runde")]
    assert choose_title(cands) == "Der Nervenkrieg um den Brexit geht in die nächste Runde"


def test_a_page_title_from_its_candidates():
    html = page('<meta property="og:title" content="Plumber jailed after boiler killed a daughter">'
                '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "escenic"}</script>'
                "<title>Plumber jailed after boiler killed a daughter - Telegraph</title>",
                "<h1>Plumber jailed after boiler killed a daughter</h1>" + PARAS)
    [art] = parse_html(html, "telegraph.html")
    assert art.title == "Plumber jailed after boiler killed a daughter"


# ------------------------------------------------------------------------------------------------ sources
def test_source_is_the_publisher_never_the_file_name():
    assert publisher("Autoracing | F1 | Indy | MotoGP | StockCar | NASCAR", None) == "Autoracing"
    assert title_site_part("Plan to restrict public-records data | Tulsa World",
                           "Plan to restrict public-records data") == "Tulsa World"
    assert title_site_part("The Space Review: Seeking a bigger role for a big rocket",
                           "Seeking a bigger role for a big rocket") == "The Space Review"
    assert wire_agency("(CNN)") == "CNN" and wire_agency("WASHINGTON (Reuters)") == "Reuters"
    assert page_publisher([("og:site_name", "@politifact")], None, None) is None
    assert page_publisher([("og:site_name", "detroitnews"), ("ld-publisher", "The Detroit News")], None,
                          None) == "The Detroit News"


def test_a_page_or_text_without_a_publisher_has_no_outlet_name():
    html = page("<title>Ascom announces a partnership</title>", PARAS)
    [art] = parse_html(html, "rdb-yahoo-3.html")
    assert art.source == ""
    [text] = parse_bytes("\n\n".join(BODY).encode(), "000_196f52d4205b3aea.txt", ".txt")
    assert text.source == ""
    assert source_line(text) == ""  # no "Source:" with nothing after it


def test_a_wire_dateline_names_the_source_and_is_no_place():
    [art] = parse_bytes(("(CNN)" + "\n\n".join(BODY)).encode(), "story.txt", ".txt")
    assert art.source == "CNN" and art.dateline is None and art.text.startswith("Zimbabwe President")


def test_a_page_names_its_publisher():
    html = page('<meta property="og:site_name" content="Breitbart">', PARAS)
    [art] = parse_html(html, "rdb-breitbart.html")
    assert art.source == "Breitbart"


# ------------------------------------------------------------------------------------------------ standfirst
def test_lede_used_as_description_is_kept():
    html = page(f'<meta property="og:description" content="{LEDE}"><title>Zimbabwe coup</title>',
                "<article><h1>Zimbabwe coup</h1>" + PARAS + "</article>")
    [art] = parse_html(html, "telegraph.html")
    assert art.text.startswith("Zimbabwe President Robert Mugabe")


def test_dek_marked_up_or_repeated_is_dropped():
    dek = "Disruptive companies talk a good game about sharing, but the truth is something else entirely."
    text = "\n".join([dek] + BODY)
    assert _without_standfirst(text, None, deks=[dek]).startswith("Zimbabwe President")
    repeat = "\n".join([LEDE] + BODY[1:] + [LEDE + " It said so."])
    assert _without_standfirst(repeat, None).startswith("The G40 figures")
    tree = load(page("", f"<h1>Uber</h1><h2>{dek}</h2><p>{BODY[0]}</p>"))
    assert dek in marked_paragraphs(tree)[0]


# ------------------------------------------------------------------------------------------------ sniffing
@pytest.mark.parametrize("data", [
    b"<!-- saved from url=(0040)http://example.com/ -->\n<html><head><title>x</title></head><body>"
    + b"<p>A paragraph of the story.</p>" * 10 + b"</body></html>",
    b"\xef\xbb\xbf\n\nWarning: include(x.php) failed\n<!DOCTYPE html><html><head><meta charset='utf-8'><title>T</title>"
    b"<script>var a = 1;</script></head><body><div><p>Text</p></div></body></html>",
    b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN" "x">'
    b'<html><head><title>t</title></head><body><p>x</p></body></html>',
])
def test_html_recognised_by_content(data):
    assert sniff(data, "") == "html"


def test_prose_about_tags_stays_text_and_feeds_stay_feeds():
    prose = b"The <html> tag starts a page. Writers of web pages know <p> and <div>. This article explains it.\n" * 3
    assert sniff(prose, "") == "text"
    assert sniff(b'<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>', "") == "feed"


def test_a_page_on_stdin_reads_as_the_file_does():
    data = ("<!-- saved from url=(0040)http://example.com/ -->\n"
            + page('<meta property="og:site_name" content="Reuters"><title>Zimbabwe coup</title>', PARAS)).encode()
    [file] = parse_bytes(data, "zimbabwe.html", ".html")
    [stdin] = parse_bytes(data, "-", "")
    assert (stdin.title, stdin.text, stdin.source) == (file.title, file.text, file.source) \
        == ("Zimbabwe coup", "\n".join(BODY), "Reuters")


# ------------------------------------------------------------------------------------------------ furniture
@pytest.mark.parametrize("line", [
    "This article originally appeared on VICE US.",
    "[What you need to know to start the day: Get New York Today in your inbox.]",
    "Related Videos Related articlesMore from author Prison Papers: Exiled prisoners plea authorThe Prison Papers.",
])
def test_furniture_lines(line):
    assert furniture.is_boilerplate(line)


@pytest.mark.parametrize("line", BODY + ["The story first appeared in the Times last year, he said.",
                                         "The report was produced by the Brookings Institution and found wages fell."])
def test_article_sentences_are_not_furniture(line):
    assert not furniture.is_boilerplate(line)


def test_repair_end_mark_and_byline_prefix():
    assert furniture._repair("He walked home alone. ❖") == "He walked home alone."
    assert furniture._repair("By Aaron Humes: The Ministry of Health said on Monday.") == \
        "The Ministry of Health said on Monday."


def test_page_furniture_is_judged_by_its_place_in_the_page():
    html = page('<meta property="og:site_name" content="The Points Guy"><title>Alaska adds flights</title>',
                "<article><h1>Alaska adds flights</h1>" + PARAS
                + '<aside class="newsletter-signup"><p>Sign up for our daily newsletter to get the best deals in '
                  'your inbox every morning.</p></aside>'
                + '<figure><figcaption>A photo of the Blue House compound in Harare taken on Tuesday by our '
                  'photographer.</figcaption></figure></article>')
    [art] = parse_html(html, "tpg.html")
    assert art.text == "\n".join(BODY)


def test_a_disclosure_above_the_story_is_no_lead():
    """The first prose line is kept as the lead unless the page itself names it furniture (thepointsguy.com's
    advertiser disclosure in a section.editorial-disclosure reached a summary)."""
    disclosure = ("This post contains references to products from one or more of our advertisers. We may receive "
                  "compensation when you click on links to those products. Terms apply to the offers listed on this "
                  "page. For an explanation of our Advertising Policy, visit this page.")
    html = page('<meta property="og:site_name" content="The Points Guy"><title>Alaska adds flights</title>',
                f'<h1>Alaska adds flights</h1><section class="article-content"><div class="article-wrapper">'
                f'<section class="editorial-disclosure"><p>{disclosure}</p></section>{PARAS}</div></section>')
    [art] = parse_html(html, "tpg.html")
    assert art.text == "\n".join(BODY)


def test_the_furniture_model_ships_with_the_package():
    model = furniture.load()
    assert model is not None and 0 < model.threshold < 1


def test_popup_cards_are_not_glued_into_the_sentence():
    html = page("<title>Noem defends order</title>",
                '<h1>Noem defends order</h1><p>South Dakota Gov. <span class="rollover-people">'
                '<a class="rollover-people-link" href="/x">Kristi Noem</a><span class="rollover-people-block">'
                '<span class="rollover-title">Kristi Lynn Noem</span><span class="rollover-content">South Dakota '
                'governor doubles down on order</span><a class="rollover-more">MORE</a></span></span> (R) is '
                'defending her decision not to order residents to stay home during the outbreak.</p>' + PARAS)
    [art] = parse_html(html, "thehill.html")
    assert "Gov. Kristi Noem (R) is defending" in art.text
    assert "doubles down" not in art.text


# ------------------------------------------------------------------------------------------------ what JSON gives
def test_a_page_says_its_url_published_time_authors_and_language():
    html = page('<link rel="canonical" href="https://example.com/zimbabwe">'
                '<meta name="author" content="Jane Doe"><meta property="article:published_time" '
                'content="2017-11-15T10:00:00Z"><title>Zimbabwe coup</title>', PARAS)
    meta = read_meta(load(html))
    assert meta.url == "https://example.com/zimbabwe" and meta.authors == ("Jane Doe",)
    [art] = parse_html(html, "z.html")
    assert art.url == "https://example.com/zimbabwe" and art.authors == ("Jane Doe",) and art.language == "en"
    assert art.published == datetime(2017, 11, 15, 10, tzinfo=UTC)


def test_summary_record_has_url_published_authors():
    art = Article(id="a", title="T", text="One.", source="S", url="https://x.com/a",
                  published=datetime(2020, 1, 2, 3, 4, tzinfo=UTC), authors=("Jane Doe",), language="en")
    rec = summary_record(art, Summary("a", "T", ("One.",), "lead"))
    assert rec["url"] == "https://x.com/a" and rec["published"] == "2020-01-02T03:04:00+00:00"
    assert rec["authors"] == ["Jane Doe"] and rec["language"] == "en"


def test_a_bullet_without_an_outlet_has_no_empty_source_line():
    from briefing.publish.render import bullet

    art = Article(id="a", title="Budget passes", text="The council approved the budget.", source="")
    assert bullet(art, Summary("a", "Budget passes", ("The council approved the budget.",), "lead")) == \
        "- **Budget passes** The council approved the budget."


@pytest.mark.parametrize("ld_type, want", [("OpinionNewsArticle", "opinion"), ("LiveBlogPosting", "live"),
                                           ("ReviewNewsArticle", "opinion"), ("NewsArticle", "news")])
def test_a_page_says_its_kind_by_its_json_ld_type(ld_type, want):
    ld = f'<script type="application/ld+json">{{"@type": "{ld_type}", "headline": "Zimbabwe coup"}}</script>'
    html = page(f'<link rel="canonical" href="https://example.com/2017/zimbabwe">{ld}<title>Zimbabwe coup</title>', PARAS)
    assert read_meta(load(html)).types == (ld_type,)
    [art] = parse_html(html, "z.html")
    assert art.kind == want


def test_a_page_names_its_desk_and_it_counts_as_its_category():
    ld = '<script type="application/ld+json">{"@type": "NewsArticle", "articleSection": ["World", "Africa"]}</script>'
    [art] = parse_html(page(f"{ld}<title>Zimbabwe coup</title>", PARAS), "z.html")
    assert art.category == "World"
    html = page('<meta property="article:section" content="Opinion"><title>Zimbabwe coup</title>', PARAS)
    [art] = parse_html(html, "z.html")
    assert art.category == "Opinion" and art.kind == "opinion"
