"""Actions: a red or amber KPI of a unit turned into an owned piece of work with a due date.

An action is written once (title, owner, due date, KPI, unit, snapshot) and never changed; its
status is the latest of its events (`open` when created, then `done`, `open` again, ...), each with
who, when and a comment: the history is kept (migration 0009 refuses UPDATE and DELETE). Overdue is
not stored: an open action whose due date has passed is overdue.

Who sees what: an action is visible to viewers whose scope holds its unit (row-level security);
its owner's name comes from `people`, so it is shown only to viewers who may see that person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, func, insert, select

from db import audit, schema
from metrics.registry import BY_ID
from metrics.scope import Scope

STATUSES = ("open", "done")
RAISABLE = ("red", "amber")  # the KPI statuses an action may be raised from


class ActionError(ValueError):
    """An action that cannot be created or updated as asked."""


@dataclass(frozen=True)
class Action:
    id: int
    title: str
    owner_person_id: str
    owner_name: str | None  # None when the viewer may not see the person
    due_on: date
    kpi_id: str
    org_unit_id: str
    unit_name: str
    snapshot_id: int | None
    created_at: datetime
    created_by: str | None
    status: str
    updated_at: datetime
    last_comment: str | None

    def overdue(self, today: date) -> bool:
        return self.status == "open" and self.due_on < today

    def state(self, today: date) -> str:
        """'open', 'overdue' or 'done'."""
        return "overdue" if self.overdue(today) else self.status

    @property
    def kpi_title(self) -> str:
        k = BY_ID.get(self.kpi_id)
        return k.title if k else self.kpi_id


def create(
    conn: Connection,
    scope: Scope,
    *,
    title: str,
    owner: str,
    due_on: date,
    kpi_id: str,
    unit: str,
    snapshot_id: int | None = None,
    kpi_status: str | None = None,
    actor: str | None = None,
    comment: str | None = None,
) -> int:
    """Create an open action; returns its id. `kpi_status` (when known) must be red or amber."""
    title = (title or "").strip()
    if not title:
        raise ActionError("an action needs a title")
    if kpi_id not in BY_ID:
        raise ActionError(f"no KPI {kpi_id!r}")
    if kpi_status is not None and kpi_status not in RAISABLE:
        raise ActionError(f"actions are raised from red or amber KPIs, not from a {kpi_status} one")
    scope.apply(conn)
    if conn.execute(select(schema.people.c.id).where(schema.people.c.id == owner)).first() is None:
        raise ActionError(f"no person {owner!r} the viewer may assign")
    action_id = conn.execute(
        insert(schema.actions)
        .values(
            title=title,
            owner_person_id=owner,
            due_on=due_on,
            kpi_id=kpi_id,
            org_unit_id=unit,
            snapshot_id=snapshot_id,
            created_by=actor,
        )
        .returning(schema.actions.c.id)
    ).scalar_one()
    conn.execute(insert(schema.action_events).values(action_id=action_id, actor=actor, status="open", comment=comment))
    audit.record(
        conn, actor, "action.create", f"action {action_id}", title=title, owner=owner, due_on=due_on.isoformat(),
        kpi=kpi_id, unit=unit, snapshot=snapshot_id,
    )  # fmt: skip
    return int(action_id)


def update(conn: Connection, scope: Scope, action_id: int, *, status: str, comment: str, actor: str | None) -> None:
    """Record a status update with a comment (the history keeps every update)."""
    if status not in STATUSES:
        raise ActionError(f"status must be one of {', '.join(STATUSES)}")
    comment = (comment or "").strip()
    if not comment:
        raise ActionError("a status update needs a comment")
    scope.apply(conn)
    if conn.execute(select(schema.actions.c.id).where(schema.actions.c.id == action_id)).first() is None:
        raise ActionError(f"no action {action_id}")
    conn.execute(insert(schema.action_events).values(action_id=action_id, actor=actor, status=status, comment=comment))
    audit.record(conn, actor, "action.update", f"action {action_id}", status=status, comment=comment)


def listing(
    conn: Connection,
    scope: Scope,
    *,
    unit: str | None = None,
    subtree: bool = True,
    owner: str | None = None,
    states: tuple[str, ...] | None = None,
    today: date | None = None,
) -> list[Action]:
    """Actions visible in `scope`, overdue first, then by due date. `unit` with `subtree` also
    lists the actions of its descendants; `states` filters on 'open', 'overdue', 'done'."""
    today = today or date.today()
    a, e, p, u, c = schema.actions, schema.action_events, schema.people, schema.org_units, schema.org_closure
    latest = (
        select(
            e.c.action_id,
            e.c.status,
            e.c.at,
            e.c.comment,
            func.row_number().over(partition_by=e.c.action_id, order_by=e.c.id.desc()).label("n"),
        )
    ).subquery()
    query = (
        select(
            a,
            p.c.name.label("owner_name"),
            u.c.name.label("unit_name"),
            latest.c.status,
            latest.c.at.label("updated_at"),
            latest.c.comment.label("last_comment"),
        )  # fmt: skip
        .join(latest, (latest.c.action_id == a.c.id) & (latest.c.n == 1))
        .join(u, u.c.id == a.c.org_unit_id)
        .outerjoin(p, p.c.id == a.c.owner_person_id)
    )
    if unit is not None:
        if subtree:
            query = query.where(a.c.org_unit_id.in_(select(c.c.unit_id).where(c.c.ancestor_id == unit)))
        else:
            query = query.where(a.c.org_unit_id == unit)
    if owner is not None:
        query = query.where(a.c.owner_person_id == owner)
    scope.apply(conn)
    rows = [
        Action(
            id=int(r.id),
            title=r.title,
            owner_person_id=r.owner_person_id,
            owner_name=r.owner_name,
            due_on=r.due_on,
            kpi_id=r.kpi_id,
            org_unit_id=r.org_unit_id,
            unit_name=r.unit_name,
            snapshot_id=r.snapshot_id,
            created_at=r.created_at,
            created_by=r.created_by,
            status=r.status,
            updated_at=r.updated_at,
            last_comment=r.last_comment,
        )
        for r in conn.execute(query)
    ]
    if states is not None:
        rows = [r for r in rows if r.state(today) in states]
    order = {"overdue": 0, "open": 1, "done": 2}
    return sorted(rows, key=lambda r: (order[r.state(today)], r.due_on, r.id))


def history(conn: Connection, scope: Scope, action_id: int) -> list:
    """Every status update of an action, oldest first (at, actor, status, comment)."""
    e = schema.action_events
    scope.apply(conn)
    return list(
        conn.execute(
            select(e.c.at, e.c.actor, e.c.status, e.c.comment).where(e.c.action_id == action_id).order_by(e.c.id)
        )
    )


def owners(conn: Connection, scope: Scope, unit: str) -> list[tuple[str, str]]:
    """People the viewer may assign an action to for `unit`: those it may see in the unit's subtree
    and the units above it (a manager of a parent unit may own a team's action), by name."""
    p, c = schema.people, schema.org_closure
    scope.apply(conn)
    related = (
        select(c.c.unit_id).where(c.c.ancestor_id == unit).union(select(c.c.ancestor_id).where(c.c.unit_id == unit))
    )
    rows = conn.execute(
        select(p.c.id, p.c.name)
        .where(p.c.org_unit_id.in_(related), p.c.is_integration.is_(False))
        .order_by(p.c.name, p.c.id)
    )
    return [(r.id, r.name) for r in rows]


# --- the meeting log -----------------------------------------------------------------------------

MEETING_KINDS = ("management_review", "governance", "monthly_planning", "weekly_status", "coaching", "daily_standup")
LOGGED_PREFIX = "app-"  # ids of meetings logged in the app: no calendar import produces one


@dataclass(frozen=True)
class LoggedMeeting:
    meeting_id: str
    refreshed_from: date | None  # the first period end the refresh recomputed (None: nothing to do)


def log_meeting(
    conn: Connection,
    *,
    unit: str,
    kind: str,
    held_on: date,
    crm_report_used: bool,
    sponsor_present: bool,
    actor: str | None,
    snapshot_id: int | None = None,
    meeting_id: str | None = None,
) -> LoggedMeeting:
    """Record a held meeting and refresh the periods it touches; runs as the owner (the refresh
    writes kpi_values), so the caller checks the viewer's role and scope first.

    Without `meeting_id` a new meeting `app-…` is added: calendar imports key their meetings by the
    calendar's own ids, so they never touch it. With `meeting_id` (a meeting a calendar import
    brought in) the meeting is marked held with the two flags. Either way the meeting_logs row makes
    every later import (calendar or meetings.csv) skip that meeting (db/importers/logged.py).
    """
    import uuid

    from metrics.refresh import refresh

    if kind not in MEETING_KINDS:
        raise ActionError(f"unknown meeting kind {kind!r}")
    m = schema.meetings
    if meeting_id is None:
        meeting_id = f"{LOGGED_PREFIX}{held_on.isoformat()}-{uuid.uuid4().hex[:8]}"
        conn.execute(
            insert(m).values(
                id=meeting_id, org_unit_id=unit, kind=kind, scheduled_on=held_on, status="held",
                crm_report_used=crm_report_used, sponsor_present=sponsor_present, title="Logged in Flywheel",
            )
        )  # fmt: skip
    else:
        from sqlalchemy import update as sql_update

        done = conn.execute(
            sql_update(m)
            .where(m.c.id == meeting_id, m.c.org_unit_id == unit)
            .values(status="held", crm_report_used=crm_report_used, sponsor_present=sponsor_present)
        ).rowcount
        if not done:
            raise ActionError(f"no meeting {meeting_id!r} of unit {unit!r}")
    conn.execute(
        insert(schema.meeting_logs).values(
            meeting_id=meeting_id, org_unit_id=unit, kind=kind, held_on=held_on, crm_report_used=crm_report_used,
            sponsor_present=sponsor_present, snapshot_id=snapshot_id, logged_by=actor,
        )
    )  # fmt: skip
    audit.record(
        conn, actor, "meeting.log", meeting_id, unit=unit, kind=kind, held_on=held_on.isoformat(),
        crm_report_used=crm_report_used, sponsor_present=sponsor_present, snapshot=snapshot_id,
    )  # fmt: skip
    result = refresh(conn)
    return LoggedMeeting(meeting_id, result.recomputed_from)


def meeting_log(conn: Connection, scope: Scope, unit: str, limit: int = 20) -> list:
    """The meetings logged in the app for `unit`'s subtree, newest first."""
    t, c = schema.meeting_logs, schema.org_closure
    scope.apply(conn)
    return list(
        conn.execute(
            select(t)
            .where(t.c.org_unit_id.in_(select(c.c.unit_id).where(c.c.ancestor_id == unit)))
            .order_by(t.c.id.desc())
            .limit(limit)
        )
    )


def calendar_meetings(conn: Connection, scope: Scope, unit: str, until: date, days: int = 14) -> list:
    """Meetings of `unit` itself scheduled in the `days` up to `until` (newest first) that a
    calendar import brought in: logging one of them marks it, instead of adding a second meeting
    that the Process KPIs would count twice."""
    m = schema.meetings
    scope.apply(conn)
    return list(
        conn.execute(
            select(m.c.id, m.c.kind, m.c.scheduled_on, m.c.status, m.c.title, m.c.crm_report_used, m.c.sponsor_present)
            .where(
                m.c.org_unit_id == unit,
                m.c.scheduled_on.between(until - timedelta(days=days), until),
                m.c.id.not_like(f"{LOGGED_PREFIX}%"),
            )
            .order_by(m.c.scheduled_on.desc(), m.c.id)
        )
    )
