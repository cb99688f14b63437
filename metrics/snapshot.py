"""Snapshots: an immutable, named as-of copy of what the Overview shows for a unit and period.

The Overview model is stored whole (as JSON) so that a snapshot renders exactly as it did when it
was frozen, and its numbers are also stored as rows (`snapshot_kpis`, `snapshot_scores`) in the
columns of `flywheel kpis` / `flywheel scores`. The tables refuse UPDATE and DELETE (migration 0009),
so later data, target or weight changes never alter a snapshot.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Row, insert, select, text

from db import audit, schema
from metrics.overview import Movement, Overview, Window, overview
from metrics.periods import Period
from metrics.scope import Scope
from metrics.scoring import kpi_rows, score_rows

KPI_FIELDS = ("numerator", "denominator", "value", "target", "status", "attainment", "score", "partial")
SCORE_FIELDS = ("people", "process", "technology", "index", "partial")


class SnapshotError(ValueError):
    """The snapshot cannot be made or found (unknown unit or period, out of scope, no data)."""


@dataclass(frozen=True)
class Snapshot:
    id: int
    name: str
    unit_id: str
    grain: str
    period_start: date
    period_end: date
    refresh_id: int | None
    created_at: datetime
    created_by: str | None
    weights: dict[str, float]
    model: Overview


def create(
    conn: Connection,
    scope: Scope,
    *,
    unit: str,
    grain: str,
    period_start: date,
    name: str,
    actor: str | None = None,
) -> int:
    """Freeze the Overview of `unit` for one period under `name`; returns the new snapshot's id."""
    name = (name or "").strip()
    if not name:
        raise SnapshotError("a snapshot needs a name")
    model = overview(conn, scope, unit, grain, period_start)
    if model is None:
        raise SnapshotError(f"no KPI values for unit {unit!r}, {grain} starting {period_start} in this scope")
    refresh_id = conn.execute(text("SELECT max(id) FROM refreshes WHERE finished_at IS NOT NULL")).scalar_one_or_none()
    scope.apply(conn)
    snapshot_id = conn.execute(
        insert(schema.snapshots)
        .values(
            name=name,
            org_unit_id=unit,
            grain=grain,
            period_start=model.period.start,
            period_end=model.period.end,
            refresh_id=refresh_id,
            weights=_clean(model.weights),
            model=to_json(model),
            created_by=actor,
        )
        .returning(schema.snapshots.c.id)
    ).scalar_one()

    first = model.trend_periods[0].start if model.trend_periods else model.period.start
    rows = kpi_rows(conn, scope, unit=unit, grain=grain, period_from=first, period_to=model.period.start)
    rows += kpi_rows(
        conn, scope, parent=unit, grain=grain, period_from=model.period.start, period_to=model.period.start
    )
    if rows:
        conn.execute(
            insert(schema.snapshot_kpis),
            [
                {
                    "snapshot_id": snapshot_id,
                    "kpi_id": r.kpi_id,
                    "org_unit_id": r.org_unit_id,
                    "grain": r.grain,
                    "period_start": r.period_start,
                    **{f: _plain(getattr(r, f)) for f in KPI_FIELDS},
                }
                for r in rows
            ],
        )
    scores = score_rows(conn, scope, unit=unit, grain=grain, period_from=first, period_to=model.period.start)
    scores += score_rows(
        conn, scope, parent=unit, grain=grain, period_from=model.period.start, period_to=model.period.start
    )
    if scores:
        conn.execute(
            insert(schema.snapshot_scores),
            [
                {
                    "snapshot_id": snapshot_id,
                    "org_unit_id": r.org_unit_id,
                    "grain": r.grain,
                    "period_start": r.period_start,
                    **{f: _plain(getattr(r, f)) for f in SCORE_FIELDS},
                }
                for r in scores
            ],
        )
    audit.record(
        conn, actor, "snapshot.create", f"snapshot {snapshot_id}", name=name, unit=unit, grain=grain,
        period=model.period.start.isoformat(), refresh_id=refresh_id,
    )  # fmt: skip
    return int(snapshot_id)


def listing(conn: Connection, scope: Scope, unit: str | None = None) -> list[Row]:
    """Snapshots visible in `scope`, newest first (id, name, unit, grain, period, who, when)."""
    s, u = schema.snapshots, schema.org_units
    scope.apply(conn)
    query = (
        select(
            s.c.id,
            s.c.name,
            s.c.org_unit_id,
            u.c.name.label("unit_name"),
            s.c.grain,
            s.c.period_start,
            s.c.period_end,
            s.c.refresh_id,
            s.c.created_at,
            s.c.created_by,
        )  # fmt: skip
        .join(u, u.c.id == s.c.org_unit_id)
        .order_by(s.c.created_at.desc(), s.c.id.desc())
    )
    if unit is not None:
        query = query.where(s.c.org_unit_id == unit)
    return list(conn.execute(query))


