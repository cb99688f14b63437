"""The People, Process and Technology pages: one renderer, the pillar's own views at the end.

Pages stay thin: metrics.pillar computes everything (in SQL, inside the viewer's scope); this
module only lays it out. Drilling sets the sidebar's unit (the URL follows, see ui/frame.py). As of
a snapshot (`?snapshot=ID`) the page shows the frozen model; drilling stays in the snapshot where it
holds the unit, else leads to the live figures.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from metrics.periods import short_label
from metrics.pillar import SMALL_BASE, PillarView
from metrics.registry import BY_ID
from ui import asof, data, display, frame

STATUS_COLOURS = {"green": "#2e7d32", "amber": "#f9a825", "red": "#c62828", "no_data": "#9e9e9e"}
STATUS_DOMAIN = list(STATUS_COLOURS)
# A card's status word: red and amber stand out, green stays quiet (the Overview's rule).
STATUS_MARKS = {
    "red": ":red-badge[Off target]",
    "amber": ":orange-badge[Near target]",
    "green": ":green[On target]",
    "no_data": ":gray[No data]",
}
DRILL_COLUMNS = 3  # names stay whole at 1024 px
PERSON_LEVEL = "Counted from person-level rows: shown to managers, program leads and administrators."
QUADRANT = {
    "trained_active": "Trained & active",
    "trained_inactive": "Coaching gap",
    "untrained_active": "Compliance gap",
    "neither": "Neither",
}
SOURCE_WORDS = {
    "crm_activity": "CRM activity",
    "training_completions": "training completions",
    "pulse_responses": "pulse answers",
    "recognitions": "recognitions",
    "meetings": "meetings",
    "communications": "communications",
    "data_quality": "data-quality checks",
    "feedback": "feedback",
}


def go_to(unit_id: str, frozen: bool = False) -> None:
    """Drill (or climb) to a unit: the sidebar's unit picker takes it, and the URL follows.

    `frozen`: the snapshot shown holds that unit, so the page stays as of it; else it goes live.
    """
    st.session_state["unit"] = unit_id
    if asof.PARAM in st.query_params:
        if frozen:
            st.query_params["unit"] = unit_id
        else:
            del st.query_params[asof.PARAM]


def _stays(frozen: asof.Frozen | None, unit_id: str) -> bool:
    return frozen is not None and frozen.holds(unit_id)


def render(pillar_id: str, title: str) -> None:
    ctx = frame.page(title, as_of="pillar")
    frozen = ctx.snapshot
    with frame.database_errors():
        if frozen is not None:
            view = data.frozen_pillar(ctx.url, ctx.viewer.scope, frozen.snapshot.id, pillar_id, ctx.unit.id)
        else:
            view = data.pillar(
                ctx.url, ctx.viewer.scope, pillar_id, ctx.unit.id, ctx.grain, ctx.period.start, ctx.version
            )
    if frozen is not None:
        asof.banner(frozen, pillar_id, ctx.unit.name)
    if view is None:
        st.title(f"{title} · {display.escape(ctx.unit.name)}")
        if frozen is not None and not frozen.held:
            st.info(
                "This snapshot was taken before pillar pages were frozen: it holds the Overview only. "
                "Open the Overview as of the snapshot, or this page's live figures (links above).",
                icon=":material/history:",
            )
        elif frozen is not None:
            st.info("This snapshot holds no figures of this pillar for this unit.")
        else:
            st.info("No KPI values for this unit and period.")
        st.stop()
    _breadcrumb(view, frozen)
    st.title(f"{title} · {display.escape(view.unit.name)}")
    st.caption(
        f"{display.escape(display.period_name(view.period))} ({view.period.grain})"
        + (" · partial period" if view.period.partial else "")
        + f" · a regular user has {display.plural(view.k, 'activity day')} in it"
    )
    _headline(view)
    _cards(view, frozen)
    _trends(view, ctx)
    _breakdown(view, frozen)
    _league(view)
    if pillar_id == "people":
        _people_views(view)
    elif pillar_id == "process":
        _process_views(view)
    else:
        _technology_views(view)


def _breadcrumb(view: PillarView, frozen: asof.Frozen | None) -> None:
    crumbs = view.breadcrumb
    if frozen is not None:  # frozen with the scope of whoever froze it: name only what this viewer sees
        crumbs = [u for u in crumbs if u.id in frozen.visible]
    if len(crumbs) < 2:
        return
    # One row as wide as its words: "Acme › Sales › North", each level a click back up.
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        for u in crumbs:
            if u.id == view.unit.id:
                st.markdown(f"**{display.escape(u.name)}**", width="content")
            else:
                stays = _stays(frozen, u.id)
                label = u.name if stays or frozen is None else f"{u.name} (live)"
                st.button(
                    label, key=f"crumb_{u.id}", type="tertiary", on_click=go_to, args=(u.id, stays), width="content"
                )
                st.markdown("›", width="content")


def _headline(view: PillarView) -> None:
    reds = sum(c.status == "red" for c in view.cards)
    greens = sum(c.status == "green" for c in view.cards)
    cols = st.columns(3)
    delta = (
        display.points(view.score - view.previous_score)
        if view.score is not None and view.previous_score is not None
        else None
    )
    cols[0].metric(
        f"{view.title} score",
        "–" if view.score is None else f"{view.score:.0f} /100",
        delta,
        delta_color="off",
        delta_arrow=_arrow(view.score - view.previous_score if delta else None),
        border=True,
        help="Mean of the pillar's KPI scores (0–100); a KPI on target scores 100.",
    )
    cols[1].metric("KPIs on target", f"{greens} of {len(view.cards)}", border=True)
    cols[2].metric("KPIs off target", str(reds), border=True)


def _arrow(delta: float | None) -> str:
    """The arrow of a change (st.metric does not read the real minus sign of display)."""
    if delta is None or pd.isna(delta) or delta == 0:
        return "off"
    return "up" if delta > 0 else "down"


def _cards(view: PillarView, frozen: asof.Frozen | None) -> None:
    st.subheader("KPIs against target")
    cols = st.columns(3)
    for i, c in enumerate(view.cards):
        k = BY_ID[c.kpi_id]
        with cols[i % 3].container(border=True):
            st.markdown(f"**{display.escape(c.title)}** · {STATUS_MARKS[c.status]}")
            long_unit = k.value_kind in ("per_100_users_30d", "per_30d")
            shown = display.kpi_value(k, c.value, c.target, c.status)
            if long_unit and c.value is not None:
                shown = display.number(k, c.value, c.target, c.status)  # the unit is said below
            st.metric(
                c.title,
                shown,
                display.kpi_delta(k, c.delta) if c.delta is not None else None,
                delta_color="off",
                delta_arrow=_arrow(c.delta),
                label_visibility="collapsed",
                help=c.definition,
            )
            based = display.based_on(k, c.value, c.numerator or 0, c.denominator or 0)
            if long_unit and c.value is not None:
                based = display.VALUE_UNITS[k.value_kind].strip("/").replace("/", " per ") + " · " + based
                based = "per " + based
            if c.small_base:
                based += f" · :orange[small base (under {SMALL_BASE})]"
            st.markdown(display.escape(based) if not c.small_base else based)
            st.caption(_target_line(k, c))
            st.caption(("When frozen: " if frozen is not None else "") + _freshness_line(c))


def _target_line(k, c) -> str:
    if c.target is None:
        return "No target shown without a value"
    target = display.kpi_target(k, c.target)
    if c.target_source == "own":
        line = f"Target {target}, set on this unit"
    elif c.target_source == "inherited":
        line = f"Target {target}, inherited from {c.target_unit}"
    else:
        line = f"Target {target}, the default"
    if c.target_since is not None:
        line += f" since {display.day(c.target_since)}"
    if c.target_reason:
        line += f" — “{c.target_reason}”"
    return display.escape(line)


def _freshness_line(c) -> str:
    what = SOURCE_WORDS[c.source_table]
    latest = f"latest {what} {display.day(c.latest_data)}" if c.latest_data else f"no {what} visible to you"
    imported = f" · last import {display.day(c.last_import)}" if c.last_import else " · no file imported yet"
    return display.escape(latest + imported)


def _trends(view: PillarView, ctx) -> None:
    n = view.trend["period_start"].nunique()
    st.subheader(f"Trend · last {display.plural(n, view.period.grain)}")
    st.caption("Solid line: the value; stepped grey line: the target in force in each period; hollow: partial period.")
    labels = {p.start: display.period_name(p) for p in ctx.periods}
    cols = st.columns(3)
    for i, c in enumerate(view.cards):
        k = BY_ID[c.kpi_id]
        rows = view.trend[view.trend["kpi_id"] == c.kpi_id].copy()
        with cols[i % 3]:
            st.markdown(f"**{display.escape(c.title)}**")
            if rows["value"].notna().any():
                st.altair_chart(_trend_chart(rows, labels, k), width="stretch")
            else:
                st.caption("No data in these periods.")


def _trend_chart(rows: pd.DataFrame, labels: dict, k) -> alt.Chart:
    rows["period"] = [labels.get(d, str(d)) for d in rows["period_start"]]
    rows["small"] = rows["denominator"].fillna(0) < SMALL_BASE
    order = list(rows["period"])
    x = alt.X("period:O", sort=order, title=None, axis=alt.Axis(labelAngle=0, labelOverlap="parity"))
    y_title = display.VALUE_UNITS[k.value_kind]
    value = alt.Chart(rows).encode(
        x=x,
        y=alt.Y("value:Q", title=y_title),
        tooltip=[
            alt.Tooltip("period:O", title="Period"),
            alt.Tooltip("value:Q", title="Value", format=".1f"),
            alt.Tooltip("target:Q", title="Target", format=".1f"),
            alt.Tooltip("denominator:Q", title="Base", format=",.0f"),
        ],
    )
    line = value.mark_line(color="#3949ab", strokeWidth=2.5)
    full = value.mark_point(filled=True, color="#3949ab", size=40).transform_filter("!datum.partial")
    partial = value.mark_point(filled=False, color="#3949ab", size=70).transform_filter("datum.partial")
    small = value.mark_point(shape="triangle-down", color="#f9a825", size=60, yOffset=-12).transform_filter(
        "datum.small && datum.value != null"
    )
    target = (
        alt.Chart(rows)
        .mark_line(interpolate="step-after", color="#6b7280", strokeDash=[5, 3], strokeWidth=1.8)
        .encode(x=x, y="target:Q")
    )
    return (target + line + full + partial + small).properties(height=170)


def _breakdown(view: PillarView, frozen: asof.Frozen | None) -> None:
    if view.is_team:
        _team_people(view, frozen)
        return
    st.subheader(f"By {display.escape(view.children[0].kind) if view.children else 'unit'}")
    if view.breakdown.empty:
        st.info("No child units with data in this period.")
    else:
        options = [c.kpi_id for c in view.cards]
        kpi_id = st.segmented_control(
            "KPI",
            options,
            format_func=lambda i: BY_ID[i].title,
            key=f"breakdown_{view.pillar}",
            default=options[0],
        )
        kpi_id = kpi_id or options[0]
        rows = view.breakdown[view.breakdown["kpi_id"] == kpi_id].copy()
        card = next(c for c in view.cards if c.kpi_id == kpi_id)
        event = st.altair_chart(
            _breakdown_chart(rows, card, view), width="stretch", on_select="rerun", key=f"bars_{view.pillar}"
        )
        picked = (event or {}).get("selection", {}).get("unit", []) if isinstance(event, dict) else []
        if picked and picked[0].get("unit_id") in {c.id for c in view.children}:
            go_to(picked[0]["unit_id"], _stays(frozen, picked[0]["unit_id"]))
            st.rerun()
        st.caption(
            "Black rule: "
            + display.escape(view.unit.name)
            + (f"; grey rule: {display.escape(view.company.name)}" if view.company else "")
            + ". Click a bar or a name below to drill in."
        )
    live = frozen is not None and not all(_stays(frozen, u.id) for u in view.children)
    st.markdown("**Drill into**" + (" (the snapshot holds one level down; below that, live figures)" if live else ""))
    for start in range(0, len(view.children), DRILL_COLUMNS):
        cols = st.columns(DRILL_COLUMNS)
        for col, u in zip(cols, view.children[start : start + DRILL_COLUMNS], strict=False):
            stays = _stays(frozen, u.id)
            label = f"{u.name} ›" if stays or frozen is None else f"{u.name} › live"
            col.button(label, key=f"drill_{u.id}", on_click=go_to, args=(u.id, stays), width="stretch")


def _breakdown_chart(rows: pd.DataFrame, card, view: PillarView) -> alt.Chart:
    k = BY_ID[card.kpi_id]
    rows["status_word"] = rows["status"].map(display.STATUS_WORDS)
    rows["shown"] = [
        display.kpi_value(k, v, t, s) for v, t, s in zip(rows["value"], rows["target"], rows["status"], strict=True)
    ]
    pick = alt.selection_point(name="unit", fields=["unit_id"])
    order = list(rows.sort_values("value", ascending=False, na_position="last")["name"])
    bars = (
        alt.Chart(rows)
        .mark_bar()
        .encode(
            y=alt.Y("name:N", sort=order, title=None),
            x=alt.X("value:Q", title=display.VALUE_UNITS[k.value_kind]),
            color=alt.Color(
                "status:N",
                scale=alt.Scale(domain=STATUS_DOMAIN, range=[STATUS_COLOURS[s] for s in STATUS_DOMAIN]),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("name:N", title="Unit"),
                alt.Tooltip("shown:N", title="Value"),
                alt.Tooltip("status_word:N", title="Status"),
            ],
        )
        .add_params(pick)
    )
    refs = [{"who": view.unit.name, "value": card.value, "colour": "#1f2328"}]
    if view.company is not None and card.company_value is not None:
        refs.append({"who": view.company.name, "value": card.company_value, "colour": "#9ca3af"})
    refs = [r for r in refs if r["value"] is not None and not pd.isna(r["value"])]
    chart = bars
    if refs:
        rules = (
            alt.Chart(pd.DataFrame(refs))
            .mark_rule(strokeWidth=2, strokeDash=[4, 2])
            .encode(x="value:Q", color=alt.Color("colour:N", scale=None), tooltip=["who:N"])
        )
        chart = bars + rules
    return chart.properties(height=max(160, 44 * len(rows)))


def _team_people(view: PillarView, frozen: asof.Frozen | None) -> None:
    st.subheader("People of this team")
    if frozen is not None:
        st.info(
            "People-level detail is shown live only: a snapshot is open to everyone who may see the unit. "
            "The live figures (link above) list this team's people, for viewers allowed to see them.",
            icon=":material/lock:",
        )
        return
    if view.people is None:
        st.info("Person-level rows are shown to managers, program leads and administrators only.")
        return
    if view.people.empty:
        st.info("No licensed users in this team in this period.")
        return
    p = view.people
    table = pd.DataFrame(
        {
            "Person": p["name"],
            "Activity days": p["active_days"].astype(int),
            "Records worked": p["records_worked"].astype(int),
            "Regular user": p["regular"].map({True: "yes", False: "no"}),
            "Engaged": p["engaged"].map({True: "yes", False: "no"}),
            "Trained": p["trained"].map({True: "yes", False: "no"}),
        }
    )
    st.dataframe(table, hide_index=True, width="stretch", height=35 * (len(table) + 1) + 3)


def _league(view: PillarView) -> None:
    league = view.league
    if league.empty:
        return
    st.subheader(f"Team league · {view.title} score")
    shown = 5
    top = league.head(shown)
    bottom = league.tail(shown).iloc[::-1] if len(league) > shown else league.iloc[0:0]

    def table(rows: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "Rank": rows["rank"].astype(int),
                "Team": rows["name"],
                "Score": [display.score(v) for v in rows["score"]],
                "Change": [display.points(v) if pd.notna(v) else "–" for v in rows["change"]],
            }
        )

    ranked = int(league["ranked"].iloc[0]) if "ranked" in league else len(league)  # snapshots before it: all rows
    st.markdown(f"**Top {len(top)}** of {ranked} teams")
    st.dataframe(table(top), hide_index=True, width="stretch")
    if not bottom.empty:
        st.markdown(f"**Bottom {len(bottom)}**")
        st.dataframe(table(bottom), hide_index=True, width="stretch")


# ---------------------------------------------------------------- pillar-specific views


def _people_views(view: PillarView) -> None:
    v = view.views
    st.subheader("Training × usage")
    if not v["sees_people"]:
        st.info("Counted from person-level rows: shown to managers, program leads and administrators.")
    else:
        q = v["quadrant"]
        if q.empty:
            st.info("No licensed users in this period.")
        else:
            table = pd.DataFrame(
                {"Unit": [n + (" (all)" if t else "") for n, t in zip(q["name"], q["is_total"], strict=True)]}
            )
            for col, label in QUADRANT.items():
                table[label] = q[col].astype(int)
            st.dataframe(table, hide_index=True, width="stretch")
            st.caption(
                "Licensed users. Coaching gap: trained but not a regular user; compliance gap: a regular "
                "user who misses a required course."
            )
        if view.is_team and view.people is not None and not view.people.empty:
            p = view.people
            gaps = p[p["trained"] & ~p["regular"]]["name"].tolist()
            compliance = p[~p["trained"] & p["regular"]]["name"].tolist()
            if gaps:
                st.markdown("Coaching gap (trained, not yet regular): " + display.escape(", ".join(gaps)))
            if compliance:
                st.markdown("Compliance gap (regular, not trained): " + display.escape(", ".join(compliance)))
    left, right = st.columns(2)
    with left:
        st.subheader("New-hire onboarding")
        f = v.get("funnel")
        if not v["sees_people"] or f is None:
            st.caption("Shown to managers, program leads and administrators.")
        elif f["new_users"] == 0:
            st.caption("Nobody reached 30 days with the CRM in this period.")
        else:
            funnel = pd.DataFrame(
                {
                    "step": ["New users (day 30)", "Trained by day 30", "…and active now"],
                    "people": [f["new_users"], f["trained"], f["active"]],
                }
            )
            st.altair_chart(
                alt.Chart(funnel)
                .mark_bar(color="#3949ab")
                .encode(
                    # Every step named: the theme's overlap rule dropped the middle label.
                    y=alt.Y("step:N", sort=None, title=None, axis=alt.Axis(labelOverlap=False, labelLimit=200)),
                    x=alt.X("people:Q", title="People"),
                )
                .properties(height=140),
                width="stretch",
            )
            st.caption(f"{f['new_users']} → {f['trained']} → {f['active']} people")
    with right:
        st.subheader("ADKAR pulse profile")
        if "pulse" not in v or not v.get("sees_people", True):  # counted from person-level rows
            st.caption(PERSON_LEVEL)
        elif v["pulse"] is None:
            st.caption("Shown only when 5 or more people answered in this period.")
        else:
            prof = pd.DataFrame({"item": list(v["pulse"]), "score": list(v["pulse"].values())})
            prof["barrier"] = prof["item"] == v["barrier"]
            st.altair_chart(
                alt.Chart(prof)
                .mark_bar()
                .encode(
                    y=alt.Y("item:N", sort=None, title=None, axis=alt.Axis(labelOverlap=False, labelLimit=200)),
                    # Bars from 1, the scale's floor: from 0 they ran over the item names.
                    x=alt.X("score:Q", scale=alt.Scale(domain=[1, 5]), title="Mean (1–5)"),
                    x2=alt.datum(1),
                    color=alt.condition("datum.barrier", alt.value("#c62828"), alt.value("#3949ab")),
                )
                .properties(height=170),
                width="stretch",
            )
            st.caption(f"Barrier point: **{v['barrier']}** ({v['pulse'][v['barrier']]:.2f} /5), the lowest item.")
    st.subheader("Recognitions over time")
    rec = view.trend[view.trend["kpi_id"] == "recognition_rate"]
    if not rec.empty:
        frame_ = pd.DataFrame(
            {
                "period": [short_label(view.period.grain, d) for d in rec["period_start"]],
                "recognitions": rec["numerator"],
            }
        )
        st.altair_chart(
            alt.Chart(frame_)
            .mark_bar(color="#3949ab")
            .encode(
                x=alt.X("period:O", sort=None, title=None, axis=alt.Axis(labelAngle=0)),
                y=alt.Y("recognitions:Q", title="Recognitions"),
            )
            .properties(height=180),
            width="stretch",
        )


def _process_views(view: PillarView) -> None:
    v = view.views
    st.subheader("Meeting cadence calendar")
    m = v["meetings"]
    if m.empty:
        st.info("No meetings in this period.")
    else:
        cal = m.groupby(["day", "status"], as_index=False)["meetings"].sum()
        cal["day"] = pd.to_datetime(cal["day"])
        st.altair_chart(
            alt.Chart(cal)
            .mark_rect()
            .encode(
                x=alt.X("date(day):O", title="Day of month"),
                y=alt.Y("status:N", title=None, sort=["held", "cancelled", "missed", "planned"]),
                color=alt.Color("meetings:Q", scale=alt.Scale(scheme="blues"), title="Meetings"),
                tooltip=["day:T", "status:N", "meetings:Q"],
            )
            .properties(height=150),
            width="stretch",
        )
    left, right = st.columns(2)
    with left:
        st.subheader("CRM report use per meeting kind")
        r = v["report_use"]
        if r.empty:
            st.caption("No held meetings in this period.")
        else:
            st.dataframe(
                pd.DataFrame(
                    {
                        "Kind": r["kind"].str.replace("_", " "),
                        "Held": r["meetings"].astype(int),
                        "On CRM reports": r["with_report"].astype(int),
                        "Share": [f"{s:.0f} %" for s in r["share"]],
                    }
                ),
                hide_index=True,
                width="stretch",
            )
        st.subheader("Coaching with CRM by team")
        c = v["coaching"]
        if c.empty:
            st.caption("No held coaching sessions visible in this period.")
        else:
            st.dataframe(
                pd.DataFrame({"Team": c["unit"], "Sessions": c["sessions"], "With CRM data": c["with_crm"]}),
                hide_index=True,
                width="stretch",
            )
            teams = int(c["teams"].iloc[0]) if "teams" in c else len(c)  # snapshots before it: every team
            if teams > len(c):
                st.caption(
                    f"The {len(c)} of {teams:,} teams with the lowest share first; drill into a unit for the rest."
                )
    with right:
        st.subheader("Governance and the sponsor")
        g = v["governance"]
        if g.empty:
            st.caption("No governance meetings in this period.")
        else:
            st.dataframe(
                pd.DataFrame(
                    {
                        "Day": [display.day(d) for d in g["day"]],
                        "Unit": g["unit"],
                        "Status": g["status"],
                        "Sponsor": g["sponsor_present"].map({True: "present", False: "absent"}),
                    }
                ),
                hide_index=True,
                width="stretch",
            )
        st.subheader("Communications")
        c = v["communications"]
        if c.empty:
            st.caption("No communications in this period.")
        else:
            summary = c.groupby(["channel", "status"], as_index=False)[["communications", "recipients"]].sum()
            st.dataframe(
                pd.DataFrame(
                    {
                        "Channel": summary["channel"],
                        "Status": summary["status"],
                        "Sent or planned": summary["communications"].astype(int),
                        "Reach": summary["recipients"].astype(int),
                    }
                ),
                hide_index=True,
                width="stretch",
            )


def _technology_views(view: PillarView) -> None:
    v = view.views
    st.subheader("Engaged vs merely present")
    t = view.trend
    lic = t[t["kpi_id"] == "engaged_users"][["period_start", "denominator", "numerator"]]
    lic = lic.rename(columns={"denominator": "Licensed", "numerator": "Engaged (records worked)"})
    engaged_regular = lic.copy()
    engaged_regular["period"] = [short_label(view.period.grain, d) for d in engaged_regular["period_start"]]
    long = engaged_regular.melt(
        id_vars=["period"], value_vars=["Licensed", "Engaged (records worked)"], var_name="who", value_name="users"
    )
    if not long.empty:
        st.altair_chart(
            alt.Chart(long)
            .mark_line(point=True)
            .encode(
                x=alt.X("period:O", sort=None, title=None, axis=alt.Axis(labelAngle=0, labelOverlap="parity")),
                y=alt.Y("users:Q", title="Users"),
                color=alt.Color("who:N", title=None, legend=alt.Legend(orient="top")),
            )
            .properties(height=200),
            width="stretch",
        )
    left, right = st.columns(2)
    with left:
        st.subheader("Activity mix per active user")
        mix = v.get("activity_mix")
        n = mix["active_users"] if mix else 0
        if mix is None:  # counted from person-level rows (live or frozen)
            st.caption(PERSON_LEVEL)
        elif not n:
            st.caption("No activity visible in this period.")
        else:
            measures = [
                ("logins", "Logins"),
                ("records_created", "Records created"),
                ("records_updated", "Records updated"),
                ("reports_viewed", "Reports viewed"),
            ]
            st.dataframe(
                pd.DataFrame(
                    {
                        "Activity": [label for _, label in measures],
                        "Per active user": [f"{mix[key] / n:.1f}" for key, _ in measures],
                        "Total": [int(mix[key]) for key, _ in measures],
                    }
                ),
                hide_index=True,
                width="stretch",
            )
            st.caption(f"Per user with at least one activity day ({n:,} users).")
    with right:
        st.subheader("Open issues by age")
        if "open_issues" not in v:  # counted from person-level rows (live or frozen)
            st.caption(PERSON_LEVEL)
            return
        st.dataframe(
            v["open_issues"].rename(columns={"age": "Age at period end", "issues": "Open issues"}),
            hide_index=True,
            width="stretch",
        )
