"""Pages as of a snapshot: `?snapshot=ID` opens the Overview or a pillar page frozen, with a banner,
the filters fixed to the snapshot's, and a sidebar list of the unit's snapshots.

The frame (ui/frame.py) asks `opened` which snapshot the URL names; pages draw `banner`.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from metrics.scope import Scope
from metrics.snapshot import Snapshot
from ui import data, display

PARAM = "snapshot"
PAGES = {
    "overview": ("pages/overview.py", "Overview"),
    "people": ("pages/people.py", "People"),
    "process": ("pages/process.py", "Process"),
    "technology": ("pages/technology.py", "Technology"),
}
_PICK = "asof_pick"


@dataclass(frozen=True)
class Frozen:
    """The snapshot a page shows, the unit shown, the units whose pillar pages it holds, and the
    units the viewer may see (a frozen breadcrumb names only those)."""

    snapshot: Snapshot
    unit: str
    held: tuple[str, ...]
    visible: frozenset[str]

    def holds(self, unit: str) -> bool:
        return unit in self.held


def opened(url: str, scope: Scope, visible: list[str], page: str | None, notices: list[str]) -> Frozen | None:
    """The snapshot named in the URL, if this page (`overview` or `pillar`) can show one.

    A forged, unknown or out-of-scope id adds a notice and leaves the live figures: the database's
    row-level security decides what the viewer may open, so nothing of it is shown.
    """
    asked = st.query_params.get(PARAM)
    if page is None or not asked:
        return None
    found = data.snapshot(url, scope, int(asked)) if asked.isdigit() and len(asked) <= 18 else None
    if found is not None and found[0].unit_id in visible:
        snap, held = found
        units = [u for u in ([snap.unit_id] if page == "overview" else [snap.unit_id, *held]) if u in visible]
        unit = st.query_params.get("unit")
        return Frozen(snap, unit if unit in units else snap.unit_id, held, frozenset(visible))
    said = display.escape(asked if len(asked) <= 40 else asked[:39] + "…")
    notices.append(f"Snapshot **{said}** not found, or not open to you — showing live figures.")
    del st.query_params[PARAM]
    return None


def picker(url: str, scope: Scope, unit: str, frozen: Frozen | None) -> None:
    """The sidebar's list of the unit's snapshots: pick one to see the page as of it."""
    rows = {s.id: s for s in data.snapshots(url, scope, frozen.snapshot.unit_id if frozen else unit)}
    if not rows and frozen is None:
        return
    if frozen is not None and frozen.snapshot.id not in rows:
        rows[frozen.snapshot.id] = frozen.snapshot
    st.session_state[_PICK] = frozen.snapshot.id if frozen else None
    st.selectbox(
        "As of",
        [None, *rows],
        format_func=lambda i: "Live figures" if i is None else f"{rows[i].name} · {display.day(rows[i].created_at)}",
        key=_PICK,
        on_change=_picked,
        help="A snapshot shows what a meeting saw, whatever data, targets or weights changed since.",
    )


def _picked() -> None:
    pick = st.session_state.get(_PICK)
    if pick is None:
        st.query_params.pop(PARAM, None)
    else:
        st.query_params[PARAM] = str(pick)
        st.query_params.pop("unit", None)  # a snapshot opens on its own unit


def frozen_words(s: Snapshot) -> str:
    """'«Q2 steering committee», frozen 30 Jun 2026 14:05 UTC by ann@acme.com'."""
    by = f" by {s.created_by}" if s.created_by else ""
    return f"«{s.name}», frozen {display.day(s.created_at)} {s.created_at:%H:%M} UTC{by}"


def banner(frozen: Frozen, here: str, unit_name: str) -> None:
    """What the page shows and since when, a link back to live, and the other frozen pages."""
    s = frozen.snapshot
    period = s.model.period
    st.info(
        f"**As of snapshot {display.escape(frozen_words(s))}** · {display.escape(display.period_name(period))} "
        f"({s.grain}). Later data, target or weight changes do not alter these figures.",
        icon=":material/ac_unit:",
    )
    live = {"unit": frozen.unit, "grain": s.grain, "period": s.period_start.isoformat()}
    # One row of links as wide as their words (wrapping on a narrow screen), never cut short.
    with st.container(horizontal=True, vertical_alignment="center", gap="medium"):
        st.page_link(
            PAGES[here][0],
            label="Live figures →",
            icon=":material/bolt:",
            query_params=live,
            help=f"{unit_name} as it is now",
        )
        st.caption("Frozen pages:", width="content")
        for key, (path, title) in PAGES.items():
            if key == here:
                st.markdown(f"**{title}**", width="content")
                continue
            unit = frozen.unit if key != "overview" else s.unit_id
            st.page_link(
                path, label=title, icon=":material/ac_unit:",
                query_params={PARAM: str(s.id), "unit": unit, "grain": s.grain, "period": s.period_start.isoformat()},
            )  # fmt: skip
