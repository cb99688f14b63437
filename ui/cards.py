"""HTML for what st.metric and st.dataframe cannot draw honestly: tiles coloured by status band with
sparklines on one fixed 0–100 scale, and a scorecard that wraps instead of truncating.

Every piece of text goes through `html.escape` here, whatever its origin; st.html then sanitises
the result once more (DOMPurify). Red and amber mean "off target" and nothing else: deltas are grey.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from html import escape

# Status band -> (accent, background, text); red and amber strong, green quiet, no data grey.
BANDS = {
    "red": ("#c62828", "#fdecea", "#8e1b1b"),
    "amber": ("#e08e00", "#fff5df", "#734700"),
    "green": ("#4f8a5e", "#f6faf7", "#1f4d2c"),
    "no_data": ("#9aa1ab", "#f7f8fa", "#4b5563"),
}
BAND_WORDS = {"red": "Off target", "amber": "Near target", "green": "On target", "no_data": "No data"}
NEUTRAL = "#4b5563"  # deltas, captions: a change is news, not a verdict
INK = "#1f2937"
GRID = "#e5e7eb"
SPARK = "#1f3b57"


def _band_rules() -> str:
    rules = []
    for band, (accent, bg, fg) in BANDS.items():
        rules.append(
            f".fw-tile.b-{band}{{background:{bg};border-top-color:{accent}}}"
            f".fw-tile.b-{band} .fw-num,.fw-tile.b-{band} .fw-detail,.fw-group.b-{band} .fw-summary{{color:{fg}}}"
            f".fw-group.b-{band} .fw-swatch{{background:{accent}}}"
            f".fw-sc tr.s-{band} .fw-value{{color:{fg}}}"
        )
        if band in ("red", "amber"):
            rules.append(
                f".fw-chip.b-{band}{{background:{accent};color:#fff;border-color:{accent}}}"
                f".fw-status.s-{band}{{background:{bg};color:{fg};border:1px solid {accent};font-weight:700}}"
            )
        else:
            rules.append(f".fw-chip.b-{band}{{color:{fg};border-color:{accent}}}.fw-status.s-{band}{{color:{fg}}}")
    return "".join(rules)


# One stylesheet for the page (st.html with only <style> applies it to the whole app).
STYLE = (
    "<style>"
    f".fw-tiles{{display:flex;flex-wrap:wrap;gap:14px;align-items:stretch;margin-bottom:4px;color:{INK}}}"
    ".fw-pillars{flex:2 1 430px;display:flex;gap:12px;min-width:0}"
    f".fw-tile{{border:1px solid {GRID};border-top:6px solid;border-radius:10px;padding:12px 16px 10px;min-width:0;"
    "display:flex;flex-direction:column}"
    ".fw-tile.big{flex:1 1 290px}.fw-tile.small{flex:1 1 0}"
    ".fw-head{display:flex;justify-content:space-between;align-items:center;gap:6px 8px;flex-wrap:wrap}"
    ".fw-label{font-weight:700;font-size:1rem;letter-spacing:.01em}.fw-weight{white-space:nowrap}.big .fw-label{font-size:1.15rem}"
    ".fw-chip{display:inline-block;padding:0 9px;border-radius:999px;font-size:.85rem;font-weight:700;"
    "border:1px solid;white-space:nowrap}"
    ".fw-num{font-size:2.5rem;font-weight:700;line-height:1.05}.big .fw-num{font-size:4.4rem;line-height:1}"
    f".fw-of{{font-size:1.05rem;color:{NEUTRAL};margin-left:4px}}.big .fw-of{{font-size:1.5rem}}"
    f".fw-sofar{{font-size:1rem;color:{NEUTRAL};margin-left:6px;font-weight:600}}.big .fw-sofar{{font-size:1.3rem}}"
    ".fw-body{margin:4px 0 2px}.big .fw-body{display:flex;align-items:flex-end;gap:6px 18px;flex-wrap:wrap;margin:6px 0 4px}"
    ".fw-counts{font-size:1rem;font-weight:600}.big .fw-counts{font-size:1.25rem}"
    ".fw-detail{font-size:.95rem;font-weight:600}.big .fw-detail{font-size:1.05rem}"
    ".big .fw-side{padding-bottom:6px}"
    f".fw-delta{{font-size:.95rem;color:{NEUTRAL};margin-top:4px}}"
    ".fw-spark{height:36px;margin-top:auto;padding-top:8px}.big .fw-spark{height:52px}"
    f".fw-cap{{font-size:.8rem;color:{NEUTRAL}}}"
    f".fw-notice{{border:1px solid {GRID};border-left:6px solid {BANDS['no_data'][0]};border-radius:10px;"
    f"padding:14px 18px;font-size:1.25rem;font-weight:600;background:{BANDS['no_data'][1]};color:{INK}}}"
    ".fw-scwrap{container-type:inline-size}"
    f".fw-sc{{width:100%;border-collapse:collapse;font-size:1rem;color:{INK}}}"
    f".fw-sc th{{text-align:left;padding:8px;border-bottom:2px solid {INK};font-size:.9rem;vertical-align:bottom}}"
    f".fw-sc td{{padding:7px 8px;border-bottom:1px solid {GRID};vertical-align:middle}}"
    ".fw-sc td.c-kpi{min-width:9em}"
    ".fw-sc .c-value{font-weight:700}.fw-sc .c-status{white-space:nowrap}"
    f".fw-sc .c-target,.fw-sc .c-change,.fw-sc .c-based,.fw-sc .fw-base{{color:{NEUTRAL}}}"
    ".fw-sc td.c-trend{width:96px;min-width:72px}"
    ".fw-sc .fw-base{display:none;font-size:.88rem}"
    ".fw-sc td.c-based{font-size:.92rem;min-width:9em}"
    ".fw-sc tr.fw-group td{padding:14px 8px 6px;font-weight:700;font-size:1.05rem}"
    ".fw-swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:8px}"
    ".fw-summary{font-weight:600;margin-left:10px}"
    ".fw-status{display:inline-block;padding:0 8px;border-radius:6px}"
    ".fw-unit{font-weight:600}"
    # Narrow (a 1024 px screen with the sidebar open): what a row is based on goes under its name,
    # and units may wrap under their number; nothing is cut or scrolled away.
    "@container (max-width: 860px){.fw-sc .c-based{display:none}.fw-sc .fw-base{display:block}"
    ".fw-sc td,.fw-sc th{padding-left:5px;padding-right:5px}}"
    "@container (min-width: 1000px){.fw-sc td.c-kpi{white-space:nowrap}}"
    # Less empty space above the title: the answer should fit the first screen of a projector.
    '[data-testid="stMainBlockContainer"]{padding-top:3.5rem}'
    f"{_band_rules()}"
    "</style>"
)


@dataclass(frozen=True)
class Tile:
    key: str  # index, people, process, technology
    label: str  # 'Adoption Index', 'People'
    value: str  # '55.7'
    band: str  # red, amber, green, no_data
    counts: str  # '2 of 13 KPIs on target'
    detail: str  # '3 red · 1 amber · 7 no data'
    delta: str  # '+30.7 pts since Feb 2026', or why there is none
    spark: list[float | None]  # 0–100 scores, oldest first
    spark_caption: str  # '13 months · scale 0–100'
    so_far: bool = False
    weight: str = ""  # '50 %': the pillar's weight in the index
    help: str = ""  # what the number is, on hover


def sparkline(
    values: list[float | None],
    *,
    lo: float = 0.0,
    hi: float = 100.0,
    target: float | None = None,
    label: str = "trend",
) -> str:
    """A line on a FIXED scale [lo, hi] (never fitted to the data), gaps for None, as an <img>."""
    n = len(values)
    if n == 0 or hi <= lo:
        return ""
    width = max(n - 1, 1)

    def y(v: float) -> float:
        return round(100 - (min(max(v, lo), hi) - lo) / (hi - lo) * 100, 3)

    segments, current = [], []
    for i, v in enumerate(values):
        if v is None:
            if current:
                segments.append(current)
            current = []
        else:
            current.append((i if n > 1 else 0.5, y(v)))
    if current:
        segments.append(current)
    lines = []
    for seg in segments:
        if len(seg) == 1:  # a lone point: a short tick, so it is still seen
            px, py = seg[0]
            seg = [(max(px - 0.1 * width, 0), py), (min(px + 0.1 * width, width), py)]
        pts = " ".join(f"{a:g},{b:g}" for a, b in seg)
        lines.append(
            f'<polyline points="{pts}" fill="none" stroke="{SPARK}" stroke-width="2.2" '
            'vector-effect="non-scaling-stroke" stroke-linejoin="round" stroke-linecap="round"/>'
        )
    guides = [
        f'<line x1="0" x2="{width}" y1="{g}" y2="{g}" stroke="{GRID}" stroke-width="1" vector-effect="non-scaling-stroke"/>'
        for g in (0, 50, 100)
    ]
    if target is not None:
        ty = y(target)
        guides.append(
            f'<line x1="0" x2="{width}" y1="{ty}" y2="{ty}" stroke="#6b7280" stroke-width="1" '
            'stroke-dasharray="3 3" vector-effect="non-scaling-stroke"/>'
        )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 -3 {width} 106" preserveAspectRatio="none">'
        f"{''.join(guides)}{''.join(lines)}</svg>"
    )
    # As an image: st.html's sanitiser drops inline <svg>, and a data: image cannot carry markup.
    src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    return f'<img src="{src}" alt="{escape(label)}" style="display:block;width:100%;height:100%">'


def _tile(t: Tile, *, big: bool) -> str:
    so_far = '<span class="fw-sofar">so far</span>' if t.so_far else ""
    # The weight may wrap under the name as a whole ('· 20 %' never splits).
    weight = f' <span class="fw-weight">· {escape(t.weight)}</span>' if t.weight else ""
    value = (
        f'<span class="fw-num" data-testid="tile-value">{escape(t.value)}</span><span class="fw-of">/100</span>{so_far}'
    )
    counts = f'<div class="fw-counts">{escape(t.counts)}</div><div class="fw-detail">{escape(t.detail)}</div>'
    body = f"<div>{value}</div><div class='fw-side'>{counts}</div>"
    return (
        f'<div class="fw-tile {"big" if big else "small"} b-{escape(t.band)}" data-testid="tile-{escape(t.key)}" '
        f'data-band="{escape(t.band)}">'
        f'<div class="fw-head" title="{escape(t.help)}"><span class="fw-label">{escape(t.label)}{weight}</span>'
        f'<span class="fw-chip b-{escape(t.band)}">{escape(BAND_WORDS[t.band])}</span></div>'
        f'<div class="fw-body">{body}</div>'
        f'<div class="fw-delta">{escape(t.delta)}</div>'
        f'<div class="fw-spark">{sparkline(t.spark, label=f"{t.label}: {t.spark_caption}")}</div>'
        f'<div class="fw-cap">{escape(t.spark_caption)}</div>'
        "</div>"
    )


def tiles(index: Tile, pillars: list[Tile]) -> str:
    """The index tile (the largest number on the page) and the pillar tiles; wraps on narrow screens."""
    return (
        f'<div class="fw-tiles">{_tile(index, big=True)}<div class="fw-pillars">'
        + "".join(_tile(t, big=False) for t in pillars)
        + "</div></div>"
    )


def notice(text: str) -> str:
    """A plain boxed sentence (where the index would be)."""
    return f'<div class="fw-notice" data-testid="no-index">{escape(text)}</div>'


@dataclass(frozen=True)
class Row:
    kpi: str
    value: str
    target: str
    status: str  # red, amber, green, no_data
    delta: str
    spark: list[float | None]
    spark_lo: float
    spark_hi: float
    spark_target: float | None
    based_on: str


@dataclass(frozen=True)
class Group:
    title: str  # 'People · weight 50 %'
    summary: str  # '91.7 /100 · 1 red'
    band: str
    rows: list[Row]


COLUMNS = ("kpi", "value", "target", "status", "change", "trend", "based")


def scorecard(groups: list[Group], *, value_header: str, change_header: str, trend_header: str) -> str:
    """The scorecard: one row per KPI grouped by pillar; nothing truncates, long text wraps."""
    headers = ("KPI", value_header, "Target", "Status", change_header, trend_header, "Based on")
    head = "".join(f'<th class="c-{c}">{escape(h)}</th>' for c, h in zip(COLUMNS, headers, strict=True))
    body = []
    for g in groups:
        body.append(
            f'<tr class="fw-group b-{escape(g.band)}" data-group="{escape(g.title)}"><td colspan="7">'
            f'<span class="fw-swatch"></span>{escape(g.title)}<span class="fw-summary">{escape(g.summary)}</span></td></tr>'
        )
        body.extend(_row(r) for r in g.rows)
    return (
        f'<div class="fw-scwrap"><table class="fw-sc" data-testid="scorecard">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def _row(r: Row) -> str:
    spark = sparkline(r.spark, lo=r.spark_lo, hi=r.spark_hi, target=r.spark_target, label=f"{r.kpi} trend")
    return (
        f'<tr class="s-{escape(r.status)}" data-status="{escape(r.status)}">'
        f'<td class="c-kpi">{escape(r.kpi)}<span class="fw-base">{escape(r.based_on)}</span></td>'
        f'<td class="c-value"><span class="fw-value">{_keep(r.value)}</span></td>'
        f'<td class="c-target">{_keep(r.target)}</td>'
        f'<td class="c-status"><span class="fw-status s-{escape(r.status)}">{escape(BAND_WORDS[r.status])}</span></td>'
        f'<td class="c-change">{_keep(r.delta)}</td>'
        f'<td class="c-trend"><div style="height:26px;width:100%">{spark}</div></td>'
        f'<td class="c-based">{escape(r.based_on)}</td>'
        "</tr>"
    )


def _keep(text: str) -> str:
    """Escape, and keep a number with the first word of its unit ('79.6 %', '0.0 /100' never split)."""
    return escape(text).replace(" ", "\u00a0", 1)
