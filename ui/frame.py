"""What every page runs first: routing, who is looking, the database check, and the shared filters."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import NoReturn

import streamlit as st
from sqlalchemy import exc

from db.settings import DatabaseUnavailable
from metrics.overview import Window
from metrics.periods import Period, Unit, default_period
from ui import asof, auth, data, display
from ui.auth import Viewer

GRAINS = ("week", "month", "quarter")
DEFAULT_GRAIN = "month"
RETRY_SECONDS = 10  # while the database is down, each open page checks it this often
UNREACHABLE = (DatabaseUnavailable, exc.OperationalError, exc.InterfaceError)
_VIEW = "_flywheel_view"  # (unit, grain, period start) last shown, kept across pages
_NOTICES = "_flywheel_notices"
log = logging.getLogger("flywheel.ui")


@dataclass(frozen=True)
class Context:
    viewer: Viewer
    url: str
    version: int
    unit: Unit
    grain: str
    period: Period
    periods: list[Period]
    window: Window = field(default_factory=lambda: Window(None, None, None))
    notices: tuple[str, ...] = ()
    snapshot: asof.Frozen | None = None  # the page is shown as of this snapshot (None: live)


def page(title: str, roles: tuple[str, ...] | None = None, as_of: str | None = None) -> Context:
    """Guard a page and draw the sidebar filters; stops the page with a clear message on failure.

    `roles`: the roles the page is open to (None: every signed-in role). `as_of`: "overview" or
    "pillar" when the page can be shown as of a snapshot (`?snapshot=ID`, see ui/asof.py).
    """
    st.set_page_config(page_title=f"{title} · Flywheel", page_icon=":material/donut_large:", layout="wide")
    _route_through_the_entrypoint()
    with database_errors():
        url = data.url()
        version = data.version(url)
        who = auth.viewer(url)
        if who is None:  # run without the router (a fresh server's legacy mode): sign in first
            auth.sign_in_page()
            st.stop()
        if roles is not None and who.role not in roles:
            if who.viewing_as:  # an administrator just switched to "view as" from a page the user may not open
                st.switch_page("pages/overview.py")
            _account(url, who)
            st.error(
                f"**{display.escape(title)}** is not open to the {display.escape(who.role)} role.",
                icon=":material/block:",
            )
            st.stop()
        units = data.units(url, who.scope, version)
        if not units:
            _account(url, who)
            st.info(
                "No organisation yet. Load one with `flywheel import canonical DIR` or `flywheel seed --profile demo`."
            )
            st.stop()
        ctx = _filters(url, version, who, units, as_of)
        _account(url, who)
        return ctx


def _account(url: str, who: Viewer) -> None:
    """Who is signed in, sign-out, and the banner while an administrator views as someone else."""
    with st.sidebar:
        if who.viewing_as:
            st.warning(
                f"Viewing as **{display.escape(who.email)}** ({who.role}): you see exactly what they see.",
                icon=":material/visibility:",
            )
            st.button("Stop viewing as", key="stop_view_as", on_click=auth.stop_view_as)
        else:
            st.caption(f"Signed in as {display.escape(who.name)} · {who.role}")
            st.button(
                "Sign out",
                key="sign_out",
                type="tertiary",
                icon=":material/logout:",
                on_click=auth.sign_out,
                args=(url, who),
            )


def _route_through_the_entrypoint() -> None:
    """Make sure streamlit_app.py routed this run.

    With a `pages/` folder next to the entry script, a freshly started Streamlit runs a requested
    page file *directly* (its legacy multipage mode) until some session has called st.navigation:
    a deep link to /overview would skip the router. st.navigation ends that mode by clearing this
    very flag; we clear it too and rerun, so the entry script routes the same page (a page's id is
    the hash of its URL path in both modes). After the first visit the flag stays cleared.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


@contextmanager
def database_errors(paths: Iterable[str] | None = None) -> Iterator[None]:
    """Turn a database failure anywhere in a page into a clear message instead of a traceback.

    The message never shows the driver's text (socket paths, host names, ports): that goes to the
    server log. While the database is unreachable the page checks it every RETRY_SECONDS and comes
    back by itself; "Try again now" checks at once.

    `paths`: the URL paths of every page, when the router calls this before st.navigation. Then
    the message is drawn by a stand-in page registered at each path: st.navigation still runs (so a
    fresh server's legacy page list never shows) and the URL asked for stays, for when it is back.
    """
    try:
        yield
    except UNREACHABLE as e:
        log.warning("database unreachable: %s", _one_line(e))
        _instead(_database_down, paths)
    except exc.ProgrammingError as e:
        log.warning("database not set up: %s", _one_line(e))
        _instead(_not_set_up, paths)


