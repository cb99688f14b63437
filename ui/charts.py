"""Altair charts for the pages; every chart gets small, pre-aggregated frames."""

from __future__ import annotations

import altair as alt
import pandas as pd

SERIES = {"index": "Index", "people": "People", "process": "Process", "technology": "Technology"}
# Told apart by hue AND dash AND width, never by shades of one colour: the index near-black and
# thickest, the pillars indigo, teal (dashed) and purple (dotted). No red, amber or green: those
# mean status on this page.
COLOURS = {"Index": "#1f2328", "People": "#3949ab", "Process": "#0f8b8d", "Technology": "#8e44ad"}
DASHES = {"Index": [1, 0], "People": [1, 0], "Process": [7, 4], "Technology": [2, 3]}
WIDTHS = {"Index": 4.5, "People": 2.2, "Process": 2.2, "Technology": 2.2}


def score_trend(scores: pd.DataFrame, labels: dict, so_far: set) -> alt.Chart:
    """Index and pillar scores over the last periods, on the fixed 0–100 scale of the tiles.

    `labels` maps a period start to its axis label ('Sep 2026'); periods in `so_far` (not over
    yet) are drawn hollow and labelled so.
    """
    long = scores.melt(id_vars=["period_start"], value_vars=list(SERIES), var_name="series", value_name="score").dropna(
        subset=["score"]
    )
    long["series"] = long["series"].map(SERIES)
    long["so_far"] = [d in so_far for d in long["period_start"]]
    long["period"] = [labels[d] for d in long["period_start"]]
    order = [labels[d] for d in scores["period_start"]]
    domain = list(SERIES.values())
    base = alt.Chart(long).encode(
        x=alt.X(
            "period:O", sort=order, title=None, axis=alt.Axis(labelAngle=0, labelOverlap="parity", labelFontSize=12)
        ),
        y=alt.Y(
            "score:Q",
            title="Score (0–100)",
            scale=alt.Scale(domain=[0, 100], nice=False),
            axis=alt.Axis(values=[0, 20, 40, 60, 80, 100], labelFontSize=12),
        ),
        color=alt.Color(
            "series:N",
            title=None,
            scale=alt.Scale(domain=domain, range=[COLOURS[s] for s in domain]),
            legend=alt.Legend(
                orient="top",
                direction="horizontal",
                labelFontSize=13,
                symbolStrokeWidth=3,
                symbolType="stroke",
                symbolSize=400,
            ),
        ),
        strokeDash=alt.StrokeDash(
            "series:N",
            title=None,
            scale=alt.Scale(domain=domain, range=[DASHES[s] for s in domain]),
            legend=alt.Legend(
                orient="top",
                direction="horizontal",
                labelFontSize=13,
                symbolStrokeWidth=3,
                symbolType="stroke",
                symbolSize=400,
            ),
        ),
        tooltip=[
            alt.Tooltip("series:N", title="Series"),
            alt.Tooltip("period:O", title="Period"),
            alt.Tooltip("score:Q", title="Score", format=".1f"),
        ],
    )
    lines = base.mark_line().encode(
        strokeWidth=alt.StrokeWidth(
            "series:N", scale=alt.Scale(domain=domain, range=[WIDTHS[s] for s in domain]), legend=None
        )
    )
    complete = base.mark_point(filled=True, size=36).transform_filter("!datum.so_far")
    partial = base.mark_point(filled=False, size=70, strokeWidth=2).transform_filter("datum.so_far")
    return (lines + complete + partial).properties(height=280)
