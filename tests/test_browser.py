"""The Overview in a real Chromium: what AppTest cannot see (routing of a fresh server, layout,
charts drawn, the database coming back by itself)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.test_overview_page import _build, start_again, stop, throwaway_server

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DEEP_LINK = "/overview?unit=t2&grain=month&period=2026-02-01"


# Everything below drives Chromium.

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI needs Chromium for the browser tests: apt-get install -y chromium")
    pytest.skip("no Chromium on this machine (apt-get install -y chromium)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _streamlit(url: str, *extra: str, port: int | None = None, host: str = "127.0.0.1") -> Iterator[str]:
    """A freshly started Streamlit server on `url`'s database; its base URL (`host` as the browser
    names it: sign-in through an identity provider needs the name of its redirect URI)."""
    port = port or _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "streamlit_app.py"),
            "--server.headless=true",
            f"--server.port={port}",
            "--server.address=127.0.0.1",
            "--browser.gatherUsageStats=false",
            *extra,
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://{host}:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(base + "/_stcore/health", timeout=2).status == 200:  # noqa: S310 - loopback
                break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        raise RuntimeError("streamlit did not start: " + proc.stderr.read().decode()[-2000:])
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="module")
def tiny_url() -> str:
    from tests.conftest import create_database

    url = create_database()
    _build(url)
    return url


@pytest.fixture(scope="module")
def server(tiny_url: str) -> Iterator[str]:
    with _streamlit(tiny_url) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


def _sign_in(page, email: str = "admin@acme.test") -> None:
    """Fill the sign-in form (a new browser session has no Flywheel session yet)."""
    from tests.conftest import TEST_PASSWORD

    page.get_by_role("textbox", name="E-mail").fill(email)
    page.get_by_role("textbox", name="Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _open(browser, url: str, width: int = 1440, height: int = 1000):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(url)
    page.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
    _sign_in(page)
    page.get_by_test_id("stVegaLiteChart").first.wait_for(timeout=30_000)
    page.locator("[data-testid=tile-index], [data-testid=no-index]").first.wait_for(timeout=30_000)
    return page


def _assert_routed(page, heading: str) -> None:
    """The router ran: the sidebar has its filters, the page its heading, and no 'Page not found'."""
    assert page.get_by_role("heading", name=heading, exact=True).count() == 1
    sidebar = page.get_by_test_id("stSidebar")
    assert sidebar.get_by_text("Org unit").count() == 1
    assert "Flywheel" in sidebar.locator("h3").first.inner_text()
    assert page.get_by_text("Page not found").count() == 0
    assert page.get_by_text("streamlit app").count() == 0  # the legacy page list never shows


def _nav_paths(page) -> list[str]:
    """The URL paths of the pages in the sidebar's navigation (none when it lists one page)."""
    links = page.get_by_test_id("stSidebarNav").locator("a")
    return [urllib.parse.urlparse(links.nth(i).get_attribute("href")).path for i in range(links.count())]


def test_deep_links_work_on_a_fresh_server_and_on_a_warm_one(tiny_url: str, browser) -> None:
    with _streamlit(tiny_url) as fresh:
        # Fresh: nobody has loaded `/` yet (Streamlit's legacy pages/ mode is still on).
        page = _open(browser, fresh + DEEP_LINK)
        _assert_routed(page, "Team Two")
        assert page.url.endswith(DEEP_LINK)
        assert (
            "February 2026 (month)"
            in page.get_by_test_id("stMain").get_by_test_id("stCaptionContainer").first.inner_text()
        )
        paths = _nav_paths(page) or ["/overview"]
        page.close()
        # Warm: the same server, now routed by st.navigation; `/` first, then every page's URL.
        page = _open(browser, fresh + "/")
        _assert_routed(page, "Acme Test")
        assert "/overview?" in page.url  # `/` opens the Overview at its own URL
        page.close()
        for path in paths:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.goto(fresh + path + "?unit=t2&grain=month&period=2026-02-01")
            page.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
            _sign_in(page)
            page.get_by_test_id("stSidebar").get_by_text("Org unit").wait_for(timeout=30_000)
            assert page.get_by_text("Page not found").count() == 0, path
            assert urllib.parse.urlparse(page.url).path == path  # signing in kept the page asked for
            page.close()
        page = _open(browser, fresh + DEEP_LINK)
        _assert_routed(page, "Team Two")
        assert page.url.endswith(DEEP_LINK)
        page.close()


