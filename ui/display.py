"""Display formatting for pages: numbers, deltas, status words and safe markdown."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from metrics.overview import Movement
from metrics.periods import Period, short_label
from metrics.registry import BY_ID, PILLARS

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#|<>~$:])")
STATUS_WORDS = {"green": "On target", "amber": "Close", "red": "Off target", "no_data": "No data"}
STATUS_ICONS = {"green": "🟢", "amber": "🟠", "red": "🔴", "no_data": "⚪"}


def escape(s: str) -> str:
    """Neutralise markdown in data (unit and KPI names) before it reaches st.markdown."""
    return _MD_SPECIAL.sub(r"\\\1", str(s))


def score(v: float | None) -> str:
    return "–" if v is None or pd.isna(v) else f"{v:.1f}"


def short_period(p: Period) -> str:
    return short_label(p.grain, p.start)


def delta(now: float | None, before: float | None, previous: str | None) -> str | None:
    if now is None or before is None or pd.isna(now) or pd.isna(before):
        return None
    return f"{now - before:+.1f} vs {previous}"


def pillar_status(statuses: list[str]) -> str:
    reds, ambers = statuses.count("red"), statuses.count("amber")
    if not reds and not ambers:
        return "all on target" if any(s != "no_data" for s in statuses) else "no data"
    parts = [f"{reds} red"] if reds else []
    if ambers:
        parts.append(f"{ambers} amber")
    return ", ".join(parts)


def attention_line(item: dict) -> str:
    """'- **Report use in meetings** 41% (target 80%) — pulled down by South 22%, Service 30%'."""
    line = f"- 🔴 **{escape(item['title'])}** {escape(item['value_text'])} (target {escape(item['target_text'])})"
    if item["children"]:
        worst = ", ".join(f"{escape(c['name'])} {escape(c['value_text'])}" for c in item["children"])
        line += f" — lowest: {worst}"
    return line


def movement_line(m: Movement, card: pd.DataFrame) -> str:
    """'+2.6 = People +3.0 (Training coverage +9.0) + Process −0.6 + Technology +0.2'."""
    parts = []
    for p in PILLARS:
        contribution = m.pillars.get(p.id, 0.0)
        kpis = [k for k in m.kpis if BY_ID[k].pillar == p.id]
        top = max(kpis, key=lambda k: abs(m.kpis[k]), default=None)
        text = f"{p.title} {contribution:+.1f}"
        if top is not None and abs(m.kpis[top]) >= 0.05 and m.kpi_deltas.get(top) is not None:
            k = BY_ID[top]
            unit = " pts" if k.unit == "%" else ""
            text += f" ({escape(k.title)} {m.kpi_deltas[top]:+.1f}{unit})"
        parts.append(text)
    return f"{m.delta:+.1f} index points = " + " · ".join(parts)


SCORECARD_COLUMNS = {
    "Pillar": st.column_config.TextColumn(width="small"),
    "KPI": st.column_config.TextColumn(width="medium"),
    "Value": st.column_config.TextColumn(width="small"),
    "Target": st.column_config.TextColumn(width="small"),
    "Status": st.column_config.TextColumn(width="small"),
    "Δ": st.column_config.TextColumn(width="small", help="Change since the previous period, in the KPI's own unit"),
    "Trend": st.column_config.LineChartColumn(width="small", help="Last 13 periods"),
    "Based on": st.column_config.TextColumn(width="medium", help="Numerator of denominator"),
}


def scorecard_table(card: pd.DataFrame) -> pd.DataFrame:
    """The scorecard as shown: one row per KPI, grouped by pillar, every number with its base."""
    rows = []
    for r in card.itertuples():
        k = BY_ID[r.kpi_id]
        rows.append(
            {
                "Pillar": k.pillar.title(),
                "KPI": k.title,
                "Value": r.value_text,
                "Target": r.target_text,
                "Status": f"{STATUS_ICONS[r.status]} {STATUS_WORDS[r.status]}",
                "Δ": "–" if r.delta is None or pd.isna(r.delta) else f"{r.delta:+.1f}",
                "Trend": [v for v in r.trend if v is not None],
                "Based on": _base(k, r.numerator, r.denominator),
            }
        )
    return pd.DataFrame(rows)


def _base(k, numerator: float, denominator: float) -> str:
    if k.value_kind == "per_30d":
        return f"{numerator:,.0f} sent in {denominator:,.0f} days"
    if k.value_kind == "per_100_users_30d":
        return f"{numerator:,.0f} for {denominator:,.0f} {k.denominator_label}"
    if k.value_kind == "mean":
        return f"{denominator:,.0f} {k.denominator_label}"
    return f"{numerator:,.0f} of {denominator:,.0f} {k.denominator_label}"
