"""Targets: program leads set targets and pillar weights with dates, reasons and history, see the
effect before saving, and never lose an edit (a save over someone else's newer change is refused)."""

from __future__ import annotations

import html
from dataclasses import astuple
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from db import audit
from metrics import targets as model
from metrics.periods import Period
from metrics.registry import BY_ID, KPIS, PILLARS
from ui import cards, data, display, frame

TTL = 600
LINES_SHOWN = 8  # units named in an effect; the rest are in its table
DUE_SHOWN = 5  # targets due for review listed at the top; all of them can be picked
HISTORY_SHOWN = 200  # records drawn on the page; the download has every one
ACTIONS = {"set": "Set a target", "clear": "Clear (inherit again)"}
PILLAR_TITLES = {p.id: p.title for p in PILLARS}
_FIELDS = ("tg_value", "tg_review", "tg_reason")  # emptied after a save; KPI, unit and date stay

ctx = frame.page("Targets", roles=("lead", "admin"))
url, me, scope = ctx.url, ctx.viewer, ctx.viewer.scope
state = st.session_state
read_only = me.viewing_as is not None  # an administrator viewing as someone never writes in their name
today = date.today()


# --- cached reads (keyed by the data version, which every target or weight record changes) -------------


@st.cache_data(ttl=TTL, show_spinner=False)
def _grid(db_url, scope, unit, grain, period_start, kpis, version):
    with data.engine(db_url).connect() as conn:
        return model.grid(conn, scope, unit, grain, period_start, list(kpis))


@st.cache_data(ttl=TTL, show_spinner=False)
def _names(db_url, version):
    with data.engine(db_url).connect() as conn:
        return model.unit_names(conn)


@st.cache_data(ttl=TTL, show_spinner=False)
def _due(db_url, scope, day, version):
    with data.engine(db_url).connect() as conn:
        return model.due_for_review(conn, scope, today=day)


@st.cache_data(ttl=TTL, show_spinner=False)
def _history(db_url, scope, version):
    with data.engine(db_url).connect() as conn:
        return model.history(conn, roots=scope.roots)


@st.cache_data(ttl=TTL, show_spinner=False)
def _weights(db_url, day, version):
    with data.engine(db_url).connect() as conn:
        return model.weight_sets(conn), model.weights_at(conn, day), model.weight_token(conn)


@st.cache_data(ttl=TTL, show_spinner="Computing the effect…")
def _preview(db_url, changes, grain, version):
    with data.engine(db_url).connect() as conn:
        return model.preview(conn, [model.Change(*c) for c in changes], grain=grain)


@st.cache_data(ttl=TTL, show_spinner="Computing the effect…")
def _preview_weights(db_url, weights, effective_from, roots, grain, version):
    with data.engine(db_url).connect() as conn:
        change = model.WeightChange(dict(weights), effective_from, "preview")
        return model.preview_weights(conn, change, roots=list(roots), grain=grain)


# --- words ---------------------------------------------------------------------------------------------------


def _period(e: model.PeriodEffect | None, start: date | None = None) -> str:
    if e is not None:
        return display.period_name(Period(e.grain, e.period_start, e.period_end, e.partial))
    return display.period_name(Period(ctx.grain, start, start, False))


def _signed(v: float) -> str:
    return display.points(v).removesuffix(" pts")


def _periods_text(starts: list[date], effect: model.Effect) -> str:
    names = [_period(None, s) for s in starts]
    if len(names) <= 3:
        return "in " + display.names(names)
    return f"in {display.plural(len(names), effect.grain)} from {names[0]}"


