"""Targets and pillar weights as program leads edit them: the targets in force and where each comes
from, the history of every change (old -> new, who, when, why), the effect of a pending change
computed by the scoring SQL itself with nothing written, saving with conflict detection, the
targets due for review, and the weight sets.

Both tables are append-only histories (migration 0002): every edit, a clearing included, adds a
record; the database refuses UPDATE and DELETE. Resolution is KPIS.md "Targets": per unit, the
record with the latest effective_from <= the day (the one recorded last among equals); an empty
value (a cleared target) falls through to the parent, then the grandparent, ...; else the KPI's
default. `resolve` below answers "which record, from which unit" with the same rule as
metrics/sql/_scored.sql, and tests hold the two equal.

Every function takes a connection; none commits. Writes happen in the caller's transaction.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, text

from db import audit, schema
from metrics.registry import BY_ID, KPIS, PILLARS
from metrics.scope import Scope
from metrics.scoring import kpi_rows, score_rows

# DATA_CONTRACT.md "Dates must be plausible": the same bounds as a canonical import.
EARLIEST = date(2000, 1, 1)
AHEAD_DAYS = 366
REASON_MAX = 1000
WEIGHT_SUM_TOLERANCE = 1e-9
# Two scores are the same when they agree to 9 decimals (the rule the scoring SQL decides status with).
_EXACT = 9
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")

Key = tuple[str, str]  # (kpi_id, org_unit_id)
# A target's unit after its number, as the pages write values.
_UNITS = {"percent": "%", "mean": "/5", "per_100_users_30d": "/100 users/30 days", "per_30d": "/30 days"}


def fmt_target(kpi_id: str, value: float | None) -> str:
    """A target as set, with its unit: '70 %', '4.2 /5', '6 /100 users/30 days'; '–' for none."""
    if value is None:
        return "–"
    number = f"{value:.4f}".rstrip("0").rstrip(".")
    k = BY_ID.get(kpi_id)
    return f"{number} {_UNITS[k.value_kind]}" if k else number


# --- periods ---------------------------------------------------------------------------------------------


def period_bounds(grain: str, day: date) -> tuple[date, date]:
    """The period of `grain` that holds `day`: (first day, last day)."""
    if grain == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if grain == "month":
        start = day.replace(day=1)
    elif grain == "quarter":
        start = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    else:
        raise ValueError(f"unknown grain {grain!r}")
    months = 1 if grain == "month" else 3
    y, m = divmod(start.month - 1 + months, 12)
    return start, date(start.year + y, m + 1, 1) - timedelta(days=1)


def next_period_start(grain: str, day: date) -> date:
    """The first day of the period after the one holding `day` (the default effective-from)."""
    return period_bounds(grain, day)[1] + timedelta(days=1)


# --- the catalogue and the tree ----------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiRange:
    """A KPI's unit and the range its targets must lie in, from the `kpis` table."""

    id: str
    title: str
    unit: str
    default_target: float
    min_target: float
    max_target: float | None

    def allowed(self) -> str:
        if self.max_target is None:
            return f"{self.min_target:g} or more"
        return f"from {self.min_target:g} to {self.max_target:g}"


def catalogue(conn: Connection) -> dict[str, KpiRange]:
    """The KPI catalogue as the database has it, in catalogue order."""
    k = schema.kpis
    rows = conn.execute(
        select(k.c.id, k.c.title, k.c.unit, k.c.default_target, k.c.min_target, k.c.max_target).order_by(k.c.position)
    )
    return {r.id: KpiRange(r.id, r.title, r.unit, r.default_target, r.min_target, r.max_target) for r in rows}


def unit_names(conn: Connection) -> dict[str, str]:
    t = schema.org_units
    return {r.id: r.name for r in conn.execute(select(t.c.id, t.c.name))}


def children(conn: Connection, unit_id: str) -> list[str]:
    """The direct children of a unit, by name."""
    t = schema.org_units
    return list(conn.execute(select(t.c.id).where(t.c.parent_id == unit_id).order_by(t.c.name, t.c.id)).scalars())


def subtree(conn: Connection, roots: Iterable[str]) -> set[str]:
    """The units under `roots`, the roots included."""
    rows = conn.execute(
        text("SELECT unit_id FROM org_closure WHERE ancestor_id = ANY(CAST(:roots AS text[]))"), {"roots": list(roots)}
    )
    return set(rows.scalars())


# --- resolution: which record is in force, and from which unit -------------------------------------------

