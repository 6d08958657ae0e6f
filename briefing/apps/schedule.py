"""Scheduling help: a crontab line and a systemd user service + timer for the daily build."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

from ..config import Settings
from ..errors import ConfigError


def command(config: Path | None) -> str:
    """The build command, with absolute paths (cron and systemd have neither our PATH nor our cwd)."""
    exe = shutil.which("briefing") or f"{sys.executable} -m briefing"
    parts = [exe, "build", "--quiet"]
    if config is not None:
        parts += ["--config", shlex.quote(str(config.resolve()))]
    return " ".join(parts)


def check(settings: Settings, config: Path | None) -> None:
    """ConfigError, naming the fix, when the job the schedule would run cannot work: no sources, a source path
    that is not there, an output folder that cannot be written, a model that is not installed."""
    from ..models.registry import require_present, resolve

    where = str(config) if config else "a config file ('briefing config init --source ...' writes one)"
    if not settings.sources:
        raise ConfigError(f"The scheduled build would have nothing to read: set sources = [...] in {where}.")
    missing = [s for s in settings.sources if "://" not in s and not Path(s).expanduser().exists()]
    if missing:
        raise ConfigError(f"The scheduled build could not read {missing[0]} (no such file or folder); fix sources "
                          f"in {where}.")
    out = settings.out.expanduser()
    probe = out if out.exists() else next((p for p in out.parents if p.exists()), Path("/"))
    if not probe.is_dir() or not os.access(probe, os.W_OK):
        raise ConfigError(f"The scheduled build could not write to {out}; set out = \"...\" in {where} to a folder "
                          "you can write.")
    require_present(resolve(settings.model, settings.models_dir))


def units(hour: int, minute: int, config: Path | None, settings: Settings) -> str:
    cmd = command(config)
    workdir = Path.cwd()
    log = (settings.out if settings.out.is_absolute() else workdir / settings.out) / "briefing.log"
    return f"""# crontab -e, then add (runs at {hour:02d}:{minute:02d} every day):
{minute} {hour} * * * cd {shlex.quote(str(workdir))} && {cmd} --log-file {shlex.quote(str(log))}

# Or systemd (catches up after the machine was off: Persistent=true).
# ~/.config/systemd/user/briefing.service
[Unit]
Description=Build today's news briefing

[Service]
Type=oneshot
WorkingDirectory={workdir}
ExecStart={cmd}
TimeoutStartSec=1h

# ~/.config/systemd/user/briefing.timer
[Unit]
Description=Build today's news briefing every morning

[Timer]
OnCalendar=*-*-* {hour:02d}:{minute:02d}:00
Persistent=true

[Install]
WantedBy=timers.target

# then: systemctl --user daemon-reload && systemctl --user enable --now briefing.timer
"""