def effect_lines(
    effect: model.Effect, names: dict[str, str], first: tuple[str, ...] = ()
) -> tuple[str, list[str], int]:
    """A headline, one markdown line per unit (the first LINES_SHOWN; the units in `first` before the
    others, then tree order), and how many more units."""
    if not effect.rows:
        if effect.periods_after_data:
            return (
                f"Takes effect after the last period with data: nothing changes yet; the periods from "
                f"{_period(None, effect.period_from)} on will be scored with it.",
                [],
                0,
            )
        return ("No target, status or index changes in the periods with data.", [], 0)
    per_unit = sorted(effect.by_unit(), key=lambda u: first.index(u.unit_id) if u.unit_id in first else len(first))
    moved = sum(1 for u in per_unit if u.transitions)
    status_periods = sum(1 for r in effect.rows if r.status_before != r.status_after)
    index_units = sum(1 for u in per_unit if u.index_deltas)
    if all(r.kpi_id is None for r in effect.rows):  # weights: only indexes move
        head = f"The index moves in {display.plural(index_units, 'unit')}"
    else:
        head = (
            f"{display.plural(moved, 'unit')} change status ({display.plural(status_periods, 'unit-period')})"
            f" · the index moves in {display.plural(index_units, 'unit')}"
        )
    lines = []
    for u in per_unit[:LINES_SHOWN]:
        parts = []
        if u.kpi_id is not None:
            k = BY_ID[u.kpi_id]
            parts.append(
                f"{display.escape(k.title)}: target {display.escape(model.fmt_target(u.kpi_id, u.target_before))}"
                f" → {display.escape(model.fmt_target(u.kpi_id, u.target_after))} from {_period(None, u.first_period)}"
            )
            for a, b, starts in u.transitions:
                parts.append(f"{a} → {b} {_periods_text(starts, effect)}")
            if not u.transitions:
                parts.append("no status change")
        if u.index_deltas:
            (first, d0), deltas = u.index_deltas[0], [d for _, d in u.index_deltas]
            text = f"index {_signed(d0)} in {_period(None, first)}"
            lo, hi = min(deltas), max(deltas)
            if len(deltas) > 1 and _signed(lo) != _signed(hi):
                text += f" ({_signed(lo)} to {_signed(hi)} over {display.plural(len(deltas), effect.grain)})"
            parts.append(text)
        lines.append(f"- **{display.escape(names.get(u.unit_id, u.unit_id))}** · " + " · ".join(parts))
    return head, lines, max(0, len(per_unit) - LINES_SHOWN)


def effect_table(effect: model.Effect, names: dict[str, str]) -> pd.DataFrame:
    rows = []
    for r in effect.rows:
        row = {"Unit": names.get(r.unit_id, r.unit_id), "Period": _period(r)}
        if r.kpi_id is not None:
            row |= {
                "KPI": BY_ID[r.kpi_id].title,
                "Target": f"{model.fmt_target(r.kpi_id, r.target_before)} → {model.fmt_target(r.kpi_id, r.target_after)}",
                "Status": f"{r.status_before} → {r.status_after}",
            }
        row["Index"] = (
            f"{display.score(r.index_before)} → {display.score(r.index_after)}"
            if r.index_before is not None or r.index_after is not None
            else "–"
        )
        rows.append(row)
    return pd.DataFrame(rows)


def show_effect(effect: model.Effect, names: dict[str, str], key: str, first: tuple[str, ...] = ()) -> None:
    head, lines, more = effect_lines(effect, names, first)
    st.markdown(f"**{display.escape(head)}**")
    if lines:
        st.markdown("\n".join(lines))
    if more:
        st.caption(f"and {display.plural(more, 'more unit')} in the table")
    if effect.rows:
        with st.expander(f"Every period that changes ({len(effect.rows)})"):
            st.dataframe(effect_table(effect, names), hide_index=True, width="stretch", key=key)


def field_error(message: str | None) -> None:
    if message:
        st.markdown(f":red[:material/error: {display.escape(message)}]")


def source_text(res: model.Resolution, names: dict[str, str]) -> str:
    text = res.source_text(names)
    if res.effective_from is not None:
        text += f" · from {display.day(res.effective_from)}"
    if res.cleared_from is not None:
        text += f" (own target cleared from {display.day(res.cleared_from)})"
    return text


def change_text(h: model.HistoryRow, names: dict[str, str]) -> str:
    old = f"{model.fmt_target(h.kpi_id, h.old.target)} ({h.old.source_text(names)})"
    if h.value is None:
        return f"{old} → cleared: {model.fmt_target(h.kpi_id, h.new.target)} ({h.new.source_text(names)})"
    return f"{old} → {model.fmt_target(h.kpi_id, h.value)}"