# One probe per row of :kpis/:units/:days/:max_ids: the target of a KPI for a unit on a day, counting
# only the records with id <= max_id (NULL: every record) -- "before" and "after" a given record.
RESOLVE_SQL = """
WITH probes AS (
    SELECT p.kpi_id, p.unit_id, p.day, p.max_id, p.n
    FROM unnest(CAST(:kpis AS text[]), CAST(:units AS text[]), CAST(:days AS date[]), CAST(:max_ids AS bigint[]))
         WITH ORDINALITY AS p (kpi_id, unit_id, day, max_id, n)
),
-- Per probe and tree level (0 = the unit itself), the record in force on the day.
latest AS (
    SELECT DISTINCT ON (p.n, c.depth)
           p.n, c.depth, t.org_unit_id, t.id, t.value, t.effective_from, t.review_on, t.reason,
           t.recorded_by, t.recorded_at
    FROM probes p
    JOIN org_closure c ON c.unit_id = p.unit_id
    JOIN targets t ON t.kpi_id = p.kpi_id AND t.org_unit_id = c.ancestor_id AND t.effective_from <= p.day
                  AND (p.max_id IS NULL OR t.id <= p.max_id)
    ORDER BY p.n, c.depth, t.effective_from DESC, t.id DESC
),
-- The nearest level whose record in force has a value.
resolved AS (
    SELECT DISTINCT ON (n) * FROM latest WHERE value IS NOT NULL ORDER BY n, depth
)
SELECT p.n, p.kpi_id, p.unit_id, p.day, coalesce(r.value, k.default_target) AS target,
       r.depth, r.org_unit_id AS source_unit, r.id AS record_id, r.effective_from, r.review_on, r.reason,
       r.recorded_by, r.recorded_at,
       o.id AS own_id, o.value AS own_value, o.effective_from AS own_from
FROM probes p
JOIN kpis k ON k.id = p.kpi_id
LEFT JOIN resolved r ON r.n = p.n
LEFT JOIN latest o ON o.n = p.n AND o.depth = 0
ORDER BY p.n
"""


@dataclass(frozen=True)
class Resolution:
    """The target of one KPI for one unit on one day, and where it comes from."""

    kpi_id: str
    unit_id: str
    day: date
    target: float
    source: str  # "own" (set on the unit), "inherited" (from source_unit), "default"
    source_unit: str | None
    record_id: int | None  # the record that gives the target; None for the default
    effective_from: date | None
    review_on: date | None
    reason: str | None
    recorded_by: str | None
    recorded_at: datetime | None
    cleared_from: date | None = None  # the unit's own record in force is a clearing, from this day

    def source_text(self, names: Mapping[str, str]) -> str:
        """'set here', 'inherited from Acme Holdings', 'default'."""
        if self.source == "own":
            return "set here"
        if self.source == "inherited":
            return f"inherited from {names.get(self.source_unit or '', self.source_unit)}"
        return "default"


Probe = tuple[str, str, date, int | None]  # (kpi_id, unit_id, day, max record id or None)


def resolve(conn: Connection, probes: Sequence[Probe]) -> list[Resolution]:
    """The target in force for each probe, in the probes' order."""
    if not probes:
        return []
    params = {
        "kpis": [p[0] for p in probes],
        "units": [p[1] for p in probes],
        "days": [p[2] for p in probes],
        "max_ids": [p[3] for p in probes],
    }
    out = []
    for r in conn.execute(text(RESOLVE_SQL), params):
        source = "default" if r.depth is None else "own" if r.depth == 0 else "inherited"
        cleared = r.own_from if r.own_id is not None and r.own_value is None else None
        out.append(
            Resolution(
                r.kpi_id,
                r.unit_id,
                r.day,
                r.target,
                source,
                r.source_unit,
                r.record_id,
                r.effective_from,
                r.review_on,
                r.reason,
                r.recorded_by,
                r.recorded_at,
                cleared,
            )
        )
    return out


def tokens(conn: Connection, keys: Iterable[Key]) -> dict[Key, int]:
    """The id of each key's newest record (0 without one): what a page loaded, to detect conflicts."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return {}
    rows = conn.execute(
        text(
            "SELECT k.kpi_id, k.unit_id, coalesce(max(t.id), 0) AS last_id"
            " FROM unnest(CAST(:kpis AS text[]), CAST(:units AS text[])) AS k (kpi_id, unit_id)"
            " LEFT JOIN targets t ON t.kpi_id = k.kpi_id AND t.org_unit_id = k.unit_id"
            " GROUP BY k.kpi_id, k.unit_id"
        ),
        {"kpis": [k for k, _ in keys], "units": [u for _, u in keys]},
    )
    return {(r.kpi_id, r.unit_id): r.last_id for r in rows}


# --- the grid ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GridRow:
    kpi_id: str
    unit_id: str
    unit_name: str
    child: bool  # a child of the selected unit (else the unit itself)
    resolution: Resolution
    source_text: str
    value: float | None
    status: str | None  # None when the unit has no KPI value for the period
    token: int  # the key's newest record id when the grid was read


def grid(
    conn: Connection,
    scope: Scope,
    unit_id: str,
    grain: str,
    period_start: date,
    kpis: Sequence[str] | None = None,
) -> list[GridRow]:
    """The KPIs (default: all) x the unit and its children: the target in force at the period's end,
    where it comes from, and the period's value and status beside it. KPI by KPI, the unit first."""
    kpis = list(kpis) if kpis is not None else [k.id for k in KPIS]
    visible = subtree(conn, scope.roots)
    if unit_id not in visible:
        raise ValueError(f"unit {unit_id!r} is outside the viewer's scope")
    units = [unit_id] + [c for c in children(conn, unit_id) if c in visible]
    names = unit_names(conn)
    _, end = period_bounds(grain, period_start)
    resolved = resolve(conn, [(k, u, end, None) for k in kpis for u in units])
    last = tokens(conn, [(k, u) for k in kpis for u in units])
    values = {}
    for kw in ({"unit": unit_id}, {"parent": unit_id}):
        for r in kpi_rows(conn, scope, grain=grain, period_from=period_start, period_to=period_start, **kw):
            values[(r.kpi_id, r.org_unit_id)] = (r.value, r.status)
    out = []
    for res in resolved:
        value, status = values.get((res.kpi_id, res.unit_id), (None, None))
        out.append(
            GridRow(
                res.kpi_id,
                res.unit_id,
                names.get(res.unit_id, res.unit_id),
                res.unit_id != unit_id,
                res,
                res.source_text(names),
                value,
                status,
                last[(res.kpi_id, res.unit_id)],
            )
        )
    return out


