"""Meetings & actions: freeze the Overview for a meeting, take the meeting pack away, log the meeting,
and turn red and amber KPIs into owned actions with a due date."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import streamlit as st

from db.settings import database_url
from metrics import actions, pack, snapshot
from metrics.periods import label as period_label
from metrics.registry import BY_ID, PILLARS
from ui import data, display, frame

RUNS_MEETINGS = ("sponsor", "lead", "manager", "admin")  # may freeze, log meetings and raise actions
KIND_WORDS = {
    "management_review": "Management review",
    "governance": "Steering committee (governance)",
    "monthly_planning": "Monthly planning",
    "weekly_status": "Weekly status",
    "coaching": "Coaching 1:1",
    "daily_standup": "Daily stand-up",
}
STATE_WORDS = {"open": "Open", "overdue": "Overdue", "done": "Done"}
# Red and amber are the only strong colours (as on the Overview); green and the rest stay quiet.
_TONE = {"red": "color: #b42318; font-weight: 600", "amber": "color: #9a5b00; font-weight: 600"}
_FLASH = "_meetings_flash"
_PRESENT = "_meetings_present"  # the slide shown in presentation mode; absent: the page
_PRESENT_SNAPSHOT = "_meetings_present_snapshot"  # what is presented (None: live figures)

ctx = frame.page("Meetings")
who = ctx.viewer
scope = who.scope
engine = data.engine(ctx.url)
runs = who.role in RUNS_MEETINGS
today = datetime.now(UTC).date()


# Writes run in button callbacks: before the script, so no rerun of the frame can lose a click.
def _say(ok: bool, message: str) -> None:
    st.session_state[_FLASH] = (ok, message)


def _freeze(unit: str, grain: str, start: date) -> None:
    name = st.session_state.get("freeze_name", "")
    try:
        with engine.begin() as conn:
            new_id = snapshot.create(
                conn, scope, unit=unit, grain=grain, period_start=start, name=name, actor=who.email
            )
    except snapshot.SnapshotError as e:
        _say(False, str(e))
        return
    st.session_state["meetings_snapshot"] = new_id
    _say(True, f"Snapshot “{name.strip()}” frozen (#{new_id}).")


def _log(unit: str, snapshot_id) -> None:
    # The refresh writes kpi_values, which only the owner role may: the viewer's role was checked
    # (RUNS_MEETINGS) and the unit comes from the filter, which lists only units in its scope.
    from db.engine import make_engine

    state = st.session_state
    kind, held_on, meeting_id = state["log_kind"], state["log_date"], state.get("log_meeting")
    if meeting_id is not None:  # the calendar's meeting: its own kind and day
        with engine.connect() as conn:
            booked = {m.id: m for m in actions.calendar_meetings(conn, scope, unit, datetime.now(UTC).date())}
        if meeting_id in booked:
            kind, held_on = booked[meeting_id].kind, booked[meeting_id].scheduled_on
    owner = make_engine(database_url())
    try:
        with owner.begin() as conn:
            logged = actions.log_meeting(
                conn, unit=unit, kind=kind, held_on=held_on, crm_report_used=state["log_crm"],
                sponsor_present=state["log_sponsor"], actor=who.email, snapshot_id=snapshot_id, meeting_id=meeting_id,
            )  # fmt: skip
    except actions.ActionError as e:
        _say(False, str(e))
        return
    finally:
        owner.dispose()
    st.cache_data.clear()
    _say(
        True,
        f"{KIND_WORDS[kind]} of {display.day(held_on)} logged; KPIs refreshed"
        + (f" from {display.day(logged.refreshed_from)}." if logged.refreshed_from else "."),
    )


def _create(unit: str, snapshot_id, statuses: dict[str, str]) -> None:
    state = st.session_state
    kpi_id = state["action_kpi"]
    try:
        with engine.begin() as conn:
            new = actions.create(
                conn, scope, title=state.get("action_title", ""), owner=state.get("action_owner") or "",
                due_on=state["action_due"], kpi_id=kpi_id, unit=unit, snapshot_id=snapshot_id,
                kpi_status=statuses.get(kpi_id), actor=who.email,
            )  # fmt: skip
    except actions.ActionError as e:
        _say(False, str(e))
        return
    state["action_title"] = ""
    _say(True, f"Action #{new} created for {BY_ID[kpi_id].title}.")


def _update() -> None:
    state = st.session_state
    pick, status = state.get("update_pick"), state.get("update_status") or ""
    try:
        with engine.begin() as conn:
            actions.update(conn, scope, pick, status=status, comment=state.get("update_comment", ""), actor=who.email)
    except actions.ActionError as e:
        _say(False, str(e))
        return
    state["update_comment"] = ""
    _say(True, f"Action #{pick} is {STATE_WORDS.get(status, status).lower()}.")


with frame.database_errors(), engine.connect() as conn:
    frozen = [s for s in snapshot.listing(conn, scope, ctx.unit.id) if s.grain == ctx.grain]
    live = data.overview(ctx.url, scope, ctx.unit.id, ctx.grain, ctx.period.start, ctx.version)

# --- presentation mode: one screen at a time for a projector (1280 x 720), no sidebar -----------------
SLIDE_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"] {display: none;}
.block-container, [data-testid="stMainBlockContainer"] {max-width: 100% !important; padding: 1.2rem 3rem 1rem !important;}
.fw-slide {font-family: inherit; color: #1f2937;}
.fw-slide .kicker {font-size: 18px; color: #6b7280; letter-spacing: .04em; text-transform: uppercase;}
.fw-slide h1 {font-size: 44px; margin: 0 0 12px 0; padding: 0; line-height: 1.1;}
.fw-slide .tiles {display: grid; grid-template-columns: 1.3fr 1fr 1fr 1fr; gap: 18px; margin: 14px 0 22px;}
.fw-slide .tile {border: 1px solid #d1d5db; border-left: 8px solid #9ca3af; border-radius: 4px; padding: 12px 18px;}
.fw-slide .tile .label {font-size: 20px; color: #6b7280;}
.fw-slide .tile .big {font-size: 76px; font-weight: 700; line-height: 1.05;}
.fw-slide .tile .sub {font-size: 18px;}
.fw-slide .red {color: #b42318;} .fw-slide .amber {color: #9a5b00;}
.fw-slide .tile.b-red {border-left-color: #b42318;} .fw-slide .tile.b-amber {border-left-color: #b06a00;}
.fw-slide .tile.b-green {border-left-color: #2e6b3a;}
.fw-slide ol {font-size: 24px; margin: 6px 0 0 0; padding-left: 1.4em;}
.fw-slide ol li {margin-bottom: 8px;}
.fw-slide .muted {color: #6b7280;}
.fw-slide table {width: 100%; border-collapse: collapse; font-size: 24px; margin-top: 8px;}
.fw-slide td, .fw-slide th {padding: 7px 12px; border-bottom: 1px solid #e5e7eb; text-align: left; white-space: nowrap;}
.fw-slide th {font-size: 18px; color: #6b7280; font-weight: 600;}
.fw-slide td.num {text-align: right; font-weight: 700; font-size: 30px;}
.fw-slide td.tgt {text-align: right; color: #6b7280;}
.fw-slide .chip {font-size: 18px; font-weight: 700; padding: 3px 10px; border-radius: 4px; white-space: nowrap;}
.fw-slide .chip.red {background: #fde8e6;} .fw-slide .chip.amber {background: #fdf0d5;}
.fw-slide .chip.green {color: #2e6b3a; font-weight: 400;} .fw-slide .chip.no_data {color: #6b7280; font-weight: 400;}
</style>"""


