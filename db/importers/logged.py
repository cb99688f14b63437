"""Meetings logged on the Meetings page: an import never overwrites them (issue 18, DATA_CONTRACT.md)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, select

from db import schema

REASON = "logged on the Meetings page: an import does not overwrite it"


def logged(conn: Connection, ids: Iterable[str]) -> set[str]:
    """Those of `ids` that are meetings someone logged in the app."""
    wanted = list(dict.fromkeys(i for i in ids if i is not None))
    if not wanted:
        return set()
    t = schema.meeting_logs
    return set(conn.scalars(select(t.c.meeting_id).where(t.c.meeting_id.in_(wanted)).distinct()))
