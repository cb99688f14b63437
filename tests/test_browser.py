"""The Overview in a real Chromium: what AppTest cannot see (layout, charts drawn, deep links)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_overview_page import _build

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.browser

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI needs Chromium for the browser tests: apt-get install -y chromium")
    pytest.skip("no Chromium on this machine (apt-get install -y chromium)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    from tests.conftest import create_database

    url = create_database()
    _build(url)
    port = _free_port()
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
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
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
    yield base
    proc.terminate()
    proc.wait(10)


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


def _open(browser, url: str):
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    page.goto(url)
    page.get_by_test_id("stMetric").first.wait_for(timeout=30_000)
    page.get_by_test_id("stVegaLiteChart").first.wait_for(timeout=30_000)
    return page


def test_a_deep_link_on_a_fresh_server_still_runs_the_guarded_page(server: str, browser) -> None:
    # Runs first, on a fresh server. With a pages/ folder, a first visit to a page URL can bypass streamlit_app.py: the page must
    # guard itself and still draw its filters.
    page = _open(browser, server + "/overview?unit=t2&grain=month&period=2026-03-01")
    assert page.get_by_role("heading", name="Team Two").count() == 1
    assert page.get_by_test_id("stSidebar").get_by_text("Org unit").count() == 1
    assert "unit=t2" in page.url


def test_overview_renders_index_pillars_and_chart(server: str, browser, tmp_path: Path) -> None:
    page = _open(browser, server)
    metrics = page.get_by_test_id("stMetric")
    assert metrics.count() == 4
    assert "57.9" in metrics.first.inner_text()
    assert page.get_by_test_id("stVegaLiteChart").locator("canvas, svg").count() >= 1
    assert page.get_by_text("Traceback").count() == 0
    page.get_by_test_id("stMain").screenshot(path=str(tmp_path / "overview.png"))
