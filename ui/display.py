"""Display formatting for pages: numbers with their units, periods, status words and safe markdown.

Everything here returns plain text (or markdown with the data escaped); ui/cards.py turns it into
HTML with the data escaped again for HTML.
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd

from metrics.overview import Movement, Window
from metrics.periods import Period
from metrics.registry import BY_ID, PILLARS, Kpi

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#|<>~$:])")
ATTENTION_SHOWN = 5  # the worst first; the rest are one glance away in the scorecard
MOVERS_SHOWN = 4  # KPIs named in "Why it moved"
NAMES_SHOWN = 3  # unit names listed in one tie before "and N more"
STATUS_WORDS = {"green": "On target", "amber": "Near target", "red": "Off target", "no_data": "No data"}
# Table cells: red and amber are the only strong colours; green stays quiet.
STATUS_STYLE = {
    "Off target": "background-color: #fbd9d3; color: #8a1c0a; font-weight: 600",
    "Near target": "background-color: #fdebc8; color: #7a4b00; font-weight: 600",
    "On target": "color: #2e6b3a",
    "No data": "color: #6b7280",
}
# Units as a reader sees them after a value, and after a change of value.
VALUE_UNITS = {"percent": "%", "mean": "/5", "per_100_users_30d": "/100 users/30 days", "per_30d": "/30 days"}
DELTA_UNITS = {"percent": "pts", "mean": "/5", "per_100_users_30d": "/100 users/30 days", "per_30d": "/30 days"}
DECIMALS = {"percent": 0, "mean": 2, "per_100_users_30d": 1, "per_30d": 1}
DELTA_DECIMALS = {"percent": 1, "mean": 2, "per_100_users_30d": 1, "per_30d": 1}
MAX_DECIMALS = 6
# Singular forms of the registry's denominator labels, for "1 response" and the like.
_SINGULAR = {
    "licensed users": "licensed user",
    "new users": "new user",
    "responses": "response",
    "held management meetings": "held management meeting",
    "due meetings": "due meeting",
    "held coaching sessions": "held coaching session",
    "held governance meetings": "held governance meeting",
    "checked records": "checked record",
    "issues due": "issue due",
    "recognitions": "recognition",
    "communications received": "communication received",
}
TILE_HELP = {
    "index": "Weighted mean of the pillar scores (0–100). A KPI scores 100 at or above its target, "
    "80 at 90 % of it, 0 at half of it or below.",
    "pillar": "Mean KPI score (0–100) of the pillar's KPIs with data.",
}


def escape(s: str) -> str:
    """Neutralise markdown in data (unit and KPI names) before it reaches st.markdown."""
    return _MD_SPECIAL.sub(r"\\\1", str(s))


def plural(n: int, one: str, many: str | None = None) -> str:
    """'1 quarter', '4 quarters'."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def day(d: date) -> str:
    """'1 Nov 2025'."""
    return f"{d.day} {d:%b %Y}"


def period_name(p: Period) -> str:
    """A short period name that keeps its year: 'Sep 2026', 'Q3 2026', 'W43 2026'."""
    if p.grain == "month":
        return f"{p.start:%b %Y}"
    if p.grain == "quarter":
        return f"Q{(p.start.month - 1) // 3 + 1} {p.start.year}"
    iso = p.start.isocalendar()
    return f"W{iso.week} {iso.year}"


def score(v: float | None) -> str:
    return "–" if _missing(v) else f"{v:.1f}"


def _missing(v) -> bool:
    return v is None or pd.isna(v)


def points(delta: float) -> str:
    """An index or pillar change: '+2.6 pts', '−0.4 pts' (a real minus sign)."""
    return _signed(delta, 1) + " pts"


def _signed(v: float, decimals: int) -> str:
    text = f"{v:+.{decimals}f}"
    if float(text) == 0:
        text = f"±{0:.{decimals}f}"
    return text.replace("-", "−")


def _status_of(shown: float, target: float) -> str:
    """The status a reader would infer from a shown number (the rule of KPIS.md, on 9 decimals)."""
    ratio = 1.0 if target == 0 else round(shown / target, 9)
    return "green" if ratio >= 1 else "amber" if ratio >= 0.9 else "red"


def number(k: Kpi, value: float, target: float | None = None, status: str | None = None) -> str:
    """A KPI value without its unit, rounded for display but never across a status line.

    70.0 against 80 shows '70'; 79.6 against 80 shows '79.6' (never '80', which would read as on
    target), 89.96 against an amber line of 90 shows '89.96'.
    """
    decimals = DECIMALS[k.value_kind]
    if target is None or status is None or status == "no_data":
        return f"{value:.{decimals}f}"
    for d in range(decimals, MAX_DECIMALS + 1):
        text = f"{value:.{d}f}"
        if _status_of(float(text), target) == status:
            return text
    return f"{value:.{MAX_DECIMALS}f}"


def kpi_value(k: Kpi, value: float | None, target: float | None = None, status: str | None = None) -> str:
    """'79.6 %', '3.52 /5', '1.9 /30 days', '–' without data."""
    if _missing(value):
        return "–"
    return f"{number(k, value, target, status)} {VALUE_UNITS[k.value_kind]}"


def kpi_target(k: Kpi, target: float | None) -> str:
    """A target as it was set, in its unit: '80 %', '72.5 %', '4 /5'; '–' when not shown."""
    if _missing(target):
        return "–"
    text = f"{target:.4f}".rstrip("0").rstrip(".")
    return f"{text} {VALUE_UNITS[k.value_kind]}"


def kpi_delta(k: Kpi, delta: float | None) -> str:
    """A change of a KPI value in its unit: '+9.0 pts', '−0.10 /5', '–' when not comparable."""
    if _missing(delta):
        return "–"
    return f"{_signed(delta, DELTA_DECIMALS[k.value_kind])} {DELTA_UNITS[k.value_kind]}"