GRID_STYLE = (
    "<style>"
    ".tg-wrap{container-type:inline-size}"
    f".tg{{width:100%;table-layout:fixed;border-collapse:collapse;font-size:.95rem;color:{cards.INK}}}"
    ".tg col.c-unit{width:23%}.tg col.c-target{width:13%}.tg col.c-src{width:34%}"
    ".tg col.c-value{width:13%}.tg col.c-status{width:17%}"
    ".th col.c-when{width:17%}.th col.c-what{width:19%}.th col.c-from{width:14%}.th col.c-change{width:22%}"
    ".th col.c-why{width:28%}"
    ".tg .fw-status{white-space:nowrap;font-size:.85rem}"
    f".tg th{{text-align:left;padding:6px 8px;border-bottom:2px solid {cards.INK};font-size:.85rem;vertical-align:bottom}}"
    f".tg td{{padding:6px 8px;border-bottom:1px solid {cards.GRID};vertical-align:top}}"
    ".tg tr.tg-kpi td{padding:14px 8px 4px;font-weight:700;font-size:1rem;border-bottom:1px solid #c9ced6}"
    f".tg .tg-range{{font-weight:400;color:{cards.NEUTRAL};font-size:.85rem;margin-left:8px}}"
    ".tg td.c-unit{min-width:8em}.tg tr.child td.c-unit{padding-left:22px}"
    ".tg td.c-target.own{font-weight:700}"
    f".tg td.c-src{{color:{cards.NEUTRAL}}}.tg .tg-note{{font-size:.85rem}}"
    f".tg .tg-due{{color:{cards.BANDS['amber'][2]};font-weight:600}}"
    ".tg td.c-value{font-weight:600}.tg td{overflow-wrap:anywhere}"
    "@container (max-width: 620px){.tg td,.tg th{padding-left:4px;padding-right:4px}.tg .tg-reason{display:none}}"
    "</style>"
)


def grid_html(rows: list[model.GridRow], names: dict[str, str]) -> str:
    """The grid as a table that wraps instead of scrolling: one group per KPI, the unit first, then
    its children; each with its target, where it comes from, the period's value and status."""
    esc = html.escape
    cols = "".join(f'<col class="c-{c}">' for c in ("unit", "target", "src", "value", "status"))
    head = (
        f"<colgroup>{cols}</colgroup><thead><tr><th>Unit</th><th>Target</th><th>Where it comes from</th>"
        f"<th>{esc(display.period_name(ctx.period))}</th><th>Status</th></tr></thead>"
    )
    body = []
    for kpi_id in dict.fromkeys(r.kpi_id for r in rows):
        k = BY_ID[kpi_id]
        body.append(
            f'<tr class="tg-kpi"><td colspan="5">{esc(k.title)}'
            f'<span class="tg-range">{esc(k.unit)} · {esc(allowed(k))}</span></td></tr>'
        )
        for r in (r for r in rows if r.kpi_id == kpi_id):
            res = r.resolution
            status = r.status or "no_data"
            src = esc(source_text(res, names))
            if res.source == "own" and res.review_on is not None:
                due = res.review_on <= today
                src += (
                    f'<div class="tg-note{" tg-due" if due else ""}">'
                    f"{'review was due' if due else 'review on'} {esc(display.day(res.review_on))}</div>"
                )
            if res.source == "own" and res.reason:
                reason = res.reason if len(res.reason) <= 90 else res.reason[:89] + "…"
                src += f'<div class="tg-note tg-reason">“{esc(reason)}”</div>'
            body.append(
                f'<tr class="{"child" if r.child else "self"} s-{status}" data-kpi="{esc(kpi_id)}" '
                f'data-unit="{esc(r.unit_id)}" data-status="{status}" data-source="{res.source}">'
                f'<td class="c-unit">{"↳ " if r.child else ""}{esc(r.unit_name)}</td>'
                f'<td class="c-target{" own" if res.source == "own" else ""}">'
                f"{esc(model.fmt_target(kpi_id, res.target))}</td>"
                f'<td class="c-src">{src}</td>'
                f'<td class="c-value">{esc(display.kpi_value(k, r.value, res.target, r.status))}</td>'
                f'<td class="c-status"><span class="fw-status s-{status}">{esc(display.STATUS_WORDS[status])}</span></td>'
                "</tr>"
            )
    return f'<div class="tg-wrap"><table class="tg" data-testid="targets-grid">{head}<tbody>{"".join(body)}</tbody></table></div>'


def ask(flag: str, what: str) -> None:
    """A button's wish, kept in the session until the page acts on it.

    Buttons act through callbacks: a run may be restarted before it reaches the button (the entry
    script re-routing a page, see ui/frame.py), and a button's own value lasts one run only.
    """
    state[flag] = what


