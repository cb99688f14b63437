"""Altair charts for the pages; every chart gets small, pre-aggregated frames."""

from __future__ import annotations

import altair as alt
import pandas as pd

from metrics.periods import short_label

SERIES = {"index": "Index", "people": "People", "process": "Process", "technology": "Technology"}
COLOURS = ["#1f3b57", "#4c78a8", "#72b7b2", "#b279a2"]


def score_trend(scores: pd.DataFrame, grain: str) -> alt.Chart:
    """Index and pillar scores over the last periods; partial periods drawn hollow."""
    long = scores.melt(
        id_vars=["period_start", "partial"], value_vars=list(SERIES), var_name="series", value_name="score"
    ).dropna(subset=["score"])
    long["series"] = long["series"].map(SERIES)
    long["period"] = [
        short_label(grain, d) + (" (partial)" if p else "")
        for d, p in zip(long["period_start"], long["partial"], strict=True)
    ]
    order = [
        short_label(grain, d) + (" (partial)" if p else "")
        for d, p in zip(scores["period_start"], scores["partial"], strict=True)
    ]
    colour = alt.Color(
        "series:N",
        title=None,
        scale=alt.Scale(domain=list(SERIES.values()), range=COLOURS),
        legend=alt.Legend(orient="bottom", direction="horizontal", columns=2, labelLimit=200),
    )
    base = alt.Chart(long).encode(
        x=alt.X("period:O", sort=order, title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("score:Q", title="Score (0–100)", scale=alt.Scale(domain=[_floor(long["score"]), 100])),
        color=colour,
        tooltip=[
            alt.Tooltip("series:N", title="Series"),
            alt.Tooltip("period:O", title="Period"),
            alt.Tooltip("score:Q", title="Score", format=".1f"),
        ],
    )
    lines = base.mark_line().encode(
        strokeWidth=alt.condition(alt.datum.series == SERIES["index"], alt.value(3.5), alt.value(1.5))
    )
    complete = base.mark_point(filled=True, size=40).transform_filter("!datum.partial")
    partial = base.mark_point(filled=False, size=60).transform_filter("datum.partial")
    return (lines + complete + partial).properties(height=300)


def _floor(scores: pd.Series) -> int:
    """Start the axis at the tens below the lowest score, so small moves stay visible."""
    low = scores.min() if len(scores) else 0
    return max(0, int((low - 5) // 10 * 10))
