"""The Overview's model: index, pillars, scorecard, trend, needs attention, why it moved."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd
from sqlalchemy import Connection, text

from metrics.periods import Period, periods
from metrics.registry import BY_ID, KPIS, PILLARS
from metrics.scope import Scope
from metrics.scoring import kpi_rows, score_rows

TREND_PERIODS = 13
ATTENTION_UNITS = 3  # child units named per red KPI (a tie is never cut in two)
# Two numbers are equal when they agree to 9 decimals (the rule the scoring SQL decides status with).
_EXACT = 9


@dataclass(frozen=True)
class Window:
    """The data window of the last refresh: the first and last day with data, and when it ran."""

    start: date | None
    end: date | None
    refreshed: datetime | None

    def cut_at_start(self, p: Period) -> bool:
        """The period began before the data did: its numbers are final but cover fewer days."""
        return self.start is not None and p.start < self.start

    def cut_at_end(self, p: Period) -> bool:
        """The period is not over in the data yet: its numbers are 'so far' and will still move."""
        return self.end is not None and p.end > self.end


@dataclass
class Movement:
    """The index change split exactly into pillar and KPI contributions (index points).

    `kpis` is each KPI's change of contribution (they add up to `delta`). For the reader it is
    split again: `moved` is what KPIs with data in both periods added by changing their score;
    `data_changed` names the KPIs that gained or lost data, and `rest` (per pillar) is what that,
    and any change of pillar weights, added. `sum(moved) + sum(rest) == delta`, exactly.
    """

    delta: float
    pillars: dict[str, float]
    kpis: dict[str, float]
    kpi_deltas: dict[str, float | None] = field(default_factory=dict)
    moved: dict[str, float] = field(default_factory=dict)
    data_changed: dict[str, str] = field(default_factory=dict)  # kpi -> "gained" | "lost"
    rest: dict[str, float] = field(default_factory=dict)  # pillar -> index points


@dataclass
class Overview:
    unit_id: str
    unit_name: str
    period: Period
    previous: Period | None
    scores: pd.DataFrame  # one row per period of the trend: period_start, partial, people, ..., index, licensed
    scorecard: pd.DataFrame  # one row per KPI
    attention: list[dict]
    movement: Movement | None
    weights: dict[str, float]  # pillar weights in force at the period's end
    trend_periods: list[Period] = field(default_factory=list)  # the periods of `scores`, oldest first
    window: Window = field(default_factory=lambda: Window(None, None, None))

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

    @property
    def licensed(self) -> int:
        """|L(U,P)|: the unit's licensed users in the period (0: no index, nobody to adopt)."""
        v = self.current_scores.get("licensed")
        return 0 if v is None or pd.isna(v) else int(v)

    def band(self, pillar: str | None = None) -> str:
        """The status band of the index (pillar None) or of one pillar, from its KPIs' statuses."""
        card = self.scorecard
        statuses = card["status"] if pillar is None else card.loc[card["pillar"] == pillar, "status"]
        return band(list(statuses))


def band(statuses: list[str]) -> str:
    """green only when every KPI with data is on target, red when any is red, else amber."""
    with_data = [s for s in statuses if s != "no_data"]
    if not with_data:
        return "no_data"
    if "red" in with_data:
        return "red"
    return "green" if all(s == "green" for s in with_data) else "amber"


def window(conn: Connection) -> Window:
    """The last finished refresh's data window."""
    row = conn.execute(
        text(
            "SELECT window_start, window_end, finished_at FROM refreshes "
            "WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1"
        )
    ).first()
    return Window(row.window_start, row.window_end, row.finished_at) if row else Window(None, None, None)


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
        trend_periods=all_periods[max(0, index - TREND_PERIODS + 1) : index + 1],
        window=window(conn),
    )


def _scorecard(kpis: pd.DataFrame, period: Period, previous: Period | None) -> pd.DataFrame:
    out = []
    for k in KPIS:
        history = kpis[kpis["kpi_id"] == k.id].sort_values("period_start")
        now = history[history["period_start"] == period.start]
        if now.empty:
            # Row-level security hides a suppressed value entirely (too few respondents): the
            # viewer learns nothing of it, not even its base or its target.
            out.append(_hidden(k))
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
                "score": _num(now["score"]),
                "previous_value": prev_value,
                "delta": value - prev_value if value is not None and prev_value is not None else None,
                "numerator": float(now["numerator"]),
                "denominator": float(now["denominator"]),
                "trend": [_num(v) for v in history["value"]],
                "trend_targets": [float(v) for v in history["target"]],
            }
        )
    return pd.DataFrame(out)


