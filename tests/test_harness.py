"""The suite fails, never skips, when there is no PostgreSQL to test against."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_no_database_fails_the_run() -> None:
    env = {**os.environ, "TEST_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:9/none"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_scoring.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 3, run.stdout + run.stderr
    assert "no PostgreSQL to test against" in run.stdout + run.stderr
    assert "passed" not in run.stdout and "skipped" not in run.stdout