def _instead(draw, paths: Iterable[str] | None) -> NoReturn:
    if paths is None:
        draw()
    else:
        st.navigation(
            [st.Page(draw, title="Flywheel", url_path="home", default=True)]
            + [st.Page(draw, title="Flywheel", url_path=p) for p in paths],
            position="hidden",
        ).run()
    st.stop()


def _database_down() -> None:
    st.error(
        "**The database cannot be reached.** The dashboard comes back by itself as soon as it is up "
        f"again (this page checks every {RETRY_SECONDS} seconds).",
        icon=":material/cloud_off:",
    )
    _watch_database()
    with st.sidebar:
        st.caption("The filters come back with the database.")


def _not_set_up() -> None:
    st.error("**The database is not set up.** Run `flywheel db upgrade` (or `make run`).", icon=":material/build:")


@st.fragment(run_every=RETRY_SECONDS)
def _watch_database() -> None:
    st.button("Try again now", icon=":material/refresh:", key="retry_database")
    try:
        up = data.reachable(data.url())
    except Exception:  # the embedded server could not start: still down
        up = False
    if up:
        st.rerun(scope="app")
    st.caption(f"Last checked {datetime.now(UTC):%H:%M:%S} UTC.")


def _one_line(e: Exception) -> str:
    text = str(getattr(e, "orig", None) or e).strip()
    return text.splitlines()[0] if text else type(e).__name__


def place_in_time(old: Period, candidates: list[Period]) -> Period:
    """The period of another grain that stands for the same place in time as `old`.

    Coarser: the period holding old's middle day (May 2026 -> Q2 2026). Finer: the last period
    whose middle day lies in old (Q2 2026 -> June 2026). Outside the data: the nearest one.
    """

    def mid(p: Period) -> date:
        return p.start + (p.end - p.start) / 2

    inside = [p for p in candidates if old.start <= mid(p) <= old.end]
    if inside:
        return inside[-1]
    holding = [p for p in candidates if p.start <= mid(old) <= p.end]
    if holding:
        return holding[0]
    return min(candidates, key=lambda p: abs((mid(p) - mid(old)).days))


def _param(name: str) -> str | None:
    value = st.query_params.get(name)
    return value if value else None


def _said(value: str) -> str:
    """A query parameter as quoted in a notice: short and markdown-safe."""
    return display.escape(value if len(value) <= 40 else value[:39] + "…")


