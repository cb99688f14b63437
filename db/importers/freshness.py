"""How fresh each source is: its latest event date, its rows, and when it was last imported."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, and_, func, or_, select, true

from db import schema

STALE_DAYS = int(os.environ.get("FLYWHEEL_STALE_DAYS", "7"))  # a source older than this gets a warning

# Source table -> (what a reader calls it, its event date column, which rows are events, vendor sources that feed it)
SOURCES: dict[str, tuple[str, str, object, tuple[str, ...]]] = {
    "crm_activity": (
        "CRM activity",
        "date",
        None,
        ("salesforce-login-history", "hubspot-login-history"),
    ),
    "training_completions": ("Training completions", "completed_on", None, ("xapi",)),
    "meetings": ("Meetings", "scheduled_on", schema.meetings.c.status != "planned", ("ics",)),
    "communications": ("Communications", "sent_on", schema.communications.c.status == "sent", ()),
    "pulse_responses": ("Pulse responses", "date", None, ()),
    "recognitions": ("Recognitions", "date", None, ()),
    "data_quality": ("Data quality", "measured_on", None, ()),
    "feedback": ("Feedback and issues", "raised_on", None, ()),
}


@dataclass(frozen=True)
class Fresh:
    table: str
    title: str
    latest: date | None  # the latest event in the data
    rows: int
    imported_at: datetime | None  # the last successful import that fed it

    def stale(self, today: date, days: int = STALE_DAYS) -> bool:
        """No event for more than `days` days (or none at all)."""
        return self.latest is None or (today - self.latest).days > days


def freshness(conn: Connection, *, counts: bool = True) -> list[Fresh]:
    """One line per source table, in the order of SOURCES; without `counts`, rows is 1 when the
    source has any (the latest date comes off an index: what every page's footer can afford)."""
    b = schema.import_batches
    out = []
    for table, (title, column, events, vendors) in SOURCES.items():
        t = schema.metadata.tables[table]
        where = events if events is not None else true()
        if counts:
            latest, rows = conn.execute(select(func.max(t.c[column]), func.count()).select_from(t).where(where)).one()
        else:
            latest = conn.execute(select(func.max(t.c[column])).where(where)).scalar()
            rows = int(latest is not None)
        fed_by = or_(and_(b.c.source == "canonical", b.c.file_name == f"{table}.csv"), b.c.source.in_(vendors))
        imported = conn.execute(select(func.max(b.c.finished_at)).where(b.c.status == "succeeded", fed_by)).scalar()
        out.append(Fresh(table, title, latest, rows, imported))
    return out
