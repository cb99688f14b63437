"""`python -m bench --serve`: the first page after `flywheel serve` starts, against warm pages.

Each page opens in a fresh Chromium context (empty HTTP cache, new Streamlit session), so cold and
warm pages differ only by what the server process has already done. A page has settled when the
script is no longer running, the running indicator is gone and the Overview's title and its four
tiles (the Adoption Index and the three pillars) are on screen; the time runs from opening the URL,
through the sign-in form when the app has one (a bench administrator in the bench's own database).
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
READY_LINE = "Flywheel is at"
USERNAME = 'input[autocomplete="username"]'
PASSWORD = 'input[autocomplete="current-password"]'
SETTLED_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')) return false;
  const main = document.querySelector('[data-testid="stMain"]');
  const title = main && main.querySelector('h1');
  // The four tiles: st.metric, or the Overview's own HTML tiles.
  const tiles = main ? main.querySelectorAll('[data-testid="stMetric"], [data-testid="tile-value"]').length : 0;
  return !!title && title.textContent.trim().length > 0 && tiles >= 4;
}"""
BARE_APP = """import streamlit as st
st.title("Bare")
for c, v in zip(st.columns(4), (72, 68, 74, 81)):
    c.metric("Metric", v, delta=1, border=True)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Server:
    """A server subprocess whose output is watched for a line, in a thread (no pipe ever fills)."""

    def __init__(self, cmd: list[str], env: dict[str, str], ready_line: str | None) -> None:
        self.started = time.perf_counter()
        self.ready_at: float | None = None
        self.healthy_at: float | None = None
        self.lines: list[str] = []
        self._ready = threading.Event()
        self._ready_line = ready_line
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
        )
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())
            if self._ready_line and self._ready_line in line and self.ready_at is None:
                self.ready_at = time.perf_counter()
                self._ready.set()
        self._ready.set()

    def wait(self, base: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                with urllib.request.urlopen(base + "/_stcore/health", timeout=2) as r:  # noqa: S310 - loopback
                    if r.status == 200:
                        self.healthy_at = time.perf_counter()
                        break
            except OSError:
                time.sleep(0.05)
        if self.healthy_at is None:
            self.stop()
            raise RuntimeError("server did not start:\n" + "\n".join(self.lines[-30:]))
        if self._ready_line:
            self._ready.wait(max(1.0, deadline - time.monotonic()))
            if self.ready_at is None:
                self.stop()
                raise RuntimeError(f"server never printed {self._ready_line!r}:\n" + "\n".join(self.lines[-30:]))
        else:
            self.ready_at = self.healthy_at

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _settle(browser, url: str, login: tuple[str, str] | None) -> float:
    """Seconds from opening `url` in a fresh context to the settled Overview, signing in on the way
    when the app asks for it."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    try:
        page = context.new_page()
        started = time.perf_counter()
        page.goto(url)
        try:
            page.wait_for_function(f"() => ({SETTLED_JS})() || !!document.querySelector('{PASSWORD}')", timeout=60_000)
            if login is not None and page.locator(PASSWORD).count():
                page.locator(USERNAME).fill(login[0])
                page.locator(PASSWORD).fill(login[1])
                page.get_by_role("button", name="Sign in").click()
            page.wait_for_function(SETTLED_JS, polling=50, timeout=60_000)
        except Exception as e:  # Playwright's TimeoutError: say what the page shows instead
            main = page.get_by_test_id("stMain")
            shown = main.inner_text(timeout=5_000)[:500] if main.count() else ""
            raise RuntimeError(f"the Overview never settled at {url}: {shown!r}") from e
        return time.perf_counter() - started
    finally:
        context.close()


def _pages(
    browser, cmd: list[str], env: dict[str, str], port: int, ready_line: str | None, warm: int, login=None
) -> dict:
    base = f"http://127.0.0.1:{port}"
    server = _Server(cmd, env, ready_line)
    try:
        server.wait(base)
        cold = _settle(browser, base + "/", login)
        warms = [_settle(browser, base + "/", login) for _ in range(warm)]
    finally:
        server.stop()
    return {
        "healthy_s": server.healthy_at - server.started,
        "ready_s": server.ready_at - server.started,
        "cold_s": cold,
        "warm_s": statistics.median(warms),
    }


def _bench_user(db_url: str) -> tuple[str, str] | None:
    """An administrator with a random password in the bench's own database, when the app has users."""
    try:
        from db import users
    except ImportError:
        return None
    from db.engine import make_engine

    email, password = f"bench-{secrets.token_hex(3)}@flywheel.invalid", secrets.token_urlsafe(18)
    eng = make_engine(db_url)
    try:
        with eng.begin() as conn:
            users.add(conn, email, "admin", password=password, actor="bench")
    finally:
        eng.dispose()
    return email, password


def measure(db_url: str, warm: int = 3) -> dict:
    """Cold and warm Overview settle times under `flywheel serve --no-warm` and `flywheel serve`
    (which warms the server before announcing it), and a bare four-metric page for scale."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError("the serve bench needs Chromium (apt-get install -y chromium)")
    env = {**os.environ, "DATABASE_URL": db_url}
    login = _bench_user(db_url)
    results = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"],
        )
        try:
            for name, flag in (("serve --no-warm", "--no-warm"), ("serve", "--warm")):
                port = _free_port()
                cmd = [sys.executable, "-m", "cli", "serve", "--no-open", flag, f"--port={port}"]
                results[name] = _pages(browser, cmd, env, port, READY_LINE, warm, login)
            with tempfile.TemporaryDirectory() as tmp:
                app = Path(tmp) / "bare.py"
                app.write_text(BARE_APP)
                port = _free_port()
                cmd = [
                    sys.executable,
                    "-m",
                    "streamlit",
                    "run",
                    str(app),
                    f"--server.port={port}",
                    "--server.headless=true",
                    "--browser.gatherUsageStats=false",
                ]
                results["bare 4 metrics"] = _pages(browser, cmd, env, port, None, warm)
        finally:
            browser.close()
    return results


def report(results: dict) -> None:
    print(
        f"{'first page':16} {'healthy s':>9} {'announced s':>11} {'cold page s':>11} {'warm page s':>11} {'cold/warm':>9}"
    )
    for name, r in results.items():
        print(
            f"{name:16} {r['healthy_s']:9.2f} {r['ready_s']:11.2f} {r['cold_s']:11.2f} {r['warm_s']:11.2f} "
            f"{r['cold_s'] / r['warm_s']:9.2f}"
        )
    s = results["serve"]
    print(
        f"first Overview page after `flywheel serve` settles in {s['cold_s'] / s['warm_s']:.2f}x a warm one (target <= 2)"
    )
