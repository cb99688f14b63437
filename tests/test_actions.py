"""Actions (created from a red or amber KPI, status updates with a kept history, open / overdue / done)
and the meeting log (it feeds `meetings`, so the Process KPIs, and a calendar import never undoes it)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Connection, exc, select, text

from db import schema
from db.engine import make_engine
from metrics import actions
from metrics.refresh import refresh
from metrics.scope import company_scope, scope_for
from metrics.scoring import kpi_rows
from tests import fixture_org
from tests.conftest import add_user, application_url

FEB = date(2026, 2, 1)
PROCESS = (
    "report_usage_in_meetings",
    "meeting_cadence",
    "communication_cadence",
    "coaching_with_crm",
    "sponsor_engagement",
)


@pytest.fixture
def org(conn: Connection) -> Connection:
    fixture_org.load(conn)
    refresh(conn, full=True)
    return conn


def test_action_lifecycle_open_overdue_done_with_history(org: Connection) -> None:
    scope = company_scope(org)
    a = actions.create(
        org, scope, title="Run the weekly status from the CRM", owner="p9", due_on=date(2026, 3, 10),
        kpi_id="report_usage_in_meetings", unit="D1", kpi_status="red", actor="lead@x",
    )  # fmt: skip
    (only,) = actions.listing(org, scope, unit="D1", today=date(2026, 3, 1))
    assert (only.id, only.status, only.state(date(2026, 3, 1)), only.owner_name) == (a, "open", "open", "P9")
    assert actions.listing(org, scope, unit="C", states=("overdue",), today=date(2026, 3, 11))[0].id == a
    assert actions.listing(org, scope, unit="D2", today=date(2026, 3, 11)) == []  # another subtree

    actions.update(org, scope, a, status="done", comment="Weekly status now runs on the dashboard", actor="p9@x")
    assert actions.listing(org, scope, unit="D1", states=("done",), today=date(2026, 3, 11))[0].id == a
    actions.update(org, scope, a, status="open", comment="Reopened: slipped back to slides", actor="lead@x")
    history = actions.history(org, scope, a)
    assert [(h.status, h.actor) for h in history] == [("open", "lead@x"), ("done", "p9@x"), ("open", "lead@x")]
    assert actions.listing(org, scope, unit="D1", today=date(2026, 3, 11))[0].state(date(2026, 3, 11)) == "overdue"
    audited = org.execute(select(schema.audit_log.c.action).where(schema.audit_log.c.subject == f"action {a}"))
    assert audited.scalars().all() == ["action.create", "action.update", "action.update"]

    for statement in ("UPDATE actions SET title = 'x'", "DELETE FROM action_events"):  # the history is kept
        with pytest.raises(exc.IntegrityError, match="is a history"), org.begin_nested():
            org.execute(text(statement))


def test_actions_are_raised_from_red_or_amber_kpis_with_a_title_and_comments(org: Connection) -> None:
    scope = company_scope(org)
    common = dict(owner="p9", due_on=date(2026, 3, 10), kpi_id="adoption_rate", unit="D1")
    with pytest.raises(actions.ActionError, match="red or amber"):
        actions.create(org, scope, title="x", kpi_status="green", **common)
    with pytest.raises(actions.ActionError, match="title"):
        actions.create(org, scope, title="  ", **common)
    a = actions.create(org, scope, title="Pair the inactive users", kpi_status="amber", **common)
    with pytest.raises(actions.ActionError, match="comment"):
        actions.update(org, scope, a, status="done", comment=" ", actor=None)
    with pytest.raises(actions.ActionError, match="status"):
        actions.update(org, scope, a, status="closed", comment="x", actor=None)


def test_who_sees_an_action_and_its_owner(fresh_database) -> None:
    url = fresh_database()
    owner = make_engine(url)
    with owner.begin() as conn:
        fixture_org.load(conn)
        refresh(conn, full=True)
        a = actions.create(
            conn, company_scope(conn), title="Coach North on the pipeline view", owner="p1",
            due_on=date(2026, 3, 10), kpi_id="coaching_with_crm", unit="T1",
        )  # fmt: skip
    add_user(url, "m2@x", "manager", unit="T2")
    add_user(url, "sponsor@x", "sponsor", unit="C")
    add_user(url, "p1@x", "member", unit="T1", person="p1")
    add_user(url, "p2@x", "member", unit="T1", person="p2")
    from db.users import get

    scopes = {}
    with owner.connect() as conn:
        for email in ("m2@x", "sponsor@x", "p1@x", "p2@x"):
            u = get(conn, email)
            scopes[email] = scope_for(conn, u.role, u.home_unit_id, u.person_id)
    owner.dispose()
    app = make_engine(application_url(url))
    with app.begin() as conn:
        seen = {e: [(x.id, x.owner_name) for x in actions.listing(conn, s, unit=None)] for e, s in scopes.items()}
    assert seen == {
        "m2@x": [],  # South's manager: North's action is outside its scope
        "sponsor@x": [(a, None)],  # the whole company, but not person-level rows: the owner is not named
        "p1@x": [(a, "P1")],  # the owner sees itself
        "p2@x": [(a, None)],  # a team mate sees the action, not who owns it
    }
    with app.begin() as conn, pytest.raises(actions.ActionError, match="no person"):
        actions.create(
            conn, scopes["m2@x"], title="x", owner="p1", due_on=date(2026, 3, 1), kpi_id="adoption_rate", unit="T2"
        )
    app.dispose()


def _process(conn: Connection, unit: str) -> dict[str, tuple[float, float]]:
    rows = kpi_rows(conn, company_scope(conn), unit=unit, grain="month", period_from=FEB, period_to=FEB)
    return {r.kpi_id: (r.numerator, r.denominator) for r in rows if r.kpi_id in PROCESS}


def test_a_logged_meeting_changes_the_process_kpis_by_exactly_its_own_weight(org: Connection) -> None:
    before = {u: _process(org, u) for u in ("T2", "D1", "C", "D2")}
    logged = actions.log_meeting(
        org, unit="T2", kind="weekly_status", held_on=date(2026, 2, 20), crm_report_used=True,
        sponsor_present=False, actor="lead@x",
    )  # fmt: skip
    assert logged.meeting_id.startswith("app-") and logged.refreshed_from is not None
    after = {u: _process(org, u) for u in ("T2", "D1", "C", "D2")}
    # A held weekly status on CRM reports: +1 of +1 to report usage and to meeting cadence, for
    # South and every unit above it; nothing else moves, and Service (D2) not at all.
    for unit in ("T2", "D1", "C"):
        for kpi in PROCESS:
            (n0, d0), (n1, d1) = before[unit][kpi], after[unit][kpi]
            expected = (1, 1) if kpi in ("report_usage_in_meetings", "meeting_cadence") else (0, 0)
            assert (n1 - n0, d1 - d0) == expected, (unit, kpi)
    assert after["D2"] == before["D2"]
    # The hand-computed values of tests/fixture_org.py, one meeting later: D1 4/6 -> 5/7, 7/9 -> 8/10.
    assert after["D1"]["report_usage_in_meetings"] == (5, 7) and after["D1"]["meeting_cadence"] == (8, 10)

    # A governance meeting of the company with the sponsor: sponsor engagement for C and every unit
    # below it (they count their ancestors' governance meetings), and cadence and report usage for C.
    actions.log_meeting(
        org, unit="C", kind="governance", held_on=date(2026, 2, 27), crm_report_used=False,
        sponsor_present=True, actor="lead@x",
    )  # fmt: skip
    again = {u: _process(org, u) for u in ("T2", "D1", "C", "D2")}
    for unit in ("T2", "D1", "C", "D2"):
        (n0, d0), (n1, d1) = after[unit]["sponsor_engagement"], again[unit]["sponsor_engagement"]
        assert (n1 - n0, d1 - d0) == (1, 1), unit
    assert again["C"]["meeting_cadence"] == (after["C"]["meeting_cadence"][0] + 1, after["C"]["meeting_cadence"][1] + 1)
    assert again["C"]["report_usage_in_meetings"] == (
        after["C"]["report_usage_in_meetings"][0],
        after["C"]["report_usage_in_meetings"][1] + 1,
    )
    logs = actions.meeting_log(org, company_scope(org), "C")
    assert [(m.org_unit_id, m.kind, m.logged_by) for m in logs] == [
        ("C", "governance", "lead@x"),
        ("T2", "weekly_status", "lead@x"),
    ]


def test_logging_over_an_imported_meeting_survives_a_calendar_reimport(conn: Connection) -> None:
    from db.canonical import import_bytes
    from db.importers import Options, import_path
    from tests.test_canonical import FOLDER, TODAY
    from tests.test_import_vendor import AS_OF, DATA

    import_bytes(conn, {k: v.encode() for k, v in FOLDER.items()}, today=TODAY)
    calendar = DATA / "ics/outlook_north_team.ics"
    import_path(conn, "ics", calendar, Options(today=TODAY, unit="north", as_of=AS_OF))
    refresh(conn, full=True)
    imported = conn.execute(text("SELECT id, kind, scheduled_on FROM meetings WHERE id LIKE '%/2026-03-02'")).one()
    actions.log_meeting(
        conn, unit="north", kind=imported.kind, held_on=imported.scheduled_on, crm_report_used=True,
        sponsor_present=True, actor="lead@x", meeting_id=imported.id,
    )  # fmt: skip
    own = actions.log_meeting(
        conn, unit="north", kind="management_review", held_on=date(2026, 3, 3), crm_report_used=True,
        sponsor_present=False, actor="lead@x",
    )  # fmt: skip
    import_path(conn, "ics", calendar, Options(today=TODAY, unit="north", as_of=date(2026, 3, 25)))
    flags = conn.execute(
        text("SELECT id, status, crm_report_used, sponsor_present FROM meetings WHERE id IN (:a, :b) ORDER BY id"),
        {"a": imported.id, "b": own.meeting_id},
    ).all()
    assert sorted(tuple(r)[1:] for r in flags) == [("held", True, False), ("held", True, True)]


CALENDAR = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Test//EN
BEGIN:VEVENT
UID:review-1
DTSTART:{start}
DTEND:20260302T100000Z
SUMMARY:Pipeline review
CATEGORIES:Management review
{status}END:VEVENT
END:VCALENDAR
"""


