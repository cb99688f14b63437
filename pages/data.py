"""Data: how fresh each source is; upload an export, see exactly what is wrong with it, import it;
import history and undo."""

from __future__ import annotations

import hashlib
from datetime import date

import pandas as pd
import streamlit as st

from db import canonical
from db.importers import ImportFailed, Options, import_file
from db.importers import batches as import_batches
from db.importers.freshness import STALE_DAYS
from metrics.refresh import refresh
from ui import data, display, frame

ctx = frame.page("Data", roles=("lead", "admin"))
me = ctx.viewer
writer = ctx.viewer.viewing_as is None  # an administrator viewing as someone else only looks
LABELS = {
    "canonical": "Canonical CSV files (one or more tables)",
    "salesforce-users": "Salesforce users (Data Loader, SOQL or report export)",
    "salesforce-login-history": "Salesforce login history (API export or Setup → Download)",
    "hubspot-login-history": "HubSpot login history",
    "xapi": "xAPI statements from an LRS (JSON or JSON Lines)",
    "ics": "A team's calendar (.ics from Outlook, Google, Thunderbird…)",
}

if flash := st.session_state.pop("_data_flash", None):
    st.success(flash, icon=":material/check_circle:")
st.title("Data")

st.subheader("Freshness")
today = date.today()
with frame.database_errors():
    fresh = data.source_freshness(ctx.url, me.scope, ctx.version)
st.dataframe(
    pd.DataFrame(
        [
            {
                "Source": f.title,
                "Latest": display.day(f.latest) if f.latest else "no data",
                "Rows": f.rows,
                "Last import (UTC)": f.imported_at.strftime("%Y-%m-%d %H:%M") if f.imported_at else "–",
                "": f"older than {display.plural(STALE_DAYS, 'day')}" if f.stale(today) else "",
            }
            for f in fresh
        ]
    ),
    hide_index=True,
    width="stretch",
)
if stale := [f.title for f in fresh if f.stale(today) and f.rows]:
    st.warning(
        f"Not updated for more than {display.plural(STALE_DAYS, 'day')}: {', '.join(stale)}.",
        icon=":material/schedule:",
    )

st.subheader("Import a file")
source = st.selectbox("Source", list(LABELS), format_func=LABELS.get, key="data_source")
options: dict = {}
if source in ("salesforce-login-history", "hubspot-login-history", "ics"):
    options["tz"] = st.text_input(
        "Time zone of the times in the file", value="UTC", help="e.g. Europe/Berlin: dates follow this zone"
    )
if source == "ics":
    units = {u.id: u.name for u in data.units(ctx.url, me.scope, ctx.version)}
    options["unit"] = st.selectbox("The team this calendar belongs to", list(units), format_func=units.get)
    options["as_of"] = st.date_input("Meetings up to this day were held", value=today)
uploads = st.file_uploader(
    "Files" if source == "canonical" else "File",
    accept_multiple_files=source == "canonical",
    key=f"upload_{source}",
)
files = [f for f in (uploads if isinstance(uploads, list) else [uploads]) if f is not None]


def _load(conn, *, dry_run: bool):
    """Validate (and, unless a dry run, write) the uploaded files in the caller's transaction."""
    if source == "canonical":
        return canonical.import_bytes(
            conn, {f.name: f.getvalue() for f in files}, imported_by=me.email, dry_run=dry_run
        )
    opts = Options(imported_by=me.email, dry_run=dry_run, **options)
    return import_file(conn, source, files[0].name, files[0].getvalue(), opts)


def _import() -> None:
    """Write the checked files and recompute the periods they touched, in one owner transaction."""
    with st.spinner("Importing and recomputing the periods the file touched…"):
        with data.owner_engine(data.owner_url()).begin() as conn:
            result = _load(conn, dry_run=False)
            refreshed = refresh(conn) if result.changed else None
    st.session_state.pop("_data_checked", None)
    st.session_state["_data_flash"] = " · ".join(result.summary_lines()) + (
        f" · {refreshed.rows:,} KPI rows recomputed" if refreshed and refreshed.rows else ""
    )
    st.cache_data.clear()


