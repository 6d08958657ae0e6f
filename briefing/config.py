"""Settings: defaults in code, then a TOML file, then environment, then flags."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError

FORMATS = ("md", "html", "json")


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting a run needs, validated once."""

    model: str = "minilm"
    sentences: int = 3  # summary sentences per article
    out: Path = Path("briefs")
    formats: tuple[str, ...] = ("md", "html")
    models_dir: Path | None = None  # None: ./models if present, else the user data dir
    max_sentences: int = 80  # extractive: sentences of an article considered
    batch_size: int = 32
    threads: int | None = None  # torch threads; None: every core
    origins: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if not 1 <= self.sentences <= 10:
            raise ConfigError(f"sentences = {self.sentences} is out of range; use 1 to 10.")
        for name in ("max_sentences", "batch_size"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} = {getattr(self, name)} must be a positive number.")
        bad = [f for f in self.formats if f not in FORMATS]
        if bad or not self.formats:
            raise ConfigError(f"format {bad or '(none)'} is not known; choose from {', '.join(FORMATS)}.")


_FIELDS = {f.name: f for f in dataclasses.fields(Settings) if f.name != "origins"}
_ENV = {
    "BRIEFING_MODEL": "model",
    "BRIEFING_OUT": "out",
    "BRIEFING_SENTENCES": "sentences",
    "BRIEFING_FORMATS": "formats",
    "BRIEFING_MODELS_DIR": "models_dir",
    "BRIEFING_THREADS": "threads",
}


def _coerce(key: str, value: Any, where: str) -> Any:
    """Turn a raw TOML/env/flag value into the field's type."""
    kind = _FIELDS[key].type
    try:
        if "int" in kind:
            if isinstance(value, bool):
                raise ValueError
            return int(value)
        if "Path" in kind:
            return Path(str(value)).expanduser()
        if "tuple" in kind:
            items = value.split(",") if isinstance(value, str) else list(value)
            return tuple(str(i).strip().lower() for i in items if str(i).strip())
        if not isinstance(value, str):
            raise ValueError
        return value
    except (TypeError, ValueError):
        raise ConfigError(f"{key} = {value!r} in {where} is not a valid {kind}.") from None


def config_path(explicit: Path | None = None) -> Path | None:
    """The config file to read: --config, else $BRIEFING_CONFIG, else none."""
    if explicit is not None:
        return explicit
    env = os.environ.get("BRIEFING_CONFIG")
    return Path(env) if env else None


def load_settings(config: Path | None = None, **flags: Any) -> Settings:
    """Build Settings from defaults, the config file, the environment and flags (in that order)."""
    values: dict[str, Any] = {}
    origins: dict[str, str] = {k: "default" for k in _FIELDS}
    path = config_path(config)
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"Config file {path} does not exist; create it or drop --config.") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise ConfigError(f"Config file {path} is not valid TOML: {e}.") from None
        data = data.get("briefing", data)
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
    return Settings(**values, origins=origins)
