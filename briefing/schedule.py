"""Scheduling help: a crontab line and a systemd user service + timer for the daily build."""

from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path

from .config import Settings


def command(config: Path | None) -> str:
    """The build command, with absolute paths (cron and systemd have neither our PATH nor our cwd)."""
    exe = shutil.which("briefing") or f"{sys.executable} -m briefing"
    parts = [exe, "build", "--quiet"]
    if config is not None:
        parts += ["--config", shlex.quote(str(config.resolve()))]
    return " ".join(parts)


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
