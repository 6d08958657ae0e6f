"""The section a page says it belongs to: its feed category and its URL's desk, through one table.

One table (SECTION_TERMS) maps a lower-cased term to the default sections it allows, and it reads both
  * the URL's directory segments ("/sport/football/...", "/us/politics/...", BBC's slug prefix in
    "/news/uk-politics-52421744", a desk host such as "sport.aktualne.cz" or "money.cnn.com"), and
  * the feed item's category ("Tech", "Economy & Business", "fox-news/politics"): whole, by part, or by a
    part's last word ("US Politics", "Cell Biology").
A term mapped to () is a desk that names no topic (opinion, video, the media): the models decide alone. A
home desk (uk, us-news, nyregion, local) names no topic either, but says the story is not foreign news
(NOT_WORLD): World weighs GEOGRAPHIC_BOOST times less. A category that is a configured section's own name
("Weather", when a user added it) names that section.

The evidence is strong but not final (sections.py): the sections it allows weigh EVIDENCE_BOOST times
more than the models say, so a desk loses only when the models are that much surer of another section
(a recipe on a news desk, a film review tagged World); a foreign desk alone ('world', 'asia') says where,
not what, and weighs GEOGRAPHIC_BOOST. Both were set by that reasoning, not fitted (the hand-checked real
items misfile about as many stories at any boost from 3 to 100).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from urllib.parse import unquote, urlsplit

import numpy as np

W, P, B, T, S, H, SP, C, CJ, L, CE = ("World", "Politics", "Business", "Technology", "Science", "Health", "Sports",
                                      "Culture", "Crime & Justice", "Lifestyle", "Climate & Environment")
EVIDENCE_BOOST = 20.0  # a topical desk loses only when the models are 20x surer of another section
GEOGRAPHIC_BOOST = 3.0  # a foreign desk ('world', 'world-asia-india') says where, not what; a home desk ('uk',
# 'us-news', 'nyregion') says the story is not foreign news: World weighs this many times less
# Sections one desk often covers together ("Sci/Tech", "Science & Technology"): where a user keeps one and drops the
# other, the dropped one's stories (and its desks' evidence) go to the kept one, not to whichever other section is
# next most likely (a space story under Technology, not World). AG News's four sections measure it (README).
SIBLINGS = {S: T, T: S}
NOT_WORLD = "not World"  # what a home desk allows: any section but World (never a section's name)
MAX_CATEGORIES = 3  # an item with more categories than this is tagged with keywords (NYT, Fox), not a desk

SECTION_TERMS: dict[str, tuple[str, ...]] = {}


def _add(sections: tuple[str, ...] | str, *terms: str) -> None:
    for term in terms:
        SECTION_TERMS[term] = (sections,) if isinstance(sections, str) else sections


_add(W, "world", "world-news", "worldnews", "international", "global", "foreign", "global-development", "africa",
     "asia", "asia-pacific", "europe", "middle-east", "middleeast", "middle east", "americas", "latin-america",
     "australasia", "china", "india-news", "europe-news", "us & canada", "world-us-canada", "newsworld",
     "world news", "mundo", "internacional", "ausland", "international news", "foreign affairs")
_add(P, "politics", "uk-politics", "us-politics", "politik", "politica", "política", "politique", "politiques",
     "election", "elections", "elections-2020-us", "newspolitics", "politicsandelections", "government",
     "uk politics", "us politics", "us-election", "campaign-2020", "white-house", "congress", "brexit")
_add(B, "business", "economy", "economia", "economía", "wirtschaft", "unternehmen", "money", "markets", "finance",
     "personal-finance", "your-money", "companies", "business-news", "economy-business", "economy & business",
     "finance-companies", "company-news", "financenews", "investing", "stocks", "dealbook", "company town",
     "media-business", "jobs", "economics", "trade", "banking")
_add(T, "technology", "tech", "technik", "tecnologia", "tecnología", "gadgets", "internet", "cyber",
     "cybersecurity", "ai", "artificial-intelligence", "science & technology", "science and technology",
     "personaltech", "mobile", "apps", "computing", "consumer-tech", "tech-news", "innovation")
_add(S, "science", "space", "wissenschaft", "ciencia", "ciência", "newsscience", "astronomy", "physics",
     "biology", "chemistry", "neuroscience", "genetics", "genomics", "geology", "geophysics", "geochemistry",
     "ecology", "evolution", "research", "palaeontology", "paleontology", "archaeology", "astrophysics",
     "biochemistry", "microbiology", "immunology", "botany", "zoology", "oceanography")
_add(H, "health", "medicine", "wellness", "healthy-living", "wellbeing", "well", "fitness", "nutrition",
     "mental-health", "health-news", "medical", "coronavirus-health", "public-health", "public health", "diseases",
     "epidemiology", "saude", "salud", "gesundheit", "health & fitness")
_add(SP, "sport", "sports", "football", "soccer", "cricket", "rugby", "rugby-union", "rugby-league", "tennis",
     "golf", "nfl", "nba", "mlb", "nhl", "ncaa", "college-football", "formula1", "formula-1", "f1", "boxing", "mma",
     "cycling", "athletics", "olympics", "esporte", "deportes", "sportsnews", "racing", "baseball", "basketball",
     "hockey", "motorsport", "horse-racing", "fotbal")
_add(C, "culture", "arts", "art", "entertainment", "film", "films", "movies", "movie", "music", "books", "tv",
     "television", "tv-and-radio", "artanddesign", "stage", "theater", "theatre", "celebrity", "celebrities",
     "showbiz", "entertainment-arts", "kultur", "cultura", "culture & arts", "arts & culture", "awards",
     "movienews", "tvnews", "celebrity-news", "entertainment-celebrity", "radio", "classical", "dance", "comics",
     "kultura")
_add(CJ, "crime", "crime-safety", "crime-and-justice", "crime & justice", "courts", "law", "law-and-order",
     "justice", "police", "newscrime", "crime-news", "criminal-justice", "legal", "trials")
_add(L, "lifestyle", "lifeandstyle", "life-and-style", "life & style", "life", "food", "food-drink", "foodanddrink",
     "food-and-drink", "dining", "recipes", "recipe", "cooking", "travel", "fashion", "beauty", "home-and-garden",
     "home & living", "homes", "gardening", "garden", "parenting", "family", "families", "relationships",
     "weddings", "t-magazine", "smarter-living", "shopping", "wine", "drinks", "restaurants", "motoring", "cars",
     "auto", "autos", "meal plans", "pets")
_add(CE, "environment", "climate", "climate-change", "climate-crisis", "weather", "energy", "green",
     "environment and conservation", "environment-and-conservation", "nature", "wildlife", "pollution",
     "environmental", "weathertopstories", "severeweather", "sustainability", "climate & environment")
# mixed desks: the models choose between these
_add((S, CE), "science-environment", "science & environment", "science and environment")
_add((S, H), "science-and-health", "science & health", "health-science", "health and science")
_add((B, T), "business-technology", "tech-business")
_add((T, C), "gaming", "games", "video-games", "videogames")
_add((L, C), "style")  # CNN Style: design, art and fashion; NYT style: fashion and weddings
# home desks (the outlet's own country, region or city): no topic, but not foreign news either
_add(NOT_WORLD, "us", "us-news", "uk", "uk-news", "australia-news", "nyregion", "national", "local", "local-news",
     "regional", "regionales", "newsus", "usanews", "nacional", "metro", "city", "state", "uk-england",
     "uk-scotland", "uk-wales", "uk-northern-ireland", "england", "scotland", "wales", "nation")
# desks that name no topic (opinion, video, the news media, front pages): the models decide
_add((), "news", "society", "education", "opinion", "opinions", "commentisfree", "video", "videos",
     "live-news", "front page", "all", "issues", "highlight", "articles", "story", "article", "latest", "top-stories",
     "in", "breaking-news", "fact-check", "fact check",
     "magazine", "ideas", "the-point", "upshot", "briefing", "collections", "media-news", "fnc", "fox-news",
     "newsbeat", "media", "odd-news", "great-outdoors", "person", "shows")

_PARTS = re.compile(r"\s*(?:[,;/|>]|\s&\s|\band\b)\s*")
_SLUG_DESK = re.compile(r"^([a-z][a-z-]*?)-\d{5,}$")  # BBC: "uk-politics-52421744", "health-52417599"
_SUFFIX = re.compile(r"\.(?:s?html?|php|aspx?|cnn|cms|ece|stm|hln)$")
_NOT_DESK_HOSTS = frozenset({"www", "www1", "www2", "m", "edition", "amp", "news", "hosted", "blog", "blogs"})


def url_segments(url: str | None) -> list[str]:
    """The URL's path segments, lower-cased, the last without its file suffix ('.html', '.stm'); the host's
    first label before them when it names a desk ('sport.aktualne.cz', 'money.cnn.com')."""
    if not url:
        return []
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().split(".")
    except ValueError:
        return []
    segs = [unquote(s).lower() for s in parts.path.split("/") if s]
    if segs:
        segs[-1] = _SUFFIX.sub("", segs[-1])
    if len(host) > 2 and host[0] not in _NOT_DESK_HOSTS and _lookup(host[0]) != _HOME:
        segs = [host[0], *segs]  # not an edition or a name ('uk.reuters.com', 'metro.co.uk'): no home desk
    return segs


def _lookup(term: str) -> tuple[str, ...] | None:
    term = " ".join(term.lower().split())
    found = SECTION_TERMS.get(term)
    return found if found is not None else SECTION_TERMS.get(term.replace(" ", "-"))


_HOME = (NOT_WORLD,)


def _rank(hit: tuple[str, ...]) -> int:
    """2: names a topic; 1: a home desk; 0: names nothing."""
    return 2 if hit and hit != _HOME else 1 if hit else 0


def _best(hits: Sequence[tuple[str, ...]], last: bool = False) -> tuple[str, ...] | None:
    """The first (or last) topic among the hits, else a home desk, else () when any spoke, else None."""
    topics = [h for h in hits if _rank(h) == 2]
    if topics:
        return topics[-1] if last else topics[0]
    return _HOME if _HOME in hits else (() if hits else None)


def from_url(url: str | None) -> tuple[str, ...] | None:
    """The sections the URL's desk allows: the last directory segment the table knows (or the desk host, or a
    BBC-style slug's prefix), so the most specific wins ('/us/politics/' -> Politics, '/world/africa/' ->
    World); a desk naming no topic after a topical one does not undo it. None: the URL names no desk."""
    segs = url_segments(url)
    if not segs:
        return None
    dirs = segs[:-1]
    if m := _SLUG_DESK.match(segs[-1]):
        dirs = [*dirs, m.group(1)]
    found = None
    for seg in dirs:
        hit = _lookup(seg)
        if hit is None and "-" in seg and not seg[:1].isdigit():
            # "world-us-canada" -> World, "uk-politics" -> Politics: the one topic its parts name, if one
            parts = {h for p in seg.split("-") if (h := _lookup(p)) is not None}
            topics = {h for h in parts if _rank(h) == 2}
            hit = topics.pop() if len(topics) == 1 else None if topics else _HOME if _HOME in parts else None
        if hit is not None and (found is None or _rank(hit) == 2 or _rank(hit) > _rank(found)):
            found = hit  # the most specific topic; a home desk over one naming nothing; nothing undoes a topic
    return found


def from_categories(categories: Iterable[str | None]) -> tuple[str, ...] | None:
    """The sections the feed's categories allow (the first that names a topic): each category whole, else by
    part ('Economy & Business', 'fox-news/politics'), else by a part's last word ('US Politics'). An item with
    more than MAX_CATEGORIES categories carries keyword tags ('Police' on a helicopter crash): not read."""
    given = [c for c in categories if c and c.strip() and len(c) <= 60]
    if len(given) > MAX_CATEGORIES:
        return None
    out: list[tuple[str, ...]] = []
    for cat in given:
        hit = _lookup(cat)
        if hit is None:
            parts = [p for p in _PARTS.split(cat.lower().strip()) if p]
            hits = [h for p in parts if (h := _lookup(p) or (_lookup(p.split()[-1]) if len(p.split()) > 1 else None))
                    is not None]
            hit = _best(hits, last=True)
        if hit is not None:
            out.append(hit)
    return _best(out)


def page_evidence(url: str | None, categories: Sequence[str | None] = ()) -> frozenset[str] | None:
    """The default sections one page allows: URL and categories agreeing, or only one speaking, that one;
    disagreeing, both (the models choose); only desks that name no topic, frozenset(); nothing known, None."""
    u, c = from_url(url), from_categories(categories)
    if u is None and c is None:
        return None
    if u and c:
        both = set(u) & set(c)
        return frozenset(both) if both else frozenset(u) | frozenset(c)
    return frozenset(u or c or ())


def story_evidence(pages: Iterable[tuple[str | None, str | None]], names: Sequence[str]) -> frozenset[str] | None:
    """The configured sections a story's reports allow, each report given as (url, category): the union of
    what the reports allow (reports of one event filed by two desks let the models choose between them), a
    category that is a configured section's own name counting for it ("Weather", a section a user added).
    frozenset(): the reports name only desks without a topic; None: they say nothing."""
    by_name = {n.lower(): n for n in names}
    allowed: set[str] = set()
    spoke = False
    for url, category in pages:
        own = by_name.get(" ".join(category.lower().split())) if category else None
        found = frozenset({own}) if own else page_evidence(url, [category] if category else [])
        if found is not None:
            spoke = True
            allowed |= found & {*names, NOT_WORLD}
            allowed |= {SIBLINGS[s] for s in found if s not in names and SIBLINGS.get(s) in names}
    if NOT_WORLD in allowed and len(allowed) > 1:
        allowed.discard(NOT_WORLD)  # a report on a topical or foreign desk says more than a home desk
    return frozenset(allowed) if spoke else None


def boosted(probs: np.ndarray, labels: Sequence[str], allowed: frozenset[str] | None) -> np.ndarray:
    """One story's section probabilities (over `labels`) with the evidence weighed in: the allowed sections
    multiplied by the boost (GEOGRAPHIC_BOOST when World alone is allowed, else EVIDENCE_BOOST), renormalised."""
    p = np.asarray(probs, dtype=np.float64).copy()
    if allowed == {NOT_WORLD}:
        p[[label == W for label in labels]] /= GEOGRAPHIC_BOOST  # a home desk: not foreign news
        return p / p.sum() if p.sum() > 0 else p
    mask = np.array([label in (allowed or ()) for label in labels], dtype=bool)
    if mask.any():
        p[mask] *= GEOGRAPHIC_BOOST if allowed == {W} else EVIDENCE_BOOST
        p /= p.sum()
    return p