def history_html(rows: list[model.HistoryRow], names: dict[str, str]) -> str:
    """The history as a table that wraps: when and who, what, from when, old -> new, and why."""
    esc = html.escape
    cols = "".join(f'<col class="c-{c}">' for c in ("when", "what", "from", "change", "why"))
    head = (
        f"<colgroup>{cols}</colgroup><thead><tr><th>Recorded (UTC)</th><th>KPI · unit</th><th>From</th>"
        "<th>Old → new</th><th>Reason</th></tr></thead>"
    )
    body = []
    for h in rows:
        title = BY_ID[h.kpi_id].title if h.kpi_id in BY_ID else h.kpi_id
        review = f'<div class="tg-note">review {esc(display.day(h.review_on))}</div>' if h.review_on else ""
        body.append(
            f'<tr data-id="{h.id}" data-kpi="{esc(h.kpi_id)}" data-unit="{esc(h.unit_id)}">'
            f'<td class="c-when">{h.recorded_at:%Y-%m-%d %H:%M}<div class="tg-note">{esc(h.recorded_by or "–")}</div></td>'
            f'<td class="c-what">{esc(title)}<div class="tg-note">{esc(h.unit_name)}</div></td>'
            f'<td class="c-from">{esc(display.day(h.effective_from))}{review}</td>'
            f'<td class="c-change">{esc(change_text(h, names))}</td>'
            f'<td class="c-why">{esc(h.reason or "")}</td></tr>'
        )
    if not body:
        body.append('<tr><td colspan="5">No change recorded yet.</td></tr>')
    return (
        '<div class="tg-wrap"><table class="tg th" data-testid="target-history">'
        f"{head}<tbody>{''.join(body)}</tbody></table></div>"
    )


def follow_default(ctx: frame.Context, key: str) -> None:
    """An effective date defaults to the start of the period after the one shown, and follows the
    period picked in the sidebar until someone types another date."""
    default = model.next_period_start(ctx.grain, ctx.period.start)
    if state.get(key) in (None, state.get(f"_{key}_default")):
        state[key] = default
    state[f"_{key}_default"] = default


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def allowed(k) -> str:
    return f"{k.min_target:g} or more" if k.max_target is None else f"from {k.min_target:g} to {k.max_target:g}"


def flash(key: str) -> None:
    if kept := state.pop(key, None):
        kind, text = kept
        getattr(st, kind)(text, icon=":material/check_circle:" if kind == "success" else ":material/block:")


# --- the page ------------------------------------------------------------------------------------------------

with frame.database_errors():
    names = _names(url, ctx.version)
    due = _due(url, scope, today, ctx.version)

st.title(f"Targets · {display.escape(ctx.unit.name)}")
st.caption(
    f"Targets in force on {display.day(ctx.period.end)} (the end of {ctx.period.label}), beside that "
    "period's values. Every change adds a dated record with its reason; nothing is overwritten."
)
if read_only:
    st.info(f"You are viewing as {display.escape(me.email)}: editing is off.", icon=":material/visibility:")


def _open_due(kpi_id: str, unit_id: str) -> None:
    """Put a due target into the edit form: its unit becomes the page's unit."""
    state["unit"] = unit_id
    state["tg_pillar"] = BY_ID[kpi_id].pillar
    state["tg_kpi"], state["tg_unit"] = kpi_id, unit_id


if due:
    with st.container(border=True):
        st.markdown(
            f":orange[:material/event_busy:] **{display.plural(len(due), 'target')} due for review** "
            "— confirm each with a new review date, or change it."
        )
        st.markdown(
            "\n".join(
                f"- **{display.escape(BY_ID[d.kpi_id].title)} · {display.escape(d.unit_name)}** "
                f"{display.escape(model.fmt_target(d.kpi_id, d.value))} — review was due {display.day(d.review_on)} "
                f"({display.plural(d.days_overdue, 'day')} ago)"
                + (f" · “{display.escape(_short(d.reason, 70))}”" if d.reason else "")
                for d in due[:DUE_SHOWN]
            )
        )
        if len(due) > DUE_SHOWN:
            st.caption(f"and {len(due) - DUE_SHOWN} more: pick them below")
        if not read_only:
            row = st.container(horizontal=True, vertical_alignment="bottom")
            pick = row.selectbox(
                "Review",
                range(len(due)),
                format_func=lambda i: f"{BY_ID[due[i].kpi_id].title} · {due[i].unit_name}",
                key="tg_due_pick",
                label_visibility="collapsed",
                width=420,
            )
            row.button(
                "Open in the editor",
                key="tg_due_open",
                on_click=_open_due,
                args=(due[pick].kpi_id, due[pick].unit_id),
                icon=":material/edit:",
            )

targets_tab, history_tab, weights_tab = st.tabs(["Targets", "History", "Pillar weights"])

# --- targets: grid and editor --------------------------------------------------------------------------------

