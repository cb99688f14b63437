"""Overview: the state of the program in ten seconds."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from metrics.registry import PILLARS
from ui import charts, data, display, frame

ctx = frame.page("Overview")
with frame.database_errors():
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
card = model.scorecard
cols = st.columns(4)
tiles = [("index", "Adoption Index", None)] + [(p.id, f"{p.title} · {model.weights[p.id]:.0f}%", p.id) for p in PILLARS]
for col, (key, label, pillar) in zip(cols, tiles, strict=True):
    with col:
        st.metric(
            label,
            display.score(now.get(key)),
            delta=display.delta(now.get(key), before.get(key), prev_name),
            chart_data=[v for v in model.scores[key].tolist() if pd.notna(v)],
            chart_type="area",
            border=True,
            help=display.TILE_HELP[key],
        )
        statuses = card["status"].tolist() if pillar is None else card[card["pillar"] == pillar]["status"].tolist()
        st.markdown(display.status_counts(statuses))

left, right = st.columns([3, 2], gap="large")
with left:
    st.subheader("Needs attention")
    if model.attention:
        shown = model.attention[: display.ATTENTION_SHOWN]
        st.markdown("\n".join(display.attention_line(item) for item in shown))
        if rest := len(model.attention) - len(shown):
            st.caption(f"and {rest} more red KPI{'s' if rest > 1 else ''} in the scorecard below")
    else:
        st.success("Every KPI with data is on target or within 10 % of it.", icon=":material/check_circle:")
    if model.movement and now.get("index") is not None and before.get("index") is not None:
        st.markdown(f"**Why it moved** · {display.movement_line(model.movement)}")
with right:
    st.subheader(f"Trend · last {len(model.scores)} {ctx.grain}s")
    st.altair_chart(charts.score_trend(model.scores, ctx.grain), width="stretch")

st.subheader("Scorecard")
st.dataframe(
    display.scorecard_table(card),
    hide_index=True,
    width="stretch",
    height=35 * (len(card) + 1) + 3,
    column_config=display.SCORECARD_COLUMNS,
)
