"""Targets, status, attainment, pillar scores and the Adoption Index, read inside a scope."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, Row, text

from metrics.registry import SQL_DIR
from metrics.scope import Scope

SCORED_SQL = (SQL_DIR / "_scored.sql").read_text()
WEIGHTED_SQL = (SQL_DIR / "_weighted.sql").read_text().replace("__SCORED__", SCORED_SQL)
SCORES_SQL = (SQL_DIR / "_scores.sql").read_text().replace("__WEIGHTED__", WEIGHTED_SQL)
# Scored rows of one KPI or all; the filter comes last, since pillar scores need every KPI.
KPI_ROWS_SQL = (
    "SELECT * FROM (" + WEIGHTED_SQL + ") AS w\n"  # noqa: S608 - package .sql files, values are bound
    "WHERE CAST(:kpi AS text) IS NULL OR w.kpi_id = CAST(:kpi AS text)\n"
    "ORDER BY position, org_unit_id, grain, period_start"
)


def _params(
    scope: Scope,
    unit: str | None,
    parent: str | None,
    grain: str | None,
    period_from: date | None,
    period_to: date | None,
    kpi: str | None,
    ancestors: bool = False,
) -> dict:
    return {
        "ancestors": ancestors,
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
    ancestors: bool = False,
) -> list[Row]:
    """Scored KPI rows for units inside `scope`: value, target, attainment, status, score, and
    the unit's licensed users, pillar score and the row's contribution to the index.

    `parent` selects the children of a unit (for breakdowns); `ancestors` also admits the units
    above the scope (aggregates to compare with). Rows come ordered by KPI position, unit, grain
    and period.
    """
    scope.apply(conn)
    params = _params(scope, unit, parent, grain, period_from, period_to, kpi, ancestors)
    return list(conn.execute(text(KPI_ROWS_SQL), params))


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
    scope.apply(conn)
    return list(conn.execute(text(sql), _params(scope, unit, parent, grain, period_from, period_to, None)))
