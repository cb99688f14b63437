"""Every import: all or nothing, one transaction (a killed connection leaves nothing), limits, non-text files
refused, the same file twice recognised, dry runs, undo of the last batch, and the CLI's report and exit codes."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Connection, create_engine, func, select, text

from cli import main
from db import schema
from db.canonical import import_bytes, import_folder
from db.engine import make_engine
from db.importers import ImportFailed, Options, batches, import_file
from db.importers.batches import UndoRefused, undo_last
from db.importers.read import Limits
from tests.test_canonical import FOLDER, TODAY, write

CRM = "person_id,date,logins,records_created,records_updated,reports_viewed\n"
DATA = Path(__file__).parent / "data"


@pytest.fixture
def org(conn: Connection) -> Connection:
    import_bytes(conn, {k: v.encode() for k, v in FOLDER.items()}, today=TODAY)
    return conn


def count(conn: Connection, table) -> int:
    return conn.execute(select(func.count()).select_from(table)).scalar_one()


def activity(conn: Connection) -> list[tuple]:
    t = schema.crm_activity
    return [
        tuple(r) for r in conn.execute(select(t.c.person_id, t.c.date, t.c.logins).order_by(t.c.person_id, t.c.date))
    ]


def test_a_dry_run_counts_and_writes_nothing(org: Connection):
    before, batches_before = activity(org), count(org, schema.import_batches)
    report = import_bytes(
        org, {"crm_activity.csv": (CRM + "p1,2026-01-06,5,,,\np1,2026-02-01,1,,,\n").encode()}, dry_run=True
    )
    assert (report.files[0].inserted, report.files[0].updated, report.dry_run) == (1, 1, True)
    assert "dry run: validated and counted, nothing was written" in report.summary_lines()
    assert activity(org) == before and count(org, schema.import_batches) == batches_before


def test_the_same_file_twice_changes_nothing_and_says_so(org: Connection):
    data = {"crm_activity.csv": FOLDER["crm_activity.csv"].encode()}
    again = import_bytes(org, data)
    assert again.seen_before and not again.changed
    assert again.summary_lines()[-2:] == [
        "the same file was imported before: nothing changed",
        again.summary_lines()[-1],
    ]
    assert again.summary_lines()[-1].startswith("warning: crm_activity.csv: the same file was imported before (batch ")


def test_rows_carry_the_batch_that_last_wrote_them_and_the_last_import_can_be_undone(org: Connection):
    first = org.execute(select(schema.crm_activity.c.import_batch_id).limit(1)).scalar()
    report = import_bytes(org, {"crm_activity.csv": (CRM + "p1,2026-01-06,5,,,\np1,2026-02-01,1,,,\n").encode()})
    batch = report.files[0].batch_id
    t = schema.crm_activity
    assert dict(org.execute(select(t.c.date, t.c.import_batch_id).where(t.c.person_id == "p1")).all()) == {
        __import__("datetime").date(2026, 1, 5): first,
        __import__("datetime").date(2026, 1, 6): batch,
        __import__("datetime").date(2026, 2, 1): batch,
    }
    done = undo_last(org, "canonical", actor="lead@acme.test")
    assert (done.batch_ids, done.deleted, done.restored) == ([batch], 1, 1)
    assert activity(org) == [
        ("p1", __import__("datetime").date(2026, 1, 5), 1),
        ("p1", __import__("datetime").date(2026, 1, 6), 2),  # restored, with its own earlier batch
        ("p2", __import__("datetime").date(2026, 1, 5), 1),
    ]
    assert (
        org.execute(select(t.c.import_batch_id).where(t.c.date == __import__("datetime").date(2026, 1, 6))).scalar()
        == first
    )
    status = org.execute(select(schema.import_batches.c.status).where(schema.import_batches.c.id == batch)).scalar()
    assert status == "undone"


def test_undo_is_refused_for_histories_and_after_a_later_rewrite(org: Connection):
    with pytest.raises(UndoRefused, match="a history is never edited"):
        undo_last(org, "canonical")  # the last canonical import holds targets and pillar weights
    org.execute(text("UPDATE people SET crm_user_id = '0058d000001AbCdAAK' WHERE id = 'p1'"))
    import_file(
        org,
        "salesforce-login-history",
        "a.csv",
        b"UserId,LoginTime,Status\n0058d000001AbCdAAK,2026-01-05T09:00:00Z,Success\n0058d000001AbCdAAK,2026-01-05T10:00:00Z,Success\n",
    )
    import_bytes(org, {"crm_activity.csv": (CRM + "p1,2026-01-05,7,,,\n").encode()})
    with pytest.raises(UndoRefused, match="were changed since by a later import"):
        undo_last(org, "salesforce-login-history")


def test_a_non_text_file_is_refused(org: Connection):
    with pytest.raises(ImportFailed) as info:
        import_bytes(org, {"crm_activity.csv": b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40})
    assert info.value.errors[0].message.startswith("the file is a ZIP archive (an Excel .xlsx workbook?), not text")
    with pytest.raises(ImportFailed, match="NUL bytes"):
        import_file(org, "hubspot-login-history", "h.csv", b"Login time,Email\n\x00\x01\x02\n")
    with pytest.raises(ImportFailed, match="a PDF document"):
        import_file(org, "ics", "cal.ics", b"%PDF-1.7\n...", Options(unit="north"))


def test_limits_are_settings(org: Connection, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FLYWHEEL_IMPORT_MAX_ROWS", "2")
    assert Limits.from_env() == Limits(max_bytes=Limits().max_bytes, max_rows=2)
    with pytest.raises(ImportFailed) as info:
        import_bytes(org, {"crm_activity.csv": FOLDER["crm_activity.csv"].encode()})
    assert [(e.line, e.message) for e in info.value.errors] == [(4, "more than 2 data rows: over the row limit")]
    monkeypatch.setenv("FLYWHEEL_IMPORT_MAX_BYTES", "100")
    with pytest.raises(ImportFailed, match="over the 100 bytes limit"):
        import_file(org, "hubspot-login-history", "h.csv", (DATA / "hubspot/login_history.csv").read_bytes())


def test_all_or_nothing_leaves_every_count_unchanged(org: Connection):
    tables = [schema.metadata.tables[c] for c in ("people", "crm_activity", "import_batches", "import_undo")]
    before = [count(org, t) for t in tables]
    with pytest.raises(ImportFailed):
        import_bytes(org, {"crm_activity.csv": (CRM + "p1,2026-01-07,1,,,\np1,2026-01-08,x,,,\n").encode()})
    assert [count(org, t) for t in tables] == before


def test_a_connection_killed_mid_import_leaves_nothing(fresh_database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    url = fresh_database()
    eng = make_engine(url)
    with eng.begin() as conn:
        import_folder(conn, write(tmp_path / "base", FOLDER), today=TODAY)
    killer = create_engine(url, isolation_level="AUTOCOMMIT")
    real_close = batches.close_batch

    def close_then_die(conn, result):
        # The rows are written and the batch is about to be marked: now the connection dies.
        real_close(conn, result)
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        with killer.connect() as k:
            k.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    monkeypatch.setattr(batches, "close_batch", close_then_die)
    rows = CRM + "".join(f"p1,2026-02-{d:02d},1,2,3,4\n" for d in range(1, 28))
    with pytest.raises(Exception):  # noqa: B017 - whatever the driver raises for a dead connection
        with eng.begin() as conn:
            import_bytes(conn, {"crm_activity.csv": rows.encode()}, today=TODAY)
    monkeypatch.undo()
    eng.dispose()
    with make_engine(url).connect() as conn:
        assert count(conn, schema.crm_activity) == 3
        assert (
            conn.execute(text("SELECT count(*) FROM import_batches WHERE file_name = 'crm_activity.csv'")).scalar() == 1
        )
        assert count(conn, schema.import_undo) == 0
    killer.dispose()


def cli(url: str, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str, str]:
    monkeypatch.setenv("DATABASE_URL", url)
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_cli_import_reports_rejects_with_an_errors_file_and_loads_vendor_files(
    fresh_database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    url = fresh_database()
    folder = write(
        tmp_path / "org", {k: v for k, v in FOLDER.items() if k not in ("targets.csv", "pillar_weights.csv")}
    )
    assert cli(url, monkeypatch, "import", "canonical", str(folder), "--no-refresh")[0] == 0

    bad = write(tmp_path / "bad", {"crm_activity.csv": CRM + "p1,2026-01-07,x,,,\nghost,2026-01-07,1,,,\n"})
    errors = tmp_path / "errors.csv"
    code, out, err = cli(
        url, monkeypatch, "import", "canonical", str(bad / "crm_activity.csv"), "--errors", str(errors)
    )
    assert code == 1
    assert err.splitlines()[-1] == f"Error: import failed, nothing was written: 2 errors; every bad row is in {errors}"
    assert list(csv.reader(io.StringIO(errors.read_text()))) == [
        ["file", "line", "column", "value", "message"],
        ["crm_activity.csv", "2", "logins", "x", "'x' is not a whole number >= 0"],
        [
            "crm_activity.csv",
            "3",
            "person_id",
            "ghost",
            "unknown person 'ghost': not in the database (and no people.csv in this import)",
        ],
    ]
    code, out, err = cli(
        url,
        monkeypatch,
        "import",
        "hubspot-login-history",
        str(DATA / "hubspot/login_history.csv"),
        "--tz",
        "Europe/Berlin",
    )
    assert code == 0, err
    assert out.splitlines()[0] == "login_history.csv: 5 rows read, 2 inserted, 0 updated, 0 unchanged, 2 skipped"
    assert "skipped: login_history.csv line 6: unknown user (stranger@other.test)" in out
    code, out, _ = cli(
        url,
        monkeypatch,
        "import",
        "hubspot-login-history",
        str(DATA / "hubspot/login_history.csv"),
        "--tz",
        "Europe/Berlin",
    )
    assert "the same file was imported before: nothing changed" in out
    code, out, err = cli(url, monkeypatch, "import", "xapi", str(DATA / "xapi/statements.json"), "--unit", "north")
    assert code != 0 and "--unit and --as-of apply to the ics source only" in err
    code, out, err = cli(url, monkeypatch, "import", "undo", "hubspot-login-history")
    assert code == 0 and out.startswith("undid batch ")
    code, out, _ = cli(url, monkeypatch, "import", "history", "--limit", "3")
    assert "undone" in out and "failed" in out
