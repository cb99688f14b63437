"""Every page's footer: how fresh each source is, and a warning for those not updated lately."""

from __future__ import annotations

from datetime import date

import streamlit as st

from db.importers.freshness import STALE_DAYS
from ui import data, display
from ui.auth import Viewer


def footer(who: Viewer, today: date | None = None) -> None:
    """One line of latest dates per source (and the last import), one more naming stale sources."""
    today = today or date.today()
    try:
        url = data.url()
        fresh = data.source_latest(url, who.scope, data.version(url))
    except Exception:  # noqa: BLE001 - a footer must never break the page it ends; the page reports the database
        return
    present = [f for f in fresh if f.latest is not None]
    if not present:
        return
    st.divider()
    parts = [f"{f.title} to {display.day(f.latest)}" for f in present]
    imported = max((f.imported_at for f in fresh if f.imported_at is not None), default=None)
    last = f" · last import {imported:%Y-%m-%d %H:%M} UTC" if imported else ""
    st.caption(":material/database: Data: " + " · ".join(parts) + last, help=_HELP)
    stale = [f for f in present if f.stale(today)]
    if stale:
        names = ", ".join(f"{f.title} ({(today - f.latest).days} days)" for f in stale)
        st.caption(
            f":orange[:material/schedule: Not updated for more than {display.plural(STALE_DAYS, 'day')}: {names}. "
            "Numbers that use them stop at their latest date.]"
        )


_HELP = (
    "The latest date in each source that you may see, and when a file was last imported. "
    "Leads and administrators load new data on the Data page."
)