def _esc(v) -> str:
    import html

    return html.escape(str(v))


def _score(v) -> str:
    return "–" if v is None or pd.isna(v) else f"{v:.0f}"


def _cover_slide(m, source: str) -> str:
    now, before = m.current_scores, m.previous_scores
    tiles = []
    for key, label, band in (("index", "Adoption Index", m.band()),) + tuple(
        (p.id, f"{p.title} · {m.weights.get(p.id, p.default_weight):.0f}%", m.band(p.id)) for p in PILLARS
    ):
        v, b = now.get(key), before.get(key)
        delta = ""
        if v is not None and b is not None and not pd.isna(v) and not pd.isna(b) and m.previous is not None:
            delta = f"{display.points(float(v) - float(b))} vs {display.period_name(m.previous)}"
        tone = band if band in ("red", "amber", "green") else ""
        tiles.append(
            f'<div class="tile b-{tone}"><div class="label">{_esc(label)}</div>'
            f'<div class="big {tone if tone != "green" else ""}">{_score(v)}</div><div class="sub">{_esc(delta)}</div></div>'
        )
    asks = (
        "".join(
            f'<li><b class="{_esc(a["status"])}">{_esc(BY_ID[a["kpi_id"]].title)}</b> '
            f"{_esc(display.kpi_value(BY_ID[a['kpi_id']], a['value'], a['target'], a['status']))} "
            f'<span class="muted">(target {_esc(display.kpi_target(BY_ID[a["kpi_id"]], a["target"]))})</span></li>'
            for a in m.attention[:3]
        )
        or '<li class="muted">Nothing off target this period.</li>'
    )
    return (
        f'<div class="fw-slide"><div class="kicker">{_esc(source)}</div>'
        f"<h1>{_esc(m.unit_name)} · {_esc(m.period.label)}</h1>"
        f'<div class="tiles">{"".join(tiles)}</div>'
        f'<div class="kicker">Needs a decision</div><ol>{asks}</ol></div>'
    )