def based_on(k: Kpi, value: float | None, numerator: float, denominator: float) -> str:
    """What a value is computed from: '7 of 10 licensed users'.

    A suppressed pulse (value None with responses) shows nothing of its base: how many answered
    is exactly what the 5-respondent rule hides. Any KPI without data says so the same way.
    """
    if _missing(value):
        if k.min_respondents:
            return f"Shown only when {k.min_respondents} or more people answer"
        return f"No {k.denominator_label} in this period"
    den = int(round(denominator))
    if k.value_kind == "percent":
        return f"{numerator:,.0f} of {den:,} {_count_label(k.denominator_label, den)}"
    if k.value_kind == "mean":
        return f"{den:,} {_count_label(k.denominator_label, den)}"
    num = int(round(numerator))
    return f"{num:,} {_count_label(k.numerator_label, num)} for {den:,} {_count_label(k.denominator_label, den)}"


def _count_label(label: str, n: int) -> str:
    return _SINGULAR.get(label, label) if n == 1 else label


def names(units: list[str]) -> str:
    """'North', 'North and South', 'A, B and C', 'A, B, C and 2 more'."""
    if len(units) > NAMES_SHOWN:
        return ", ".join(units[:NAMES_SHOWN]) + f" and {len(units) - NAMES_SHOWN} more"
    return units[0] if len(units) == 1 else ", ".join(units[:-1]) + " and " + units[-1]


def tie(count: int) -> str:
    return "both" if count == 2 else "all"


def children_text(k: Kpi, groups: list[dict]) -> str:
    """'lowest: North and South, both 40 %; then Service 55 %' (a tie is said as one)."""
    parts = []
    for g in groups:
        unit_names = [u["name"] for u in g["units"]]
        value = kpi_value(k, g["value"], g["target"], g["status"])
        if len(unit_names) == 1:
            parts.append(f"{unit_names[0]} {value}")
        else:
            parts.append(f"{names(unit_names)}, {tie(len(unit_names))} {value}")
    if not parts:
        return ""
    return "lowest: " + parts[0] + "".join(f"; then {p}" for p in parts[1:])


def attention_line(item: dict) -> str:
    """'- :red[**Adoption rate**] 70 % (target 80 %) — lowest: Team Two 40 %' (markdown, data escaped)."""
    k = BY_ID[item["kpi_id"]]
    value = kpi_value(k, item["value"], item["target"], item["status"])
    line = f"- :red[**{escape(k.title)}**] {escape(value)} (target {escape(kpi_target(k, item['target']))})"
    if item["children"]:
        line += " — " + escape(children_text(k, item["children"]))
    return line


def movement_lines(m: Movement, previous: Period) -> list[str]:
    """'Why it moved' as markdown lines (data escaped): the total and its pillars, the KPIs that
    moved, and apart from them the KPIs that gained or lost data.

    Every figure is in index points and they add up: the pillars to the total, and the KPIs that
    moved plus the data changes to each pillar.
    """
    pillars = " · ".join(f"{p.title} {_signed(m.pillars.get(p.id, 0.0), 1)}" for p in PILLARS)
    lines = [f"**Index {_signed(m.delta, 1)}** since {escape(period_name(previous))} = {pillars}"]
    movers = sorted(
        (k for k, v in m.moved.items() if abs(v) >= 0.05), key=lambda k: (-abs(m.moved[k]), BY_ID[k].title)
    )[:MOVERS_SHOWN]
    if movers:
        lines.append("Moved: " + " · ".join(_mover(k, m) for k in movers))
    if m.data_changed:
        lines.append(
            "Gained or lost data: " + " · ".join(_data_change(p.id, m) for p in PILLARS if _has_change(p.id, m))
        )
    return lines


def _mover(kpi_id: str, m: Movement) -> str:
    k = BY_ID[kpi_id]
    return f"{escape(k.title)} {escape(kpi_delta(k, m.kpi_deltas.get(kpi_id)))} (index {_signed(m.moved[kpi_id], 1)})"


def _has_change(pillar: str, m: Movement) -> bool:
    return any(BY_ID[k].pillar == pillar for k in m.data_changed)


def _data_change(pillar: str, m: Movement) -> str:
    kpis = [k for k in m.data_changed if BY_ID[k].pillar == pillar]
    said = ", ".join(
        f"{escape(BY_ID[k].title)} {'has data now' if m.data_changed[k] == 'gained' else 'has no data now'}"
        for k in kpis
    )
    return f"{said} (index {_signed(m.rest.get(pillar, 0.0), 1)})"


def window_caption(p: Period, window: Window) -> str:
    """'March 2026 (month) · data 1 Nov 2025 – 31 Mar 2026 · refreshed 2 Dec 08:12 UTC'."""
    parts = [f"{p.label} ({p.grain})"]
    if window.start and window.end:
        parts.append(f"data {day(window.start)} – {day(window.end)}")
    if window.refreshed:
        parts.append(f"refreshed {window.refreshed.day} {window.refreshed:%b %H:%M} UTC")
    return " · ".join(parts)


def partial_notes(p: Period, window: Window) -> list[str]:
    """What a partial period means, in words (markdown-safe: no data in it)."""
    notes = []
    if window.cut_at_start(p):
        notes.append(
            f"Data starts on {day(window.start)}: {p.label} covers {day(window.start)} – {day(min(p.end, window.end))} only."
        )
    if window.cut_at_end(p):
        notes.append(
            f"{p.label} is not over: the data runs to {day(window.end)}. Values are so far; "
            "changes are compared once the period is complete."
        )
    return notes