with targets_tab:
    flash("_tg_flash")
    state.setdefault("tg_pillar", "people")
    pillar = st.segmented_control(
        "Pillar", list(PILLAR_TITLES), format_func=PILLAR_TITLES.get, key="tg_pillar", required=True
    )
    kpi_ids = tuple(k.id for k in KPIS if k.pillar == pillar)
    with frame.database_errors():
        rows = _grid(url, scope, ctx.unit.id, ctx.grain, ctx.period.start, kpi_ids, ctx.version)
    # What this session has seen of each KPI and unit: the newest record id when it opened it in the
    # editor (or asked to apply to the children). A save over a newer record by anyone is refused once.
    seen = state.setdefault("_tg_seen", {})

    st.html(cards.STYLE + GRID_STYLE)
    st.html(grid_html(rows, names))

    st.subheader("Change a target")
    unit_ids = [r.unit_id for r in rows if r.kpi_id == kpi_ids[0]]
    if state.get("tg_kpi") not in kpi_ids:
        state.pop("tg_kpi", None)
    if state.get("tg_unit") not in unit_ids:
        state.pop("tg_unit", None)
    if state.pop("_tg_reset", False):
        for k in _FIELDS:
            state.pop(k, None)
    follow_default(ctx, "tg_from")

    left, right = st.columns(2)
    kpi_id = left.selectbox("KPI", kpi_ids, format_func=lambda k: BY_ID[k].title, key="tg_kpi")
    unit_id = right.selectbox(
        "Unit", unit_ids, format_func=lambda u: ("↳ " if u != ctx.unit.id else "") + names.get(u, u), key="tg_unit"
    )
    current = next(r for r in rows if r.kpi_id == kpi_id and r.unit_id == unit_id)
    k = BY_ID[kpi_id]
    res = current.resolution
    said = f"In force on {display.day(ctx.period.end)}: **{display.escape(model.fmt_target(kpi_id, res.target))}** — {display.escape(source_text(res, names))}"
    if res.source != "default" and res.recorded_by:
        said += f", set by {display.escape(res.recorded_by)}"
    if res.reason:
        said += f": “{display.escape(res.reason)}”"
    st.markdown(said)
    if state.get("_tg_editing") != (kpi_id, unit_id):
        state["_tg_editing"] = (kpi_id, unit_id)
        seen[(kpi_id, unit_id)] = current.token

    state.setdefault("tg_action", "set")
    action = st.segmented_control("What to do", list(ACTIONS), format_func=ACTIONS.get, key="tg_action", required=True)
    clear = action == "clear"
    attempted = state.get("_tg_attempted") == (kpi_id, unit_id)
    c1, c2, c3 = st.columns(3)
    with c1:
        raw_value = st.text_input(
            f"New target ({display.VALUE_UNITS[k.value_kind].strip()})",
            key="tg_value",
            disabled=clear or read_only,
            placeholder=f"{res.target:g}",
            help=f"{k.title}: {allowed(k)} ({k.unit}).",
        )
    with c2:
        eff = st.date_input(
            "Effective from",
            key="tg_from",
            min_value=model.EARLIEST,
            max_value=today + timedelta(days=model.AHEAD_DAYS),
            format="YYYY-MM-DD",
            disabled=read_only,
            help="Default: the start of the next period. An earlier date re-scores the periods since.",
        )
    with c3:
        review = st.date_input(
            "Review on (optional)",
            value=None,
            key="tg_review",
            min_value=model.EARLIEST,
            max_value=today + timedelta(days=model.AHEAD_DAYS),
            format="YYYY-MM-DD",
            disabled=read_only,
        )
    reason = st.text_area(
        "Reason (required)",
        key="tg_reason",
        height=68,
        max_chars=model.REASON_MAX,
        disabled=read_only,
        placeholder="Why this target, for whoever reads the history next year",
    )
    with frame.database_errors(), data.engine(url).connect() as conn:
        change, errors = model.parse_change(
            conn, kpi_id, unit_id, value=raw_value, effective_from=eff, review_on=review, reason=reason, clear=clear
        )
    with c1:
        if not clear and (raw_value.strip() or attempted):
            field_error(errors.get("value"))
        elif clear:
            field_error(errors.get("value"))
    with c2:
        field_error(errors.get("effective_from"))
    with c3:
        field_error(errors.get("review_on"))
    if reason.strip() or attempted:
        field_error(errors.get("reason"))

    # The effect needs a value and a date only: shown before the reason is written.
    pending = None
    if not ({"value", "effective_from", "review_on"} & errors.keys()) and not read_only:
        pending = model.Change(
            kpi_id,
            unit_id,
            None if clear else float(raw_value.strip()),
            eff,
            review,
            reason.strip(),
        )
    if pending is not None:
        with st.container(border=True):
            st.markdown(":material/preview: **Effect if saved** · computed by the scoring, nothing written yet")
            with frame.database_errors():
                effect = _preview(url, (astuple(pending),), ctx.grain, ctx.version)
            show_effect(effect, names, "tg_effect_table")
            key = (kpi_id, unit_id)
            late = [h for h in _history(url, scope, ctx.version) if (h.kpi_id, h.unit_id) == key and h.id > seen[key]]
            if late:
                st.warning(
                    display.escape(model.conflict_message(late, names))
                    + " Saving now will be refused once, so that you can see it first.",
                    icon=":material/group:",
                )

    kids = [u for u in unit_ids if u != ctx.unit.id] if unit_id == ctx.unit.id else []
    buttons = st.container(horizontal=True)
    buttons.button(
        "Save",
        type="primary",
        key="tg_save",
        disabled=read_only,
        icon=":material/save:",
        on_click=ask,
        args=("_tg_ask", "save"),
    )
    buttons.button(
        f"Apply to every child unit ({len(kids)})…",
        key="tg_children",
        disabled=read_only or clear or not kids,
        help="The same target, date, review date and reason for every child of "
        f"{ctx.unit.name}: one record each, after you confirm.",
        on_click=ask,
        args=("_tg_ask", "children"),
    )

    def _save(changes: list[model.Change], bulk_of: str | None) -> None:
        keys = [c.key for c in changes]
        try:
            with data.engine(url).begin() as conn:
                saved = model.save(
                    conn, me.email, changes, {key: seen[key] for key in keys}, grain=ctx.grain, bulk_of=bulk_of
                )
        except model.Conflict as e:
            # Refused once: the page now knows the newer records, a second save is deliberate.
            for h in e.records:
                seen[(h.kpi_id, h.unit_id)] = max(seen.get((h.kpi_id, h.unit_id), 0), h.id)
            state["_tg_flash"] = ("error", display.escape(str(e)))
            st.rerun()
        for c, i in zip(changes, saved.ids, strict=True):
            seen[c.key] = i
        head, lines, more = effect_lines(saved.effect, names)
        first = changes[0]
        what = (
            "Cleared the own target" if first.value is None else f"Saved {model.fmt_target(first.kpi_id, first.value)}"
        )
        where = (
            f"for {display.plural(len(changes), 'child unit')} of {names.get(bulk_of, bulk_of)}"
            if bulk_of
            else f"for {names.get(first.unit_id, first.unit_id)}"
        )
        text = (
            f"{display.escape(what)} · {display.escape(BY_ID[first.kpi_id].title)} {display.escape(where)}, "
            f"from {display.day(first.effective_from)}.  \n**{display.escape(head)}**"
        )
        if lines:
            text += "\n" + "\n".join(lines)
        if more:
            text += f"\n\nand {display.plural(more, 'more unit')}"
        state["_tg_flash"] = ("success", text)
        state["_tg_reset"] = True
        state.pop("_tg_attempted", None)
        state.pop("_tg_bulk", None)
        st.rerun()

    asked = state.pop("_tg_ask", None) if not read_only else None
    if asked == "save":
        if change is None:
            state["_tg_attempted"] = (kpi_id, unit_id)
            state["_tg_flash"] = ("error", "Not saved: fix the fields marked in red.")
            st.rerun()
        else:
            with frame.database_errors():
                _save([change], None)

    if asked == "children":
        if change is None:
            state["_tg_attempted"] = (kpi_id, unit_id)
            state["_tg_flash"] = ("error", "Not applied: fix the fields marked in red.")
            st.rerun()
        state["_tg_bulk"] = change
        with frame.database_errors(), data.engine(url).connect() as conn:
            seen.update(model.tokens(conn, [c.key for c in model.for_children(conn, change, scope)]))
    bulk = state.get("_tg_bulk")
    if bulk is not None and bulk != change:
        state.pop("_tg_bulk", None)  # the fields changed since: confirm what is on the screen, not what was
        bulk = None
    if bulk is not None:
        with frame.database_errors(), data.engine(url).connect() as conn:
            bulk_changes = model.for_children(conn, bulk, scope)
        with st.container(border=True):
            st.markdown(
                f":material/account_tree: **Confirm: {display.plural(len(bulk_changes), 'record')}** — "
                f"{display.escape(k.title)} {display.escape(model.fmt_target(bulk.kpi_id, bulk.value))} from "
                f"{display.day(bulk.effective_from)} for "
                + display.escape(display.names([names[c.unit_id] for c in bulk_changes]))
                + ", replacing what each inherits or has set itself."
            )
            with frame.database_errors():
                effect = _preview(url, tuple(astuple(c) for c in bulk_changes), ctx.grain, ctx.version)
            show_effect(effect, names, "tg_bulk_effect_table")
            confirm_row = st.container(horizontal=True)
            confirm_row.button(
                f"Confirm: add {len(bulk_changes)} records",
                type="primary",
                key="tg_confirm",
                on_click=ask,
                args=("_tg_ask", "confirm"),
            )
            confirm_row.button("Cancel", key="tg_cancel", on_click=ask, args=("_tg_ask", "cancel"))
            if asked == "confirm":
                with frame.database_errors():
                    _save(bulk_changes, bulk.unit_id)
            if asked == "cancel":
                state.pop("_tg_bulk", None)
                st.rerun()

    recent = [h for h in _history(url, scope, ctx.version) if (h.kpi_id, h.unit_id) == (kpi_id, unit_id)][:3]
    if recent:
        st.caption("Latest changes to this KPI for " + display.escape(names.get(unit_id, unit_id)))
        st.markdown(
            "\n".join(
                f"- {display.day(h.effective_from)}: {display.escape(change_text(h, names))} — "
                f"{display.escape(h.recorded_by or '–')}, {h.recorded_at:%Y-%m-%d %H:%M} UTC"
                + (f": “{display.escape(h.reason)}”" if h.reason else "")
                for h in recent
            )
        )