# --- history -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryRow:
    """One target record with the unit's target on its effective day before and after it was recorded."""

    id: int
    kpi_id: str
    unit_id: str
    unit_name: str
    effective_from: date
    value: float | None  # None: the unit's own target was cleared (it inherits again)
    review_on: date | None
    reason: str | None
    recorded_by: str | None
    recorded_at: datetime
    old: Resolution
    new: Resolution


def history(
    conn: Connection,
    *,
    kpi: str | None = None,
    unit: str | None = None,
    roots: Sequence[str] | None = None,
    recorded_by: str | None = None,
) -> list[HistoryRow]:
    """Every target record, newest first, optionally of one KPI, one unit, the units under `roots`,
    or one author; each with the target in force on its effective day just before and just after."""
    t = schema.targets
    # Named columns: other migrations may add columns this module does not read.
    q = select(
        t.c.id,
        t.c.kpi_id,
        t.c.org_unit_id,
        t.c.effective_from,
        t.c.value,
        t.c.review_on,
        t.c.reason,
        t.c.recorded_by,
        t.c.recorded_at,
    ).order_by(t.c.id.desc())
    if kpi is not None:
        q = q.where(t.c.kpi_id == kpi)
    if unit is not None:
        q = q.where(t.c.org_unit_id == unit)
    if roots is not None:
        q = q.where(t.c.org_unit_id.in_(sorted(subtree(conn, roots))))
    if recorded_by is not None:
        q = q.where(t.c.recorded_by == recorded_by)
    records = list(conn.execute(q))
    probes: list[Probe] = []
    for r in records:
        probes += [
            (r.kpi_id, r.org_unit_id, r.effective_from, r.id - 1),
            (r.kpi_id, r.org_unit_id, r.effective_from, r.id),
        ]
    resolved = resolve(conn, probes)
    names = unit_names(conn)
    return [
        HistoryRow(
            r.id,
            r.kpi_id,
            r.org_unit_id,
            names.get(r.org_unit_id, r.org_unit_id),
            r.effective_from,
            r.value,
            r.review_on,
            r.reason,
            r.recorded_by,
            r.recorded_at,
            resolved[2 * i],
            resolved[2 * i + 1],
        )
        for i, r in enumerate(records)
    ]


HISTORY_COLUMNS = (
    "id",
    "recorded_at",
    "recorded_by",
    "kpi_id",
    "org_unit_id",
    "effective_from",
    "value",
    "old_target",
    "old_source",
    "new_target",
    "new_source",
    "review_on",
    "reason",
)


