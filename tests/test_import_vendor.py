"""Vendor adapters on their documented formats and on files real tools wrote (tests/data/real, see its README)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Connection, select, text

from db import schema
from db.canonical import import_bytes
from db.importers import ImportFailed, Options, import_file, import_path
from tests.test_canonical import FOLDER, TODAY

DATA = Path(__file__).parent / "data"
AS_OF = date(2026, 3, 15)


@pytest.fixture
def org(conn: Connection) -> Connection:
    """The small canonical organisation of test_canonical: Ann (p1), Bob (p2), Max (m1, crm_user_id 005M)."""
    import_bytes(conn, {k: v.encode() for k, v in FOLDER.items()}, today=TODAY)
    return conn


def run(conn: Connection, source: str, path: Path, **options):
    return import_path(conn, source, path, Options(today=TODAY, **options))


def rows(conn: Connection, sql: str, **params) -> list[tuple]:
    return [tuple(r) for r in conn.execute(text(sql), params)]


def logins(conn: Connection) -> list[tuple]:
    return rows(
        conn,
        "SELECT person_id, date::text, logins, records_created FROM crm_activity WHERE date >= '2026-03-01' ORDER BY 1, 2",
    )


def test_salesforce_users_records_id_and_username_by_email(org: Connection):
    report = run(org, "salesforce-users", DATA / "salesforce/users_dataloader.csv")
    (f,) = report.files
    assert (f.rows_read, f.inserted, f.updated, f.unchanged, f.skipped) == (3, 0, 2, 0, 1)
    assert [(s.line, s.value, s.reason) for s in report.skipped] == [
        (4, "integration@acme.test", "no person with this e-mail")
    ]
    assert rows(org, "SELECT id, crm_user_id, crm_username FROM people WHERE id IN ('p1', 'p2') ORDER BY id") == [
        ("p1", "0058d000001AbCdAAK", "ann.rep@acme.test.crm"),
        ("p2", "0058d000001BoBxAAK", "bob@acme.test"),
    ]
    assert rows(org, "SELECT count(*) FROM people") == [(4,)]  # nothing invented
    again = run(org, "salesforce-users", DATA / "salesforce/users_dataloader.csv")
    assert (again.files[0].updated, again.files[0].unchanged, again.seen_before) == (0, 2, True)
    assert "the same file was imported before: nothing changed" in again.summary_lines()


def test_salesforce_users_bad_ids_are_row_errors(org: Connection):
    data = b"Id,Username,Email\n005XYZ,a@acme.test,ann@acme.test\n0058d000001AbCdAAK,b,bob@acme.test\n0058d000001AbCdAAK,c,MAX@acme.test\n"
    with pytest.raises(ImportFailed) as info:
        import_file(org, "salesforce-users", "users.csv", data, Options(today=TODAY))
    assert [(e.line, e.column, e.value) for e in info.value.errors] == [
        (2, "Id", "005XYZ"),
        (4, "Id", "0058d000001AbCdAAK"),
    ]
    assert info.value.errors[1].message == "Id 0058d000001AbCdAAK is also on line 3"


def test_login_history_api_export_counts_interactive_logins_per_local_day(org: Connection):
    run(org, "salesforce-users", DATA / "salesforce/users_dataloader.csv")
    report = run(org, "salesforce-login-history", DATA / "salesforce/login_history_dataloader.csv", tz="Europe/Berlin")
    assert [(s.line, s.reason) for s in report.skipped] == [
        (5, "an API or integration login (ApiType SOAP Partner)"),
        (6, "not a successful login (Status Invalid Password)"),
        (8, "unknown user"),
    ]
    # 23:30 GMT on 2 March is 00:30 on 3 March in Berlin.
    assert logins(org) == [("p1", "2026-03-02", 2, 0), ("p1", "2026-03-03", 1, 0), ("p2", "2026-03-02", 1, 0)]
    again = run(org, "salesforce-login-history", DATA / "salesforce/login_history_dataloader.csv", tz="Europe/Berlin")
    assert (again.files[0].inserted, again.files[0].updated, again.files[0].unchanged) == (0, 0, 3)
    assert logins(org) == [("p1", "2026-03-02", 2, 0), ("p1", "2026-03-03", 1, 0), ("p2", "2026-03-02", 1, 0)]


def test_login_history_sets_only_logins_of_an_existing_day(org: Connection):
    import_bytes(
        org,
        {
            "crm_activity.csv": b"person_id,date,logins,records_created,records_updated,reports_viewed\np1,2026-03-02,9,7,0,0\n"
        },
        today=TODAY,
    )
    org.execute(text("UPDATE people SET crm_user_id = '0058d000001AbCdAAK' WHERE id = 'p1'"))
    run(org, "salesforce-login-history", DATA / "salesforce/login_history_dataloader.csv")
    assert logins(org)[0] == ("p1", "2026-03-02", 3, 7)  # in UTC: 3 logins replace 9; the other counts are kept


def test_login_history_setup_download_in_the_users_zone(org: Connection):
    run(org, "salesforce-users", DATA / "salesforce/users_dataloader.csv")
    report = run(
        org, "salesforce-login-history", DATA / "salesforce/login_history_setup_download.csv", tz="America/Los_Angeles"
    )
    assert [(s.line, s.reason) for s in report.skipped] == [(5, "an API or integration login (ApiType REST)")]
    # Local times are dated as they are: 11:59 PM on 3/3 stays on 3 March; matched by username, or by e-mail.
    assert logins(org) == [("p1", "2026-03-02", 2, 0), ("p2", "2026-03-03", 1, 0)]


def test_login_history_bad_time_and_future_day_are_row_errors(org: Connection):
    org.execute(text("UPDATE people SET crm_user_id = '0058d000001AbCdAAK' WHERE id = 'p1'"))
    data = (
        b"UserId,LoginTime,Status,ApiType\n"
        b"0058d000001AbCdAAK,yesterday,Success,\n"
        b"0058d000001AbCdAAK,2026-12-03T10:00:00.000+0000,Success,\n"
        b"0058d000001AbCdAAK,2026-12-02T10:00:00.000+0000,Success,\n"
    )
    with pytest.raises(ImportFailed) as info:
        import_file(org, "salesforce-login-history", "lh.csv", data, Options(today=TODAY))
    assert [(e.line, e.column, e.value) for e in info.value.errors] == [
        (2, "LoginTime", "yesterday"),
        (3, "LoginTime", "2026-12-03T10:00:00.000+0000"),
    ]
    assert info.value.errors[1].message == "event dated after today (2026-12-02)"
    assert logins(org) == []


def test_hubspot_login_history(org: Connection):
    report = run(org, "hubspot-login-history", DATA / "hubspot/login_history.csv", tz="Europe/Berlin")
    assert [(s.line, s.reason) for s in report.skipped] == [
        (5, "not an interactive login (a process HubSpot ran for the user)"),
        (6, "unknown user"),
    ]
    # Bob's 22:30 in New York is 04:30 on 3 March in Berlin.
    assert logins(org) == [("p1", "2026-03-02", 2, 0), ("p2", "2026-03-03", 1, 0)]


XAPI_ROWS = [("m1", "crm101", "2026-03-07", None), ("p1", "crm101", "2026-03-05", 90), ("p2", "sell", "2026-03-06", 84)]


def completions(conn: Connection) -> list[tuple]:
    return [
        (p, c, d, None if s is None else float(s))
        for p, c, d, s in rows(
            conn,
            "SELECT person_id, course_id, completed_on::text, score FROM training_completions "
            "WHERE completed_on >= '2026-03-01' ORDER BY 1, 2, 3",
        )
    ]


@pytest.mark.parametrize("name", ["statements.json", "statements.jsonl", "statements_wrapped.json"])
def test_xapi_layouts_give_identical_rows(org: Connection, name: str):
    report = run(org, "xapi", DATA / "xapi" / name)
    assert completions(org) == XAPI_ROWS
    assert [(s.line, s.reason) for s in report.skipped] == [
        (4, "not a completion (verb is not .../completed or .../passed)"),
        (5, "the actor is a group"),
        (6, "voided by 6a1f0c56-0007-4c1e-9d3b-000000000007"),
        (7, "voids statement 6a1f0c56-0006-4c1e-9d3b-000000000006"),
        (8, "the same statement id as statement 1: counted once"),
        (9, "unknown actor"),
    ]


def test_xapi_single_statement_and_reimport(org: Connection):
    run(org, "xapi", DATA / "xapi/single_statement.json")
    assert completions(org) == [("p1", "crm101", "2026-03-05", 90)]
    again = run(org, "xapi", DATA / "xapi/statements.json")
    assert (again.files[0].inserted, again.files[0].unchanged) == (2, 1)


def test_xapi_real_adl_statements_are_skipped_and_counted(org: Connection):
    voiding = run(org, "xapi", DATA / "real/adl_voiding_statement.json")
    assert [s.reason for s in voiding.skipped] == [
        "voids statement 8f87ccde-bb56-4c2e-ab83-44982ef22df0, which is not in this file"
    ]
    attended = run(org, "xapi", DATA / "real/adl_attended_statement.json")
    assert [s.reason for s in attended.skipped] == ["not a completion (verb is not .../completed or .../passed)"]
    assert completions(org) == []


def test_xapi_not_json_is_a_clear_error(org: Connection):
    with pytest.raises(ImportFailed, match="line 2 is not JSON"):
        import_file(org, "xapi", "x.json", b'{"id": "a", "verb": {"id": "x"}, "object": {}}\n{oops\n', Options())


def meetings(conn: Connection, like: str = "%") -> list[tuple]:
    return rows(
        conn,
        "SELECT split_part(id, '/', 2), kind, scheduled_on::text, status, crm_report_used, person_id FROM meetings "
        "WHERE id LIKE :like ORDER BY scheduled_on, id",
        like=like,
    )


def test_ics_outlook_series_exdate_moved_cancelled_rdate_and_open_ended(org: Connection):
    report = run(org, "ics", DATA / "ics/outlook_north_team.ics", unit="north", as_of=AS_OF)
    assert [(s.line, s.value, s.reason) for s in report.skipped] == [
        (76, "Team lunch", "no meeting kind in its CATEGORIES or SUMMARY"),
        (83, "Sales offsite (daily sessions)", "an all-day event"),
    ]
    assert any("repaired 1 recurrence rule" in w for w in report.warnings)
    standups = meetings(org, "040000008200E%")
    assert standups == [
        ("2026-03-02", "daily_standup", "2026-03-02", "held", False, None),
        ("2026-03-03", "daily_standup", "2026-03-03", "held", False, None),
        ("2026-03-05", "daily_standup", "2026-03-06", "held", False, None),  # moved: keeps its original date in its id
        ("2026-03-06", "daily_standup", "2026-03-06", "held", False, None),
        ("2026-03-09", "daily_standup", "2026-03-09", "held", False, None),
        ("2026-03-10", "daily_standup", "2026-03-10", "cancelled", False, None),
        ("2026-03-11", "daily_standup", "2026-03-11", "held", False, None),
        ("2026-03-12", "daily_standup", "2026-03-12", "held", False, None),
        ("2026-03-13", "daily_standup", "2026-03-13", "held", False, None),
    ]
    assert [r[2] for r in meetings(org, "weekly-status%")] == ["2026-03-03", "2026-03-10", "2026-03-12"]  # RDATE
    assert meetings(org, "pipeline%") == [("2026-03-20", "management_review", "2026-03-20", "planned", False, None)]
    one_on_ones = meetings(org, "one-on-one%")
    assert (len(one_on_ones), one_on_ones[0], one_on_ones[-1][2]) == (
        15,
        ("2026-03-04", "coaching", "2026-03-04", "held", False, "p1"),
        "2026-06-10",  # open-ended: expanded up to 90 days after --as-of
    )


def test_ics_reimport_keeps_what_the_meetings_page_logged(org: Connection):
    run(org, "ics", DATA / "ics/outlook_north_team.ics", unit="north", as_of=AS_OF)
    org.execute(text("UPDATE meetings SET crm_report_used = true, sponsor_present = true WHERE id LIKE '%/2026-03-02'"))
    again = run(org, "ics", DATA / "ics/outlook_north_team.ics", unit="north", as_of=date(2026, 3, 25))
    # Later --as-of: 18 and 25 March coaching and the 20 March review are held now; one more weekly 1:1 ahead.
    assert (again.files[0].inserted, again.files[0].updated) == (1, 3)
    logged = rows(org, "SELECT crm_report_used, sponsor_present FROM meetings WHERE id LIKE '%/2026-03-02'")
    assert logged == [(True, True)]


def test_ics_unreadable_rule_is_a_row_error_naming_summary_and_start(org: Connection):
    with pytest.raises(ImportFailed) as info:
        run(org, "ics", DATA / "ics/unreadable_rule.ics", unit="north", as_of=AS_OF)
    (e,) = info.value.errors
    assert (e.line, e.column) == (19, "RRULE")
    assert e.message.startswith("event 'Steering committee' starting 2026-03-02 10:00: the recurrence cannot be read")
    assert rows(org, "SELECT count(*) FROM meetings") == [(2,)]


def test_ics_needs_a_known_unit(org: Connection):
    with pytest.raises(ImportFailed, match="needs --unit"):
        run(org, "ics", DATA / "ics/outlook_north_team.ics")
    with pytest.raises(ImportFailed, match="unknown org unit 'atlantis'"):
        run(org, "ics", DATA / "ics/outlook_north_team.ics", unit="atlantis")


STANDUP = (("daily_standup", ("stand-up", "standup", "daily")),)


def test_ics_real_exchange_file_with_byday_spaces_is_repaired(org: Connection):
    report = run(org, "ics", DATA / "real/exchange_daily_standup_byday_spaces.ics", unit="north")
    assert any("repaired 1 recurrence rule" in w for w in report.warnings)
    days = [r[2] for r in meetings(org, "278dc4bf20af2c5a/%")]
    assert days[:3] == ["2015-07-03", "2015-07-06", "2015-07-07"] and days[-1] == "2015-07-22" and len(days) == 14


def test_ics_real_exchange_windows_zone_name(org: Connection):
    report = run(
        org,
        "ics",
        DATA / "real/exchange_pacific_standard_time.ics",
        unit="north",
        kind_rules=(("governance", ("test",)),),
    )
    assert report.files[0].inserted == 1
    assert [r[1:4] for r in meetings(org, "0400%")] == [("governance", "2017-02-24", "held")]


def test_ics_real_thunderbird_cancelled_occurrence(org: Connection):
    run(
        org,
        "ics",
        DATA / "real/thunderbird_cancelled_occurrence.ics",
        unit="north",
        kind_rules=(("governance", ("cancelled",)),),
    )
    assert [r[2:4] for r in meetings(org, "b65c2b5b%")] == [
        ("2020-01-28", "held"),
        ("2020-01-29", "cancelled"),
        ("2020-01-30", "held"),
    ]


def test_ics_real_google_moved_occurrence(org: Connection):
    run(
        org,
        "ics",
        DATA / "real/google_moved_occurrence.ics",
        unit="north",
        as_of=date(2022, 1, 31),
        kind_rules=(("governance", ("karaoke",)),),
    )
    got = meetings(org, "38m812jicsrer5gorh3mlp7qhc%")
    # Last Friday of the month; the 31 Dec occurrence was moved to 17 Dec. Open-ended: 90 days after --as-of.
    assert got[:3] == [
        ("2021-11-26", "governance", "2021-11-26", "held", False, None),
        ("2021-12-31", "governance", "2021-12-17", "held", False, None),
        ("2022-01-28", "governance", "2022-01-28", "held", False, None),
    ]
    assert [r[2] for r in got[3:]] == ["2022-02-25", "2022-03-25", "2022-04-29"] and got[3][3] == "planned"


def test_ics_real_sabredav_exdate(org: Connection):
    run(org, "ics", DATA / "real/sabredav_exdate.ics", unit="north", kind_rules=(("coaching", ("test",)),))
    days = [r[2] for r in meetings(org, "SX2CURHKFTKKFFU3VUD7K%")]
    assert days == ["2019-03-04", "2019-03-18", "2019-03-25", "2019-04-01", "2019-04-08", "2019-04-15", "2019-04-22"]


def test_ics_real_rdate_file(org: Connection):
    report = run(org, "ics", DATA / "real/rdate.ics", unit="north", kind_rules=(("governance", ("rdate",)),))
    assert report.files[0].inserted > 0
    ids = [r[0] for r in rows(org, "SELECT id FROM meetings WHERE id LIKE '%/2014-07-05' OR id LIKE '%/2025-07-05'")]
    assert len(ids) == 1  # the RDATE of 2014 counts once (it overlaps the rule); the 2025 one is excluded by EXDATE


def test_the_batch_is_recorded_with_counts(org: Connection):
    run(
        org,
        "hubspot-login-history",
        DATA / "hubspot/login_history.csv",
        tz="Europe/Berlin",
        imported_by="lead@acme.test",
    )
    b = org.execute(select(schema.import_batches).order_by(schema.import_batches.c.id.desc()).limit(1)).one()
    assert (b.source, b.file_name, b.status, b.rows_read, b.rows_inserted, b.rows_skipped, b.imported_by) == (
        "hubspot-login-history",
        "login_history.csv",
        "succeeded",
        5,
        2,
        2,
        "lead@acme.test",
    )
    assert len(b.sha256) == 64 and b.details["skipped"][0]["line"] == 5
    assert rows(org, "SELECT count(*) FROM crm_activity WHERE import_batch_id = :b", b=b.id) == [(2,)]