def _undo() -> None:
    chosen = st.session_state["undo_source"]
    if not st.session_state.get("undo_sure"):
        st.session_state["_data_error"] = "Tick the box to confirm the undo."
        return
    try:
        with data.owner_engine(data.owner_url()).begin() as conn:
            done = import_batches.undo_last(conn, chosen, actor=me.email)
            refresh(conn)
    except import_batches.UndoRefused as e:
        st.session_state["_data_error"] = str(e)
        return
    st.session_state["_data_flash"] = (
        f"Undid the last {chosen} import: {done.deleted:,} rows removed, {done.restored:,} restored."
    )
    st.cache_data.clear()


if error := st.session_state.pop("_data_error", None):
    st.error(display.escape(error))

if files:
    key = hashlib.sha256(b"".join(hashlib.sha256(f.getvalue()).digest() for f in files) + source.encode()).hexdigest()
    checked = st.session_state.get("_data_checked")
    if checked is None or checked[0] != key:
        try:
            with data.owner_engine(data.owner_url()).connect() as conn:
                checked = (key, _load(conn, dry_run=True), None)
                conn.rollback()
        except ImportFailed as e:
            checked = (key, None, e)
        except ValueError as e:  # a bad time zone or unit
            checked = (key, None, ImportFailed([], error_count=0, source=source, warnings=[str(e)]))
        st.session_state["_data_checked"] = checked
    _, report, failure = checked
    if source == "canonical" or files[0].name.lower().endswith((".csv", ".txt")):
        with st.expander("The first rows of the file"):
            for f in files:
                lines = f.getvalue().decode("utf-8-sig", errors="replace").splitlines()[:6]
                st.caption(display.escape(f.name))
                st.code("\n".join(lines), language=None)
    if failure is not None:
        if failure.error_count:
            st.error(f"**{failure.headline()}.** Fix the rows below and upload again.")
            st.dataframe(
                pd.DataFrame(
                    [
                        {"File": e.file, "Line": e.line, "Column": e.column, "Value": e.value, "Problem": e.message}
                        for e in failure.errors
                    ]
                ),
                hide_index=True,
                width="stretch",
            )
            st.download_button("Download every error (CSV)", failure.to_csv(), "import_errors.csv", "text/csv")
        for w in failure.warnings:
            st.error(display.escape(w))
    else:
        st.info(
            "**Checked, nothing written yet.**\n\n"
            + "\n".join(f"- {display.escape(line)}" for line in report.summary_lines())
        )
        if report.skipped:
            st.download_button("Download the skipped rows (CSV)", report.skipped_csv(), "skipped_rows.csv", "text/csv")
        if writer:
            st.button("Import", type="primary", on_click=_import, disabled=not report.changed and report.seen_before)

st.subheader("Import history")
with data.owner_engine(data.owner_url()).connect() as conn:
    history = import_batches.history(conn, limit=50)
st.dataframe(
    pd.DataFrame(
        [
            {
                "When (UTC)": b.started_at.strftime("%Y-%m-%d %H:%M"),
                "Source": b.source,
                "File": b.file_name,
                "Status": b.status,
                "Read": b.rows_read,
                "Inserted": b.rows_inserted,
                "Updated": b.rows_updated,
                "Unchanged": b.rows_unchanged,
                "Rejected": b.rows_rejected,
                "By": b.imported_by or "–",
            }
            for b in history
        ]
    ),
    hide_index=True,
    width="stretch",
)
if writer and history:
    undoable = sorted({b.source for b in history if b.status == "succeeded"})
    with st.form("undo"):
        st.selectbox("Undo the last import of", undoable, key="undo_source")
        st.checkbox("Yes: remove the rows it added and restore the rows it changed", key="undo_sure")
        st.form_submit_button("Undo", on_click=_undo)