def history_csv(rows: Sequence[HistoryRow], names: Mapping[str, str]) -> str:
    """The history as CSV (value empty = cleared), cells a spreadsheet would run as formulas neutralised."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(HISTORY_COLUMNS)
    for h in rows:
        w.writerow(
            [
                h.id,
                h.recorded_at.isoformat(),
                _safe(h.recorded_by),
                h.kpi_id,
                _safe(h.unit_id),
                h.effective_from.isoformat(),
                _num(h.value),
                _num(h.old.target),
                _safe(h.old.source_text(names)),
                _num(h.new.target),
                _safe(h.new.source_text(names)),
                h.review_on.isoformat() if h.review_on else "",
                _safe(h.reason),
            ]
        )
    return out.getvalue()


def _num(v: float | None) -> str:
    return "" if v is None else repr(float(v))


def _safe(value: str | None) -> str:
    """Prefix a quote to text a spreadsheet would evaluate; negative numbers stay numbers."""
    if not value:
        return ""
    if value[0] in "=+-@\t\r" and not re.fullmatch(r"[+-]?\d+(\.\d+)?", value):
        return "'" + value
    return value


# --- export (the canonical targets.csv) ---------------------------------------------------------------------

EXPORT_COLUMNS = ("kpi_id", "org_unit_id", "effective_from", "value", "review_on", "reason")


def export_rows(conn: Connection) -> list[tuple]:
    """The canonical targets.csv of the database: per key (kpi, unit, effective_from) its record in force
    (the one recorded last). Importing it again adds nothing."""
    rows = conn.execute(
        text(
            "SELECT DISTINCT ON (kpi_id, org_unit_id, effective_from)"
            " kpi_id, org_unit_id, effective_from, value, review_on, reason"
            " FROM targets ORDER BY kpi_id, org_unit_id, effective_from, id DESC"
        )
    )
    return [tuple(r) for r in rows]


# --- review dates --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewDue:
    record_id: int
    kpi_id: str
    unit_id: str
    unit_name: str
    value: float
    effective_from: date
    review_on: date
    days_overdue: int
    reason: str | None
    recorded_by: str | None


def due_for_review(conn: Connection, scope: Scope | None = None, *, today: date | None = None) -> list[ReviewDue]:
    """Targets whose review date has passed: per KPI and unit (inside `scope`, default everywhere) the
    unit's own record in force today, when it sets a value and its review_on is today or earlier.
    Most overdue first. A target superseded or cleared since is not due."""
    today = today or date.today()
    rows = conn.execute(
        text(
            "SELECT * FROM (SELECT DISTINCT ON (kpi_id, org_unit_id)"
            " id, kpi_id, org_unit_id, effective_from, value, review_on, reason, recorded_by FROM targets"
            " WHERE effective_from <= :today ORDER BY kpi_id, org_unit_id, effective_from DESC, id DESC) AS t"
            " WHERE value IS NOT NULL AND review_on IS NOT NULL AND review_on <= :today"
        ),
        {"today": today},
    ).all()
    if scope is not None:
        inside = subtree(conn, scope.roots)
        rows = [r for r in rows if r.org_unit_id in inside]
    names = unit_names(conn)
    order = {k.id: i for i, k in enumerate(KPIS)}
    rows.sort(key=lambda r: (r.review_on, names.get(r.org_unit_id, ""), order.get(r.kpi_id, 99)))
    return [
        ReviewDue(
            r.id,
            r.kpi_id,
            r.org_unit_id,
            names.get(r.org_unit_id, r.org_unit_id),
            r.value,
            r.effective_from,
            r.review_on,
            (today - r.review_on).days,
            r.reason,
            r.recorded_by,
        )
        for r in rows
    ]


# --- pending changes and their validation --------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """A target record to add: a value, or None to clear the unit's own target (inherit again)."""

    kpi_id: str
    unit_id: str
    value: float | None
    effective_from: date
    review_on: date | None
    reason: str

    @property
    def key(self) -> Key:
        return (self.kpi_id, self.unit_id)


def plausible(d: object, today: date) -> str | None:
    """Why a date cannot be used, or None (DATA_CONTRACT.md "Dates must be plausible")."""
    if not isinstance(d, date) or isinstance(d, datetime):
        return "Not a date: use YYYY-MM-DD"
    if d < EARLIEST:
        return f"Too early: {d.isoformat()} is before {EARLIEST.isoformat()}"
    latest = today + timedelta(days=AHEAD_DAYS)
    if d > latest:
        return f"Too far ahead: at most {AHEAD_DAYS} days from today ({latest.isoformat()})"
    return None


def parse_number(raw: object, lo: float, hi: float | None) -> tuple[float | None, str | None]:
    """A typed number and the error, if any: numeric, finite and within [lo, hi] (hi None: no limit)."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        v = float(raw)
    else:
        s = str(raw if raw is not None else "").strip()
        if not s:
            return None, "Enter a value"
        if _DECIMAL_COMMA.fullmatch(s):
            return None, f"Use a point for decimals: {s.replace(',', '.')}"
        if not _NUMBER.fullmatch(s):
            return None, f"Not a number: {s[:40]}"
        v = float(s)
    if not math.isfinite(v):
        return None, "Not a number"
    if v < lo or (hi is not None and v > hi):
        return None, f"Out of range: must be {f'{lo:g} or more' if hi is None else f'from {lo:g} to {hi:g}'}"
    return v, None


def parse_value(raw: object, k: KpiRange) -> tuple[float | None, str | None]:
    """A typed target value and the error, if any: numeric and within the KPI's range (KPIS.md)."""
    v, err = parse_number(raw, k.min_target, k.max_target)
    if err and err.startswith("Out of range"):
        err = f"Out of range: a target for {k.title} ({k.unit}) must be {k.allowed()}"
    elif err == "Enter a value":
        err = "Enter a target value"
    return v, err


def check_reason(reason: object) -> tuple[str, str | None]:
    s = str(reason or "").strip()
    if not s:
        return s, "Say why: a reason is required"
    if len(s) > REASON_MAX:
        return s, f"Too long: at most {REASON_MAX} characters ({len(s)})"
    return s, None


def parse_change(
    conn: Connection,
    kpi_id: str,
    unit_id: str,
    *,
    value: object,
    effective_from: object,
    review_on: object,
    reason: object,
    clear: bool = False,
    today: date | None = None,
) -> tuple[Change | None, dict[str, str]]:
    """Validate a pending edit field by field; the change only when every field is valid.

    Errors are keyed by field: value, effective_from, review_on, reason.
    """
    today = today or date.today()
    errors: dict[str, str] = {}
    k = catalogue(conn).get(kpi_id)
    if k is None:
        return None, {"kpi": f"Unknown KPI {kpi_id!r}"}
    v = None
    if not clear:
        v, err = parse_value(value, k)
        if err:
            errors["value"] = err
    if (err := plausible(effective_from, today)) is not None:
        errors["effective_from"] = err
    if review_on is not None and (err := plausible(review_on, today)) is not None:
        errors["review_on"] = err
    text_reason, err = check_reason(reason)
    if err:
        errors["reason"] = err
    if clear and "effective_from" not in errors:
        (res,) = resolve(conn, [(kpi_id, unit_id, effective_from, None)])
        if res.source != "own":
            errors["value"] = "Nothing to clear: on that day this unit has no target of its own (it inherits already)"
    if errors:
        return None, errors
    return Change(kpi_id, unit_id, v, effective_from, review_on, text_reason), {}


