"""The page at / in a real browser: type an article, submit, read the headline bullet back (Selenium driving
headless Chromium through Debian's chromedriver). A control page with the same form but no working script
proves the check can fail; an article carrying markup proves nothing of it runs.

Skipped when Chromium, chromedriver or selenium is absent; in CI (.ci/run installs them) that is a failure.
"""

from __future__ import annotations

import http.server
import os
import shutil
import socket
import threading
import time
from pathlib import Path
from typing import NamedTuple

import pytest

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
DRIVER = shutil.which("chromedriver")
try:
    import selenium  # noqa: F401
    import uvicorn  # noqa: F401
except ImportError:
    selenium = None  # type: ignore[assignment]
MISSING = [name for name, have in (("chromium", CHROMIUM), ("chromedriver", DRIVER), ("selenium/uvicorn", selenium))
           if not have]
if MISSING and os.environ.get("CI"):
    raise RuntimeError(f"{', '.join(MISSING)} missing; .ci/run installs chromium-driver and the test extra")
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(bool(MISSING), reason=f"needs {', '.join(MISSING)}")]

ARTICLE = ("Engineers reopened the Harbor Street bridge on Monday after a two-year rebuild. "
           "The new span carries four lanes and a protected bike path. "
           "City officials said the project came in 8 percent under budget.")


class Served(NamedTuple):
    base: str  # http://127.0.0.1:PORT
    out: Path  # the briefings folder it serves


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`briefing serve`'s app with the default model, on a real port."""
    import uvicorn

    from briefing.apps.serve import create_app
    from briefing.config import Settings

    out = tmp_path_factory.mktemp("briefs")
    port = _port()
    srv = uvicorn.Server(uvicorn.Config(create_app(Settings(out=out)), host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(600):
        if srv.started:
            break
        time.sleep(0.1)
    yield Served(f"http://127.0.0.1:{port}", out)
    srv.should_exit = True
    thread.join(30)


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=412,900"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)  # no Selenium Manager: no download
    yield driver
    driver.quit()


def summarize_in_page(driver, base: str, text: str, timeout: float = 30) -> list[str]:
    """Open the page, type the text, submit, and return the headline bullets it shows (TimeoutException when
    none appears)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(base + "/")
    box = driver.find_element(By.ID, "text")
    box.clear()
    box.send_keys(text)
    driver.find_element(By.ID, "go").click()
    WebDriverWait(driver, timeout).until(ec.presence_of_element_located((By.CSS_SELECTOR, "#result li strong")))
    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#result li strong")]


def test_type_submit_and_read_the_bullet_back(server, browser):
    import httpx

    shown = summarize_in_page(browser, server.base, ARTICLE)
    expected = httpx.post(server.base + "/summarize", json={"text": ARTICLE}, timeout=30).json()
    assert shown == [expected[0]["headline"]]
    assert "Harbor Street bridge" in shown[0]
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []  # no CSP violations, no script errors


def test_markup_in_an_article_stays_text(server, browser):
    hostile = ('<img src=x onerror="document.title=\'pwned\'"> <script>document.title="pwned"</script> '
               "Officials said the vote passed on Monday. " + ARTICLE)
    summarize_in_page(browser, server.base, hostile)
    assert browser.title != "pwned"
    from selenium.webdriver.common.by import By

    assert browser.find_elements(By.CSS_SELECTOR, "#result img") == []


def test_empty_form_says_what_to_do(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server.base + "/")
    browser.find_element(By.ID, "go").click()
    assert "Paste an article" in browser.find_element(By.ID, "status").text


def test_control_page_without_the_script_fails_the_check(browser, tmp_path):
    """The same form with no working script: the check must time out, so a pass above means the page works."""
    from selenium.common.exceptions import TimeoutException

    (tmp_path / "index.html").write_text(
        '<!DOCTYPE html><html><body><form id="form"><textarea id="text"></textarea>'
        '<button id="go" type="button">Summarize</button></form><ul id="result"></ul></body></html>')
    handler = lambda *a, **kw: http.server.SimpleHTTPRequestHandler(*a, directory=str(tmp_path), **kw)  # noqa: E731
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        with pytest.raises(TimeoutException):
            summarize_in_page(browser, f"http://127.0.0.1:{httpd.server_port}", ARTICLE, timeout=3)
    finally:
        httpd.shutdown()


def test_page_links_to_todays_briefing_when_there_is_one(server, browser):
    from datetime import date

    from selenium.webdriver.common.by import By

    day = date.today().isoformat()
    browser.get(server.base + "/")
    assert f"No briefing for {day} yet" in browser.find_element(By.TAG_NAME, "main").text
    (server.out / f"{day}.html").write_text("<p>today</p>", encoding="utf-8")
    browser.get(server.base + "/")
    links = {e.text: e.get_attribute("href") for e in browser.find_elements(By.CSS_SELECTOR, "a")}
    assert links["All briefings"].endswith("/briefs/")
    assert links[f"Today's briefing ({day})"].endswith(f"/briefs/{day}.html")
    browser.find_element(By.LINK_TEXT, f"Today's briefing ({day})").click()
    assert browser.find_element(By.TAG_NAME, "p").text == "today"


def test_an_article_that_fails_shows_its_error_and_the_others_their_bullets(browser, tmp_path):
    """Two articles, the second one the summarizer fails on: the page shows the first's headline and the
    second's {"id", "error"} record as a line of text (before, the script stopped at the record without a summary)."""
    import uvicorn
    from conftest import EchoSummarizer

    from briefing.apps.serve import create_app
    from briefing.config import Settings
    from briefing.models.bundle import Models

    class FailsOnBoom(EchoSummarizer):
        def summarize(self, articles, n_sentences, progress=None):
            if any("BOOM" in a.text for a in articles):
                raise RuntimeError("BOOM in the summarizer")
            return super().summarize(articles, n_sentences, progress)

    from selenium.webdriver.common.by import By

    browser.get_log("browser")  # drain what earlier tests left (the control page's favicon 404)
    port = _port()
    settings = Settings(out=tmp_path)
    srv = uvicorn.Server(uvicorn.Config(create_app(settings, Models(settings, summarizer=FailsOnBoom()), warm=False),
                                        host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    try:
        for _ in range(300):
            if srv.started:
                break
            time.sleep(0.05)
        shown = summarize_in_page(browser, f"http://127.0.0.1:{port}", ARTICLE + "\n\n---\n\nBOOM went the article. It fails.")
        items = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#result li")]
    finally:
        srv.should_exit = True
        thread.join(15)
    assert shown == ["Engineers reopened the Harbor Street bridge on Monday after a two-year rebuild."]
    assert items[1] == "text-2 was not summarized: the summarizer failed (RuntimeError: BOOM in the summarizer)"
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
