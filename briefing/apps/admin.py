"""The admin commands: `models` (list, info, pull), `config` (init, show) and `schedule`."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated

import typer

from ..config import load_settings
from ..errors import BriefingError, ConfigError
from .options import ConfigOpt, fail, home_str

CONFIG_INIT_EXAMPLES = """\b
Examples:
  briefing config init --source ~/news/ --source https://example.org/rss.xml --out ~/briefs
  briefing config init --path ./briefing.toml"""

SCHEDULE_EXAMPLES = """\b
Examples:
  briefing config init --source ~/news/ && briefing schedule --at 06:30"""

models_app = typer.Typer(no_args_is_help=True, help="List, inspect and download models.")


@models_app.command("list")
def models_list(models_dir: Annotated[Path | None, typer.Option(help="The model store.")] = None) -> None:
    """Show every known model: name, kind, where it comes from, and whether it is here."""
    from ..models.registry import registry, resolve, store_dir

    try:
        names = registry(models_dir)
        print(f"{'name':<24} {'kind':<11} {'present':<8} where")
        for name in names:
            spec = resolve(name, models_dir)
            print(f"{name:<24} {spec.kind:<11} {'yes' if spec.present else 'no':<8} {spec.where}")
        typer.echo(f"store: {store_dir(models_dir)}", err=True)
    except BriefingError as e:
        raise fail(e) from None


@models_app.command("info")
def models_info(name: str, models_dir: Annotated[Path | None, typer.Option(help="The model store.")] = None) -> None:
    """Show one model's details."""
    from ..models.registry import resolve

    try:
        spec = resolve(name, models_dir)
    except BriefingError as e:
        raise fail(e) from None
    for key in ("name", "kind", "where", "path", "hf_id", "prefix", "gguf_file", "description"):
        value = getattr(spec, key)
        if value:
            print(f"{key}: {value}")
    print(f"present: {'yes' if spec.present else 'no'}")


@models_app.command("pull")
def models_pull(name: str, models_dir: Annotated[Path | None, typer.Option(help="The model store.")] = None) -> None:
    """Download a hub model into the store (needs network)."""
    from ..models.registry import pull, resolve

    try:
        print(pull(resolve(name, models_dir)))
    except BriefingError as e:
        raise fail(e) from None


config_app = typer.Typer(no_args_is_help=True, help="Write a starting config, or show the effective settings.")


@config_app.command("init", epilog=CONFIG_INIT_EXAMPLES)
def config_init(
    source: Annotated[list[str] | None, typer.Option("--source", "-s", help="A file, folder, feed URL or .opml file to read every morning (repeat it).")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Where the briefings go. [default: ~/briefs]")] = None,
    path: Annotated[Path | None, typer.Option("--path", help="Where to write the config. [default: the platform config path]")] = None,
) -> None:
    """Write a commented starting config (sources, out, formats, sections); never overwrites one."""
    from ..config import default_config_path, starting_config

    target = (path or default_config_path()).expanduser()
    try:
        text = starting_config([home_str(s) for s in source or []], (out or Path("~/briefs")).expanduser())
        if target.exists():
            raise ConfigError(f"{target} already exists; edit it, or give another --path.")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("x", encoding="utf-8") as f:  # "x": never over a config that appeared meanwhile
                f.write(text)
        except FileExistsError:
            raise ConfigError(f"{target} already exists; edit it, or give another --path.") from None
        except OSError as e:
            raise ConfigError(f"Cannot write {target} ({e.strerror}); give another --path.") from None
        load_settings(target)  # what was written must load
    except BriefingError as e:
        raise fail(e) from None
    print(target)
    if not source:
        typer.echo("No sources yet: add them to the file (sources = [...]) before 'briefing schedule'.", err=True)


@config_app.command("show")
def config_show(config: ConfigOpt = None) -> None:
    """Print the effective settings as TOML, each with where it came from."""
    from ..config import config_path, default_config_path, show

    try:
        settings = load_settings(config)
    except BriefingError as e:
        raise fail(e) from None
    path = config_path(config)
    typer.echo(f"config file: {path if path else f'none ({default_config_path()} does not exist)'}", err=True)
    sys.stdout.write(show(settings))


def schedule(
    at: Annotated[str, typer.Option("--at", help="Time of day, HH:MM (local time).")] = "06:30",
    config: ConfigOpt = None,
) -> None:
    """Print a crontab line and a systemd service + timer that run the build every morning (after checking that
    the job they run would work)."""
    from ..config import config_path
    from .schedule import check, units

    m = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", at)
    if not m:
        raise fail(ConfigError(f"--at {at!r} is not a time of day; use HH:MM, e.g. 06:30."))
    try:
        settings = load_settings(config)
        check(settings, config_path(config))
    except BriefingError as e:
        raise fail(e) from None
    sys.stdout.write(units(int(m.group(1)), int(m.group(2)), config_path(config), settings))


