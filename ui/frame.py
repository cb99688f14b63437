"""What every page runs first: who is looking, the database check, and the shared filters."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import streamlit as st
from sqlalchemy import exc

from db.settings import DatabaseUnavailable
from metrics.periods import Period, Unit, default_period
from metrics.scope import Scope
from ui import data, display

GRAINS = ("week", "month", "quarter")


@dataclass(frozen=True)
class Viewer:
    email: str
    name: str
    role: str
    scope: Scope


@dataclass(frozen=True)
class Context:
    viewer: Viewer
    url: str
    version: int
    unit: Unit
    grain: str
    period: Period
    periods: list[Period]


def viewer(url: str, version: int) -> Viewer:
    """The person looking at the page, recomputed on every page (pages never trust the router).

    Until sign-in arrives, a local install has one user: an administrator of the whole company.
    """
    return Viewer("local@flywheel", "Local administrator", "admin", data.company(url, version))


def page(title: str) -> Context:
    """Guard a page and draw the sidebar filters; stops the page with a clear message on failure."""
    st.set_page_config(page_title=f"{title} · Flywheel", page_icon=":material/donut_large:", layout="wide")
    with database_errors():
        url = data.url()
        version = data.version(url)
        who = viewer(url, version)
        units = data.units(url, who.scope, version)
    if not units:
        st.info("No organisation yet. Load one with `flywheel import canonical DIR` or `flywheel seed --profile demo`.")
        st.stop()
    return _filters(url, version, who, units)


@contextmanager
def database_errors() -> Iterator[None]:
    """Turn a database failure anywhere in a page into a clear message instead of a traceback."""
    try:
        yield
    except (DatabaseUnavailable, exc.OperationalError, exc.InterfaceError) as e:
        st.error(
            "**The database cannot be reached.** The dashboard will come back once it is up again.",
            icon=":material/cloud_off:",
        )
        st.caption(display.escape(_one_line(e)))
        st.stop()
    except exc.ProgrammingError as e:
        st.error("**The database is not set up.** Run `flywheel db upgrade` (or `make run`).", icon=":material/build:")
        st.caption(display.escape(_one_line(e)))
        st.stop()


def _one_line(e: Exception) -> str:
    text = str(getattr(e, "orig", None) or e).strip()
    return text.splitlines()[0] if text else type(e).__name__


def _filters(url: str, version: int, who: Viewer, units: list[Unit]) -> Context:
    qp = st.query_params
    by_id = {u.id: u for u in units}
    ids = list(by_id)
    with st.sidebar:
        st.markdown("### :material/donut_large: Flywheel")
        unit_id = st.selectbox(
            "Org unit",
            ids,
            index=ids.index(qp.get("unit")) if qp.get("unit") in by_id else 0,
            format_func=lambda i: "\u2003" * by_id[i].depth + by_id[i].name,
            key="unit",
            persist_state="session",
        )
        grain = st.segmented_control(
            "Grain",
            GRAINS,
            default=qp.get("grain") if qp.get("grain") in GRAINS else "month",
            format_func=str.title,
            key="grain",
            persist_state="session",
            required=True,
        )
        all_periods = data.periods(url, grain, version)
        if not all_periods:
            st.info("No KPI values yet. Run `flywheel refresh`.")
            st.stop()
        newest_first = list(reversed(all_periods))
        starts = [p.start.isoformat() for p in newest_first]
        wanted = qp.get("period") if qp.get("period") in starts else default_period(all_periods).start.isoformat()
        chosen = st.selectbox(
            "Period",
            starts,
            index=starts.index(wanted),
            format_func=lambda s: _period_option(newest_first[starts.index(s)]),
            key=f"period_{grain}",
            persist_state="session",
        )
        st.caption(f"Signed in as {who.name} · {who.role}")
    period = newest_first[starts.index(chosen)]
    st.query_params.update({"unit": unit_id, "grain": grain, "period": chosen})
    return Context(who, url, version, by_id[unit_id], grain, period, all_periods)


def _period_option(p: Period) -> str:
    return p.label + (" · partial" if p.partial else "")


def period_caption(ctx: Context, window_end: date | None, refreshed) -> str:
    """'October 2026 (month) · data to 31 Oct 2026 · refreshed 08:12'."""
    parts = [f"{ctx.period.label} ({ctx.grain})"]
    if ctx.period.partial:
        parts.append("**partial period**")
    if window_end:
        parts.append(f"data to {window_end.day} {window_end:%b %Y}")
    if refreshed:
        parts.append(f"refreshed {refreshed:%d %b %H:%M} UTC")
    return " · ".join(parts)