def test_a_calendar_reimport_never_overwrites_a_logged_meeting(conn: Connection) -> None:
    from db.canonical import import_bytes
    from db.importers import Options, import_file
    from tests.test_canonical import FOLDER, TODAY

    import_bytes(conn, {k: v.encode() for k, v in FOLDER.items()}, today=TODAY)
    opts = Options(today=TODAY, unit="north", as_of=date(2026, 3, 15))
    first = CALENDAR.format(start="20260302T090000Z", status="").encode()
    import_file(conn, "ics", "team.ics", first, opts)
    actions.log_meeting(
        conn, unit="north", kind="management_review", held_on=date(2026, 3, 2), crm_report_used=True,
        sponsor_present=True, actor="lead@x", meeting_id="review-1/2026-03-02",
    )  # fmt: skip
    # The organiser then cancels it and moves it in the calendar: what was logged stays.
    later = CALENDAR.format(start="20260303T090000Z", status="STATUS:CANCELLED\n").encode()
    report = import_file(conn, "ics", "team.ics", later, opts)
    assert [(s.line, s.value, s.reason) for s in report.skipped] == [
        (4, "review-1/2026-03-02", "logged on the Meetings page: an import does not overwrite it")
    ]
    assert (report.files[0].inserted, report.files[0].updated) == (0, 0)
    row = conn.execute(
        text("SELECT scheduled_on, status, crm_report_used, sponsor_present FROM meetings WHERE id LIKE 'review-1%'")
    ).one()
    assert tuple(row) == (date(2026, 3, 2), "held", True, True)