def _pillar_slide(m, pillar) -> str:
    rows = m.scorecard[m.scorecard["pillar"] == pillar.id]
    body = []
    for r in rows.itertuples():
        k = BY_ID[r.kpi_id]
        value = None if r.value is None or pd.isna(r.value) else float(r.value)
        target = None if r.target is None or pd.isna(r.target) else float(r.target)
        tone = r.status if r.status in ("red", "amber") else ""
        body.append(
            f"<tr><td>{_esc(k.title)}</td>"
            f'<td class="num {tone}">{_esc(display.kpi_value(k, value, target, r.status))}</td>'
            f'<td class="tgt">{_esc(display.kpi_target(k, target))}</td>'
            f'<td><span class="chip {_esc(r.status)}">{_esc(display.STATUS_WORDS[r.status])}</span></td>'
            f'<td class="muted">{_esc(display.kpi_delta(k, r.delta))}</td></tr>'
        )
    score = m.current_scores.get(pillar.id)
    return (
        f'<div class="fw-slide"><div class="kicker">{_esc(m.unit_name)} · {_esc(display.period_name(m.period))}</div>'
        f'<h1>{_esc(pillar.title)} · {_score(score)} <span class="muted">/100 · weight '
        f"{m.weights.get(pillar.id, pillar.default_weight):.0f}%</span></h1>"
        f"<table><tr><th>KPI</th><th style='text-align:right'>Value</th><th style='text-align:right'>Target</th>"
        f"<th>Status</th><th>Change</th></tr>{''.join(body)}</table></div>"
    )


def _stop_presenting() -> None:
    state = st.session_state
    state.pop(_PRESENT, None)
    state["meetings_snapshot"] = state.pop(_PRESENT_SNAPSHOT, None)  # back to what was shown


def _present(m, source: str) -> None:
    slides = [("Overview", lambda: _cover_slide(m, source))] + [
        (p.title, (lambda p=p: _pillar_slide(m, p))) for p in PILLARS
    ]
    at = min(max(st.session_state.get(_PRESENT, 0), 0), len(slides) - 1)
    st.html(SLIDE_CSS)
    st.html(slides[at][1]())
    nav = st.columns([1, 1, 4, 1])
    nav[0].button(
        "Previous",
        key="slide_prev",
        icon=":material/chevron_left:",
        disabled=at == 0,
        on_click=lambda: st.session_state.update({_PRESENT: at - 1}),
        width="stretch",
    )
    nav[1].button(
        "Next",
        key="slide_next",
        icon=":material/chevron_right:",
        disabled=at == len(slides) - 1,
        on_click=lambda: st.session_state.update({_PRESENT: at + 1}),
        width="stretch",
        type="primary",
    )
    nav[2].caption(f"{at + 1} / {len(slides)} · {slides[at][0]}")
    nav[3].button("Exit", key="slide_exit", icon=":material/close_fullscreen:",
                  on_click=_stop_presenting, width="stretch")  # fmt: skip


