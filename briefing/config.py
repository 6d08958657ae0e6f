"""Settings: defaults in code, then a TOML file, then environment, then flags."""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .publish.formats import FORMATS

FETCH_TIMEOUT = 20  # seconds for one HTTP request, body included (a total deadline, not per read)
FETCH_BUDGET = 300  # seconds for all of a run's HTTP fetches together
PRECISIONS = ("auto", "fp32", "bf16")
DEFAULT_SECTIONS = ("World", "Politics", "Business", "Technology", "Science", "Health", "Sports", "Culture",
                    "Crime & Justice", "Lifestyle", "Climate & Environment", "News")


# The largest sensible value of each whole-number setting: beyond it a value is a typo, and some (threads,
# batch_size) would fail deep inside a library instead of here.
_LIMITS = {"max_sentences": 10_000, "batch_size": 4096, "beams": 32, "headline_words": 200, "summary_words": 2000,
           "per_section": 100_000, "top_stories": 10_000, "fetch_timeout": 3600, "fetch_budget": 7 * 86400,
           "max_articles": 100_000_000, "stale_lock": 365 * 86400, "threads": 4096, "developing_days": 60,
           "feed_entries": 10_000, "smtp_port": 65535, "smtp_timeout": 3600}
_ZERO_OK = ("top_stories", "developing_days", "feed_entries")  # 0 turns these off
_ADDRESS = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+")  # one plain address: no display name, no list
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
SMTP_PASSWORD_ENV = "BRIEFING_SMTP_PASSWORD"


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting a run needs, validated once."""

    sources: tuple[str, ...] = ()  # files, folders, feed URLs, .opml files: what `build` reads by default
    model: str = "minilm"
    sentences: int = 3  # summary sentences per article
    out: Path = Path("briefs")
    formats: tuple[str, ...] = ("md", "html")
    models_dir: Path | None = None  # None: ./models if present, else the user data dir
    max_sentences: int = 80  # extractive: sentences of an article considered
    batch_size: int = 32
    threads: int | None = None  # torch threads; None: every core
    precision: str = "auto"  # encoder arithmetic: auto (bf16 where the CPU has it, else fp32), fp32 or bf16
    # generative backends (seq2seq, causal)
    beams: int = 2  # beam search width; 1 = greedy (fastest)
    headline_words: int = 20  # a generated headline is cut to this many words
    summary_words: int = 70  # generated summary length limit
    context_tokens: int = 1024  # most input tokens per generate call (caps long-context LMs on CPU)
    quantize: bool = True  # int8 weights for generative models' linear layers on CPU (about 1.6x faster)
    guard: bool = True  # replace generated text that names facts absent from the article
    # briefing layout
    sections: tuple[str, ...] = DEFAULT_SECTIONS  # sections.DEFAULT_PHRASES describes each of these
    section_descriptions: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)  # name -> phrases
    top_stories: int = 5  # stories in "Top stories"; 0 = no such section
    per_section: int = 8  # most stories per topic section
    cache_dir: Path | None = None  # None: the platform's user cache dir
    state_dir: Path | None = None  # None: the platform's user state dir
    fetch_timeout: int = FETCH_TIMEOUT
    fetch_budget: int = FETCH_BUDGET
    allow_private_fetch: bool = False  # fetch linked pages from loopback/private/link-local addresses (intranet feeds)
    max_articles: int = 5000  # most articles one run reads; more is refused with a message (a guard against mistakes;
    # beyond cluster.DENSE_UP_TO grouping scores candidate pairs only, so larger days need only this raised)
    stale_lock: int = 7200  # seconds after which a run still holding the output folder's lock is reported as stuck
    # morning after morning (stories/history.py, stories/developing.py, publish/feed.py, publish/mail.py)
    developing_days: int = 7  # earlier briefs a story is matched against (developing); 0: every story new
    feed_entries: int = 30  # briefs kept in OUT/feed.xml (Atom); 0: no feed
    mail_to: tuple[str, ...] = ()  # addresses the brief is mailed to once written; none: not mailed
    mail_from: str = "briefing@localhost"
    smtp_host: str = "localhost"
    smtp_port: int = 587
    smtp_starttls: bool = True  # upgrade the connection with STARTTLS before anything is sent (refused without it)
    smtp_user: str | None = None  # log in as this user, with the password in $smtp_password_env
    smtp_password_env: str = SMTP_PASSWORD_ENV  # the environment variable holding the SMTP password
    smtp_timeout: int = 30  # seconds for the SMTP server to answer
    origins: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)  # key -> where its value came from

    def __post_init__(self) -> None:
        # frozen all the way down: the mappings are read-only views of copies
        for name in ("section_descriptions", "origins"):
            object.__setattr__(self, name, types.MappingProxyType(dict(getattr(self, name))))
        if not 1 <= self.sentences <= 10:
            raise ConfigError(f"sentences = {self.sentences} is out of range; use 1 to 10.", "sentences")
        for name, most in _LIMITS.items():
            value = getattr(self, name)
            if value is None:
                continue
            least = 0 if name in _ZERO_OK else 1
            if not least <= value <= most:
                raise ConfigError(f"{name} = {value} is out of range; use {least} to {most:,}"
                                  + (" (or unset for every core)." if name == "threads" else "."), name)
        if not self.sections:
            raise ConfigError("sections is empty; list at least one section name, e.g. [\"World\"].", "sections")
        for name, phrases in self.section_descriptions.items():
            if not isinstance(phrases, (str, list, tuple)) or not all(isinstance(p, str) for p in
                                                                     ([phrases] if isinstance(phrases, str) else phrases)):
                raise ConfigError(f"section_descriptions.{name} must be a phrase or a list of phrases.",
                                  "section_descriptions")
        if self.precision not in PRECISIONS:
            raise ConfigError(f"precision = {self.precision!r} is not known; use {', '.join(PRECISIONS)}.", "precision")
        if self.context_tokens < 64:
            raise ConfigError(f"context_tokens = {self.context_tokens} is too small; use 64 or more.", "context_tokens")
        self._check_mail()
        bad = [f for f in self.formats if f not in FORMATS]
        if bad or not self.formats:
            raise ConfigError(f"formats {bad or '(none)'} is not known; choose from {', '.join(FORMATS)}.", "formats")

    def _check_mail(self) -> None:
        for address in (*self.mail_to, self.mail_from):
            if not _ADDRESS.fullmatch(address):
                key = "mail_from" if address == self.mail_from and address not in self.mail_to else "mail_to"
                raise ConfigError(f"{key} {address!r} is not an e-mail address; give one plain address per entry, "
                                  "e.g. \"me@example.org\".", key)
        if not self.smtp_host or any(c.isspace() for c in self.smtp_host):
            raise ConfigError(f"smtp_host = {self.smtp_host!r} is not a host name; give one, e.g. \"smtp.example.org\".",
                              "smtp_host")
        if not _ENV_NAME.fullmatch(self.smtp_password_env):
            raise ConfigError(f"smtp_password_env = {self.smtp_password_env!r} is not an environment variable's name; "
                              "give one such as BRIEFING_SMTP_PASSWORD (the password itself never goes in the config).",
                              "smtp_password_env")
        if self.smtp_user is not None and (not self.smtp_user or any(c in self.smtp_user for c in "\r\n")):
            raise ConfigError(f"smtp_user = {self.smtp_user!r} is not a user name; give the login, or unset it.", "smtp_user")

    def __reduce__(self):
        """Picklable (the read-only mappings travel as dicts): other processes and engines get the same settings."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return (_settings_from, ({k: dict(v) if isinstance(v, Mapping) else v for k, v in values.items()},))


