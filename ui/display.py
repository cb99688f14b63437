"""Display formatting for pages: numbers, deltas, status words and safe markdown."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from metrics.overview import Movement
from metrics.periods import Period, short_label
from metrics.registry import BY_ID, PILLARS

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#|<>~$:])")
ATTENTION_SHOWN = 5  # the worst first; the rest are one glance away in the scorecard
STATUS_WORDS = {"green": "On target", "amber": "Near target", "red": "Off target", "no_data": "No data"}
# Red and amber are the only strong colours; green stays quiet.
STATUS_STYLE = {
    "Off target": "background-color: #fbd9d3; color: #8a1c0a; font-weight: 600",
    "Near target": "background-color: #fdebc8; color: #7a4b00; font-weight: 600",
    "On target": "color: #2e6b3a",
    "No data": "color: #8a8f98",
}
TILE_HELP = {
    "index": "Weighted mean of the pillar scores with data (0–100).",
    "people": "Mean attainment (value ÷ target, at most 1) of the People KPIs with data, × 100.",
    "process": "Mean attainment (value ÷ target, at most 1) of the Process KPIs with data, × 100.",
    "technology": "Mean attainment (value ÷ target, at most 1) of the Technology KPIs with data, × 100.",
}


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


def status_counts(statuses: list[str]) -> str:
    """':red[**2 red**] · :orange[**1 amber**] · 4 on target' for a tile's caption."""
    reds, ambers, greens = statuses.count("red"), statuses.count("amber"), statuses.count("green")
    parts = [f":red[**{reds} red**]"] if reds else []
    if ambers:
        parts.append(f":orange[**{ambers} amber**]")
    if greens:
        parts.append("all on target" if not reds and not ambers else f"{greens} on target")
    return " · ".join(parts) or "no data"


def attention_line(item: dict) -> str:
    """'- **Report use in meetings** 41% (target 80%) — pulled down by South 22%, Service 30%'."""
    line = f"- :red[**{escape(item['title'])}**] {escape(item['value_text'])} (target {escape(item['target_text'])})"
    if item["children"]:
        worst = ", ".join(f"{escape(c['name'])} {escape(c['value_text'])}" for c in item["children"])
        line += f" — lowest: {worst}"
    return line


def movement_line(m: Movement) -> str:
    """'+2.6 = People +3.0 (Training coverage +9.0 pts) · Process −0.6 · Technology +0.2'.

    Each pillar names the KPI that moved it most in the pillar's own direction; a KPI that gained
    or lost its data counts too, since that reshuffles the pillar's mean.
    """
    parts = []
    for p in PILLARS:
        contribution = m.pillars.get(p.id, 0.0)
        same_way = [k for k in m.kpis if BY_ID[k].pillar == p.id and m.kpis[k] * contribution > 0]
        top = max(same_way, key=lambda k: abs(m.kpis[k]), default=None)
        text = f"{p.title} {contribution:+.1f}"
        if top is not None and abs(m.kpis[top]) >= 0.05:
            k, change = BY_ID[top], m.kpi_deltas.get(top)
            if change is None:
                what = "new data" if m.kpis[top] > 0 else "no data this period"
                text += f" ({escape(k.title)}: {what})"
            else:
                text += f" ({escape(k.title)} {change:+.1f}{' pts' if k.unit == '%' else ''})"
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


def scorecard_table(card: pd.DataFrame) -> Styler:
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
                "Status": STATUS_WORDS[r.status],
                "Δ": "–" if r.delta is None or pd.isna(r.delta) else f"{r.delta:+.1f}",
                "Trend": [v for v in r.trend if v is not None],
                "Based on": _base(k, r.numerator, r.denominator),
            }
        )
    return pd.DataFrame(rows).style.map(lambda v: STATUS_STYLE.get(v, ""), subset=["Status"])


def _base(k, numerator: float, denominator: float) -> str:
    if k.value_kind == "per_30d":
        return f"{numerator:,.0f} sent in {denominator:,.0f} days"
    if k.value_kind == "per_100_users_30d":
        return f"{numerator:,.0f} for {denominator:,.0f} {k.denominator_label}"
    if k.value_kind == "mean":
        return f"{denominator:,.0f} {k.denominator_label}"
    return f"{numerator:,.0f} of {denominator:,.0f} {k.denominator_label}"
