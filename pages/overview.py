"""Overview: the state of the program in ten seconds."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from metrics.registry import PILLARS
from ui import charts, data, display, frame

ctx = frame.page("Overview")
model = data.overview(ctx.url, ctx.viewer.scope, ctx.unit.id, ctx.grain, ctx.period.start, ctx.version)
window_end, refreshed = data.freshness(ctx.url, ctx.version)

st.title(display.escape(ctx.unit.name))
st.caption(frame.period_caption(ctx, window_end, refreshed))
if model is None:
    st.info("No KPI values for this unit and period.")
    st.stop()
if ctx.period.partial:
    st.warning("This period is not complete yet: its numbers will still move.", icon=":material/hourglass_top:")

now, before = model.current_scores, model.previous_scores
prev_name = display.short_period(model.previous) if model.previous else None
cols = st.columns([1.4, 1, 1, 1])
with cols[0]:
    st.metric(
        "Adoption Index",
        display.score(now.get("index")),
        delta=display.delta(now.get("index"), before.get("index"), prev_name),
        chart_data=[v for v in model.scores["index"].tolist() if pd.notna(v)],
        chart_type="area",
        border=True,
        help="Weighted mean of the three pillar scores (0–100), each the mean attainment of its KPIs.",
    )
card = model.scorecard
for col, pillar in zip(cols[1:], PILLARS, strict=True):
    rows = card[card["pillar"] == pillar.id]
    with col:
        st.metric(
            f"{pillar.title} · {pillar.default_weight:.0f}%",
            display.score(now.get(pillar.id)),
            delta=display.delta(now.get(pillar.id), before.get(pillar.id), prev_name),
            border=True,
            delta_description=display.pillar_status(rows["status"].tolist()),
        )

attention = model.attention
st.subheader("Needs attention")
if attention:
    st.markdown("\n".join(display.attention_line(item) for item in attention))
else:
    st.success("Every KPI with data is on target or within 10 % of it.", icon=":material/check_circle:")

if model.movement and now.get("index") is not None and before.get("index") is not None:
    st.markdown(f"**Why it moved:** {display.movement_line(model.movement, card)}")

left, right = st.columns([3, 2])
with left:
    st.subheader("Scorecard")
    st.dataframe(
        display.scorecard_table(card),
        hide_index=True,
        width="stretch",
        height=36 * (len(card) + 1) + 4,
        column_config=display.SCORECARD_COLUMNS,
    )
with right:
    st.subheader(f"Trend · last {len(model.scores)} {ctx.grain}s")
    st.altair_chart(charts.score_trend(model.scores, ctx.grain), width="stretch")
