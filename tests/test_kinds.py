"""Article kinds (issue 25): news, opinion, live, roundup, video, told from the page, URL, title and feed item; an
opinion piece labelled in the bullet, each report's kind in the JSON, and each outlet named once per story."""

from __future__ import annotations

import json

import pytest
from conftest import EchoSummarizer, make_article

from briefing.documents import Article, Story
from briefing.publish.render import bullet, story_sources, to_json
from briefing.stories.kinds import article_kind, kind_from_title, kind_from_types, kind_from_url


@pytest.mark.parametrize(("url", "title", "categories", "want"), [
    # URL directories and slugs
    ("https://www.theguardian.com/commentisfree/2019/nov/18/iran-deal", "The deal is dead", [], ("opinion", "url")),
    ("https://www.nytimes.com/2019/11/19/opinion/republicans-elections.html", "Republicans", [], ("opinion", "url")),
    ("https://www.theguardian.com/sport/live/2019/nov/21/australia-v-pakistan-first-test", "Day one", [],
     ("live", "url")),
    ("https://www.cnn.com/politics/live-news/impeachment-hearings-11-19-19/index.html", "Hearings", [],
     ("live", "url")),
    ("https://www.nytimes.com/2019/11/18/briefing/hong-kong-impeachment.html", "Hong Kong", [], ("roundup", "url")),
    ("https://www.bbc.co.uk/news/av/world-50455550/watch-protesters", "Protesters", [], ("video", "url")),
    # titles
    ("https://example.com/a", "Opinion | The impeachment clock", [], ("opinion", "title")),
    ("https://example.com/a", "Knives Out review – a whodunnit with bite", [], ("opinion", "title")),
    ("https://example.com/a", "England v New Zealand: second Test, day three – live", [], ("live", "title")),
    ("https://example.com/a", "Opening Bell 11.18.19", [], ("roundup", "title")),
    ("https://example.com/a", "Your Tuesday Briefing", [], ("roundup", "title")),
    ("https://example.com/a", "Watch: the moment the bridge fell", [], ("video", "title")),
    # the feed item's first categories (later ones are topic tags)
    ("https://example.com/a", "A view", ["Opinion"], ("opinion", "category")),
    ("https://example.com/a", "Storm", ["World", "Weather", "opinion"], ("news", "default")),
    # news, though the words are near a marker
    ("https://example.com/2019/story", "Eagles injury updates: Wentz practises", [], ("news", "default")),
    ("https://example.com/2019/story", "2016 in review: the year in science", [], ("news", "default")),
    ("https://example.com/2019/story", "The Impeachment Clock | National Review", [], ("news", "default")),
    ("https://example.com/2019/story", "Live-streaming classes boom", [], ("news", "default")),
    ("https://www.cnn.com/collections/biden-intl-050120/", "Biden denies ex-aide's allegation", [], ("news", "default")),
])
def test_kind_from_url_title_and_categories(url, title, categories, want):
    assert article_kind(url, title, categories) == want


def test_json_ld_types_decide_first_and_the_model_only_where_nothing_speaks():
    assert kind_from_types(["http://schema.org/LiveBlogPosting"]) == "live"
    assert kind_from_types(["OpinionNewsArticle"]) == "opinion"
    assert kind_from_types(["NewsArticle", "VideoObject"]) is None  # an embedded video on an article page
    assert kind_from_types(["VideoObject"]) == "video"
    assert article_kind("https://example.com/a", "A", page_types=["ReviewNewsArticle"]) == ("opinion", "type")
    assert article_kind("https://example.com/a", "A", model_opinion=0.95) == ("opinion", "model")
    assert article_kind("https://example.com/a", "A", model_opinion=0.8) == ("news", "default")
    assert kind_from_url("https://www.theguardian.com/world/2019/nov/18/live-music-returns") is None  # a slug word
    assert kind_from_title("Clymer workshop manual review") is None  # a trailing "review" needs a review URL
    assert kind_from_title("Clymer workshop manual review", slug_says_review=True) == "opinion"


def test_a_feed_item_is_read_with_its_kind():
    from briefing.read.parse import parse_bytes

    rows = [{"id": "1", "title": "Iran deal is dead", "text": "We argue.", "category": "Opinion"},
            {"id": "2", "title": "Storm closes ports", "text": "The port shut.",
             "url": "https://www.theguardian.com/world/live/2019/nov/18/storm"},
            {"id": "3", "title": "Storm closes ports", "text": "The port shut on Tuesday."}]
    data = "\n".join(json.dumps(r) for r in rows).encode()
    assert [a.kind for a in parse_bytes(data, "day.jsonl", ".jsonl")] == ["opinion", "live", "news"]
    assert Article("x", "T", "text", "s", kind="editorial").kind == "news"  # only the known kinds


def test_an_rss_item_is_read_with_its_kind_from_its_first_two_terms():
    """Fox gives an id first and the desk second: the column is told by the second; a later term is a keyword."""
    from briefing.read.feeds import parse_feed

    def item(n: int, *terms: str) -> str:
        cats = "".join(f"<category>{t}</category>" for t in terms)
        return (f"<item><title>Story {n}</title><link>https://www.foxnews.com/media/story-{n}</link>{cats}"
                f"<description>The press briefing was shelved on day {n}.</description></item>")

    feed = ("<?xml version='1.0'?><rss version='2.0'><channel><title>Fox News</title>"
            + item(1, "8ad9f46e-b6b8-577d-80e4-384920e40c7d", "fox-news/columns/media-buzz", "fox-news/politics")
            + item(2, "8ad9f46e-b6b8-577d-80e4-384920e40c7e", "fox-news/politics", "fox-news/opinion")
            + "</channel></rss>").encode()
    assert [a.kind for a in parse_feed(feed, "fox.xml")] == ["opinion", "news"]


def _story(*articles: Article) -> Story:
    return Story(tuple(articles), EchoSummarizer().summarize(list(articles[:1]), 2)[0], "World")


def test_opinion_is_labelled_in_the_bullet_and_each_kind_is_in_the_json():
    column = make_article("Iran's nuclear deal is dead. We should say so.", id="col", title="The deal is dead",
                          source="The Guardian", kind="opinion")
    story = _story(column)
    assert bullet(column, story.summary, story_sources(story)).startswith("- *Opinion* · **")
    report = make_article("Iran said on Monday it would resume enrichment.", id="n", source="BBC")
    assert "Opinion" not in bullet(report, _story(report).summary)
    from datetime import date

    from briefing.documents import Briefing, Section

    brief = Briefing(day=date(2026, 2, 5), sections=(Section("World", (_story(report, column),)),), model="echo")
    record = json.loads(to_json(brief))["sections"][0]["stories"][0]
    assert record["kind"] == "news" and [s["kind"] for s in record["sources"]] == ["news", "opinion"]


def test_a_story_names_each_outlet_once():
    arts = [make_article("Iran resumes enrichment.", id=f"g{k}", source="The Guardian",
                         url=f"https://www.theguardian.com/world/2019/nov/{k}/iran") for k in range(3)]
    bbc = make_article("Iran resumes enrichment, BBC.", id="b", source="BBC", url="https://www.bbc.co.uk/news/1")
    assert story_sources(_story(*arts)).startswith("Source: [The Guardian](https://www.theguardian.com/world/2019/nov/0/")
    line = story_sources(_story(arts[0], bbc, arts[1], arts[2]))
    assert line == ("Sources (2): [The Guardian](https://www.theguardian.com/world/2019/nov/0/iran) · "
                    "[BBC](https://www.bbc.co.uk/news/1)")
