"""The bulk path of crm_activity.csv: the same rows, counts, batches, undo and reports as the precise importer,
and the person reference the database now checks per statement (migration 0012)."""

from __future__ import annotations

from datetime import date

import pytest
from psycopg import errors as pg_errors
from sqlalchemy import Connection, exc, select, text

from db import schema
from db.canonical import ImportFailed, import_bytes
from db.engine import make_engine
from db.importers import bulk
from db.importers.batches import undo_last
from db.importers.canonical import import_sources as precise
from db.importers.checks import ROW_RULES
from db.importers.contract import CONTRACTS
from db.importers.read import Source
from db.importers.write import raw

TODAY = date(2026, 12, 2)
BASE = {
    "org_units.csv": "id,name,parent_id,kind\nacme,Acme,,company\nnorth,North,acme,team\n",
    "people.csv": "id,name,email,org_unit_id,role,manager_id,license_start,license_end,is_integration,crm_user_id\n"
    "p1,Ann,ann@acme.test,north,rep,,,,,\np2,Bob,bob@acme.test,north,rep,,,,,\np3,Cy,cy@acme.test,north,rep,,,,,\n",
}
HEADER = "person_id,date,logins,records_created,records_updated,reports_viewed\n"
FIRST = HEADER + "p1,2026-01-05,1,2,3,0\np1,2026-01-06,2,,,\np2,2026-01-05,1,0,0,1\n"
# Overlaps FIRST: one row equal, one changed, one new.
SECOND = HEADER + "p1,2026-01-05,1,2,3,0\np1,2026-01-06,5,1,,\np2,2026-01-07,0,0,0,0\n"


@pytest.fixture
def org(conn: Connection) -> Connection:
    import_bytes(conn, {k: v.encode() for k, v in BASE.items()}, today=TODAY)
    return conn


def activity(conn: Connection) -> dict[tuple[str, str], tuple[int, int, int, int, int | None]]:
    t = schema.crm_activity
    return {
        (r.person_id, r.date.isoformat()): (
            r.logins,
            r.records_created,
            r.records_updated,
            r.reports_viewed,
            r.import_batch_id,
        )
        for r in conn.execute(select(t))
    }


def load(conn: Connection, content: str | bytes, **kw):
    data = content.encode() if isinstance(content, str) else content
    bulk.LAST.stages.clear()
    report = import_bytes(conn, {"crm_activity.csv": data}, today=TODAY, **kw)
    return report, "merge" in bulk.LAST.stages


def test_bulk_path_writes_exact_rows_counts_batches_and_undo(org: Connection):
    conn = org
    first, fast = load(conn, FIRST)
    assert fast
    f = first.files[0]
    a = f.batch_id
    assert (f.rows_read, f.inserted, f.updated, f.unchanged, f.rejected) == (3, 3, 0, 0, 0)
    assert (f.date_min, f.date_max, f.encoding, f.delimiter) == (date(2026, 1, 5), date(2026, 1, 6), "utf-8", ",")
    assert (first.earliest_date, first.latest_date, first.full_refresh, first.seen_before) == (
        date(2026, 1, 5),
        date(2026, 1, 6),
        False,
        False,
    )
    assert activity(conn) == {
        ("p1", "2026-01-05"): (1, 2, 3, 0, a),
        ("p1", "2026-01-06"): (2, 0, 0, 0, a),
        ("p2", "2026-01-05"): (1, 0, 0, 1, a),
    }
    batch = conn.execute(select(schema.import_batches).where(schema.import_batches.c.id == a)).one()
    assert (batch.status, batch.rows_read, batch.rows_inserted, batch.rows_updated, batch.rows_unchanged) == (
        "succeeded",
        3,
        3,
        0,
        0,
    )

    second, fast = load(conn, SECOND)
    assert fast
    f = second.files[0]
    b = f.batch_id
    assert (f.rows_read, f.inserted, f.updated, f.unchanged) == (3, 1, 1, 1)
    # The dates written: the new row's and the updated row's (the equal row is not touched).
    assert (f.date_min, f.date_max) == (date(2026, 1, 6), date(2026, 1, 7))
    assert activity(conn) == {
        ("p1", "2026-01-05"): (1, 2, 3, 0, a),
        ("p1", "2026-01-06"): (5, 1, 0, 0, b),
        ("p2", "2026-01-05"): (1, 0, 0, 1, a),
        ("p2", "2026-01-07"): (0, 0, 0, 0, b),
    }
    undo = conn.execute(
        select(schema.import_undo.c.table_name, schema.import_undo.c.row).where(schema.import_undo.c.batch_id == b)
    )
    assert [tuple(r) for r in undo] == [
        (
            "crm_activity",
            {
                "person_id": "p1",
                "date": "2026-01-06",
                "logins": 2,
                "records_created": 0,
                "records_updated": 0,
                "reports_viewed": 0,
                "import_batch_id": a,
            },
        )
    ]

    again, fast = load(conn, SECOND)
    assert fast
    f = again.files[0]
    assert (f.rows_read, f.inserted, f.updated, f.unchanged) == (3, 0, 0, 3)
    assert again.seen_before and not again.changed
    assert len(again.warnings) == 1
    assert again.warnings[0].startswith(f"crm_activity.csv: the same file was imported before (batch {b}, ")
    assert "the same file was imported before: nothing changed" in again.summary_lines()

    undone = undo_last(conn, "canonical")  # the no-op import wrote nothing; undoing it and the one before
    assert undone.batch_ids == [f.batch_id]
    undone = undo_last(conn, "canonical")
    assert (undone.batch_ids, undone.deleted, undone.restored) == ([b], 1, 1)
    assert activity(conn) == {
        ("p1", "2026-01-05"): (1, 2, 3, 0, a),
        ("p1", "2026-01-06"): (2, 0, 0, 0, a),
        ("p2", "2026-01-05"): (1, 0, 0, 1, a),
    }


