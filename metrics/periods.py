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
SELECT g.period_start, g.period_end, g.partial
FROM (SELECT window_start, window_end FROM refreshes
      WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1) AS r
CROSS JOIN LATERAL period_grid(r.window_start, r.window_end) AS g
WHERE g.grain = :grain
ORDER BY g.period_start
"""


def periods(conn: Connection, grain: str) -> list[Period]:
    """Every computed period of `grain`, oldest first, from the last refresh's data window."""
    rows = conn.execute(text(PERIODS_SQL), {"grain": grain})
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
SELECT u.id, u.name, u.kind, u.parent_id, count(*) - 1 AS depth
FROM org_units u
JOIN org_closure c ON c.unit_id = u.id
JOIN org_units a ON a.id = c.ancestor_id
WHERE u.id IN (SELECT unit_id FROM org_closure WHERE ancestor_id = ANY(CAST(:roots AS text[])))
GROUP BY u.id, u.name, u.kind, u.parent_id
ORDER BY array_agg(a.name::text ORDER BY c.depth DESC)
"""


def units(conn: Connection, scope: Scope) -> list[Unit]:
    """The units inside `scope`, in tree order (each parent before its children)."""
    scope.apply(conn)
    rows = conn.execute(text(UNITS_SQL), {"roots": list(scope.roots)})
    return [Unit(r.id, r.name, r.kind, r.parent_id, r.depth) for r in rows]


def freshness(conn: Connection) -> tuple[date | None, object | None]:
    """The last refresh's data window end and finish time."""
    row = conn.execute(
        text("SELECT window_end, finished_at FROM refreshes WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1")
    ).first()
    return (row.window_end, row.finished_at) if row else (None, None)


def data_version(conn: Connection) -> str:
    """The key of every page cache: changes with every refresh and every target or weight record."""
    return conn.execute(
        text(
            "SELECT concat_ws('.', (SELECT coalesce(max(id), 0) FROM refreshes),"
            " (SELECT coalesce(max(id), 0) FROM targets), (SELECT coalesce(max(id), 0) FROM pillar_weights))"
        )
    ).scalar_one()
