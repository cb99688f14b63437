"""Targets, status, attainment, pillar scores and the Adoption Index, read inside a scope."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, Row, text

from metrics.registry import SQL_DIR
from metrics.scope import Scope

SCORED_SQL = (SQL_DIR / "_scored.sql").read_text()
SCORES_SQL = (SQL_DIR / "_scores.sql").read_text().replace("__SCORED__", SCORED_SQL)


def _params(
    scope: Scope,
    unit: str | None,
    parent: str | None,
    grain: str | None,
    period_from: date | None,
    period_to: date | None,
    kpi: str | None,
) -> dict:
    return {
        "roots": list(scope.roots),
        "unit": unit,
        "parent": parent,
        "grain": grain,
        "period_from": period_from,
        "period_to": period_to,
        "kpi": kpi,
    }


def kpi_rows(
    conn: Connection,
    scope: Scope,
    *,
    unit: str | None = None,
    parent: str | None = None,
    grain: str | None = None,
    period_from: date | None = None,
    period_to: date | None = None,
    kpi: str | None = None,
) -> list[Row]:
    """Scored KPI rows (value, target, attainment, status) for units inside `scope`.

    `parent` selects the children of a unit (for breakdowns); rows come ordered by KPI position,
    unit, grain and period.
    """
    sql = SCORED_SQL + "\nORDER BY position, org_unit_id, grain, period_start"
    return list(conn.execute(text(sql), _params(scope, unit, parent, grain, period_from, period_to, kpi)))


def score_rows(
    conn: Connection,
    scope: Scope,
    *,
    unit: str | None = None,
    parent: str | None = None,
    grain: str | None = None,
    period_from: date | None = None,
    period_to: date | None = None,
) -> list[Row]:
    """Pillar scores and Adoption Index per unit and period inside `scope`."""
    sql = SCORES_SQL + "\nORDER BY org_unit_id, grain, period_start"
    return list(conn.execute(text(sql), _params(scope, unit, parent, grain, period_from, period_to, None)))