def for_children(conn: Connection, change: Change, scope: Scope | None = None) -> list[Change]:
    """The same record for every direct child of the change's unit (inside `scope`)."""
    kids = children(conn, change.unit_id)
    if scope is not None:
        inside = subtree(conn, scope.roots)
        kids = [c for c in kids if c in inside]
    return [
        Change(change.kpi_id, c, change.value, change.effective_from, change.review_on, change.reason) for c in kids
    ]


# --- effect of a change: the scoring SQL before and after ------------------------------------------------------


@dataclass(frozen=True)
class PeriodEffect:
    """One unit, KPI and period whose target, status or score a change moves; index is the unit's."""

    unit_id: str
    kpi_id: str | None  # None: only the unit's index moved (a weight change)
    grain: str
    period_start: date
    period_end: date
    partial: bool
    value: float | None
    target_before: float | None
    target_after: float | None
    status_before: str | None
    status_after: str | None
    index_before: float | None
    index_after: float | None

    @property
    def index_delta(self) -> float | None:
        if self.index_before is None or self.index_after is None:
            return None
        return self.index_after - self.index_before


@dataclass(frozen=True)
class UnitEffect:
    """What a change does to one unit and KPI, for a sentence: its target, the status transitions
    with the periods they happen in, and the index change per period."""

    unit_id: str
    kpi_id: str | None
    first_period: date
    target_before: float | None
    target_after: float | None
    transitions: list[tuple[str, str, list[date]]]
    index_deltas: list[tuple[date, float]]


@dataclass(frozen=True)
class Effect:
    grain: str
    period_from: date  # the first period looked at: the one holding the effective day
    rows: list[PeriodEffect]
    periods_after_data: bool = False  # the change takes effect after the last computed period
    conflicts: list[HistoryRow] = field(default_factory=list)

    def by_unit(self) -> list[UnitEffect]:
        """Per unit and KPI (the order of the rows), what changes."""
        groups: dict[tuple[str, str | None], list[PeriodEffect]] = {}
        for r in self.rows:
            groups.setdefault((r.unit_id, r.kpi_id), []).append(r)
        out = []
        for (unit, kpi), rows in groups.items():
            rows.sort(key=lambda r: r.period_start)
            moves: dict[tuple[str, str], list[date]] = {}
            for r in rows:
                if r.status_before != r.status_after and r.status_before and r.status_after:
                    moves.setdefault((r.status_before, r.status_after), []).append(r.period_start)
            deltas = [(r.period_start, d) for r in rows if (d := r.index_delta) is not None and round(d, _EXACT) != 0]
            target_rows = [r for r in rows if r.target_before != r.target_after] or rows
            out.append(
                UnitEffect(
                    unit,
                    kpi,
                    rows[0].period_start,
                    target_rows[0].target_before,
                    target_rows[0].target_after,
                    [(a, b, ps) for (a, b), ps in moves.items()],
                    deltas,
                )
            )
        return out


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return round(a - b, _EXACT) == 0


def _snapshot(conn: Connection, roots: Sequence[str], grain: str, period_from: date, kpis: set[str] | None):
    """Scored rows of the KPIs (None: none) and the index, per unit and period, under `roots`."""
    scope = Scope(tuple(roots))
    kpi_map = {}
    if kpis:
        for r in kpi_rows(conn, scope, grain=grain, period_from=period_from):
            if r.kpi_id in kpis:
                kpi_map[(r.org_unit_id, r.kpi_id, r.period_start)] = r
    index_map = {
        (r.org_unit_id, r.period_start): r for r in score_rows(conn, scope, grain=grain, period_from=period_from)
    }
    return kpi_map, index_map


def _diff(grain: str, period_from: date, before, after, *, order: Mapping[str, int]) -> Effect:
    (kb, ib), (ka, ia) = before, after
    rows = []
    for key, a in ka.items():
        b = kb.get(key)
        unit, _, ps = key
        xb, xa = ib.get((unit, ps)), ia.get((unit, ps))
        index_b = xb.index if xb else None
        index_a = xa.index if xa else None
        if b is not None and _same(b.target, a.target) and b.status == a.status and _same(index_b, index_a):
            continue
        rows.append(
            PeriodEffect(
                unit,
                a.kpi_id,
                grain,
                ps,
                a.period_end,
                a.partial,
                a.value,
                b.target if b else None,
                a.target,
                b.status if b else None,
                a.status,
                index_b,
                index_a,
            )
        )
    if not ka:  # only the index can move (weights)
        for (unit, ps), a in ia.items():
            b = ib.get((unit, ps))
            index_b = b.index if b else None
            if _same(index_b, a.index):
                continue
            rows.append(
                PeriodEffect(
                    unit, None, grain, ps, a.period_end, a.partial, None, None, None, None, None, index_b, a.index
                )
            )
    rows.sort(key=lambda r: (order.get(r.unit_id, 1 << 30), r.unit_id, r.kpi_id or "", r.period_start))
    return Effect(grain, period_from, rows)