def _settings_from(values: dict[str, Any]) -> Settings:
    return Settings(**values)


_FIELDS = {f.name: f for f in dataclasses.fields(Settings) if f.name != "origins"}
_ENV = {
    "BRIEFING_MODEL": "model",
    "BRIEFING_OUT": "out",
    "BRIEFING_SENTENCES": "sentences",
    "BRIEFING_FORMATS": "formats",
    "BRIEFING_MODELS_DIR": "models_dir",
    "BRIEFING_THREADS": "threads",
    "BRIEFING_PRECISION": "precision",
    "BRIEFING_SECTIONS": "sections",
    "BRIEFING_SOURCES": "sources",
    "BRIEFING_CACHE_DIR": "cache_dir",
    "BRIEFING_STATE_DIR": "state_dir",
    "BRIEFING_MAIL_TO": "mail_to",
}


# Every environment variable a run reads: the settings', the config file's and the added backends'.
ENVIRONMENT: tuple[str, ...] = (*_ENV, "BRIEFING_CONFIG", "BRIEFING_BACKENDS", SMTP_PASSWORD_ENV)

_TYPES = typing.get_type_hints(Settings)


def _base(kind: Any) -> Any:
    """int for `int | None`, tuple for `tuple[str, ...]`, Mapping for `Mapping[str, Any]`."""
    args = [a for a in typing.get_args(kind) if a is not type(None)]
    if typing.get_origin(kind) in (typing.Union, types.UnionType) and len(args) == 1:
        kind = args[0]
    return typing.get_origin(kind) or kind