def test_a_meetings_csv_never_overwrites_a_logged_meeting(conn: Connection) -> None:
    from db.canonical import import_bytes
    from tests.test_canonical import FOLDER, TODAY

    import_bytes(conn, {k: v.encode() for k, v in FOLDER.items()}, today=TODAY)
    own = actions.log_meeting(
        conn, unit="north", kind="weekly_status", held_on=date(2026, 1, 19), crm_report_used=True,
        sponsor_present=False, actor="lead@x",
    )  # fmt: skip
    actions.log_meeting(
        conn, unit="north", kind="weekly_status", held_on=date(2026, 1, 12), crm_report_used=False,
        sponsor_present=True, actor="lead@x", meeting_id="w1",
    )  # fmt: skip
    csv = (
        "id,org_unit_id,kind,scheduled_on,status,crm_report_used,sponsor_present,person_id,title\n"
        "w1,north,weekly_status,2026-01-12,missed,true,false,,Weekly\n"
        f"{own.meeting_id},north,weekly_status,2026-01-19,cancelled,false,false,,Weekly\n"
        "w2,north,weekly_status,2026-01-26,held,false,false,,Weekly\n"
    )
    report = import_bytes(conn, {"meetings.csv": csv.encode()}, today=TODAY)
    (f,) = report.files
    assert (f.rows_read, f.inserted, f.updated, f.unchanged, f.skipped) == (3, 1, 0, 0, 2)
    reason = "logged on the Meetings page: an import does not overwrite it"
    assert [(s.line, s.value, s.reason) for s in report.skipped] == [(2, "w1", reason), (3, own.meeting_id, reason)]
    rows = conn.execute(
        text("SELECT id, status, crm_report_used, sponsor_present FROM meetings WHERE id LIKE 'w%' ORDER BY id")
    ).all()
    assert [tuple(r) for r in rows] == [("w1", "held", False, True), ("w2", "held", False, False)]
    assert tuple(
        conn.execute(text("SELECT status, crm_report_used FROM meetings WHERE id = :i"), {"i": own.meeting_id}).one()
    ) == ("held", True)