def _tree_order(conn: Connection, roots: Sequence[str]) -> dict[str, int]:
    """Units in tree order (parents before children, siblings by name)."""
    rows = conn.execute(
        text(
            "SELECT u.id FROM org_units u JOIN org_closure c ON c.unit_id = u.id JOIN org_units a ON a.id = c.ancestor_id"
            " WHERE u.id IN (SELECT unit_id FROM org_closure WHERE ancestor_id = ANY(CAST(:roots AS text[])))"
            " GROUP BY u.id ORDER BY array_agg(a.name::text ORDER BY c.depth DESC)"
        ),
        {"roots": list(roots)},
    )
    return {u: i for i, u in enumerate(rows.scalars())}


def _last_period_end(conn: Connection, grain: str) -> date | None:
    return conn.execute(
        text("SELECT max(period_end) FROM kpi_values WHERE grain = :g"), {"g": grain}
    ).scalar_one_or_none()


def _roots_of(changes: Sequence[Change]) -> list[str]:
    return list(dict.fromkeys(c.unit_id for c in changes))


def _insert(conn: Connection, changes: Sequence[Change], actor: str | None) -> list[int]:
    t = schema.targets
    ids = []
    for c in changes:
        ids.append(
            conn.execute(
                insert(t)
                .values(
                    kpi_id=c.kpi_id,
                    org_unit_id=c.unit_id,
                    effective_from=c.effective_from,
                    value=c.value,
                    review_on=c.review_on,
                    reason=c.reason,
                    recorded_by=actor,
                )
                .returning(t.c.id)
            ).scalar_one()
        )
    return ids


def _effect_of(conn: Connection, changes: Sequence[Change], grain: str, write) -> tuple[Effect, Any]:
    """Score before, write, score after: the effect, with whatever `write` returned."""
    roots = _roots_of(changes)
    period_from = period_bounds(grain, min(c.effective_from for c in changes))[0]
    kpis = {c.kpi_id for c in changes}
    before = _snapshot(conn, roots, grain, period_from, kpis)
    result = write()
    after = _snapshot(conn, roots, grain, period_from, kpis)
    effect = _diff(grain, period_from, before, after, order=_tree_order(conn, roots))
    last = _last_period_end(conn, grain)
    late = last is not None and min(c.effective_from for c in changes) > last
    return Effect(effect.grain, effect.period_from, effect.rows, late), result


def _check_changes(changes: Sequence[Change], conn: Connection | None = None) -> None:
    """Refuse what no page would send: nothing, a key twice, and (with `conn`) an invalid record."""
    if not changes:
        raise ValueError("no change to save")
    if conn is not None:
        kpis = catalogue(conn)
        for c in changes:
            problems = [
                c.kpi_id not in kpis and f"unknown KPI {c.kpi_id!r}",
                c.value is not None and c.kpi_id in kpis and parse_value(c.value, kpis[c.kpi_id])[1],
                plausible(c.effective_from, date.today()),
                c.review_on is not None and plausible(c.review_on, date.today()),
                check_reason(c.reason)[1],
            ]
            if any(problems):
                raise ValueError(f"invalid change of {c.kpi_id} for {c.unit_id}: {'; '.join(p for p in problems if p)}")
    keys = [(c.kpi_id, c.unit_id, c.effective_from) for c in changes]
    if len(set(keys)) != len(keys):
        raise ValueError("the same KPI, unit and effective date twice in one save")


def preview(
    conn: Connection, changes: Sequence[Change], *, grain: str, seen: Mapping[Key, int] | None = None
) -> Effect:
    """What saving `changes` would do, computed by the scoring SQL on the records as they would be:
    the changes are inserted inside a savepoint, scored, and rolled back. Nothing is written.

    Rows cover every unit under the changed units, every period of `grain` from the one holding
    the earliest effective day. With `seen`, the records added since by others are listed as conflicts.
    """
    _check_changes(changes)
    with conn.begin_nested() as savepoint:
        effect, _ = _effect_of(conn, changes, grain, lambda: _insert(conn, changes, None))
        savepoint.rollback()
    if seen is not None:
        effect = Effect(effect.grain, effect.period_from, effect.rows, effect.periods_after_data, newer(conn, seen))
    return effect


class Conflict(Exception):
    """Someone recorded a change to the same KPI and unit (or the weights) after the page read them."""

    def __init__(self, records: Sequence[Any], message: str) -> None:
        self.records = list(records)
        super().__init__(message)


def newer(conn: Connection, seen: Mapping[Key, int]) -> list[HistoryRow]:
    """Records of the seen keys added after the page read them (ids above its tokens), oldest first."""
    out = []
    for (kpi, unit), token in seen.items():
        out += [h for h in history(conn, kpi=kpi, unit=unit) if h.id > token]
    return sorted(out, key=lambda h: h.id)


