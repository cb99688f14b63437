"""The audit log: who did what and when (append-only in the database)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select

from db import schema


def record(conn: Connection, actor: str | None, action: str, subject: str | None = None, **details: Any) -> None:
    """Add one entry; `details` must be JSON-serialisable."""
    conn.execute(insert(schema.audit_log).values(actor=actor, action=action, subject=subject, details=details or None))


def recent(conn: Connection, limit: int = 200) -> list[Any]:
    """The newest entries first."""
    t = schema.audit_log
    return list(conn.execute(select(t).order_by(t.c.id.desc()).limit(limit)))
