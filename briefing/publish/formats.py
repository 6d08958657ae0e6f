"""The one table of briefing formats' names: the CLI's --format choices and the config's `formats` derive from it,
and render.render_all() has one renderer for each (it checks)."""

from __future__ import annotations

FORMATS: tuple[str, ...] = ("md", "html", "json")
FORMAT_ALIASES: dict[str, tuple[str, ...]] = {"both": ("md", "html"), "all": FORMATS}