def conflict_message(records: Sequence[HistoryRow], names: Mapping[str, str] | None = None) -> str:
    """'Sales South · Adoption rate was changed by lead@acme.test on 2026-12-02 11:20 UTC: 65 from
    2026-06-01 ("Reason").' One sentence per record."""
    parts = []
    for h in records:
        title = BY_ID[h.kpi_id].title if h.kpi_id in BY_ID else h.kpi_id
        what = (
            f"target cleared (inherits {fmt_target(h.kpi_id, h.new.target)}, {h.new.source_text(names or {})})"
            if h.value is None
            else f"target {fmt_target(h.kpi_id, h.value)}"
        )
        parts.append(
            f"{h.unit_name} · {title} was changed by {h.recorded_by or 'an unknown user'} on "
            f"{h.recorded_at:%Y-%m-%d %H:%M} UTC: {what} from {h.effective_from.isoformat()}"
            + (f' ("{h.reason}")' if h.reason else "")
            + "."
        )
    return " ".join(parts)


@dataclass(frozen=True)
class Saved:
    ids: list[int]
    effect: Effect


def _lock(conn: Connection, names: Iterable[str]) -> None:
    """Serialise saves of the same keys (transaction-scoped advisory locks, taken in one order)."""
    for name in sorted(set(names)):
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('flywheel.targets'), hashtext(:k))"), {"k": name})


def save(
    conn: Connection,
    actor: str,
    changes: Sequence[Change],
    seen: Mapping[Key, int],
    *,
    grain: str,
    bulk_of: str | None = None,
) -> Saved:
    """Add one record per change, in the caller's transaction, unless someone recorded a change to
    one of the same KPI-and-unit keys after the page read them (`seen`: key -> newest id then):
    then raise Conflict naming who changed what and when, having written nothing.

    Returns the new ids and the effect, computed exactly as `preview` does. Every record is
    written to the audit log (`bulk_of`: the parent unit of an "apply to every child unit").
    """
    _check_changes(changes, conn)
    _lock(conn, [f"{c.kpi_id}/{c.unit_id}" for c in changes])
    missing = [c.key for c in changes if c.key not in seen]
    if missing:
        raise ValueError(f"no loaded state for {missing}: read the keys before saving them")
    late = newer(conn, {c.key: seen[c.key] for c in changes})
    if late:
        raise Conflict(late, "Not saved: " + conflict_message(late, unit_names(conn)) + " Nothing was overwritten.")
    olds = resolve(conn, [(c.kpi_id, c.unit_id, c.effective_from, None) for c in changes])
    effect, ids = _effect_of(conn, changes, grain, lambda: _insert(conn, changes, actor))
    for c, i, old in zip(changes, ids, olds, strict=True):
        details = {
            "record_id": i,
            "value": c.value,
            "effective_from": c.effective_from.isoformat(),
            "review_on": c.review_on.isoformat() if c.review_on else None,
            "reason": c.reason,
            "old_target": old.target,
            "old_source": old.source if old.source != "inherited" else f"inherited:{old.source_unit}",
        }
        if bulk_of:
            details["applied_to_children_of"] = bulk_of
        audit.record(
            conn, actor, "target.clear" if c.value is None else "target.set", f"{c.kpi_id}@{c.unit_id}", **details
        )
    return Saved(ids, effect)


# --- pillar weights ------------------------------------------------------------------------------------------

PILLAR_IDS = tuple(p.id for p in PILLARS)


@dataclass(frozen=True)
class WeightSet:
    """One saved set of the three weights, with the weights in force on its day just before it."""

    first_id: int
    effective_from: date
    weights: dict[str, float]
    old: dict[str, float]
    reason: str | None
    recorded_by: str | None
    recorded_at: datetime


def weights_at(conn: Connection, day: date) -> dict[str, float]:
    """The weights in force on a day (the database's weights_at, used by the scoring SQL)."""
    rows = conn.execute(text("SELECT pillar, weight FROM weights_at(:d)"), {"d": day})
    found = {r.pillar: r.weight for r in rows}
    return {p: found[p] for p in PILLAR_IDS}


def weight_token(conn: Connection) -> int:
    return conn.execute(text("SELECT coalesce(max(id), 0) FROM pillar_weights")).scalar_one()


# The weights in force on a set's day counting only the records before the set: weights_at's rule.
_WEIGHT_SETS_SQL = """
WITH sets AS (
    SELECT min(id) AS first_id, effective_from, recorded_at, min(recorded_by) AS recorded_by,
           min(reason) AS reason, jsonb_object_agg(pillar, weight) AS weights
    FROM pillar_weights GROUP BY effective_from, recorded_at
)
SELECT s.*, (
    SELECT jsonb_object_agg(p.id, coalesce(
        (SELECT w.weight FROM pillar_weights w
         WHERE w.pillar = p.id AND w.effective_from <= s.effective_from AND w.id < s.first_id
         ORDER BY w.effective_from DESC, w.id DESC LIMIT 1), p.default_weight))
    FROM pillars p) AS old
FROM sets s
WHERE s.first_id > :after
ORDER BY s.first_id DESC
"""


