"""Which database Flywheel uses: DATABASE_URL when set (never the embedded server), else embedded."""

from __future__ import annotations

import pytest

from db import settings


def test_database_url_wins_and_never_starts_the_embedded_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://app:secret@db.internal:5433/flywheel")
    monkeypatch.setattr(settings, "embedded_url", lambda *a: pytest.fail("embedded server started"))
    assert settings.database_url() == "postgresql+psycopg://app:secret@db.internal:5433/flywheel"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
    ],
)
def test_urls_name_the_psycopg_driver(given: str, expected: str) -> None:
    assert settings.normalise(given) == expected


def test_plain_url_is_what_psql_accepts() -> None:
    assert settings.plain("postgresql+psycopg://u:p%40ss@h:5432/d") == "postgresql://u:p%40ss@h:5432/d"


def test_home_follows_flywheel_home(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("FLYWHEEL_HOME", str(tmp_path))
    assert settings.home() == tmp_path
