"""Engine creation: pooled, pre-pinged, with timeouts that fail fast instead of hanging."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine

from db.settings import database_url, normalise

CONNECT_TIMEOUT_S = 5
STATEMENT_TIMEOUT_MS = 120_000


def make_engine(url: str | None = None, *, statement_timeout_ms: int = STATEMENT_TIMEOUT_MS) -> Engine:
    """An engine for `url` (default: the configured database)."""
    return create_engine(
        normalise(url or database_url()),
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        pool_timeout=10,
        connect_args={
            "connect_timeout": CONNECT_TIMEOUT_S,
            "options": f"-c statement_timeout={statement_timeout_ms}",
            "application_name": "flywheel",
        },
    )
