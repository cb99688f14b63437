"""Snapshots: an immutable, named as-of copy of what the Overview and pillar pages show for a unit
and period.

The Overview model is stored whole (as JSON) so that a snapshot renders exactly as it did when it
was frozen, and its numbers are also stored as rows (`snapshot_kpis`, `snapshot_scores`) in the
columns of `flywheel kpis` / `flywheel scores`. The People, Process and Technology page models of
the unit and its child units are stored as JSON too (`snapshot_pillars`, migration 0010), without
the people of a team. The tables refuse UPDATE and DELETE, so later data, target or weight changes
never alter a snapshot.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Row, insert, select, text

from db import audit, schema
from metrics.overview import Movement, Overview, Window, overview
from metrics.periods import Period
from metrics.pillar import Card, PillarView, UnitRef, pillar
from metrics.registry import BY_ID, PILLARS
from metrics.scope import Scope
from metrics.scoring import kpi_rows, score_rows

# Tables whose rows are person-level (row-level security shows them to managers, leads and admins
# only): what is counted from them is shown, frozen as live, only to viewers allowed those rows.
PERSON_SOURCES = ("crm_activity", "training_completions", "pulse_responses", "recognitions", "feedback")
PERSON_VIEWS = {"people": ("quadrant", "funnel", "pulse", "barrier"), "technology": ("activity_mix", "open_issues")}
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
    _freeze_pillars(conn, scope, snapshot_id, unit, grain, model.period.start)
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


def _freeze_pillars(conn: Connection, scope: Scope, snapshot_id: int, unit: str, grain: str, start: date) -> None:
    """Store the three pillar pages of the unit and of its child units (drilling one level down
    stays inside the snapshot); a team's people are never stored."""
    rows = []
    for p in PILLARS:
        top = pillar(conn, scope, p.id, unit, grain, start)
        if top is None:
            continue
        views = [top] + [pillar(conn, scope, p.id, c.id, grain, start) for c in top.children]
        rows += [
            {"snapshot_id": snapshot_id, "org_unit_id": v.unit.id, "pillar": p.id, "view": pillar_to_json(v)}
            for v in views
            if v is not None
        ]
    if rows:
        scope.apply(conn)
        conn.execute(insert(schema.snapshot_pillars), rows)


def held_units(conn: Connection, scope: Scope, snapshot_id: int) -> list[str]:
    """The units whose pillar pages the snapshot holds (none: taken before pillar pages were frozen)."""
    scope.apply(conn)
    t = schema.snapshot_pillars
    return list(
        conn.execute(
            select(t.c.org_unit_id).where(t.c.snapshot_id == snapshot_id).distinct().order_by(t.c.org_unit_id)
        ).scalars()
    )


def frozen_pillar(conn: Connection, scope: Scope, snapshot_id: int, pillar_id: str, unit: str) -> PillarView | None:
    """A pillar page as of the snapshot, as `scope` may see it; None when the snapshot does not
    hold it (or is out of scope).

    What is counted from person-level rows is kept only for viewers allowed those rows, as on the
    live page: a sponsor reads the frozen KPIs, not the frozen training x usage counts.
    """
    scope.apply(conn)
    t = schema.snapshot_pillars
    stored = conn.execute(
        select(t.c.view).where(t.c.snapshot_id == snapshot_id, t.c.pillar == pillar_id, t.c.org_unit_id == unit)
    ).scalar_one_or_none()
    if stored is None:
        return None
    view = pillar_from_json(stored)
    if scope.people:
        return view
    sees_own = bool(scope.person)
    view.cards = [
        c if c.source_table not in PERSON_SOURCES or sees_own else replace(c, latest_data=None) for c in view.cards
    ]
    view.views = {k: v for k, v in view.views.items() if k not in PERSON_VIEWS.get(pillar_id, ())}
    view.views["person_level"] = False
    if "sees_people" in view.views:
        view.views["sees_people"] = False
    return view


# --- the pillar page model as JSON and back ------------------------------------------------------


def _table(df: pd.DataFrame) -> dict:
    """A frame as JSON: its rows, its columns in order, and which columns hold dates."""
    dated = [c for c in df.columns if len(df) and all(isinstance(v, date) for v in df[c] if v is not None)]
    return {"__frame__": _frame(df), "columns": [str(c) for c in df.columns], "dates": dated}


def _untable(d: dict) -> pd.DataFrame:
    df = pd.DataFrame(d["__frame__"], columns=d["columns"])
    for c in d["dates"]:
        df[c] = [date.fromisoformat(v) if isinstance(v, str) else v for v in df[c]]
    return df


def _suppressed(kpi_id: str, value: Any) -> bool:
    """A pulse below its respondent threshold: its base is not stored either (it is what is hidden)."""
    return bool(BY_ID[kpi_id].min_respondents) and _plain(value) is None


def _unref(d: dict | None) -> UnitRef | None:
    return UnitRef(**d) if d is not None else None


def pillar_to_json(v: PillarView) -> dict:
    """A pillar page model as plain JSON, without the people of a team."""
    cards = []
    for c in v.cards:
        card = asdict(c)
        if _suppressed(c.kpi_id, c.value):
            card["numerator"] = card["denominator"] = None
        cards.append(card)
    trend, breakdown = v.trend.copy(), v.breakdown.copy()
    for frame in (trend, breakdown):
        hidden = [_suppressed(k, x) for k, x in zip(frame["kpi_id"], frame["value"], strict=True)]
        frame.loc[hidden, ["numerator", "denominator"]] = None
    views = {k: _table(x) if isinstance(x, pd.DataFrame) else x for k, x in v.views.items()}
    return _clean(
        {
            "pillar": v.pillar,
            "title": v.title,
            "unit": asdict(v.unit),
            "period": asdict(v.period),
            "previous": asdict(v.previous) if v.previous else None,
            "k": v.k,
            "breadcrumb": [asdict(u) for u in v.breadcrumb],
            "children": [asdict(u) for u in v.children],
            "parent": asdict(v.parent) if v.parent else None,
            "company": asdict(v.company) if v.company else None,
            "score": v.score,
            "previous_score": v.previous_score,
            "cards": cards,
            "trend": _table(trend),
            "breakdown": _table(breakdown),
            "league": _table(v.league),
            "views": views,
        }
    )


_CARD_DATES = ("target_since", "latest_data", "last_import")


def pillar_from_json(d: dict | str) -> PillarView:
    """A pillar page model from pillar_to_json's output (`people` is None: never frozen)."""
    if isinstance(d, str):
        d = json.loads(d)
    names = {f.name for f in fields(Card)}
    cards = [
        Card(**{k: date.fromisoformat(x) if k in _CARD_DATES and x else x for k, x in c.items() if k in names})
        for c in d["cards"]
    ]
    views = {k: _untable(x) if isinstance(x, dict) and "__frame__" in x else x for k, x in d["views"].items()}
    return PillarView(
        pillar=d["pillar"],
        title=d["title"],
        unit=_unref(d["unit"]),
        period=_period(d["period"]),
        previous=_period(d["previous"]),
        k=d["k"],
        breadcrumb=[_unref(u) for u in d["breadcrumb"]],
        children=[_unref(u) for u in d["children"]],
        parent=_unref(d["parent"]),
        company=_unref(d["company"]),
        score=d["score"],
        previous_score=d["previous_score"],
        cards=cards,
        trend=_untable(d["trend"]),
        breakdown=_untable(d["breakdown"]),
        people=None,
        league=_untable(d["league"]),
        views=views,
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
