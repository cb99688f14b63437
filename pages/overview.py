"""Overview: the state of the program in ten seconds (live, or as of a snapshot: `?snapshot=ID`)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from metrics import targets
from metrics.registry import BY_ID
from ui import asof, cards, charts, data, display, frame
from ui import overview as view

ctx = frame.page("Overview", as_of="overview")
frozen = ctx.snapshot
if frozen is not None:
    model, window = frozen.snapshot.model, frozen.snapshot.model.window  # the data window of then
else:
    with frame.database_errors():
        model = data.overview(ctx.url, ctx.viewer.scope, ctx.unit.id, ctx.grain, ctx.period.start, ctx.version)
    window = ctx.window

st.html(cards.STYLE)
if frozen is not None:
    asof.banner(frozen, "overview", ctx.unit.name)
st.title(display.escape(model.unit_name if frozen is not None else ctx.unit.name))
st.caption(display.window_caption(ctx.period, window))
if model is None:
    st.info("No KPI values for this unit and period.")
    st.stop()
for note in display.partial_notes(ctx.period, window):
    st.info(note, icon=":material/hourglass_top:")

if model.licensed == 0:
    st.html(cards.notice(f"No licensed CRM users in {ctx.unit.name} in {ctx.period.label}: no index"))
else:
    st.html(view.tiles(model))

# Overdue actions and targets due for review are today's business, not the snapshot's.
with frame.database_errors():
    overdue = [] if frozen else data.overdue_actions(ctx.url, ctx.viewer.scope, ctx.unit.id, ctx.version, date.today())
if overdue:
    listed = "; ".join(
        f"{display.escape(a.title)} ({display.escape(a.kpi_title)}, {display.escape(a.unit_name)}"
        + (f", {display.escape(a.owner_name)}" if a.owner_name else "")
        + f", due {display.day(a.due_on)})"
        for a in overdue[:3]
    )
    more = f"; and {len(overdue) - 3} more" if len(overdue) > 3 else ""
    st.error(f"**{display.plural(len(overdue), 'overdue action')}:** {listed}{more}.", icon=":material/alarm:")
    st.page_link("pages/meetings.py", label="Open Meetings & actions", icon=":material/event_note:")

if ctx.viewer.role in ("lead", "admin") and frozen is None:
    with frame.database_errors():
        due = data.due_for_review(ctx.url, ctx.viewer.scope, ctx.version, date.today())
    if due:
        shown = ", ".join(
            f"{display.escape(BY_ID[d.kpi_id].title)} for {display.escape(d.unit_name)} "
            f"({display.escape(targets.fmt_target(d.kpi_id, d.value))}, due {display.day(d.review_on)})"
            for d in due[:3]
        )
        more = f" and {len(due) - 3} more" if len(due) > 3 else ""
        st.warning(
            f"**{display.plural(len(due), 'target')} due for review:** {shown}{more}.",
            icon=":material/event_upcoming:",
        )
        st.page_link("pages/targets.py", label="Review them on the Targets page", icon=":material/flag:")

st.subheader("Needs attention")
if model.attention:
    shown = model.attention[: display.ATTENTION_SHOWN]
    st.markdown("\n".join(display.attention_line(item) for item in shown))
    if rest := len(model.attention) - len(shown):
        st.caption(f"and {display.plural(rest, 'more red KPI')} in the scorecard below")
else:
    st.markdown("No KPI is off target (red).")

if view.explains_movement(model):
    st.subheader("Why it moved")
    st.markdown("  \n".join(display.movement_lines(model.movement, model.previous)))

with frame.database_errors():
    review = data.since_last_review(ctx.url, ctx.viewer.scope, model, frozen.snapshot if frozen else None)
if review["against"] is not None:  # nothing to say before the first snapshot of the unit
    st.subheader("Since the last review")
    st.caption(display.escape(review["since"]))
    if review["items"]:
        shown = review["items"][: display.ATTENTION_SHOWN]  # status changes first, then the biggest moves
        st.markdown(
            "\n".join(
                f"- **{display.escape(c['title'])}** {display.escape(c['then'])} → {display.escape(c['now'])}"
                f" · {display.escape(c['note'])}"
                for c in shown
            )
        )
        if rest := len(review["items"]) - len(shown):
            st.caption(f"and {display.plural(rest, 'more KPI')} on the Meetings & actions page")
    else:
        st.caption(review["empty"])
    if review["closed"]:
        st.markdown(
            f":material/task_alt: {display.plural(len(review['closed']), 'action')} closed since: "
            + display.escape("; ".join(review["closed"]))
        )

labels, open_periods = view.trend_labels(model)
n = len(model.scores)
st.subheader(f"Trend · last {display.plural(n, ctx.grain)}" if n > 1 else f"Trend · {display.plural(n, ctx.grain)}")
st.altair_chart(charts.score_trend(model.scores, labels, open_periods), width="stretch")

st.subheader("Scorecard")
st.html(view.scorecard(model))