def _coerce(key: str, value: Any, where: str) -> Any:
    """Turn a raw TOML/env/flag value into the field's type."""
    kind = _base(_TYPES[key])
    try:
        if kind is bool:
            if isinstance(value, str) and value.lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
                return value.lower() in ("1", "true", "yes", "on")
            if not isinstance(value, bool):
                raise ValueError
            return value
        if kind is int:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError  # sentences = 2.9 is a mistake, not 2
            return int(value)
        if kind is Path:
            return Path(str(value)).expanduser()
        if kind is tuple:
            if not isinstance(value, (str, list, tuple)):
                raise ValueError
            items = value.split(",") if isinstance(value, str) else list(value)
            if not all(isinstance(i, str) for i in items):
                raise ValueError  # a table or a number in a list of names is a mistake
            items = [i.strip() for i in items if i.strip()]
            if key == "sources":  # "~/news/" as a shell would read it; URLs as they are
                items = [i if "://" in i else os.path.expanduser(i) for i in items]
            return tuple(i.lower() for i in items) if key == "formats" else tuple(items)
        if kind is Mapping:
            if not isinstance(value, dict):
                raise ValueError
            return value
        if not isinstance(value, str):
            raise ValueError
        return value
    except (TypeError, ValueError, OverflowError):
        name = getattr(kind, "__name__", str(kind)).replace("Mapping", "table").replace("tuple", "list")
        shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
        raise ConfigError(f"{key} = {shown} in {where} is not a valid {name}.") from None


def default_config_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("briefing")) / "config.toml"


def config_path(explicit: Path | None = None) -> Path | None:
    """The config file to read: --config, else $BRIEFING_CONFIG, else the platform's, if it exists."""
    if explicit is not None:
        return explicit.expanduser()
    env = os.environ.get("BRIEFING_CONFIG")
    if env:
        return Path(env).expanduser()
    default = default_config_path()
    return default if default.exists() else None