def _hidden(k) -> dict:
    return {
        "kpi_id": k.id,
        "pillar": k.pillar,
        "title": k.title,
        "unit": k.unit,
        "value": None,
        "target": None,
        "status": "no_data",
        "attainment": None,
        "score": None,
        "previous_value": None,
        "delta": None,
        "numerator": 0.0,
        "denominator": 0.0,
        "trend": [],
        "trend_targets": [],
    }


def _num(v) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


def _attention(kpis: pd.DataFrame, children: pd.DataFrame, names: dict[str, str], period: Period) -> list[dict]:
    """Red KPIs of the unit (furthest from target first), each with the child units that pull it down.

    Children are red or amber for that KPI, furthest from target first, in groups of equal values:
    whole groups are taken until ATTENTION_UNITS units are named, so a tie is always said whole.
    """
    now = kpis[(kpis["period_start"] == period.start) & (kpis["status"] == "red")]
    now = now.sort_values(["attainment", "position"], kind="stable")
    items = []
    for row in now.itertuples():
        k = BY_ID[row.kpi_id]
        groups: list[dict] = []
        if not children.empty:
            c = children[(children["kpi_id"] == k.id) & (children["status"].isin(["red", "amber"]))].copy()
            c["name"] = [names.get(u, u) for u in c["org_unit_id"]]
            c = c.sort_values(["attainment", "value", "name"], kind="stable")
            listed = 0
            for r in c.itertuples():
                key = (round(float(r.attainment), _EXACT), round(float(r.value), _EXACT))
                if groups and groups[-1]["key"] == key:
                    groups[-1]["units"].append({"unit_id": r.org_unit_id, "name": r.name})
                    listed += 1
                    continue
                if listed >= ATTENTION_UNITS:
                    break
                groups.append(
                    {
                        "key": key,
                        "value": float(r.value),
                        "target": float(r.target),
                        "status": r.status,
                        "units": [{"unit_id": r.org_unit_id, "name": r.name}],
                    }
                )
                listed += 1
        items.append(
            {
                "kpi_id": k.id,
                "title": k.title,
                "value": float(row.value),
                "target": float(row.target),
                "status": row.status,
                "children": [{key: g[key] for key in ("value", "target", "status", "units")} for g in groups],
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


def _factors(kpis: pd.DataFrame, start: date) -> dict[str, float]:
    """Index points per KPI score point, per pillar: w_p / W / n_p, from the scored rows' weights.

    Only used to split a pillar's change between its KPIs; the index itself is the SQL's sum.
    """
    now = kpis[(kpis["period_start"] == start) & kpis["contribution"].notna()]
    if now.empty:
        return {}
    per_pillar = now.groupby("pillar").agg(weight=("weight", "first"), n=("kpi_id", "count"))
    total = float(per_pillar["weight"].sum())
    if not total:
        return {}
    return {p: float(r.weight) / total / int(r.n) for p, r in per_pillar.iterrows()}


def _movement(kpis: pd.DataFrame, period: Period, previous: Period) -> Movement:
    now = _contributions(kpis, period.start)
    before = _contributions(kpis, previous.start)
    by_kpi = {k.id: now.get(k.id, 0.0) - before.get(k.id, 0.0) for k in KPIS}
    by_pillar = {p.id: sum(v for k, v in by_kpi.items() if BY_ID[k].pillar == p.id) for p in PILLARS}

    scores = kpis.set_index(["kpi_id", "period_start"])["score"]
    values = kpis.set_index(["kpi_id", "period_start"])["value"]
    f_now, f_before = _factors(kpis, period.start), _factors(kpis, previous.start)
    deltas: dict[str, float | None] = {}
    moved: dict[str, float] = {}
    data_changed: dict[str, str] = {}
    for k in KPIS:
        a, b = _num(values.get((k.id, period.start))), _num(values.get((k.id, previous.start)))
        deltas[k.id] = None if a is None or b is None else a - b
        in_now, in_before = k.id in now, k.id in before
        if in_now and in_before:
            # Score change times the mean of both periods' factors: exact when nothing else changed.
            factor = (f_now.get(k.pillar, 0.0) + f_before.get(k.pillar, 0.0)) / 2
            moved[k.id] = (_num(scores.get((k.id, period.start))) - _num(scores.get((k.id, previous.start)))) * factor
        elif in_now != in_before:
            data_changed[k.id] = "gained" if in_now else "lost"
    rest = {p.id: by_pillar[p.id] - sum(v for k, v in moved.items() if BY_ID[k].pillar == p.id) for p in PILLARS}
    return Movement(
        delta=sum(by_pillar.values()),
        pillars=by_pillar,
        kpis=by_kpi,
        kpi_deltas=deltas,
        moved=moved,
        data_changed=data_changed,
        rest=rest,
    )