def test_dry_run_counts_and_writes_nothing(org: Connection):
    batches = text("SELECT count(*) FROM import_batches")
    before = org.execute(batches).scalar()
    report, fast = load(org, FIRST, dry_run=True)
    assert fast and report.dry_run
    f = report.files[0]
    assert (f.inserted, f.updated, f.unchanged, f.batch_id) == (3, 0, 0, None)
    assert activity(org) == {}
    assert org.execute(batches).scalar() == before


def _precise(conn: Connection, data: bytes):
    """The precise importer's outcome on the same bytes, rolled back: its report or its errors."""
    savepoint = conn.begin_nested()
    try:
        report = precise(conn, [Source.from_bytes("crm_activity.csv", data)], today=TODAY)
        return _summary(conn, report)
    except ImportFailed as failure:
        return [e.as_dict() for e in failure.errors]
    finally:
        savepoint.rollback()


def _summary(conn: Connection, report) -> tuple:
    f = report.files[0]
    rows = {k: v[:4] for k, v in activity(conn).items()}
    return (f.rows_read, f.inserted, f.updated, f.unchanged, f.date_min, f.date_max, f.encoding, f.delimiter, rows)


def _ours(conn: Connection, data: bytes):
    savepoint = conn.begin_nested()
    try:
        report, fast = load(conn, data)
        return _summary(conn, report), fast
    except ImportFailed as failure:
        return [e.as_dict() for e in failure.errors], "merge" in bulk.LAST.stages
    finally:
        savepoint.rollback()


GOOD = {
    "plain": (FIRST, True),
    "crlf": (FIRST.replace("\n", "\r\n"), True),
    "semicolons": (FIRST.replace(",", ";"), True),
    "bom": ("\ufeff" + FIRST, True),
    "columns in another order": (
        "date,person_id,reports_viewed,logins,records_updated,records_created\n2026-01-05,p1,0,1,3,2\n",
        True,
    ),
    "quoted cells": (
        'person_id,date,logins,records_created,records_updated,reports_viewed\n"p1","2026-01-05","1",,"",0\n',
        True,
    ),
    "no newline at the end": (FIRST.rstrip("\n"), True),
    "leading zeros": (HEADER + "p1,2026-01-05,007,0,0,2147483647\n", True),
    # Cells the precise reader trims or spells loosely: right, but for the precise importer.
    "spaces around cells": (HEADER + " p1 ,2026-01-05, 1,2 ,3,0\n", False),
    "spaces around a header name": (HEADER.replace("logins", " logins ") + "p1,2026-01-05,1,2,3,0\n", True),
    "a date with a space after it": (HEADER + "p1,2026-01-05 ,1,2,3,0\n", False),
    "a blank line": (HEADER + "p1,2026-01-05,1,2,3,0\n\np2,2026-01-05,1,0,0,1\n", False),
    "tabs": (FIRST.replace(",", "\t"), True),
}