def test_the_index_is_the_largest_number_and_nothing_is_cut_at_1024(server: str, browser, tmp_path: Path) -> None:
    for width, height in ((1440, 1000), (1280, 720), (1024, 768)):
        page = _open(browser, server + "/overview?unit=co&grain=month&period=2026-03-01", width, height)
        sizes = page.evaluate(
            """() => {
                const out = [];
                const walker = document.createTreeWalker(document.querySelector('[data-testid=stMain]'), NodeFilter.SHOW_TEXT);
                while (walker.nextNode()) {
                    const t = walker.currentNode.textContent.trim();
                    const el = walker.currentNode.parentElement;
                    if (/[0-9]/.test(t) && el.offsetParent !== null)
                        out.push([t, parseFloat(getComputedStyle(el).fontSize), el.closest('[data-testid=tile-index]') !== null]);
                }
                return out;
            }"""
        )
        biggest = max(sizes, key=lambda s: s[1])
        assert biggest[0] == "62.4" and biggest[2], biggest
        assert all(size < biggest[1] for text, size, _ in sizes if text != "62.4")
        assert page.get_by_test_id("tile-index").get_by_text("2 of 13 KPIs on target").is_visible()
        # Nothing wider than its box: no horizontal scrolling, no text cut by overflow.
        cut = page.evaluate(
            """() => [...document.querySelectorAll('[data-testid=stMain] *')].filter(e => {
                    const s = getComputedStyle(e);
                    return e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1
                        && (s.overflowX === 'hidden' || s.overflowX === 'auto' || s.overflowX === 'scroll'
                            || s.textOverflow === 'ellipsis');
                }).map(e => e.className + ' ' + e.textContent.slice(0, 40))"""
        )
        assert cut == [], (width, cut)
        table = page.get_by_test_id("scorecard")
        assert table.evaluate("t => t.getBoundingClientRect().right") <= page.evaluate(
            "() => document.querySelector('[data-testid=stMainBlockContainer]').getBoundingClientRect().right"
        )
        # What a value is based on is readable at every width (its own column, or under the KPI's name).
        assert table.get_by_text("796 of 1,000 checked records").filter(visible=True).count() == 1
        page.get_by_test_id("stMain").screenshot(path=str(tmp_path / f"overview_{width}.png"))
        page.close()


def test_charts_are_drawn_and_no_traceback(server: str, browser) -> None:
    page = _open(browser, server + "/overview?unit=co&grain=month&period=2026-03-01")
    assert page.get_by_test_id("stVegaLiteChart").locator("canvas, svg").count() >= 1
    sparks = page.locator("[data-testid=tile-index] img")
    assert sparks.count() == 1 and sparks.evaluate("i => i.naturalWidth > 0 && i.getBoundingClientRect().height > 20")
    assert page.get_by_text("Traceback").count() == 0
    page.close()


def test_the_page_comes_back_by_itself_when_the_database_does(browser, tmp_path: Path) -> None:
    with throwaway_server(tmp_path) as (db, url), _streamlit(url) as base:
        page = _open(browser, base + "/overview")
        assert page.get_by_role("heading", name="Acme Test", exact=True).count() == 1
        stop(db)
        # Any rerun finds the database gone (a reload would start a new, signed-out session).
        page.get_by_test_id("stSidebar").get_by_text("Week", exact=True).click()
        page.get_by_text("The database cannot be reached.").wait_for(timeout=30_000)
        page.get_by_role("button", name="Try again now").wait_for(timeout=10_000)
        assert "Flywheel" in page.get_by_test_id("stSidebar").locator("h3").first.inner_text()
        assert page.get_by_role("button", name="Try again now").count() == 1
        body = page.get_by_test_id("stMain").inner_text()
        for leak in (url.split("host=")[-1], "psycopg", "socket", "OperationalError"):
            assert leak not in body, leak
        start_again(db)
        # No click: the page checks every 10 seconds and reruns itself once the database answers.
        page.get_by_role("heading", name="Acme Test", exact=True).wait_for(timeout=30_000)
        assert page.get_by_text("The database cannot be reached.").count() == 0
        page.get_by_test_id("tile-index").wait_for(timeout=30_000)
        page.close()


def test_a_fresh_server_without_its_database_lists_no_pages_and_keeps_the_url(browser) -> None:
    with _streamlit("postgresql+psycopg://nobody@127.0.0.1:9/none") as fresh:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(fresh + DEEP_LINK)
        page.get_by_role("button", name="Try again now").wait_for(timeout=30_000)
        assert page.get_by_text("The database cannot be reached.").count() == 1
        sidebar = page.get_by_test_id("stSidebar")
        assert "Flywheel" in sidebar.locator("h3").first.inner_text()
        # Streamlit's legacy list of every pages/ file ('streamlit app', 'admin', ...) never shows.
        assert page.get_by_test_id("stSidebarNav").count() == 0
        assert sidebar.get_by_text("admin").count() == 0
        assert page.url.endswith(DEEP_LINK)
        assert "127.0.0.1:9" not in page.get_by_test_id("stMain").inner_text()
        page.close()