if st.session_state.get(_PRESENT) is not None:
    pick = st.session_state.get(_PRESENT_SNAPSHOT)
    with engine.connect() as conn:
        shown_snap = snapshot.get(conn, scope, pick) if pick is not None else None
    model = shown_snap.model if shown_snap is not None else live
    if model is not None:
        _present(model, f"Snapshot “{shown_snap.name}”" if shown_snap else "Live figures")
        st.stop()
    st.session_state.pop(_PRESENT, None)

st.title(f"Meetings & actions · {ctx.unit.name}")
st.caption(display.window_caption(ctx.period, ctx.window))
if flash := st.session_state.pop(_FLASH, None):
    ok, message = flash
    if ok:
        st.success(message, icon=":material/check_circle:")
    else:
        st.error(message, icon=":material/error:")

# --- meeting mode: freeze, pack, log ---------------------------------------------------------------
st.subheader("Meeting mode")
left, right = st.columns([3, 2], gap="large")
with left:
    choices = {None: f"Live figures · {display.period_name(ctx.period)}"} | {
        s.id: f"{s.name} · {period_label(s.grain, s.period_start, s.period_end)} · frozen {display.day(s.created_at.date())}"
        for s in frozen
    }
    chosen = st.selectbox(
        "Show the pack of",
        list(choices),
        format_func=lambda k: choices[k],
        key="meetings_snapshot",
        help="A snapshot shows exactly what the meeting saw, whatever data, targets or weights changed since.",
    )
    chosen_snap = next((s for s in frozen if s.id == chosen), None)
    if chosen_snap is not None:
        st.page_link(
            "pages/overview.py",
            label="Open the Overview and pillar pages as of this snapshot",
            icon=":material/ac_unit:",
            query_params={
                "snapshot": str(chosen_snap.id), "unit": chosen_snap.org_unit_id, "grain": chosen_snap.grain,
                "period": chosen_snap.period_start.isoformat(),
            },
        )  # fmt: skip
    period_start = chosen_snap.period_start if chosen_snap else ctx.period.start
    if live is None and chosen_snap is None:
        st.info("No KPI values for this unit and period: nothing to put in a pack.")
    else:

        def _build(kind: str) -> pack.Pack:
            # Built when the button is clicked (not on every run), and each hand-over is audited.
            with data.engine(ctx.url).begin() as c:
                return pack.build(
                    c, scope, unit=ctx.unit.id, grain=ctx.grain, period_start=period_start, snapshot_id=chosen,
                    actor=who.email, audit_as=f"pack.{kind}",
                )  # fmt: skip

        b1, b2 = st.columns(2)
        b1.download_button(
            "Meeting pack (PDF)",
            data=lambda: _build("pdf").pdf,
            file_name=f"flywheel-pack-{ctx.unit.id}-{ctx.grain}-{period_start}.pdf",
            mime="application/pdf",
            icon=":material/picture_as_pdf:",
            type="primary",
            on_click="ignore",
            key="meetings_pack_pdf",
            width="stretch",
        )
        b2.download_button(
            "Every number (CSV)",
            data=lambda: _build("csv").csv.encode(),
            file_name=f"flywheel-pack-{ctx.unit.id}-{ctx.grain}-{period_start}.csv",
            mime="text/csv",
            icon=":material/table:",
            on_click="ignore",
            key="meetings_pack_csv",
            width="stretch",
        )
        st.caption(
            "Cover with the index and three decisions, one page per pillar, open and overdue actions, "
            "changes since the last review, definitions."
        )
        st.button(
            "Present on a projector",
            key="meetings_present",
            icon=":material/slideshow:",
            on_click=lambda snap: st.session_state.update({_PRESENT: 0, _PRESENT_SNAPSHOT: snap}),
            args=(chosen,),
            help="Full screen, large numbers, one pillar per screen; the pack's figures (live or the snapshot).",
        )

    if runs and live is not None:
        with st.form("freeze", border=True):
            st.markdown("**Freeze for meeting**")
            st.text_input(
                "Name", value=f"{ctx.unit.name} review · {display.period_name(ctx.period)}", key="freeze_name"
            )
            st.form_submit_button(
                "Freeze snapshot",
                icon=":material/ac_unit:",
                on_click=_freeze,
                args=(ctx.unit.id, ctx.grain, ctx.period.start),
            )