def load_settings(config: Path | None = None, **flags: Any) -> Settings:
    """Build Settings from defaults, the config file, the environment and flags (in that order)."""
    values: dict[str, Any] = {}
    origins: dict[str, str] = {k: "default" for k in _FIELDS}
    path = config_path(config)
    if path is not None:
        try:
            if path.exists() and not path.is_file():
                raise ConfigError(f"Config file {path} is not a regular file; give a TOML file.")
            if path.exists() and path.stat().st_size > 1_000_000:
                raise ConfigError(f"Config file {path} is over 1 MB; a config is a few lines of TOML.")
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"Config file {path} does not exist; create it or drop --config.") from None
        except PermissionError:
            raise ConfigError(f"Config file {path} cannot be read (permission denied); check its permissions.") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise ConfigError(f"Config file {path} is not valid TOML: {e}.") from None
        except RecursionError:
            raise ConfigError(f"Config file {path} nests tables or lists too deeply to be a config; "
                              "a config is a few flat keys.") from None
        if not isinstance(data, dict):
            raise ConfigError(f"Config file {path} is not a table of settings; see 'briefing config show'.")
        data = data.get("briefing", data)
        if not isinstance(data, dict):
            raise ConfigError(f"Config file {path}: [briefing] must be a table of settings.")
        for key, value in data.items():
            key = key.replace("-", "_")
            if key not in _FIELDS:
                raise ConfigError(
                    f"Unknown key {key!r} in {path}; allowed keys: {', '.join(sorted(_FIELDS))}."
                )
            values[key] = _coerce(key, value, str(path))
            origins[key] = str(path)
    for env, key in _ENV.items():
        if os.environ.get(env):
            values[key] = _coerce(key, os.environ[env], f"${env}")
            origins[key] = f"${env}"
    for key, value in flags.items():
        if value is not None:
            values[key] = _coerce(key, value, f"--{key.replace('_', '-')}")
            origins[key] = "flag"
    try:
        return Settings(**values, origins=origins)
    except ConfigError as e:  # name where the bad value came from
        raise ConfigError(f"{e} (set by {origins.get(e.key or '', 'default')})", e.key) from None


def cache_dir(settings: Settings) -> Path:
    import platformdirs

    return settings.cache_dir or Path(platformdirs.user_cache_dir("briefing"))


def state_dir(settings: Settings) -> Path:
    import platformdirs

    return settings.state_dir or Path(platformdirs.user_state_dir("briefing"))


def show(settings: Settings) -> str:
    """The effective settings as TOML, each with where it came from."""
    lines = []
    for key in _FIELDS:
        value = getattr(settings, key)
        if isinstance(value, Path):
            value = str(value)
        elif isinstance(value, tuple):
            value = list(value)
        origin = settings.origins.get(key, "default")
        lines.append(f"# {key} is unset  # {origin}" if value is None else f"{key} = {_toml_value(value)}  # {origin}")
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def starting_config(sources: list[str], out: Path) -> str:
    """A commented config to start from (`briefing config init`): every key it sets is a real one, and what
    it leaves commented out shows the default."""
    import json

    listed = "[" + ", ".join(json.dumps(src) for src in sources) + "]" if sources else None
    sections = ", ".join(json.dumps(s) for s in DEFAULT_SECTIONS)
    return f"""# briefing's settings (TOML). Flags and BRIEFING_* environment variables override them;
# 'briefing config show' prints what is in effect and where each value came from.

# What a build reads when given no inputs: files, folders, feed URLs (http/https) and .opml lists.
{"sources = " + listed if listed else '# sources = ["~/news/", "https://feeds.example.org/world.xml", "~/feeds.opml"]'}

# Where the dated briefings (and index.md / index.html) are written.
out = {json.dumps(str(out))}

# Which files to write each morning: md, html, json.
formats = ["md", "html"]

# The sections, in order; stories the models are unsure of go to "News". Rename, drop or add (added ones are
# matched by their name, or by phrases under [section_descriptions]).
sections = [{sections}]

# top_stories = 5           # stories under "Top stories" (0: none)
# per_section = 8           # stories shown in full per section; the rest are listed under "More stories"
# model = "minilm"          # 'briefing models list' shows the others
# sentences = 3             # summary sentences per story
# fetch_timeout = 20        # seconds for one feed or page, body included
# allow_private_fetch = false  # true lets feeds link to pages on private addresses (an intranet)
# developing_days = 7       # a story told in a brief this many days back is marked developing (0: never)
# feed_entries = 30         # briefs kept in OUT/feed.xml, an Atom feed of the briefs (0: no feed)

# Mail each brief once written (the password comes from the environment, never from this file):
# mail_to = ["me@example.org"]
# mail_from = "briefing@example.org"
# smtp_host = "smtp.example.org"
# smtp_port = 587
# smtp_starttls = true
# smtp_user = "me@example.org"
# smtp_password_env = "BRIEFING_SMTP_PASSWORD"

# [section_descriptions]
# Climate = ["climate change, emissions, extreme weather, energy transition"]
"""