# --- history -------------------------------------------------------------------------------------------------

with history_tab:
    with frame.database_errors():
        everything = _history(url, scope, ctx.version)
    f1, f2, f3 = st.columns(3)
    kpi_filter = f1.selectbox(
        "KPI",
        [None, *(k.id for k in KPIS)],
        format_func=lambda k: "All KPIs" if k is None else BY_ID[k].title,
        key="th_kpi",
    )
    units_with = sorted({h.unit_id for h in everything}, key=lambda u: names.get(u, u))
    unit_filter = f2.selectbox(
        "Unit", [None, *units_with], format_func=lambda u: "All units" if u is None else names.get(u, u), key="th_unit"
    )
    who_filter = f3.selectbox(
        "Who",
        [None, *sorted({h.recorded_by or "–" for h in everything})],
        format_func=lambda w: w or "Everyone",
        key="th_who",
    )
    shown = [
        h
        for h in everything
        if (kpi_filter is None or h.kpi_id == kpi_filter)
        and (unit_filter is None or h.unit_id == unit_filter)
        and (who_filter is None or (h.recorded_by or "–") == who_filter)
    ]
    st.caption(
        f"{display.plural(len(shown), 'record')}, newest first; old → new is the unit's target on the effective day."
    )
    st.html(history_html(shown[:HISTORY_SHOWN], names))
    if len(shown) > HISTORY_SHOWN:
        st.caption(f"The latest {HISTORY_SHOWN} are shown; the CSV has all {len(shown)}.")

    def _exported(n: int) -> None:
        with data.engine(url).begin() as conn:
            audit.record(
                conn,
                me.viewing_as or me.email,
                "targets.history.export",
                None,
                rows=n,
                kpi=kpi_filter,
                unit=unit_filter,
                who=who_filter,
            )

    st.download_button(
        "Download as CSV",
        model.history_csv(shown, names),
        file_name="target_history.csv",
        mime="text/csv",
        key="th_download",
        icon=":material/download:",
        on_click=_exported,
        args=(len(shown),),
    )

