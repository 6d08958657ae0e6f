"""The briefing page in a real browser: headless Chromium renders it with no console errors and no requests.

Skipped when Chromium is absent (.ci/run installs Debian's `chromium`). A control page that
does log an error and does make a request proves the checks can fail.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from test_render import sample_briefing

from briefing.publish.render import to_html

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
if CHROMIUM is None and os.environ.get("CI"):
    # .ci/run installs Chromium: in CI a missing browser is a failure, not a skip
    raise RuntimeError("Chromium is not installed; .ci/run must install Debian's chromium for the browser tests")
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (apt-get install chromium)")]
# Chromium's own background services, not requests the page makes.
BROWSER_HOSTS = re.compile(r"^https?://([a-z0-9-]+\.)*(google\.com|googleapis\.com|gstatic\.com|gvt1\.com)(/|$)")


def open_in_chromium(page: Path, folder: Path, width: int = 412) -> tuple[list[str], list[str], Path]:
    """(console messages, URLs requested, screenshot) for a page loaded from disk."""
    shot, net = folder / f"screenshot-{width}.png", folder / f"net-{width}.json"
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-default-apps",
         "--enable-logging=stderr", "--v=0", f"--log-net-log={net}", f"--screenshot={shot}",
         f"--window-size={width},900", f"--user-data-dir={folder / 'profile'}", page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    console = [line for line in proc.stderr.splitlines() if "CONSOLE" in line or "Refused to" in line]
    urls = sorted(set(re.findall(r'"url":"(https?://[^"]+)"', net.read_text(errors="replace")))) if net.exists() else []
    return console, [u for u in urls if not BROWSER_HOSTS.match(u)], shot


@pytest.mark.parametrize("width", [412, 1280])  # a phone and a desktop
def test_briefing_page_renders_without_errors_or_requests(tmp_path, width):
    page = tmp_path / "2026-02-05.html"
    page.write_text(to_html(sample_briefing()), encoding="utf-8")
    console, requests, shot = open_in_chromium(page, tmp_path, width)
    assert console == []
    assert requests == []
    assert shot.exists() and shot.stat().st_size > 5_000  # something was drawn


def test_dom_has_the_stories_and_the_contents(tmp_path):
    page = tmp_path / "p.html"
    page.write_text(to_html(sample_briefing()), encoding="utf-8")
    dom = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
                          f"--user-data-dir={tmp_path / 'profile'}", page.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    assert "Council approves budget." in dom and '<nav class="toc"' in dom and dom.count("<li>") >= 9


def test_control_page_shows_the_checks_can_fail(tmp_path):
    page = tmp_path / "control.html"
    page.write_text('<!DOCTYPE html><html><body><p>control</p><img src="http://127.0.0.1:9/pixel.png">'
                    '<script>console.error("boom " + JSON.stringify(1))</script></body></html>')
    console, requests, _ = open_in_chromium(page, tmp_path)
    assert any("boom" in line for line in console)
    assert "http://127.0.0.1:9/pixel.png" in requests
    json.dumps(console)  # plain strings
