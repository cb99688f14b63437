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
            # No JIT: page queries run in milliseconds; compiling them costs ~100 ms whenever a plan's
            # estimated cost crosses jit_above_cost (seen on the large profile's Overview).
            "options": f"-c statement_timeout={statement_timeout_ms} -c jit=off",
            "application_name": "flywheel",
        },
    )