def weight_sets(conn: Connection, *, after: int = 0) -> list[WeightSet]:
    """Every saved weight set, newest first (records with one effective day saved together)."""
    rows = conn.execute(text(_WEIGHT_SETS_SQL), {"after": after})
    return [
        WeightSet(
            r.first_id,
            r.effective_from,
            {p: float(r.weights[p]) for p in PILLAR_IDS if p in r.weights},
            {p: float(r.old[p]) for p in PILLAR_IDS},
            r.reason,
            r.recorded_by,
            r.recorded_at,
        )
        for r in rows
    ]


@dataclass(frozen=True)
class WeightChange:
    weights: dict[str, float]
    effective_from: date
    reason: str


def parse_weights(
    weights: Mapping[str, object], *, effective_from: object, reason: object, today: date | None = None
) -> tuple[WeightChange | None, dict[str, str]]:
    """Validate a weight set: each weight a number from 0 to 100, the three summing to 100, a
    plausible effective day and a reason. Errors keyed by pillar id, 'sum', effective_from, reason."""
    today = today or date.today()
    errors: dict[str, str] = {}
    parsed: dict[str, float] = {}
    for p in PILLAR_IDS:
        v, err = parse_number(weights.get(p), 0.0, 100.0)
        if err:
            errors[p] = err
        else:
            parsed[p] = v
    if len(parsed) == len(PILLAR_IDS):
        total = math.fsum(parsed.values())
        if abs(total - 100) > WEIGHT_SUM_TOLERANCE:
            errors["sum"] = f"The weights sum to {total:g} %, not 100 %"
    if (err := plausible(effective_from, today)) is not None:
        errors["effective_from"] = err
    text_reason, err = check_reason(reason)
    if err:
        errors["reason"] = err
    if errors:
        return None, errors
    return WeightChange(parsed, effective_from, text_reason), {}


def _insert_weights(conn: Connection, change: WeightChange, actor: str | None) -> list[int]:
    t = schema.pillar_weights
    rows = [
        {
            "pillar": p,
            "effective_from": change.effective_from,
            "weight": change.weights[p],
            "reason": change.reason,
            "recorded_by": actor,
        }
        for p in PILLAR_IDS
    ]
    return list(conn.execute(insert(t).returning(t.c.id).values(rows)).scalars())


def _weights_effect(conn: Connection, change: WeightChange, roots: Sequence[str], grain: str, write):
    period_from = period_bounds(grain, change.effective_from)[0]
    before = _snapshot(conn, roots, grain, period_from, None)
    result = write()
    after = _snapshot(conn, roots, grain, period_from, None)
    effect = _diff(grain, period_from, before, after, order=_tree_order(conn, roots))
    last = _last_period_end(conn, grain)
    late = last is not None and change.effective_from > last
    return Effect(effect.grain, effect.period_from, effect.rows, late), result


def preview_weights(conn: Connection, change: WeightChange, *, roots: Sequence[str], grain: str) -> Effect:
    """The index changes a weight set would make under `roots`; inserted in a savepoint, rolled back."""
    with conn.begin_nested() as savepoint:
        effect, _ = _weights_effect(conn, change, roots, grain, lambda: _insert_weights(conn, change, None))
        savepoint.rollback()
    return effect


def weights_conflict_message(sets: Sequence[WeightSet]) -> str:
    parts = []
    for s in sorted(sets, key=lambda s: s.first_id):
        mix = ", ".join(f"{p.title()} {s.weights.get(p, 0):g} %" for p in PILLAR_IDS)
        parts.append(
            f"The pillar weights were changed by {s.recorded_by or 'an unknown user'} on "
            f"{s.recorded_at:%Y-%m-%d %H:%M} UTC: {mix} from {s.effective_from.isoformat()}"
            + (f' ("{s.reason}")' if s.reason else "")
            + "."
        )
    return " ".join(parts)


def save_weights(
    conn: Connection, actor: str, change: WeightChange, seen: int, *, roots: Sequence[str], grain: str
) -> Saved:
    """Add the three records of a weight set unless weights were recorded after the page read them
    (`seen`: the newest weight record id then); audited. The effect is computed as in preview_weights."""
    _lock(conn, ["pillar_weights"])
    late = weight_sets(conn, after=seen)
    if late:
        raise Conflict(late, "Not saved: " + weights_conflict_message(late) + " Nothing was overwritten.")
    olds = weights_at(conn, change.effective_from)
    effect, ids = _weights_effect(conn, change, roots, grain, lambda: _insert_weights(conn, change, actor))
    audit.record(
        conn,
        actor,
        "weights.set",
        "pillar_weights",
        record_ids=ids,
        weights=change.weights,
        old=olds,
        effective_from=change.effective_from.isoformat(),
        reason=change.reason,
    )
    return Saved(ids, effect)


# --- for other pages -------------------------------------------------------------------------------------------


def target_steps(conn: Connection, kpi_id: str, unit_id: str, days: Sequence[date]) -> list[Resolution]:
    """The target in force on each day (e.g. each period end of a trend): a stepped target line."""
    return resolve(conn, [(kpi_id, unit_id, d, None) for d in days])