@pytest.mark.parametrize("name", list(GOOD))
def test_good_files_load_as_the_precise_importer_loads_them(org: Connection, name: str):
    content, bulk_path = GOOD[name]
    data = content.encode() if isinstance(content, str) else content
    expected = _precise(org, data)
    got, fast = _ours(org, data)
    assert isinstance(expected, tuple), expected
    assert got == expected
    assert fast == bulk_path


BAD = {
    "unknown person": HEADER + "p1,2026-01-05,1,2,3,0\nghost,2026-01-05,1,0,0,1\n",
    "empty person": HEADER + ",2026-01-05,1,2,3,0\n",
    "after the day of the import": HEADER + "p1,2026-12-03,1,2,3,0\n",
    "more than a year ahead": HEADER + "p1,2099-01-01,1,2,3,0\n",
    "before 2000": HEADER + "p1,1999-12-31,1,2,3,0\n",
    "not a day": HEADER + "p1,2026-02-30,1,2,3,0\n",
    "another date form": HEADER + "p1,05/01/2026,1,2,3,0\n",
    "signed count": HEADER + "p1,2026-01-05,+1,2,3,0\n",
    "negative count": HEADER + "p1,2026-01-05,-1,2,3,0\n",
    "minus zero": HEADER + "p1,2026-01-05,1,-0,3,0\n",
    "a date in BC": HEADER + "p1,2019-01-01 BC,1,2,3,0\n",
    "count too large": HEADER + "p1,2026-01-05,2147483648,2,3,0\n",
    "decimal count": HEADER + "p1,2026-01-05,1.0,2,3,0\n",
    "same key twice": HEADER + "p1,2026-01-05,1,2,3,0\np1,2026-01-05,1,2,3,0\n",
    "short row": HEADER + "p1,2026-01-05,1,2,3\n",
    "end-of-data marker": HEADER + "p1,2026-01-05,1,2,3,0\n\\.\np2,2026-01-05,1,0,0,1\n",
    "missing column": "person_id,date,logins\np1,2026-01-05,1\n",
    "extra column": HEADER.rstrip("\n") + ",extra\np1,2026-01-05,1,2,3,0,x\n",
    "binary": b"PK\x03\x04" + HEADER.encode(),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_files_get_the_precise_report_and_write_nothing(org: Connection, name: str):
    content = BAD[name]
    data = content.encode() if isinstance(content, str) else content
    expected = _precise(org, data)
    got, fast = _ours(org, data)
    assert isinstance(expected, list) and expected, expected
    assert got == expected
    assert not fast
    assert activity(org) == {}


def test_same_key_twice_among_rows_already_there_is_reported_on_both_lines(org: Connection):
    load(org, FIRST)
    # Both lines equal the row in the table: a merge alone would call them unchanged.
    data = (HEADER + "p2,2026-01-05,1,0,0,1\np1,2026-01-05,1,2,3,0\np1,2026-01-05,1,2,3,0\n").encode()
    got, fast = _ours(org, data)
    assert not fast
    assert [(e["line"], e["column"], e["message"]) for e in got] == [
        (3, "(person_id, date)", "duplicate key (person_id, date) = p1, 2026-01-05: also on line 4"),
        (4, "(person_id, date)", "duplicate key (person_id, date) = p1, 2026-01-05: also on line 3"),
    ]
    # Twice among new keys while the file overlaps the table: the merge's INSERT meets the primary key.
    data = (HEADER + "p1,2026-01-05,1,2,3,0\np3,2026-01-09,1,0,0,0\np3,2026-01-09,2,0,0,0\n").encode()
    got, fast = _ours(org, data)
    assert not fast
    assert [(e["line"], e["message"]) for e in got] == [
        (3, "duplicate key (person_id, date) = p3, 2026-01-09: also on line 4"),
        (4, "duplicate key (person_id, date) = p3, 2026-01-09: also on line 3"),
    ]


def test_only_plain_fact_files_take_the_bulk_path():
    assert bulk.ROW_RULE_TABLES == set(ROW_RULES)
    assert [c.file_name for c in CONTRACTS if bulk.eligible(c)] == ["crm_activity.csv"]


# --- the person reference, checked by triggers (migration 0012) -------------------------------------------


def _refused(conn: Connection, statement: str, *, at_commit: bool = False) -> str:
    savepoint = conn.begin_nested()
    try:
        with pytest.raises(exc.IntegrityError) as info:
            conn.execute(text(statement))
            if at_commit:  # a deferred check, as the foreign key was: run it now rather than at COMMIT
                conn.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
        assert isinstance(info.value.orig, pg_errors.ForeignKeyViolation)
        return info.value.orig.diag.message_detail
    finally:
        savepoint.rollback()


def test_activity_of_an_unknown_person_is_refused_by_sql(org: Connection):
    load(org, FIRST)
    detail = _refused(
        org, "INSERT INTO crm_activity (person_id, date) VALUES ('p1', '2026-02-01'), ('ghost', '2026-02-01')"
    )
    assert detail == 'Key (person_id)=(ghost) is not present in table "people".'
    detail = _refused(org, "UPDATE crm_activity SET person_id = 'nobody' WHERE person_id = 'p2'")
    assert detail == 'Key (person_id)=(nobody) is not present in table "people".'
    savepoint = org.begin_nested()
    with pytest.raises(pg_errors.ForeignKeyViolation):
        with raw(org).cursor() as cur, cur.copy("COPY crm_activity (person_id, date) FROM STDIN") as copy:
            copy.write_row(("p9", "2026-02-01"))
    savepoint.rollback()


def test_a_person_with_activity_cannot_go(org: Connection):
    load(org, FIRST)
    detail = _refused(org, "DELETE FROM people WHERE id = 'p2'", at_commit=True)
    assert detail == 'Key (id)=(p2) is still referenced from table "crm_activity".'
    detail = _refused(org, "UPDATE people SET id = 'p9' WHERE id = 'p2'", at_commit=True)
    assert detail == 'Key (id)=(p2) is still referenced from table "crm_activity".'
    savepoint = org.begin_nested()
    with pytest.raises(exc.NotSupportedError):
        org.execute(text("TRUNCATE people CASCADE"))  # the cascade no longer reaches crm_activity: refused
    savepoint.rollback()
    # Deleted and put back in one transaction, as an undo does; a person without activity may go.
    savepoint = org.begin_nested()
    org.execute(text("DELETE FROM people WHERE id = 'p2'"))
    org.execute(text("INSERT INTO people (id, name, org_unit_id, role) VALUES ('p2', 'Bob', 'north', 'rep')"))
    org.execute(text("DELETE FROM people WHERE id = 'p3'"))
    org.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
    savepoint.rollback()


def test_a_person_being_given_activity_cannot_be_deleted_meanwhile(fresh_database):
    """The lock a foreign key takes: a concurrent DELETE of a person waits for the import naming it."""
    eng = make_engine(fresh_database())
    with eng.begin() as conn:
        import_bytes(conn, {k: v.encode() for k, v in BASE.items()}, today=TODAY)
    try:
        with eng.connect() as importing, eng.connect() as deleting:
            tx = importing.begin()
            importing.execute(text("INSERT INTO crm_activity (person_id, date) VALUES ('p3', '2026-02-01')"))
            with deleting.begin():
                # The row lock a DELETE takes (a DELETE itself would also wait on refresh_pending, which the
                # insert's dirty-marking trigger updated: not the lock under test).
                with pytest.raises(exc.OperationalError) as info:
                    deleting.execute(text("SELECT 1 FROM people WHERE id = 'p3' FOR UPDATE NOWAIT"))
                assert isinstance(info.value.orig, pg_errors.LockNotAvailable)
            with deleting.begin():  # a person no activity names is not locked
                deleting.execute(text("SELECT 1 FROM people WHERE id = 'p2' FOR UPDATE NOWAIT"))
            tx.commit()
    finally:
        eng.dispose()