with right:
    if runs:
        with st.form("log", border=True):
            st.markdown("**Log this meeting**")
            with engine.connect() as conn:
                booked = actions.calendar_meetings(conn, scope, ctx.unit.id, today)
            booked_words = {
                m.id: f"{display.day(m.scheduled_on)} · {KIND_WORDS.get(m.kind, m.kind)}"
                + (f" · {m.title}" if m.title else "")
                for m in booked
            }
            st.selectbox(
                "Meeting",
                [None, *booked_words],
                format_func=lambda i: "Not in the imported calendar: add it" if i is None else booked_words[i],
                key="log_meeting",
                help="A meeting the calendar import brought in is marked held with these answers, not added twice.",
            )
            st.selectbox(
                "Kind",
                list(KIND_WORDS),
                format_func=KIND_WORDS.get,
                key="log_kind",
                help="Management kinds feed report use.",
            )
            st.date_input("Held on", value=today, max_value=today, key="log_date")
            st.checkbox(
                "Run on CRM reports or this dashboard",
                value=True,
                key="log_crm",
                help="Meeting mode is open: this meeting is run on the CRM's numbers.",
            )
            st.checkbox("Executive sponsor present", value=who.role == "sponsor", key="log_sponsor")
            st.form_submit_button(
                "Log meeting", icon=":material/event_available:", type="primary", on_click=_log,
                args=(ctx.unit.id, chosen),
            )  # fmt: skip
    with engine.connect() as conn:
        logs = actions.meeting_log(conn, scope, ctx.unit.id, limit=5)
    if logs:
        st.caption("Logged here lately")
        for m in logs:
            flags = ", ".join(
                x for x, on in (("on CRM reports", m.crm_report_used), ("sponsor present", m.sponsor_present)) if on
            )
            st.markdown(
                f"- {display.day(m.held_on)} · {display.escape(KIND_WORDS.get(m.kind, m.kind))}"
                + (f" · {flags}" if flags else "")
            )

# --- changes since the last review ----------------------------------------------------------------
others = {s.id: s for s in frozen if s.id != chosen}
if live is not None or chosen is not None:
    st.subheader("Changes since the last review")
    against_id = st.selectbox(
        "Compared with",
        [None, *others],
        format_func=lambda i: (
            "The last review (the snapshot before)"
            if i is None
            else f"{others[i].name} · frozen {display.day(others[i].created_at.date())}"
        ),
        key="meetings_against",
        help="Compare what is shown above with any other snapshot of this unit.",
    )
with engine.connect() as conn:
    snap_obj = snapshot.get(conn, scope, chosen) if chosen is not None else None
    shown_model = snap_obj.model if snap_obj is not None else live
    against = snapshot.get(conn, scope, against_id) if (live is not None or chosen is not None) and against_id else None
    review = (
        pack.since_last_review(conn, scope, shown_model, snap_obj, today, against=against)
        if shown_model is not None
        else None
    )
if review is not None:
    st.caption(review["since"])
    if review["items"]:
        moved = pd.DataFrame(
            {
                "KPI": [c["title"] for c in review["items"]],
                "Then": [c["then"] for c in review["items"]],
                "Now": [c["now"] for c in review["items"]],
                "Status": [c["note"] for c in review["items"]],
            }
        )
        tones = {c["note"]: c["status"] for c in review["items"]}
        st.dataframe(
            moved.style.map(lambda v: _TONE.get(tones.get(v), ""), subset=["Status"]),
            hide_index=True,
            width="stretch",
            height=35 * (len(moved) + 1) + 3,
        )
    elif review["closed"] or "No earlier" not in review["since"]:
        st.caption(review["empty"])
    for c in review["closed"]:
        st.markdown(f"- :material/task_alt: Closed: {display.escape(c)}")

# --- actions ---------------------------------------------------------------------------------------
st.subheader("Actions")
card = live.scorecard if live is not None else pd.DataFrame(columns=["kpi_id", "status", "value", "target"])
raisable = card[card["status"].isin(actions.RAISABLE)]
if runs and not who.scope.people and not raisable.empty:
    st.caption("Actions are raised by the program lead or the unit's manager: they assign a person as owner.")
