"""The meeting pack: a board-quality PDF of the Overview for one unit and period, and a CSV of every
number in it.

Built on the server: charts are Vega-Lite specs rendered to SVG by vl-convert (vector images, no
browser), the document is laid out by typst (a self-contained wheel: no system libraries, unlike
WeasyPrint's Pango/cairo, and a real typesetter with tables, page headers and "page N of M"). The
template (`pack.typ`) reads every word and number from a JSON file, so data never becomes markup.

The numbers come from one Overview model: live (`overview()`), or frozen in a snapshot, in which
case the pack shows exactly what the meeting saw, whatever changed since.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection

from db import audit
from metrics import actions as action_model
from metrics import snapshot as snapshots
from metrics.overview import Overview, overview
from metrics.periods import short_label
from metrics.registry import BY_ID, KPIS, PILLARS
from metrics.scope import Scope
from ui import display  # pure formatting (no Streamlit): the pack rounds exactly as the pages do

TEMPLATE = Path(__file__).with_name("pack.typ")
DECISIONS = 3
ACTIONS_SHOWN = 12
CHANGES_SHOWN = 12
CSV_COLUMNS = ("section", "org_unit_id", "kpi_id", "period_start", "measure", "value")


_GRAINS = {"week": ("week", "weeks"), "month": ("month", "months"), "quarter": ("quarter", "quarters")}


def _signed(v: float, decimals: int) -> str:
    """'+2.6', '−0.4' (a real minus sign), '±0.0'."""
    text = f"{v:+.{decimals}f}"
    if float(text) == 0:
        text = f"±{0:.{decimals}f}"
    return text.replace("-", "−")


class PackError(ValueError):
    """The pack cannot be built (unknown period, unit out of scope, unknown snapshot)."""


@dataclass(frozen=True)
class Pack:
    pdf: bytes
    csv: str
    pages: int
    seconds: float
    file_stem: str


def build(
    conn: Connection,
    scope: Scope,
    *,
    unit: str,
    grain: str,
    period_start: date,
    snapshot_id: int | None = None,
    actor: str | None = None,
    today: date | None = None,
    audit_as: str = "pack.export",
) -> Pack:
    """Build the pack (PDF and CSV) for a unit and period, live or from a snapshot; audited as
    `audit_as` (the page says which file was handed over: "pack.pdf" or "pack.csv")."""
    started = time.perf_counter()
    today = today or date.today()
    snap = None
    if snapshot_id is not None:
        snap = snapshots.get(conn, scope, snapshot_id)
        if snap is None:
            raise PackError(f"no snapshot {snapshot_id}")
        if (snap.unit_id, snap.grain, snap.period_start) != (unit, grain, period_start):
            raise PackError(
                f"snapshot {snapshot_id} froze {snap.unit_id} {snap.grain} {snap.period_start}, "
                f"not {unit} {grain} {period_start}"
            )
        model = snap.model
        last_review = snapshots.previous(conn, scope, snap)
    else:
        model = overview(conn, scope, unit, grain, period_start)
        if model is None:
            raise PackError(f"no KPI values for unit {unit!r}, {grain} starting {period_start} in this scope")
        listed = [s for s in snapshots.listing(conn, scope, unit) if s.grain == grain]
        last_review = snapshots.get(conn, scope, listed[0].id) if listed else None
    open_actions = action_model.listing(conn, scope, unit=unit, states=("open", "overdue"), today=today)
    closed = []
    if last_review is not None:
        closed = [
            a
            for a in action_model.listing(conn, scope, unit=unit, states=("done",), today=today)
            if a.updated_at > last_review.created_at
        ]

    data, numbers = _document(model, snap, last_review, open_actions, today, closed)
    pdf, pages = _render(model, data)
    stem = f"flywheel-pack-{unit}-{grain}-{period_start.isoformat()}" + (f"-snapshot-{snap.id}" if snap else "")
    audit.record(
        conn, actor, audit_as, stem, unit=unit, grain=grain, period=period_start.isoformat(),
        snapshot=snapshot_id, pages=pages,
    )  # fmt: skip
    return Pack(pdf, _csv(numbers), pages, time.perf_counter() - started, stem)


# --- the document's words and numbers ----------------------------------------------------------


def _score_text(v) -> str:
    return "–" if v is None or pd.isna(v) else f"{v:.0f}"


def _document(model: Overview, snap, last_review, open_actions, today: date, closed=()) -> tuple[dict, list[tuple]]:
    numbers: list[tuple] = []  # (section, unit, kpi, period, measure, value): every number printed
    period = model.period
    now = model.current_scores
    before = model.previous_scores
    card = model.scorecard

    def num(section: str, measure: str, value, kpi: str = "", unit: str = model.unit_id, when=period.start) -> None:
        numbers.append((section, unit, kpi, when.isoformat() if when else "", measure, value))

    # Cover: index and pillars.
    index = now.get("index")
    index = None if index is None or pd.isna(index) else float(index)
    prev_index = before.get("index")
    prev_index = None if prev_index is None or pd.isna(prev_index) else float(prev_index)
    num("cover", "adoption_index", index)
    index_sub = "no licensed users: no index" if index is None else "index of the three pillars"
    if index is not None and prev_index is not None and model.previous is not None:
        index_sub = f"{display.points(index - prev_index)} vs {display.period_name(model.previous)}"
        num("cover", "adoption_index_change", index - prev_index)
    on_target = int((card["status"] == "green").sum())
    with_data = int((card["status"] != "no_data").sum())
    num("cover", "kpis_on_target", on_target)
    num("cover", "kpis_with_data", with_data)
    index_sub += f" · {on_target} of {with_data} KPIs on target"

    pillars, pages = [], []
    for p in PILLARS:
        score = now.get(p.id)
        score = None if score is None or pd.isna(score) else float(score)
        prev = before.get(p.id)
        prev = None if prev is None or pd.isna(prev) else float(prev)
        rows = card[card["pillar"] == p.id]
        reds, ambers = int((rows["status"] == "red").sum()), int((rows["status"] == "amber").sum())
        weight = model.weights.get(p.id, p.default_weight)
        num("cover", f"{p.id}_score", score)
        num("cover", f"{p.id}_weight", weight)
        summary = ", ".join(
            x for x in (f"{reds} off target" if reds else "", f"{ambers} near target" if ambers else "") if x
        ) or ("all on target" if (rows["status"] == "green").any() else "no data")
        sub = summary
        if score is not None and prev is not None:
            sub = f"{display.points(score - prev)} · {summary}"
        band = model.band(p.id) if score is not None else "no_data"
        if score is None and not model.licensed:
            sub = "no licensed users: no score"
        pillars.append(
            {"title": p.title, "weight": f"{weight:.0f}%", "value": _score_text(score), "sub": sub, "band": band}
        )
        pages.append(_pillar_page(model, p, rows, score, weight, summary, num))

    decisions = []
    for item in model.attention[:DECISIONS]:
        k = BY_ID[item["kpi_id"]]
        decisions.append(
            {
                "title": k.title,
                "status": item["status"],
                "value": display.kpi_value(k, item["value"], item["target"], item["status"]),
                "target": display.kpi_target(k, item["target"]),
                "units": _units_text(k, item["children"]),
                "ask": k.playbook or "an owner and a date to bring it back to target.",
            }
        )
    if len(decisions) < DECISIONS:  # then the amber KPIs furthest from target
        amber = card[card["status"] == "amber"].sort_values("attainment")
        for r in amber.head(DECISIONS - len(decisions)).itertuples():
            k = BY_ID[r.kpi_id]
            decisions.append(
                {
                    "title": k.title,
                    "status": "amber",
                    "value": display.kpi_value(k, r.value, r.target, r.status),
                    "target": display.kpi_target(k, r.target),
                    "units": "",
                    "ask": k.playbook or "an owner and a date to bring it back to target.",
                }
            )

    why = ""
    if model.movement is not None and model.previous is not None and index is not None and prev_index is not None:
        m = model.movement
        parts = " · ".join(f"{p.title} {_signed(m.pillars.get(p.id, 0.0), 1)}" for p in PILLARS)
        why = f"Why it moved: index {_signed(m.delta, 1)} since {display.period_name(model.previous)} = {parts}"
        movers = sorted((k for k, v in m.moved.items() if abs(v) >= 0.05), key=lambda k: -abs(m.moved[k]))[:3]
        if movers:
            why += "; most: " + ", ".join(
                f"{BY_ID[k].title} {display.kpi_delta(BY_ID[k], m.kpi_deltas.get(k))}" for k in movers
            )
        for p in PILLARS:
            num("cover", f"{p.id}_contribution_to_change", m.pillars.get(p.id, 0.0))

    if snap is not None:
        made = snap.created_at.astimezone(UTC)
        source_line = (
            f"Snapshot “{snap.name}” frozen {made.day} {made:%b %Y %H:%M} UTC"
            + (f" by {snap.created_by}" if snap.created_by else "")
            + f" · refresh #{snap.refresh_id}"
            + (
                f" · data {display.day(model.window.start)} – {display.day(model.window.end)}"
                if model.window.end
                else ""
            )
        )
        source_short = f"Snapshot “{snap.name}” ({made.day} {made:%b %Y})"
    else:
        source_line = "Live figures · " + display.window_caption(period, model.window)
        source_short = "Live figures"
    generated = datetime.now(UTC)

    items, more = [], ""
    for a in open_actions[:ACTIONS_SHOWN]:
        items.append(
            {
                "title": a.title,
                "owner": a.owner_name or "(not visible to you)",
                "kpi": a.kpi_title,
                "unit": a.unit_name,
                "due": display.day(a.due_on),
                "state": a.state(today),
            }
        )
        numbers.append(("actions", a.org_unit_id, a.kpi_id, a.due_on.isoformat(), f"action_{a.id}_{a.state(today)}", 1))
    if len(open_actions) > ACTIONS_SHOWN:
        more = f"and {len(open_actions) - ACTIONS_SHOWN} more on the Meetings & actions page"
    overdue = sum(1 for a in open_actions if a.overdue(today))
    num("actions", "open_actions", len(open_actions))
    num("actions", "overdue_actions", overdue)

    return (
        {
            "title": "CRM adoption · meeting pack",
            "unit": model.unit_name,
            "period_label": display.period_name(period),
            "period_long": f"{period.label} ({period.grain})" + (" · partial period" if period.partial else ""),
            "source_line": source_line,
            "source_short": source_short,
            "footer": f"Flywheel · generated {generated.day} {generated:%b %Y %H:%M} UTC · every number is in the CSV",
            "index": {
                "value": _score_text(index),
                "sub": index_sub,
                "band": model.band() if index is not None else "no_data",
            },
            "pillars": pillars,
            "why": why,
            "decisions": decisions,
            "notes": display.partial_notes(period, model.window),
            "trend_caption": _trend_caption(model),
            "glance": _glance(model, open_actions, today, last_review, num),
            "index_chart": _index_rows(model),
            "pillar_pages": pages,
            "actions": items,
            "actions_more": more,
            "actions_summary": f"{len(open_actions)} open, {overdue} overdue · {model.unit_name} and its units"
            if open_actions
            else "",
            "changes": _changes(model, last_review, closed, num),
            "definitions": [
                {
                    "title": f"{p.title} ({model.weights.get(p.id, p.default_weight):.0f}% of the index)",
                    "kpis": [
                        {
                            "title": k.title,
                            "target": display.kpi_target(k, float(k.default_target)),
                            "definition": k.definition,
                        }
                        for k in KPIS
                        if k.pillar == p.id
                    ],
                }
                for p in PILLARS
            ],
            "rules": [
                "Status: on target when the value reaches its target; near target at 90% of it or more; "
                "off target below; no data when nothing was measured (or fewer than 5 people answered a pulse).",
                "KPI score (0–100): 100 at or above target, 80 at 90% of it, 0 at half of it or below.",
                "Pillar score: the mean of its KPIs' scores with data. Adoption Index: the pillar scores "
                "weighted by the pillar weights in force at the end of the period.",
                "Targets are the ones in force at the end of the period for this unit (set on it or inherited).",
            ],
        },
        numbers,
    )


def _units_text(k, groups: list[dict]) -> str:
    text = display.children_text(k, groups)
    return text[0].upper() + text[1:] if text else ""


def _pillar_page(model: Overview, p, rows: pd.DataFrame, score, weight, summary, num) -> dict:
    out_rows, charts = [], []
    periods = model.trend_periods
    for r in rows.itertuples():
        k = BY_ID[r.kpi_id]
        value = None if r.value is None or pd.isna(r.value) else float(r.value)
        target = None if r.target is None or pd.isna(r.target) else float(r.target)
        out_rows.append(
            {
                "title": k.title,
                "status": r.status,
                "value": display.kpi_value(k, value, target, r.status),
                "target": display.kpi_target(k, target),
                "delta": display.kpi_delta(k, r.delta),
                "base": display.based_on(k, value, float(r.numerator), float(r.denominator)),
            }
        )
        num(p.id, "value", value, k.id)
        num(p.id, "target", target, k.id)
        num(p.id, "status", r.status, k.id)
        if value is not None:
            num(p.id, "numerator", float(r.numerator), k.id)
            num(p.id, "denominator", float(r.denominator), k.id)
        num(p.id, "change", None if pd.isna(r.delta) else float(r.delta), k.id)
        trend = list(r.trend) if isinstance(r.trend, list) else []
        targets = list(r.trend_targets) if isinstance(r.trend_targets, list) else []
        shown = periods[len(periods) - len(trend) :] if trend else []
        for per, v, t in zip(shown, trend, targets, strict=False):
            num(f"{p.id}_trend", "value", v, k.id, when=per.start)
            num(f"{p.id}_trend", "target", t, k.id, when=per.start)
        charts.append({"title": k.title, "kpi": k, "periods": shown, "values": trend, "targets": targets})
    attention = []
    for item in model.attention:
        k = BY_ID[item["kpi_id"]]
        if k.pillar != p.id:
            continue
        attention.append(
            {
                "title": k.title,
                "status": item["status"],
                "value": display.kpi_value(k, item["value"], item["target"], item["status"]),
                "target": display.kpi_target(k, item["target"]),
                "units": _units_text(k, item["children"]),
            }
        )
        for g in item["children"]:
            for u in g["units"]:
                num(f"{p.id}_attention", "value", g["value"], k.id, unit=u["unit_id"])
    for r in rows[rows["status"] == "amber"].itertuples():
        k = BY_ID[r.kpi_id]
        attention.append(
            {
                "title": k.title,
                "status": "amber",
                "value": display.kpi_value(k, r.value, r.target, r.status),
                "target": display.kpi_target(k, r.target),
                "units": "near target",
            }
        )
    first = periods[0] if periods else model.period
    return {
        "id": p.id,
        "title": p.title,
        "value": _score_text(score),
        "weight": f"{weight:.0f}%",
        "summary": summary,
        "rows": out_rows,
        "change_header": f"Change vs {display.period_name(model.previous)}" if model.previous else "Change",
        "charts": charts,
        "trend_caption": f"{len(periods)} {_GRAINS[model.period.grain][1]}, "
        f"{display.period_name(first)} – {display.period_name(model.period)}; dashed: target",
        "attention": attention,
    }


def _trend_caption(model: Overview) -> str:
    periods = model.trend_periods or [model.period]
    return (
        f"{display.plural(len(periods), _GRAINS[model.period.grain][0])}, "
        f"{display.period_name(periods[0])} – {display.period_name(model.period)}"
    )


def _glance(model: Overview, open_actions, today: date, last_review, num) -> list[dict]:
    card = model.scorecard
    reds, ambers = int((card["status"] == "red").sum()), int((card["status"] == "amber").sum())
    greens, with_data = int((card["status"] == "green").sum()), int((card["status"] != "no_data").sum())
    overdue = sum(1 for a in open_actions if a.overdue(today))
    num("cover", "licensed_users", model.licensed)
    return [
        {"label": "KPIs on target", "value": f"{greens} of {with_data}", "status": ""},
        {"label": "KPIs off target (red)", "value": str(reds), "status": "red" if reds else ""},
        {"label": "KPIs near target (amber)", "value": str(ambers), "status": "amber" if ambers else ""},
        {"label": "KPIs without data", "value": str(len(card) - with_data), "status": ""},
        {"label": "Open actions", "value": str(len(open_actions)), "status": ""},
        {"label": "Overdue actions", "value": str(overdue), "status": "red" if overdue else ""},
        {"label": "Licensed users", "value": f"{model.licensed:,}", "status": ""},
        {
            "label": "Last review",
            "value": (last_review.name if last_review is not None else "none on record"),
            "status": "",
        },
    ]


def _index_rows(model: Overview) -> list[dict]:
    """Index and pillar scores per trend period, oldest first (the cover chart)."""
    out = []
    scores = model.scores
    for i, p in enumerate(model.trend_periods):
        row = scores[scores["period_start"] == p.start]
        if row.empty:
            continue
        r = row.iloc[0]
        for key, title in (("index", "Adoption Index"), *((q.id, q.title) for q in PILLARS)):
            v = r.get(key)
            if v is not None and not pd.isna(v):
                out.append({"period": short_label(p.grain, p.start), "order": i, "series": title, "value": float(v)})
    return out


def since_last_review(
    conn: Connection, scope: Scope, model: Overview, snap=None, today: date | None = None, against=None
) -> dict:
    """What moved since the previous snapshot of the same unit and grain (before `snap` when given,
    else the latest), or since the snapshot `against` (to compare two snapshots): KPIs whose status,
    value or target changed (status changes first, then the biggest moves) and the actions closed
    since. `since` says against what; `items` may be empty."""
    today = today or date.today()
    if against is not None:
        last = against
    elif snap is not None:
        last = snapshots.previous(conn, scope, snap)
    else:
        listed = [s for s in snapshots.listing(conn, scope, model.unit_id) if s.grain == model.period.grain]
        last = snapshots.get(conn, scope, listed[0].id) if listed else None
    closed = []
    if last is not None:
        closed = [
            a
            for a in action_model.listing(conn, scope, unit=model.unit_id, states=("done",), today=today)
            if a.updated_at > last.created_at
        ]
    return _changes(model, last, closed, lambda *a, **k: None)


def _changes(model: Overview, last: snapshots.Snapshot | None, closed, num) -> dict:
    if last is None:
        return {
            "against": None,
            "since": "No earlier snapshot of this unit: this is the first review on record.",
            "items": [],
            "closed": [],
            "empty": "Freeze a snapshot at each meeting to see what moved between reviews.",
        }
    made = last.created_at.astimezone(UTC)
    since = f"Compared with “{last.name}” ({display.period_name(last.model.period)}, frozen {made.day} {made:%b %Y})."
    old = last.model.scorecard.set_index("kpi_id")
    items = []
    for r in model.scorecard.itertuples():
        if r.kpi_id not in old.index:
            continue
        k, o = BY_ID[r.kpi_id], old.loc[r.kpi_id]
        ov = None if o["value"] is None or pd.isna(o["value"]) else float(o["value"])
        nv = None if r.value is None or pd.isna(r.value) else float(r.value)
        delta = nv - ov if nv is not None and ov is not None else None
        status_changed = o["status"] != r.status
        target_changed = (
            o["target"] is not None
            and r.target is not None
            and not pd.isna(o["target"])
            and not pd.isna(r.target)
            and float(o["target"]) != float(r.target)
        )
        if not (status_changed or target_changed or (delta is not None and abs(delta) > 1e-9)):
            continue
        if status_changed:
            note = f"{display.STATUS_WORDS[o['status']].lower()} → {display.STATUS_WORDS[r.status].lower()}"
        else:
            note = display.STATUS_WORDS[r.status].lower()
        if target_changed:
            note += f"; target {display.kpi_target(k, float(o['target']))} → {display.kpi_target(k, float(r.target))}"
        row = {
            "title": k.title,
            "then": display.kpi_value(k, ov, o["target"], o["status"]),
            "now": display.kpi_value(k, nv, r.target, r.status),
            "status": r.status,
            "note": note,
        }
        items.append((not status_changed, -abs(delta or 0) / (float(r.target) or 1), k.title, row))
        num("changes", "value_then", ov, k.id, when=last.model.period.start)
        num("changes", "value_now", nv, k.id)
    items.sort(key=lambda t: t[:3])
    num("changes", "actions_closed_since", len(closed))
    return {
        "against": last.id,
        "since": since,
        "items": [row for *_, row in items[:CHANGES_SHOWN]],
        "closed": [f"{a.title} ({a.kpi_title}, {a.unit_name})" for a in closed],
        "empty": "Nothing moved since then.",
    }


# --- rendering ---------------------------------------------------------------------------------

STATUS_COLOURS = {"green": "#2e6b3a", "amber": "#b06a00", "red": "#b42318", "no_data": "#9ca3af"}


_AXIS = {"domainColor": "#9ca3af", "gridColor": "#eceef1", "tickColor": "#9ca3af", "labelColor": "#374151"}
_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"


def _x(font: int) -> dict:
    return {
        "field": "period",
        "type": "ordinal",
        "sort": {"field": "order"},
        "title": None,
        "axis": {"labelAngle": 0, "labelFontSize": font, "labelOverlap": "greedy", "labelSeparation": 4},
    }


def chart_spec(c: dict, grain: str) -> dict:
    """A small trend chart: the value and its stepped target, the last point coloured by status.

    Plain Vega-Lite (no Altair objects): building and validating Altair charts cost more than
    rendering them."""
    k = c["kpi"]
    rows = [
        {"period": short_label(grain, p.start), "order": i, "value": _json_num(v), "target": _json_num(t)}
        for i, (p, v, t) in enumerate(zip(c["periods"], c["values"], c["targets"], strict=False))
    ]
    vals = [v for r in rows for v in (r["value"], r["target"]) if v is not None]
    top = max(vals) if vals else 1.0
    domain = [0, 100] if k.unit == "%" else ([1, 5] if k.value_kind == "mean" else [0, (top * 1.15) or 1])
    y = {"type": "quantitative", "scale": {"domain": domain}, "title": None}
    last = [r for r in rows if r["value"] is not None][-1:]
    return {
        "$schema": _SCHEMA,
        "width": 240,
        "height": 62,
        "config": {"font": "Liberation Sans", "view": {"stroke": None}, "axis": _AXIS},
        "layer": [
            {
                "data": {"values": rows},
                "mark": {"type": "line", "interpolate": "step", "strokeDash": [4, 3], "color": "#6b7280",
                         "strokeWidth": 1.2},
                "encoding": {"x": _x(8), "y": {**y, "field": "target"}},
            },
            {
                "data": {"values": rows},
                "mark": {"type": "line", "color": "#1f4e79", "strokeWidth": 2,
                         "point": {"size": 14, "color": "#1f4e79"}},
                "encoding": {
                    "x": _x(8),
                    "y": {**y, "field": "value", "axis": {"tickCount": 3, "labelFontSize": 9, "grid": True}},
                },
            },
            {
                "data": {"values": last},
                "mark": {"type": "point", "filled": True, "size": 70,
                         "color": STATUS_COLOURS.get(c.get("status", "no_data"), "#1f4e79")},
                "encoding": {"x": _x(8), "y": {**y, "field": "value"}},
            },
        ],
    }  # fmt: skip


def _json_num(v) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


def index_spec(rows: list[dict]) -> dict:
    """The cover chart: the index (bold) and the three pillars (thin) over the trend periods."""
    order = ["Adoption Index", *(p.title for p in PILLARS)]
    return {
        "$schema": _SCHEMA,
        "width": 560,
        "height": 120,
        "data": {"values": rows},
        "config": {"font": "Liberation Sans", "view": {"stroke": None}, "axis": _AXIS},
        "mark": {"type": "line", "point": {"size": 12}},
        "encoding": {
            "x": _x(9),
            "y": {"field": "value", "type": "quantitative", "scale": {"domain": [0, 100]}, "title": None,
                  "axis": {"tickCount": 5, "labelFontSize": 9}},
            "color": {"field": "series", "type": "nominal",
                      "scale": {"domain": order, "range": ["#1f4e79", "#7f9cb8", "#a3a3a3", "#c9b37e"]},
                      "legend": {"orient": "top", "title": None, "labelFontSize": 9, "symbolType": "stroke",
                                 "symbolStrokeWidth": 2.5}},
            "strokeWidth": {"field": "series", "type": "nominal",
                            "scale": {"domain": order, "range": [3, 1.4, 1.4, 1.4]}, "legend": None},
        },
    }  # fmt: skip


def _render(model: Overview, data: dict) -> tuple[bytes, int]:
    import typst
    import vl_convert as vlc

    statuses = dict(zip(model.scorecard["kpi_id"], model.scorecard["status"], strict=True))
    with tempfile.TemporaryDirectory(prefix="flywheel-pack-") as tmp:
        root = Path(tmp)
        for page in data["pillar_pages"]:
            for i, c in enumerate(page["charts"]):
                c["status"] = statuses.get(c["kpi"].id, "no_data")
                name = f"chart-{page['id']}-{i}.svg"
                if c["values"]:
                    svg = vlc.vegalite_to_svg(chart_spec(c, model.period.grain))
                else:
                    svg = _empty_svg("No data in these periods")
                (root / name).write_text(svg)
                c["file"] = name
                del c["kpi"], c["periods"], c["values"], c["targets"]
        (root / "chart-index.svg").write_text(
            vlc.vegalite_to_svg(index_spec(data["index_chart"])) if data["index_chart"] else _empty_svg("No scores")
        )
        data = {k: v for k, v in data.items() if k != "index_chart"}
        (root / "data.json").write_text(json.dumps(data, default=str))
        (root / "pack.typ").write_text(TEMPLATE.read_text())
        pdf = typst.compile(str(root / "pack.typ"), root=str(root))
    return pdf, _pages(pdf)


def _empty_svg(message: str) -> str:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="260" height="110" viewBox="0 0 260 110">'
        f'<text x="130" y="58" text-anchor="middle" font-family="Liberation Sans" font-size="11" fill="#6b7280">'
        f"{message}</text></svg>"
    )


def _pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def _csv(numbers: list[tuple]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for row in numbers:
        w.writerow(["" if v is None or (isinstance(v, float) and pd.isna(v)) else v for v in row])
    return buf.getvalue()
