"""The data that flows between stages: frozen, hashable values."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime

from .text import sanitize
from .text.urls import safe_id, safe_url

KINDS = ("news", "opinion", "live", "roundup", "video")  # kinds of article (stories/kinds.py tells them)


@dataclass(frozen=True, slots=True)
class Article:
    """One news article, as read from an input."""

    id: str
    title: str | None
    text: str  # body without the dateline; paragraphs separated by "\n"
    source: str  # where it came from: a file path, a feed title, a JSONL field
    published: datetime | None = None
    url: str | None = None
    dateline: str | None = None  # "ROME", "FORT PIERCE, Fla."
    truncated: bool = False  # the text stops mid-sentence
    category: str | None = None
    kind: str = "news"  # one of KINDS, as the page, URL, title or feed item says (stories/kinds.py)
    language: str | None = None  # ISO 639-1 ("en", "es", "zh"), None when too short to tell
    authors: tuple[str, ...] = ()  # as the page names them (JSON-LD, meta author, the extractor's byline)
    # the text's sentences, once the plan stage has split it (segment.with_sentences); None: not yet
    sentences: tuple[Sentence, ...] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        """Every article passes the sanitising points here, whichever reader made it: text without control
        characters, one-line fields on one line, an id and a URL with no credentials or tokens, a web
        address only when it is a valid http(s) one, and the types the fields promise."""
        set_ = object.__setattr__
        set_(self, "id", sanitize.line(safe_id(_str(self.id)))[:500] or "article")
        set_(self, "title", sanitize.line(_str(self.title)) or None if self.title is not None else None)
        set_(self, "text", sanitize.text(_str(self.text)))
        set_(self, "source", sanitize.line(_str(self.source)))
        set_(self, "url", safe_url(self.url) if self.url is not None else None)
        for name in ("dateline", "category", "language"):
            value = getattr(self, name)
            set_(self, name, sanitize.line(value) or None if isinstance(value, str) else None)
        if not isinstance(self.published, datetime):
            set_(self, "published", None)
        set_(self, "kind", self.kind if self.kind in KINDS else "news")
        set_(self, "truncated", bool(self.truncated))
        authors = self.authors if isinstance(self.authors, (tuple, list)) else ()
        set_(self, "authors", tuple(a for a in (sanitize.line(_str(x)) for x in authors) if a))

    def with_text(self, text: str) -> Article:
        """The same article with another text (and its sentences to be split again)."""
        return replace(self, text=text, sentences=None)


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of an article, with char offsets into Article.text."""

    index: int
    text: str
    start: int
    end: int
    paragraph: int


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of whole sentences that fits a model's token budget."""

    article_id: str
    index: int
    text: str
    start: int  # char offsets into Article.text
    end: int
    sentences: tuple[Sentence, ...] = ()


@dataclass(frozen=True, slots=True)
class Summary:
    """What a backend made of one article."""

    article_id: str
    headline: str
    sentences: tuple[str, ...]  # the summary, in reading order
    backend: str  # the model or method that made it
    method: str = "extractive"  # "extractive" or "generated"
    sentence_ids: tuple[int, ...] = ()  # for extractive: indices into the article's sentences
    headline_id: int | None = None  # for extractive: the sentence the headline was made from
    headline_from: str = "sentence"  # "title" | "compressed" | "sentence" (or "generated")
    headline_sentence: str | None = None  # the whole sentence behind a compressed headline

    def __post_init__(self) -> None:
        """A summary's text passes the same sanitising point as an article's (a generative model writes its own)."""
        object.__setattr__(self, "headline", sanitize.line(_str(self.headline)))
        object.__setattr__(self, "sentences", tuple(sanitize.line(_str(s)) for s in self.sentences))
        if self.headline_sentence is not None:
            object.__setattr__(self, "headline_sentence", sanitize.line(_str(self.headline_sentence)))

    def rest(self) -> tuple[str, ...]:
        """The summary sentences a reader has not already read in the headline."""
        return tuple(s for s in self.sentences if s != self.headline)


@dataclass(frozen=True, slots=True)
class Story:
    """One bullet of a briefing: every article that reports one event, and one summary."""

    articles: tuple[Article, ...]  # the article the summary was made from first
    summary: Summary
    section: str

    @property
    def lead(self) -> Article:
        return self.articles[0]

    def sources(self) -> tuple[Article, ...]:
        """One article per distinct source (name and web address), in order."""
        seen: set[tuple[str, str | None]] = set()
        out = []
        for a in self.articles:
            key = (a.source, a.url)
            if key not in seen:
                seen.add(key)
                out.append(a)
        return tuple(out)


@dataclass(frozen=True, slots=True)
class Section:
    """A titled group of stories ("Top stories", "World", ...)."""

    name: str
    stories: tuple[Story, ...]


@dataclass(frozen=True, slots=True)
class Briefing:
    """A dated briefing: stories grouped in sections, top stories first."""

    day: date
    sections: tuple[Section, ...]
    model: str
    articles: int = 0  # articles read
    skipped: tuple[str, ...] = field(default=())  # one-line reasons for inputs left out
    more: tuple[Story, ...] = ()  # stories past a section's cap: listed one line each under "More stories"

    @property
    def omitted(self) -> int:
        """Stories past the per-section caps (shown compactly under "More stories", never hidden)."""
        return len(self.more)

    @property
    def stories(self) -> tuple[Story, ...]:
        """The stories shown in full, section by section."""
        return tuple(s for sec in self.sections for s in sec.stories)

    @property
    def all_stories(self) -> tuple[Story, ...]:
        return self.stories + self.more


def _str(value: object) -> str:
    """A field's value as text (a JSON number as a title is text to a reader)."""
    return value if isinstance(value, str) else "" if value is None else str(value)