if runs and who.scope.people and not raisable.empty:
    with st.expander(f"Create an action from a red or amber KPI ({len(raisable)})", icon=":material/add_task:"):
        with engine.connect() as conn:
            people = actions.owners(conn, scope, ctx.unit.id)
        with st.form("new_action", border=False):
            st.selectbox(
                "KPI",
                list(raisable["kpi_id"]),
                format_func=lambda k: (
                    f"{BY_ID[k].title} · " + display.STATUS_WORDS[raisable.set_index("kpi_id").loc[k, "status"]].lower()
                ),
                key="action_kpi",
            )
            st.text_input("What will be done", key="action_title")
            c1, c2 = st.columns(2)
            c1.selectbox(
                "Owner",
                [p for p, _ in people],
                format_func=dict(people).get,
                key="action_owner",
                placeholder="Nobody you may assign" if not people else "Choose a person",
            )
            c2.date_input("Due", value=today + timedelta(days=14), key="action_due")
            st.form_submit_button(
                "Create action", icon=":material/add_task:", type="primary", on_click=_create,
                args=(ctx.unit.id, chosen, dict(zip(raisable["kpi_id"], raisable["status"], strict=True))),
            )  # fmt: skip

with engine.connect() as conn:
    everything = actions.listing(conn, scope, unit=ctx.unit.id, today=today)
f1, f2, f3 = st.columns([2, 2, 2])
states = f1.pills(
    "Show", list(STATE_WORDS), default=["open", "overdue"], selection_mode="multi", format_func=STATE_WORDS.get,
    key="action_states",
)  # fmt: skip
owner_names = sorted({a.owner_name for a in everything if a.owner_name})
owner_pick = f2.selectbox("Owner", ["Everyone", *owner_names], key="action_owner_filter")
unit_names = sorted({a.unit_name for a in everything})
unit_pick = f3.selectbox(
    "Unit",
    [f"All of {ctx.unit.name}", *unit_names],
    key="action_unit_filter",
    help="Actions of the unit and its units.",
)
shown = [
    a
    for a in everything
    if a.state(today) in (states or list(STATE_WORDS))
    and owner_pick in ("Everyone", a.owner_name)
    and unit_pick in (f"All of {ctx.unit.name}", a.unit_name)
]
counts = {s: sum(1 for a in everything if a.state(today) == s) for s in STATE_WORDS}
st.caption(f"{counts['open']} open · {counts['overdue']} overdue · {counts['done']} done in {ctx.unit.name}")
if not shown:
    st.info("No actions to show with these filters.")
else:
    st.dataframe(
        pd.DataFrame(
            {
                "State": [STATE_WORDS[a.state(today)] for a in shown],
                "Action": [a.title for a in shown],
                "Owner": [a.owner_name or "(not visible to you)" for a in shown],
                "Due": [a.due_on for a in shown],
                "KPI": [a.kpi_title for a in shown],
                "Unit": [a.unit_name for a in shown],
                "Last update": [a.last_comment or "" for a in shown],
            }
        ).style.map(lambda v: _TONE["red"] if v == "Overdue" else "", subset=["State"]),
        hide_index=True,
        width="stretch",
        column_config={"Due": st.column_config.DateColumn(format="D MMM YYYY")},
        key="actions_table",
    )
    mine = who.scope.person
    updatable = [a for a in shown if runs or (mine and a.owner_person_id == mine)]
    if updatable:
        with st.form("update_action", border=True):
            st.markdown("**Update an action**")
            st.selectbox(
                "Action", [a.id for a in updatable], format_func=lambda i: next(a.title for a in updatable if a.id == i),
                key="update_pick",
            )  # fmt: skip
            st.segmented_control(
                "Status", list(actions.STATUSES), default="done", format_func=STATE_WORDS.get, key="update_status"
            )
            st.text_input("Comment", key="update_comment", placeholder="What happened")
            st.form_submit_button("Save update", icon=":material/save:", on_click=_update)
        with st.expander("History of an action", icon=":material/history:"):
            hist_pick = st.selectbox(
                "Action", [a.id for a in shown], format_func=lambda i: next(a.title for a in shown if a.id == i),
                key="history_pick",
            )  # fmt: skip
            with engine.connect() as conn:
                for h in actions.history(conn, scope, hist_pick):
                    st.markdown(
                        f"- {h.at:%d %b %Y %H:%M} · **{STATE_WORDS.get(h.status, h.status)}**"
                        + (f" · {display.escape(h.actor)}" if h.actor else "")
                        + (f" — {display.escape(h.comment)}" if h.comment else "")
                    )
