"""My team: the self-check — the team's KPIs against target, its parent and the company; my status;
and the next step for each red KPI."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from metrics.registry import BY_ID
from ui import charts, data, display, frame

ctx = frame.page("My team")
with frame.database_errors():
    team = data.my_team(ctx.url, ctx.viewer.scope, ctx.unit.id, ctx.grain, ctx.period.start, ctx.version)

st.title(f"My team · {display.escape(ctx.unit.name)}")
st.caption(display.escape(f"{ctx.period.label} ({ctx.grain})"))
if team is None:
    st.info("No KPI values for this team and period.")
    st.stop()

reds = int((team.kpis["status"] == "red").sum())
on_target = int((team.kpis["status"] == "green").sum())
st.markdown(
    f"### {on_target} of {len(team.kpis)} KPIs on target"
    + (f" · :red[**{reds} off target**]" if reds else " · nothing off target")
)

if team.me is not None:
    me = team.me
    st.subheader("You")
    cols = st.columns(4)
    cols[0].metric("Licensed", "Yes" if me.licensed else "No", border=True, help="A CRM licence at the period's end.")
    done = len(me.courses) - len(me.missing)
    cols[1].metric(
        "Courses",
        f"{done} of {len(me.courses)}" if me.courses else "none",
        border=True,
        help="Courses your role requires, completed by the end of the period.",
    )
    cols[2].metric(
        "Active days",
        f"{me.active_days}",
        border=True,
        help=f"Days with CRM activity in the period; {me.regular_days} make a regular user.",
    )
    cols[3].metric(
        "Last pulse",
        f"{me.last_pulse[1]:.1f} /5" if me.last_pulse else "–",
        border=True,
        help=f"Answered on {display.day(me.last_pulse[0])}." if me.last_pulse else "No pulse answered yet.",
    )
    notes = []
    if me.missing:
        notes.append("Still to complete: " + ", ".join(display.escape(c.name) for c in me.missing) + ".")
    if me.licensed and me.active_days < me.regular_days:
        notes.append(
            f"{display.plural(me.active_days, 'active day')} this period: {me.regular_days} make a regular CRM user."
        )
    for note in notes:
        st.markdown(f"- {note}")

if team.steps:
    st.subheader("Next steps")
    for step in team.steps:
        with st.container(border=True):
            st.markdown(f":red[**{display.escape(step.title)}**] — {display.escape(step.text)}")
            if step.people:
                shown = step.people[:15]
                st.markdown(
                    "\n".join(f"- {display.escape(name)}: {display.escape(what)}" for name, what in shown)
                    + (f"\n- and {len(step.people) - len(shown)} more" if len(step.people) > len(shown) else "")
                )

left, right = st.columns([3, 2], gap="large")
with left:
    st.subheader("Against target, parent and company")
    parent = team.parent[1] if team.parent else "Parent"
    company = team.company[1] if team.company else "Company"
    rows = []
    for r in team.kpis.itertuples():
        k = BY_ID[r.kpi_id]
        rows.append(
            {
                "KPI": k.title,
                "Status": display.STATUS_WORDS[r.status],
                "Team": display.kpi_value(k, r.value, r.target, r.status),
                "Target": display.kpi_target(k, r.target) if pd.notna(r.target) else "–",
                parent: display.kpi_value(k, r.parent_value),
                company: display.kpi_value(k, r.company_value),
            }
        )
    table = pd.DataFrame(rows)
    st.dataframe(
        table.style.map(lambda v: display.STATUS_STYLE.get(v, ""), subset=["Status"]),
        hide_index=True,
        width="stretch",
        height=35 * (len(table) + 1) + 3,
    )
with right:
    n = len(team.trend)
    st.subheader(f"Trend · last {display.plural(n, ctx.grain)}")
    if n and team.trend[["people", "process", "technology", "index"]].notna().any().any():
        labels = {p.start: display.period_name(p) for p in ctx.periods}
        so_far = {p.start for p in ctx.periods if ctx.window.cut_at_end(p)}
        st.altair_chart(charts.score_trend(team.trend, labels, so_far), width="stretch")
    else:
        st.info("No scores: this team has no licensed CRM users in these periods.")