def get(conn: Connection, scope: Scope, snapshot_id: int) -> Snapshot | None:
    """One snapshot with its frozen Overview model; None when it does not exist or is out of scope."""
    scope.apply(conn)
    r = conn.execute(select(schema.snapshots).where(schema.snapshots.c.id == snapshot_id)).first()
    if r is None:
        return None
    return Snapshot(
        id=int(r.id),
        name=r.name,
        unit_id=r.org_unit_id,
        grain=r.grain,
        period_start=r.period_start,
        period_end=r.period_end,
        refresh_id=r.refresh_id,
        created_at=r.created_at,
        created_by=r.created_by,
        weights=dict(r.weights),
        model=from_json(r.model),
    )


def previous(conn: Connection, scope: Scope, snapshot: Snapshot) -> Snapshot | None:
    """The snapshot of the same unit and grain frozen before this one (the last review), if any."""
    scope.apply(conn)
    s = schema.snapshots
    prior = conn.execute(
        select(s.c.id)
        .where(s.c.org_unit_id == snapshot.unit_id, s.c.grain == snapshot.grain, s.c.id < snapshot.id)
        .order_by(s.c.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return get(conn, scope, prior) if prior is not None else None


def frozen_kpis(conn: Connection, scope: Scope, snapshot_id: int) -> list[Row]:
    """The snapshot's KPI rows in the columns of `flywheel kpis`."""
    scope.apply(conn)
    t = schema.snapshot_kpis
    return list(
        conn.execute(
            select(
                t.c.kpi_id,
                t.c.org_unit_id,
                t.c.grain,
                t.c.period_start,
                t.c.numerator,
                t.c.denominator,
                t.c.value,
                t.c.target,
                t.c.status,
                t.c.partial,
            )  # fmt: skip
            .where(t.c.snapshot_id == snapshot_id)
            .order_by(t.c.kpi_id, t.c.org_unit_id, t.c.period_start)
        )
    )


def frozen_scores(conn: Connection, scope: Scope, snapshot_id: int) -> list[Row]:
    """The snapshot's pillar scores and index in the columns of `flywheel scores`."""
    scope.apply(conn)
    t = schema.snapshot_scores
    return list(
        conn.execute(
            select(
                t.c.org_unit_id,
                t.c.grain,
                t.c.period_start,
                t.c.people,
                t.c.process,
                t.c.technology,
                t.c.index,
                t.c.partial,
            )  # fmt: skip
            .where(t.c.snapshot_id == snapshot_id)
            .order_by(t.c.org_unit_id, t.c.period_start)
        )
    )


# --- the Overview model as JSON and back -------------------------------------------------------


def _plain(v: Any) -> Any:
    """A JSON/SQL-friendly scalar: no NaN, no numpy or Decimal types."""
    if v is None:
        return None
    if hasattr(v, "item") and not isinstance(v, (list, dict, str)):
        v = v.item()
    if isinstance(v, Decimal):
        v = float(v)
    if isinstance(v, float) and math.isnan(v):
        return None
    if v is pd.NaT:
        return None
    return v


def _clean(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, pd.Timestamp):
        return obj.date().isoformat()
    if isinstance(obj, (date, datetime)):
        return obj.isoformat()
    v = _plain(obj)
    return v


def _frame(df: pd.DataFrame) -> list[dict]:
    return [_clean(r) for r in df.to_dict("records")]


def to_json(m: Overview) -> dict:
    """The Overview model as plain JSON (dates as ISO strings, NaN as null)."""
    return _clean(
        {
            "unit_id": m.unit_id,
            "unit_name": m.unit_name,
            "period": asdict(m.period),
            "previous": asdict(m.previous) if m.previous else None,
            "scores": _frame(m.scores),
            "scorecard": _frame(m.scorecard),
            "attention": m.attention,
            "movement": asdict(m.movement) if m.movement else None,
            "weights": m.weights,
            "trend_periods": [asdict(p) for p in m.trend_periods],
            "window": asdict(m.window),
        }
    )


def _period(d: dict | None) -> Period | None:
    if d is None:
        return None
    return Period(d["grain"], date.fromisoformat(d["start"]), date.fromisoformat(d["end"]), bool(d["partial"]))


def from_json(d: dict | str) -> Overview:
    """An Overview model from to_json's output."""
    if isinstance(d, str):
        d = json.loads(d)
    scores = pd.DataFrame(d["scores"])
    if not scores.empty:
        scores["period_start"] = [date.fromisoformat(v) for v in scores["period_start"]]
        if "period_end" in scores:
            scores["period_end"] = [date.fromisoformat(v) for v in scores["period_end"]]
    w = d.get("window") or {}
    return Overview(
        unit_id=d["unit_id"],
        unit_name=d["unit_name"],
        period=_period(d["period"]),
        previous=_period(d["previous"]),
        scores=scores,
        scorecard=pd.DataFrame(d["scorecard"]),
        attention=d["attention"],
        movement=Movement(**d["movement"]) if d.get("movement") else None,
        weights=d["weights"],
        trend_periods=[_period(p) for p in d["trend_periods"]],
        window=Window(
            date.fromisoformat(w["start"]) if w.get("start") else None,
            date.fromisoformat(w["end"]) if w.get("end") else None,
            datetime.fromisoformat(w["refreshed"]) if w.get("refreshed") else None,
        ),
    )