def _filters(url: str, version: int, who: Viewer, units: list[Unit], as_of: str | None = None) -> Context:
    state = st.session_state
    by_id = {u.id: u for u in units}
    ids = list(by_id)
    last = state.get(_VIEW)
    notices: list[str] = []
    # As of a snapshot, the filters are the snapshot's (and stay so, drawn disabled).
    frozen = asof.opened(url, who.scope, ids, as_of, notices)

    # Unit: the widget's value, else the URL's, else the one shown on the last page, else the top.
    if frozen is not None:
        unit_id = frozen.unit
    elif state.get("unit") in by_id:
        unit_id = state["unit"]
    elif (asked := _param("unit")) is not None:
        unit_id = asked if asked in by_id else ids[0]
        if asked not in by_id:
            notices.append(f"Unit **{_said(asked)}** not found — showing {display.escape(by_id[ids[0]].name)}.")
    elif last and last[0] in by_id:
        unit_id = last[0]
    else:
        unit_id = ids[0]

    if frozen is not None:
        grain = frozen.snapshot.grain
    elif state.get("grain") in GRAINS:
        grain = state["grain"]
    elif (asked := _param("grain")) is not None:
        grain = asked if asked in GRAINS else DEFAULT_GRAIN
        if asked not in GRAINS:
            notices.append(f"Grain **{_said(asked)}** not found — showing {grain}.")
    elif last:
        grain = last[1]
    else:
        grain = DEFAULT_GRAIN

    all_periods = data.periods(url, grain, version)
    if not all_periods:
        st.info("No KPI values yet. Run `flywheel refresh`.")
        st.stop()
    window = data.window(url, version)
    by_start = {p.start.isoformat(): p for p in all_periods}
    key = f"period_{grain}"
    if frozen is not None:
        period = frozen.snapshot.model.period  # as it was then (a partial period may be over now)
        by_start[period.start.isoformat()] = period
    elif last and last[1] != grain and last[2] is not None:
        # The grain changed: keep the place in time (May 2026 -> Q2 2026), not the latest period.
        period = place_in_time(last[2], all_periods)
    elif state.get(key) in by_start:
        period = by_start[state[key]]
    elif (asked := _param("period")) is not None:
        period = by_start.get(asked) or _holding(asked, all_periods) or default_period(all_periods)
        if asked not in by_start:
            notices.append(f"Period **{_said(asked)}** not found — showing {period.label}.")
    elif last and last[1] == grain and last[2] is not None and last[2].start.isoformat() in by_start:
        period = by_start[last[2].start.isoformat()]
    else:
        period = default_period(all_periods)

    # The widgets show what was decided above (their state is set before they are drawn).
    state["unit"], state["grain"], state[key] = unit_id, grain, period.start.isoformat()
    newest_first = sorted(by_start, reverse=True)
    fixed = frozen is not None
    with st.sidebar:
        st.selectbox(
            "Org unit", ids, format_func=lambda i: "\u2003" * by_id[i].depth + by_id[i].name, key="unit", disabled=fixed
        )
        st.segmented_control("Grain", GRAINS, format_func=str.title, key="grain", required=True, disabled=fixed)
        st.selectbox(
            "Period", newest_first, format_func=lambda s: _period_option(by_start[s], window), key=key, disabled=fixed
        )
        paths = unit_paths(units)
        st.selectbox(
            "Find a unit",
            sorted(ids, key=lambda i: paths[i].lower()),
            index=None,
            format_func=paths.__getitem__,
            placeholder="Type a name…",
            key="unit_find",
            on_change=_found,
            help="Search by name; each unit shows its path.",
            disabled=fixed,
        )
        if as_of is not None:
            asof.picker(url, who.scope, unit_id, frozen)

    view = (unit_id, grain, period)
    state[_VIEW] = view
    # A notice stays until the view changes (a rerun must not make it vanish unread).
    if notices:
        state[_NOTICES] = (view, notices)
    elif (kept := state.get(_NOTICES)) and kept[0] == view:
        notices = kept[1]
    else:
        state.pop(_NOTICES, None)
    for n in notices:
        st.info(n, icon=":material/link_off:")
    st.query_params.update({"unit": unit_id, "grain": grain, "period": period.start.isoformat()})
    if frozen is not None:
        st.query_params[asof.PARAM] = str(frozen.snapshot.id)
    else:
        st.query_params.pop(asof.PARAM, None)
    return Context(who, url, version, by_id[unit_id], grain, period, all_periods, window, tuple(notices), frozen)


def unit_paths(units: list[Unit]) -> dict[str, str]:
    """Each unit's path below the top of the list: 'Sales South › Inside' (the top unit: its name)."""
    by_id = {u.id: u for u in units}
    paths: dict[str, str] = {}
    for u in units:
        names, at = [], u
        while at is not None:
            names.append(at.name)
            at = by_id.get(at.parent_id) if at.parent_id else None
        # The top of the scope (the company) is said once, not at the head of every path below it.
        paths[u.id] = " › ".join(reversed(names[:-1] if len(names) > 1 else names))
    return paths


def _found() -> None:
    """A unit picked in the search box becomes the sidebar's unit; the box empties again."""
    state = st.session_state
    if state.get("unit_find"):
        state["unit"] = state["unit_find"]
    state["unit_find"] = None


def _holding(asked: str, all_periods: list[Period]) -> Period | None:
    """The period that holds a date given in the URL (2026-02-10 -> February 2026), if it is one."""
    try:
        d = date.fromisoformat(asked)
    except ValueError:
        return None
    return next((p for p in all_periods if p.start <= d <= p.end), None)


def _period_option(p: Period, window: Window) -> str:
    if window.cut_at_end(p):
        return f"{p.label} · so far"
    if window.cut_at_start(p):
        return f"{p.label} · from {display.day(window.start)}"
    return p.label
