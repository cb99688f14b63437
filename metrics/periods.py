"""Periods of the data window, their labels, and the org units a scope may pick from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, text

from metrics.scope import Scope


@dataclass(frozen=True)
class Period:
    grain: str
    start: date
    end: date
    partial: bool

    @property
    def label(self) -> str:
        return label(self.grain, self.start, self.end)


def label(grain: str, start: date, end: date) -> str:
    """A human label: 'October 2026', 'Q3 2026', 'Week 43, 2026 (19–25 Oct)'."""
    if grain == "month":
        return start.strftime("%B %Y")
    if grain == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    iso = start.isocalendar()
    return f"Week {iso.week}, {iso.year} ({start.day} {start:%b}–{end.day} {end:%b})"


def short_label(grain: str, start: date) -> str:
    """A compact axis label: 'Oct 26', 'Q3 26', 'W43'."""
    if grain == "month":
        return start.strftime("%b %y")
    if grain == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start:%y}"
    return f"W{start.isocalendar().week}"


PERIODS_SQL = """
SELECT s::date AS period_start, (s + step)::date - 1 AS period_end,
       s::date < r.window_start OR (s + step)::date - 1 > r.window_end AS partial
FROM (SELECT window_start, window_end FROM refreshes
      WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1) AS r
CROSS JOIN (SELECT CAST(:step AS interval) AS step) AS g
CROSS JOIN LATERAL generate_series(date_trunc(:grain, CAST(r.window_start AS timestamp)),
                                   CAST(r.window_end AS timestamp), g.step) AS s
ORDER BY s
"""
STEPS = {"week": "1 week", "month": "1 month", "quarter": "3 months"}


def periods(conn: Connection, grain: str) -> list[Period]:
    """Every computed period of `grain`, oldest first, from the last refresh's data window."""
    rows = conn.execute(text(PERIODS_SQL), {"grain": grain, "step": STEPS[grain]})
    return [Period(grain, r.period_start, r.period_end, r.partial) for r in rows]


def default_period(all_periods: list[Period]) -> Period | None:
    """The latest complete period, else the latest one."""
    complete = [p for p in all_periods if not p.partial]
    return (complete or all_periods or [None])[-1]


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    kind: str
    parent_id: str | None
    depth: int


UNITS_SQL = """
WITH RECURSIVE walk (id, name, kind, parent_id, depth, path) AS (
    SELECT id, name, kind, parent_id, 0, ARRAY[name::text]
    FROM org_units WHERE id = ANY(CAST(:roots AS text[]))
    UNION ALL
    SELECT u.id, u.name, u.kind, u.parent_id, w.depth + 1, w.path || u.name::text
    FROM org_units u JOIN walk w ON u.parent_id = w.id
)
SELECT id, name, kind, parent_id, depth FROM walk ORDER BY path
"""


def units(conn: Connection, scope: Scope) -> list[Unit]:
    """The units inside `scope`, in tree order (each parent before its children)."""
    rows = conn.execute(text(UNITS_SQL), {"roots": list(scope.roots)})
    return [Unit(r.id, r.name, r.kind, r.parent_id, r.depth) for r in rows]


def freshness(conn: Connection) -> tuple[date | None, object | None]:
    """The last refresh's data window end and finish time."""
    row = conn.execute(
        text("SELECT window_end, finished_at FROM refreshes WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1")
    ).first()
    return (row.window_end, row.finished_at) if row else (None, None)


def data_version(conn: Connection) -> int:
    """Bumps with every refresh: the key of every page cache."""
    return conn.execute(text("SELECT coalesce(max(id), 0) FROM refreshes")).scalar_one()
