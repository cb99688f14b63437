"""`flywheel serve` stops Streamlit with it, however it is stopped, and keeps the embedded database up while serving."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import psycopg
import pytest

ROOT = Path(__file__).resolve().parent.parent
READY = "Flywheel is at"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _ignore_sigint() -> None:
    # What a shell does to a job started with `&` in a script: SIGINT arrives ignored.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class Served:
    def __init__(self, proc: subprocess.Popen, port: int, log: Path) -> None:
        self.proc, self.port, self.log = proc, port, log
        self.children: list[psutil.Process] = []

    def wait_ready(self, seconds: float = 90) -> list[psutil.Process]:
        """Wait for serve to announce the app; the Streamlit processes under it."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if READY in self.log.read_text():
                break
            assert self.proc.poll() is None, f"serve exited early:\n{self.log.read_text()[-3000:]}"
            time.sleep(0.1)
        else:
            pytest.fail(f"serve never announced the app:\n{self.log.read_text()[-3000:]}")
        assert _port_open(self.port)
        self.children = psutil.Process(self.proc.pid).children(recursive=True)
        assert any("streamlit" in " ".join(c.cmdline()) for c in self.children), self.children
        return self.children


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Served]]:
    started: list[Served] = []

    def start(env: dict[str, str], *, preexec_fn=None) -> Served:
        port = _free_port()
        log = tmp_path / f"serve-{port}.log"
        with log.open("w") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "cli", "serve", "--no-open", f"--port={port}"],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, like a job in a terminal
                preexec_fn=preexec_fn,
            )
        started.append(Served(proc, port, log))
        return started[-1]

    yield start
    for served in started:  # never leave a server behind, whatever the test did
        for child in served.children:
            if child.is_running():
                child.kill()
        if served.proc.poll() is None:
            served.proc.kill()
            served.proc.wait()


def _assert_stopped(served: Served, children: list[psutil.Process]) -> None:
    assert served.proc.wait(timeout=15) == 0, served.log.read_text()[-3000:]
    _, alive = psutil.wait_procs(children, timeout=5)
    assert not alive, f"left running: {alive}"
    assert not _port_open(served.port)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return {**env, **extra}


@pytest.mark.parametrize(
    ("how", "preexec_fn"),
    [
        ("SIGTERM to the process", None),
        ("SIGINT to the process, started in the background", _ignore_sigint),
        ("SIGINT to its process group, Ctrl-C in a terminal", None),
    ],
)
def test_a_stop_signal_stops_streamlit_too(serve, fresh_database, how: str, preexec_fn) -> None:
    served = serve(_env(DATABASE_URL=fresh_database()), preexec_fn=preexec_fn)
    children = served.wait_ready()
    if how.startswith("SIGTERM"):
        served.proc.send_signal(signal.SIGTERM)
    elif "group" in how:
        os.killpg(served.proc.pid, signal.SIGINT)
    else:
        served.proc.send_signal(signal.SIGINT)
    _assert_stopped(served, children)


def test_streamlit_is_stopped_even_when_serve_is_killed(serve, fresh_database) -> None:
    served = serve(_env(DATABASE_URL=fresh_database()))
    children = served.wait_ready()
    served.proc.kill()
    served.proc.wait(timeout=5)
    _, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, f"left running: {alive}"
    assert not _port_open(served.port)


def test_the_embedded_database_is_up_while_serving_and_stops_after(serve, tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = _env(FLYWHEEL_HOME=str(home))
    served = serve(env)
    children = served.wait_ready(seconds=120)
    postmaster = psutil.Process(int((home / "pgdata" / "postmaster.pid").read_text().split()[0]))
    try:
        # Another process joins the embedded server and leaves, as every flywheel command does: the
        # server stays up for the app.
        url = subprocess.run(
            [sys.executable, "-c", "from db.settings import embedded_url, plain; print(plain(embedded_url()))"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout.strip()
        assert postmaster.is_running()
        with psycopg.connect(url, connect_timeout=5) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        assert _port_open(served.port)

        served.proc.send_signal(signal.SIGTERM)
        _assert_stopped(served, children)
        postmaster.wait(timeout=15)
        assert not (home / "pgdata" / "postmaster.pid").exists()
    finally:
        if postmaster.is_running():  # never leave a database server behind
            postmaster.send_signal(signal.SIGINT)  # fast shutdown