# --- pillar weights ------------------------------------------------------------------------------------------

with weights_tab:
    flash("_tw_flash")
    here = (ctx.unit.id, *(u.id for u in data.units(url, scope, ctx.version) if u.parent_id == ctx.unit.id))
    with frame.database_errors():
        sets, in_force, weight_token = _weights(url, ctx.period.end, ctx.version)
    state.setdefault("_tw_seen", weight_token)
    st.markdown(
        f"In force on {display.day(ctx.period.end)} ({ctx.period.label}): "
        + " · ".join(f"**{PILLAR_TITLES[p]} {in_force[p]:g} %**" for p in model.PILLAR_IDS)
        + ". Each period is scored with the weights in force at its end: past periods keep theirs."
    )
    if state.pop("_tw_reset", False):
        for p in (*model.PILLAR_IDS, "reason"):
            state.pop(f"tw_{p}", None)
    for p in model.PILLAR_IDS:
        state.setdefault(f"tw_{p}", float(in_force[p]))
    follow_default(ctx, "tw_from")
    w = st.columns(4)
    raw = {}
    for col, p in zip(w[:3], model.PILLAR_IDS, strict=True):
        with col:
            raw[p] = st.number_input(
                f"{PILLAR_TITLES[p]} (%)",
                min_value=0.0,
                max_value=100.0,
                step=1.0,
                format="%.1f",
                key=f"tw_{p}",
                disabled=read_only,
            )
    with w[3]:
        w_from = st.date_input(
            "Effective from",
            key="tw_from",
            min_value=model.EARLIEST,
            max_value=today + timedelta(days=model.AHEAD_DAYS),
            format="YYYY-MM-DD",
            disabled=read_only,
            help="Default: the start of the next period.",
        )
    sum_slot = st.container()
    w_reason = st.text_area(
        "Reason (required)", key="tw_reason", height=68, max_chars=model.REASON_MAX, disabled=read_only
    )
    weight_change, w_errors = model.parse_weights(raw, effective_from=w_from, reason=w_reason)
    for p, col in zip(model.PILLAR_IDS, w[:3], strict=True):
        with col:
            field_error(w_errors.get(p))
    with w[3]:
        field_error(w_errors.get("effective_from"))
    total = sum(v for v in raw.values() if v is not None)
    with sum_slot:
        if "sum" in w_errors:
            field_error(w_errors["sum"])
        else:
            st.caption(f"Sum: {total:g} % ✓")
    w_attempted = state.get("_tw_attempted", False)
    if w_reason.strip() or w_attempted:
        field_error(w_errors.get("reason"))
    if not ({*model.PILLAR_IDS, "sum", "effective_from"} & w_errors.keys()) and not read_only:
        with st.container(border=True):
            st.markdown(
                ":material/preview: **Effect if saved** on every unit's index (the weights are the same for all"
                " units) · computed by the scoring, nothing written yet"
            )
            with frame.database_errors():
                w_effect = _preview_weights(
                    url,
                    tuple((p, float(raw[p])) for p in model.PILLAR_IDS),
                    w_from,
                    scope.roots,
                    ctx.grain,
                    ctx.version,
                )
            show_effect(w_effect, names, "tw_effect_table", here)
    st.button(
        "Save weights",
        type="primary",
        key="tw_save",
        disabled=read_only,
        icon=":material/save:",
        on_click=ask,
        args=("_tw_ask", "save"),
    )
    if state.pop("_tw_ask", None) == "save" and not read_only:
        if weight_change is None:
            state["_tw_attempted"] = True
            state["_tw_flash"] = ("error", "Not saved: fix the fields marked in red.")
            st.rerun()
        try:
            with frame.database_errors(), data.engine(url).begin() as conn:
                saved = model.save_weights(
                    conn, me.email, weight_change, state["_tw_seen"], roots=list(scope.roots), grain=ctx.grain
                )
        except model.Conflict as e:
            with data.engine(url).connect() as conn:
                state["_tw_seen"] = model.weight_token(conn)  # refused once: a second save is deliberate
            state["_tw_flash"] = ("error", display.escape(str(e)))
            st.rerun()
        state["_tw_seen"] = max(saved.ids)
        head, lines, more = effect_lines(saved.effect, names, here)
        mix = ", ".join(f"{PILLAR_TITLES[p]} {weight_change.weights[p]:g} %" for p in model.PILLAR_IDS)
        state["_tw_flash"] = (
            "success",
            f"Saved the weights {mix} from {display.day(weight_change.effective_from)}.  \n**{display.escape(head)}**"
            + ("\n" + "\n".join(lines) if lines else ""),
        )
        state["_tw_reset"] = True
        state.pop("_tw_attempted", None)
        st.rerun()

    st.subheader("Weight history")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "From": s.effective_from.isoformat(),
                    **{
                        PILLAR_TITLES[p]: f"{s.old[p]:g} → {s.weights[p]:g} %"
                        if s.old[p] != s.weights[p]
                        else f"{s.weights[p]:g} %"
                        for p in model.PILLAR_IDS
                    },
                    "Who": s.recorded_by or "–",
                    "Recorded (UTC)": f"{s.recorded_at:%Y-%m-%d %H:%M}",
                    "Reason": s.reason or "",
                }
                for s in sets
            ]
        ),
        hide_index=True,
        width="stretch",
        key="tw_history",
    )
