"""Test databases: a fresh PostgreSQL database per run (and per module that commits), dropped after."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url

from db.access import app_url, enable_login
from db.engine import make_engine
from db.migrate import upgrade
from db.settings import embedded_url, normalise
from metrics.refresh import sync_catalogue

_created: list[str] = []


def _server_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    return normalise(url) if url else embedded_url()


def pytest_sessionstart(session: pytest.Session) -> None:
    """Fail the whole run, never skip it, when no PostgreSQL can be reached."""
    try:
        url = _server_url()
        eng = create_engine(url, connect_args={"connect_timeout": 5})
        with eng.connect() as conn:
            conn.execute(text("SELECT 1"))
        eng.dispose()
    except Exception as exc:  # any failure here means there is no database to test against
        pytest.exit(
            f"no PostgreSQL to test against ({exc}); set TEST_DATABASE_URL or install the embedded server", returncode=3
        )


def create_database() -> str:
    """Create an empty migrated database on the test server and return its URL."""
    server = make_url(_server_url())
    name = f"flywheel_test_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')  # generated name, not user input
    admin.dispose()
    _created.append(name)
    url = server.set(database=name).render_as_string(hide_password=False)
    eng = make_engine(url)
    with eng.begin() as conn:
        upgrade(conn)
        sync_catalogue(conn)
        enable_login(conn)
    eng.dispose()
    return url


def application_url(owner_url: str) -> str:
    """The same test database as the application role: row-level security applies."""
    return app_url(owner_url)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not _created:
        return
    admin = create_engine(make_url(_server_url()), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in _created:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="session")
def database_url() -> str:
    """A migrated database shared by the tests that roll back what they write."""
    return create_database()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    with engine.connect() as connection:
        tx = connection.begin()
        try:
            yield connection
        finally:
            tx.rollback()


@pytest.fixture
def fresh_database() -> Callable[[], str]:
    """Factory for a separate migrated database, for tests that must commit."""
    return create_database


TEST_PASSWORD = "a-test-password"


def add_user(owner_url: str, email: str, role: str, *, unit: str | None = None, person: str | None = None) -> str:
    """Create a Flywheel user (password TEST_PASSWORD) in the database behind `owner_url`."""
    from db import users

    eng = make_engine(owner_url)
    with eng.begin() as conn:
        if users.get(conn, email) is None:
            users.add(conn, email, role, unit=unit, person=person, password=TEST_PASSWORD)
    eng.dispose()
    return email


def sign_in(at, email: str):
    """Sign an AppTest session in as `email`, as the sign-in form would."""
    import time

    now = time.time()
    at.session_state["_flywheel_session"] = {"email": email, "started": now, "seen": now}
    return at


def fixture_org_database() -> str:
    """A new database holding the hand-computed fixture organisation (tests/fixture_org.py), refreshed."""
    from metrics.refresh import refresh
    from tests.fixture_org import load

    url = create_database()
    eng = make_engine(url)
    with eng.begin() as conn:
        load(conn)
        refresh(conn, full=True)
    eng.dispose()
    return url
