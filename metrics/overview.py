"""The Overview's model: index, pillars, scorecard, trend, needs attention, why it moved."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from sqlalchemy import Connection, text

from metrics.periods import Period, periods
from metrics.registry import BY_ID, KPIS, PILLARS
from metrics.scope import Scope
from metrics.scoring import kpi_rows, score_rows

TREND_PERIODS = 13


@dataclass
class Movement:
    """The index change split exactly into pillar and KPI contributions (index points)."""

    delta: float
    pillars: dict[str, float]
    kpis: dict[str, float]
    kpi_deltas: dict[str, float | None] = field(default_factory=dict)


@dataclass
class Overview:
    unit_id: str
    unit_name: str
    period: Period
    previous: Period | None
    scores: pd.DataFrame  # one row per period of the trend: period_start, partial, people, process, technology, index
    scorecard: pd.DataFrame  # one row per KPI
    attention: list[dict]
    movement: Movement | None
    weights: dict[str, float]  # pillar weights in force at the period's end

    @property
    def current_scores(self) -> dict:
        row = self.scores[self.scores["period_start"] == self.period.start]
        return row.iloc[0].to_dict() if len(row) else {}

    @property
    def previous_scores(self) -> dict:
        if self.previous is None:
            return {}
        row = self.scores[self.scores["period_start"] == self.previous.start]
        return row.iloc[0].to_dict() if len(row) else {}


def overview(conn: Connection, scope: Scope, unit: str, grain: str, period_start: date) -> Overview | None:
    """Everything the Overview shows for one unit and period; None when the unit is out of scope."""
    all_periods = periods(conn, grain)
    index = next((i for i, p in enumerate(all_periods) if p.start == period_start), None)
    if index is None:
        return None
    period = all_periods[index]
    previous = all_periods[index - 1] if index > 0 else None
    first = all_periods[max(0, index - TREND_PERIODS + 1)]

    rows = kpi_rows(conn, scope, unit=unit, grain=grain, period_from=first.start, period_to=period.start)
    if not rows:
        return None
    kpis = pd.DataFrame([r._asdict() for r in rows])
    scores = pd.DataFrame(
        [
            r._asdict()
            for r in score_rows(conn, scope, unit=unit, grain=grain, period_from=first.start, period_to=period.start)
        ]
    )
    children = pd.DataFrame(
        [
            r._asdict()
            for r in kpi_rows(conn, scope, parent=unit, grain=grain, period_from=period.start, period_to=period.start)
        ]
    )
    names = dict(
        conn.execute(text("SELECT id, name FROM org_units WHERE parent_id = :u OR id = :u"), {"u": unit}).all()
    )
    weights = _weights(conn, [p.end for p in (period, previous) if p])

    return Overview(
        unit_id=unit,
        unit_name=names.get(unit, unit),
        period=period,
        previous=previous,
        scores=scores.sort_values("period_start").reset_index(drop=True),
        scorecard=_scorecard(kpis, period, previous),
        attention=_attention(kpis, children, names, period),
        movement=_movement(kpis, period, previous) if previous else None,
        weights=weights[period.end],
    )


def _scorecard(kpis: pd.DataFrame, period: Period, previous: Period | None) -> pd.DataFrame:
    out = []
    for k in KPIS:
        history = kpis[kpis["kpi_id"] == k.id].sort_values("period_start")
        now = history[history["period_start"] == period.start]
        if now.empty:
            continue
        now = now.iloc[0]
        before = (
            history[history["period_start"] == previous.start].iloc[0]
            if previous is not None and (history["period_start"] == previous.start).any()
            else None
        )
        value, prev_value = _num(now["value"]), _num(before["value"]) if before is not None else None
        out.append(
            {
                "kpi_id": k.id,
                "pillar": k.pillar,
                "title": k.title,
                "unit": k.unit,
                "value": value,
                "target": float(now["target"]),
                "status": now["status"],
                "attainment": _num(now["attainment"]),
                "delta": value - prev_value if value is not None and prev_value is not None else None,
                "numerator": float(now["numerator"]),
                "denominator": float(now["denominator"]),
                "trend": [_num(v) for v in history["value"]],
                "value_text": k.format(value),
                "target_text": k.format(float(now["target"])),
            }
        )
    return pd.DataFrame(out)


def _num(v) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


def _attention(kpis: pd.DataFrame, children: pd.DataFrame, names: dict[str, str], period: Period) -> list[dict]:
    """Red KPIs of the unit, each with the child units that pull it down (worst first)."""
    now = kpis[(kpis["period_start"] == period.start) & (kpis["status"] == "red")].sort_values("attainment")
    items = []
    for row in now.itertuples():
        k = BY_ID[row.kpi_id]
        pulling: list[dict] = []
        if not children.empty:
            c = children[(children["kpi_id"] == k.id) & (children["status"].isin(["red", "amber"]))]
            c = c.sort_values("attainment").head(3)
            pulling = [
                {
                    "unit_id": r.org_unit_id,
                    "name": names.get(r.org_unit_id, r.org_unit_id),
                    "value": r.value,
                    "value_text": k.format(r.value),
                    "status": r.status,
                }
                for r in c.itertuples()
            ]
        items.append(
            {
                "kpi_id": k.id,
                "title": k.title,
                "value": row.value,
                "value_text": k.format(row.value),
                "target_text": k.format(row.target),
                "children": pulling,
            }
        )
    return items


def _weights(conn: Connection, ends: list[date]) -> dict[date, dict[str, float]]:
    """The pillar weights in force at each day (SQL function weights_at, the one rule)."""
    return {
        end: dict(conn.execute(text("SELECT pillar, weight FROM weights_at(:end)"), {"end": end}).all()) for end in ends
    }


def _contributions(kpis: pd.DataFrame, start: date) -> dict[str, float]:
    """Each KPI's share of the period's index, as the scoring SQL computed it."""
    now = kpis[(kpis["period_start"] == start) & kpis["contribution"].notna()]
    return dict(zip(now["kpi_id"], now["contribution"].astype(float), strict=True))


def _movement(kpis: pd.DataFrame, period: Period, previous: Period) -> Movement:
    now = _contributions(kpis, period.start)
    before = _contributions(kpis, previous.start)
    by_kpi = {k.id: now.get(k.id, 0.0) - before.get(k.id, 0.0) for k in KPIS}
    by_pillar = {p.id: sum(v for k, v in by_kpi.items() if BY_ID[k].pillar == p.id) for p in PILLARS}
    values = kpis.set_index(["kpi_id", "period_start"])["value"]
    deltas = {}
    for k in KPIS:
        a, b = values.get((k.id, period.start)), values.get((k.id, previous.start))
        deltas[k.id] = None if a is None or b is None or pd.isna(a) or pd.isna(b) else float(a) - float(b)
    return Movement(delta=sum(by_pillar.values()), pillars=by_pillar, kpis=by_kpi, kpi_deltas=deltas)
