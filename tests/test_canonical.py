"""The canonical CSV importer: a valid folder loads, re-imports upsert, and every bad cell is reported precisely."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, func, select

from db import schema
from db.canonical import SPECS, ImportFailed, Limits, import_bytes, import_files, import_folder, record_failure

FOLDER = {
    "org_units.csv": """id,name,parent_id,kind
acme,Acme,,company
sales,Sales,acme,division
north,North team,sales,team
""",
    # m1 (the manager) comes after the person who reports to it: row order does not matter.
    "people.csv": """id,name,email,org_unit_id,role,manager_id,license_start,license_end,is_integration,crm_user_id
p1,Ann Rep,ann@acme.test,north,rep,m1,2026-01-05,,false,
p2,Bob Rep,bob@acme.test,north,rep,m1,2026-01-05,2026-03-31,No,005B
m1,Max Manager,MAX@acme.test,sales,manager,,2025-12-01,,,005M
bot,Sync Bot,,sales,integration,,,,YES,
""",
    "crm_activity.csv": """person_id,date,logins,records_created,records_updated,reports_viewed
p1,2026-01-05,1,2,3,0
p1,2026-01-06,2,,,
p2,2026-01-05,1,0,0,1
""",
    "courses.csv": """id,name,kind,required_for,external_id
crm101,CRM basics,application,*,lms-101
sell,Selling the new way,business_process,rep; manager,
""",
    "training_completions.csv": """person_id,course_id,completed_on,score
p1,crm101,2026-01-10,87.5
p2,crm101,2026-01-11,
""",
    "meetings.csv": """id,org_unit_id,kind,scheduled_on,status,crm_report_used,sponsor_present,person_id,title
w1,north,weekly_status,2026-01-12,held,true,false,,Weekly
c1,north,coaching,2026-01-13,held,1,0,p1,1:1 Ann
""",
    "communications.csv": """id,audience_org_unit_id,channel,sent_on,status,recipients,opens,title
n1,acme,newsletter,2026-01-02,sent,120,80,Go-live
""",
    "recognitions.csv": """id,person_id,date,kind,note
r1,p1,2026-01-20,shout_out,First deal in the CRM
""",
    "pulse_responses.csv": '''person_id,date,awareness,desire,knowledge,ability,reinforcement,comment
p1,2026-01-31,5,4,4,3,,
p2,2026-01-31,3,3,2,2,1,"Too many fields, ""really"""
''',
    "data_quality.csv": """org_unit_id,measured_on,records_checked,records_complete
north,2026-01-31,200,170
""",
    "feedback.csv": """id,person_id,kind,raised_on,resolved_on,summary
f1,p1,issue,2026-01-07,2026-01-09,Cannot log calls
f2,p2,idea,2026-01-08,,
""",
    "targets.csv": """kpi_id,org_unit_id,effective_from,value,review_on,reason
adoption_rate,acme,2026-01-01,85,2026-06-30,Board ask
pulse_score,north,2026-01-01,3.5,,
training_coverage,north,2026-02-01,,,back to inherited
""",
    "pillar_weights.csv": """pillar,effective_from,weight
people,2026-01-01,40
process,2026-01-01,40
technology,2026-01-01,20
""",
}
# The day of the import in the tests that depend on it (the day migration 0002 was written).
TODAY = date(2026, 12, 2)
ROWS = {
    "org_units.csv": 3,
    "people.csv": 4,
    "crm_activity.csv": 3,
    "courses.csv": 2,
    "training_completions.csv": 2,
    "meetings.csv": 2,
    "communications.csv": 1,
    "recognitions.csv": 1,
    "pulse_responses.csv": 2,
    "data_quality.csv": 1,
    "feedback.csv": 2,
    "targets.csv": 3,
    "pillar_weights.csv": 3,
}


def write(folder: Path, files: dict[str, str | bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    return folder


def count(conn: Connection, table) -> int:
    return conn.execute(select(func.count()).select_from(table)).scalar_one()


def errors_of(conn: Connection, folder: Path) -> list[tuple[str, int | None, str | None, str | None]]:
    with pytest.raises(ImportFailed) as info:
        import_folder(conn, folder, today=TODAY)
    return [(e.file, e.line, e.column, e.value) for e in info.value.errors]


def fails_with(conn: Connection, tmp_path: Path, files: dict[str, str | bytes]) -> ImportFailed:
    with pytest.raises(ImportFailed) as info:
        import_folder(conn, write(tmp_path / "in", files), today=TODAY)
    return info.value


def test_specs_match_the_schema():
    for spec in SPECS:
        assert set(spec.names) <= set(spec.table.c.keys()), spec.file_name
        primary_key = {c.name for c in spec.table.primary_key.columns}
        if spec.history:
            # A history keeps many records per key: the key is an index, the primary key the order of recording.
            assert primary_key == {"id"}, spec.file_name
            assert any([c.name for c in ix.columns] == list(spec.key) for ix in spec.table.indexes), spec.file_name
        else:
            assert set(spec.key) == primary_key, spec.file_name
    assert [s.file_name for s in SPECS if s.history] == ["targets.csv", "pillar_weights.csv"]


def test_full_folder_loads_with_exact_counts(conn: Connection, tmp_path: Path):
    report = import_folder(conn, write(tmp_path / "in", FOLDER), imported_by="lead@acme.test")

    assert {f.file_name: (f.rows_read, f.inserted, f.updated, f.unchanged) for f in report.files} == {
        name: (n, n, 0, 0) for name, n in ROWS.items()
    }
    for spec in SPECS:
        assert count(conn, spec.table) == ROWS[spec.file_name], spec.file_name
    assert report.earliest_date == date(2025, 12, 1)  # m1's license_start
    assert report.latest_date == date(2026, 6, 30)  # the target's review_on
    assert report.full_refresh and report.changed
    assert report.warnings == []

    people = {r.id: r for r in conn.execute(select(schema.people))}
    assert people["p2"].license_end == date(2026, 3, 31) and people["p2"].is_integration is False
    assert people["bot"].is_integration is True and people["bot"].email is None
    assert people["p1"].is_integration is False and people["p1"].crm_user_id is None
    activity = conn.execute(select(schema.crm_activity).where(schema.crm_activity.c.date == date(2026, 1, 6))).one()
    assert (activity.logins, activity.records_created, activity.records_updated) == (2, 0, 0)
    assert (
        conn.execute(select(schema.courses.c.required_for).where(schema.courses.c.id == "sell")).scalar()
        == "rep;manager"
    )
    pulse = conn.execute(select(schema.pulse_responses).where(schema.pulse_responses.c.person_id == "p2")).one()
    assert pulse.comment == 'Too many fields, "really"' and pulse.reinforcement == 1
    targets = {r.kpi_id: r for r in conn.execute(select(schema.targets))}
    assert targets["training_coverage"].value is None and targets["adoption_rate"].value == 85
    assert targets["adoption_rate"].recorded_by == "lead@acme.test"

    batches = conn.execute(select(schema.import_batches).order_by(schema.import_batches.c.id)).all()
    assert [b.file_name for b in batches] == [s.file_name for s in SPECS]
    assert {b.status for b in batches} == {"succeeded"} and {b.source for b in batches} == {"canonical"}
    crm = next(b for b in batches if b.file_name == "crm_activity.csv")
    assert (crm.rows_read, crm.rows_inserted, crm.imported_by, len(crm.sha256)) == (3, 3, "lead@acme.test", 64)
    assert crm.details["date_min"] == "2026-01-05" and crm.details["date_max"] == "2026-01-06"
    assert crm.finished_at is not None


def test_reimport_changes_nothing(conn: Connection, tmp_path: Path):
    folder = write(tmp_path / "in", FOLDER)
    import_folder(conn, folder)
    again = import_folder(conn, folder)

    assert {f.file_name: (f.inserted, f.updated, f.unchanged) for f in again.files} == {
        name: (0, 0, n) for name, n in ROWS.items()
    }
    assert not again.changed and again.earliest_date is None and not again.full_refresh
    assert count(conn, schema.people) == 4
    assert any("crm_activity.csv: the same file was imported before" in w for w in again.warnings)


def test_overlapping_file_updates_and_never_duplicates(conn: Connection, tmp_path: Path):
    import_folder(conn, write(tmp_path / "first", FOLDER))
    report = import_files(
        conn,
        [
            write(
                tmp_path / "second",
                {
                    "crm_activity.csv": """person_id,date,logins,records_created,records_updated,reports_viewed
p1,2026-01-06,2,,,
p2,2026-01-05,4,0,0,1
p2,2026-01-07,1,1,1,1
"""
                },
            )
            / "crm_activity.csv"
        ],
    )

    (f,) = report.files
    assert (f.rows_read, f.inserted, f.updated, f.unchanged) == (3, 1, 1, 1)
    assert count(conn, schema.crm_activity) == 4
    logins = conn.execute(
        select(schema.crm_activity.c.logins).where(
            schema.crm_activity.c.person_id == "p2", schema.crm_activity.c.date == date(2026, 1, 5)
        )
    ).scalar()
    assert logins == 4
    # Only the changed rows count as touched: the unchanged 2026-01-06 row is not.
    assert (report.earliest_date, report.latest_date, report.full_refresh) == (
        date(2026, 1, 5),
        date(2026, 1, 7),
        False,
    )


def test_rescheduled_meeting_touches_its_old_date(conn: Connection, tmp_path: Path):
    import_folder(conn, write(tmp_path / "first", FOLDER))
    report = import_bytes(
        conn,
        {
            "meetings.csv": b"""id,org_unit_id,kind,scheduled_on,status,crm_report_used,sponsor_present,person_id,title
w1,north,weekly_status,2026-02-20,held,true,false,,Weekly
c1,north,coaching,2026-01-13,held,1,0,p1,1:1 Ann
"""
        },
    )
    assert (report.files[0].updated, report.files[0].unchanged) == (1, 1)
    assert (report.earliest_date, report.latest_date) == (date(2026, 1, 12), date(2026, 2, 20))


def test_missing_and_extra_columns(conn: Connection, tmp_path: Path):
    failed = fails_with(
        conn,
        tmp_path,
        {
            "org_units.csv": "id,name,kind\nacme,Acme,company\n",
            "courses.csv": "id,name,kind,required_for,external_id,Owner\nc1,C,application,,,x\n",
        },
    )
    assert [(e.file, e.line, e.column) for e in failed.errors] == [
        ("org_units.csv", 1, "parent_id"),
        ("courses.csv", 1, "Owner"),
    ]
    assert failed.errors[0].message == "missing column 'parent_id'"
    assert "unexpected column 'Owner'" in failed.errors[1].message


def test_column_names_are_matched_exactly_with_a_hint(conn: Connection, tmp_path: Path):
    failed = fails_with(conn, tmp_path, {"org_units.csv": "ID,name,parent_id,kind\nacme,Acme,,company\n"})
    assert [(e.line, e.column) for e in failed.errors] == [(1, "ID"), (1, "id")]
    assert "did you mean 'id'?" in failed.errors[0].message


@pytest.mark.parametrize(
    ("file", "content", "expected", "message"),
    [
        (
            "crm_activity.csv",
            "person_id,date,logins,records_created,records_updated,reports_viewed\np1,2026-13-01,1,0,0,0\n",
            ("crm_activity.csv", 2, "date", "2026-13-01"),
            "'2026-13-01' is not a valid date (YYYY-MM-DD)",
        ),
        (
            "crm_activity.csv",
            "person_id,date,logins,records_created,records_updated,reports_viewed\np1,05/01/2026,1,0,0,0\n",
            ("crm_activity.csv", 2, "date", "05/01/2026"),
            "'05/01/2026' is not a date in the form YYYY-MM-DD",
        ),
        (
            "meetings.csv",
            "id,org_unit_id,kind,scheduled_on,status,crm_report_used,sponsor_present,person_id,title\n"
            "w1,north,weekly_status,2026-01-12,held,maybe,false,,\n",
            ("meetings.csv", 2, "crm_report_used", "maybe"),
            "'maybe' is not a boolean (true/false, 1/0, yes/no)",
        ),
        (
            "crm_activity.csv",
            "person_id,date,logins,records_created,records_updated,reports_viewed\np1,2026-01-05,1,-2,0,0\n",
            ("crm_activity.csv", 2, "records_created", "-2"),
            "'-2' is negative: counts are whole numbers >= 0",
        ),
        (
            "people.csv",
            "id,name,email,org_unit_id,role,manager_id,license_start,license_end,is_integration,crm_user_id\n"
            "p9,Pat,x@,north,rep,,,,,\n",
            ("people.csv", 2, "email", "x@"),
            "'x@' is not a valid e-mail",
        ),
        (
            "training_completions.csv",
            "person_id,course_id,completed_on,score\np1,crm101,2026-01-10,101\n",
            ("training_completions.csv", 2, "score", "101"),
            "'101' is out of range: a score is from 0 to 100",
        ),
        (
            "pulse_responses.csv",
            "person_id,date,awareness,desire,knowledge,ability,reinforcement,comment\np1,2026-02-28,6,,,,,\n",
            ("pulse_responses.csv", 2, "awareness", "6"),
            "'6' is not an answer from 1 to 5",
        ),
        (
            "meetings.csv",
            "id,org_unit_id,kind,scheduled_on,status,crm_report_used,sponsor_present,person_id,title\n"
            "w1,north,lunch,2026-01-12,held,,,,\n",
            ("meetings.csv", 2, "kind", "lunch"),
            "'lunch' is not a valid kind; expected one of: " + ", ".join(schema.MEETING_KINDS),
        ),
        (
            "data_quality.csv",
            "org_unit_id,measured_on,records_checked,records_complete\nnorth,2026-02-28,10,11\n",
            ("data_quality.csv", 2, "records_complete", "11"),
            "records_complete 11 is more than records_checked 10",
        ),
        (
            "feedback.csv",
            "id,person_id,kind,raised_on,resolved_on,summary\nf9,p1,issue,2026-02-10,2026-02-01,\n",
            ("feedback.csv", 2, "resolved_on", "2026-02-01"),
            "resolved_on 2026-02-01 is before raised_on 2026-02-10",
        ),
        (
            "people.csv",
            "id,name,email,org_unit_id,role,manager_id,license_start,license_end,is_integration,crm_user_id\n"
            "p9,Pat,,north,rep,,2026-02-01,2026-01-31,,\n",
            ("people.csv", 2, "license_end", "2026-01-31"),
            "license_end 2026-01-31 is before license_start 2026-02-01",
        ),
        (
            "recognitions.csv",
            "id,person_id,date,kind,note\nr9,,2026-02-10,award,\n",
            ("recognitions.csv", 2, "person_id", ""),
            "person_id is required",
        ),
    ],
)
def test_bad_cell_is_a_precise_error(conn: Connection, tmp_path: Path, file, content, expected, message):
    import_folder(conn, write(tmp_path / "base", FOLDER))
    failed = fails_with(conn, tmp_path, {file: content})
    assert [(e.file, e.line, e.column, e.value) for e in failed.errors] == [expected]
    assert failed.errors[0].message == message
    assert failed.files[0].rejected == 1


def test_every_error_is_reported_not_just_the_first(conn: Connection, tmp_path: Path):
    import_folder(conn, write(tmp_path / "base", FOLDER))
    rows = "".join(f"p1,2026-02-{d:02d},x,-1,0,0\n" for d in range(1, 26))
    failed = fails_with(
        conn,
        tmp_path,
        {"crm_activity.csv": "person_id,date,logins,records_created,records_updated,reports_viewed\n" + rows},
    )
    assert failed.error_count == 50 and len(failed.errors) == 50
    text = str(failed)
    lines = text.splitlines()
    assert lines[0] == "import failed, nothing was written: 50 errors"
    assert lines[1] == "crm_activity.csv line 2, column logins: 'x' is not a whole number >= 0"
    assert (
        lines[2] == "crm_activity.csv line 2, column records_created: '-1' is negative: counts are whole numbers >= 0"
    )
    assert len(lines) == 22 and lines[-1] == "... and 30 more"
    assert (
        failed.to_csv().splitlines()[2]
        == "crm_activity.csv,2,records_created,-1,'-1' is negative: counts are whole numbers >= 0"
    )


def test_duplicate_key_is_an_error_on_both_lines(conn: Connection, tmp_path: Path):
    import_folder(conn, write(tmp_path / "base", FOLDER))
    failed = fails_with(
        conn,
        tmp_path,
        {
            "crm_activity.csv": """person_id,date,logins,records_created,records_updated,reports_viewed
p1,2026-02-02,1,0,0,0
p2,2026-02-02,1,0,0,0
p1,2026-02-02,3,0,0,0
"""
        },
    )
    assert [(e.line, e.column, e.value) for e in failed.errors] == [
        (2, "(person_id, date)", "p1, 2026-02-02"),
        (4, "(person_id, date)", "p1, 2026-02-02"),
    ]
    assert failed.errors[0].message.endswith("also on line 4") and failed.errors[1].message.endswith("also on line 2")


def test_unknown_reference_is_an_error(conn: Connection, tmp_path: Path):
    folder = dict(FOLDER)
    folder["people.csv"] += "p7,Lost Soul,lost@acme.test,atlantis,rep,,,,,\n"
    assert errors_of(conn, write(tmp_path / "in", folder)) == [("people.csv", 6, "org_unit_id", "atlantis")]
    assert count(conn, schema.people) == 0


def test_references_resolve_against_the_database(conn: Connection, tmp_path: Path):
    import_folder(conn, write(tmp_path / "base", FOLDER))
    report = import_bytes(conn, {"recognitions.csv": b"id,person_id,date,kind,note\nr2,m1,2026-02-01,award,\n"})
    assert report.files[0].inserted == 1
    failed = fails_with(
        conn, tmp_path, {"recognitions.csv": "id,person_id,date,kind,note\nr3,ghost,2026-02-01,award,\n"}
    )
    assert str(failed.errors[0]) == (
        "recognitions.csv line 2, column person_id: unknown person 'ghost': not in the database (and no people.csv in this import)"
    )


def test_semicolon_bom_crlf_file_loads(conn: Connection, tmp_path: Path):
    content = (
        "\ufeffid ; name ; parent_id ; kind\r\nacme;Acme Corp;;Company\r\n  sales ; Sales ; acme ; division \r\n\r\n"
    )
    report = import_folder(conn, write(tmp_path / "in", {"org_units.csv": content.encode("utf-8")}))
    assert (report.files[0].inserted, report.files[0].delimiter, report.files[0].encoding) == (2, ";", "utf-8")
    units = dict(conn.execute(select(schema.org_units.c.id, schema.org_units.c.kind)).all())
    assert units == {"acme": "company", "sales": "division"}
    assert report.warnings == []


def test_tab_separated_file_loads(conn: Connection, tmp_path: Path):
    content = (
        "pillar\teffective_from\tweight\npeople\t2026-01-01\t50\nprocess\t2026-01-01\t25\ntechnology\t2026-01-01\t25\n"
    )
    report = import_bytes(conn, {"pillar_weights.csv": content.encode()})
    assert report.files[0].inserted == 3 and report.files[0].delimiter == "\t"


def test_cp1252_file_loads_with_a_warning(conn: Connection, tmp_path: Path):
    content = "id,name,parent_id,kind\nacme,Société Générale – Zürich,,company\n"
    report = import_folder(conn, write(tmp_path / "in", {"org_units.csv": content.encode("cp1252")}))
    assert conn.execute(select(schema.org_units.c.name)).scalar() == "Société Générale – Zürich"
    assert report.files[0].encoding == "cp1252"
    assert any(w.startswith("org_units.csv: not UTF-8: read as Windows-1252") for w in report.warnings)
    batch = conn.execute(select(schema.import_batches)).one()
    assert batch.details["encoding"] == "cp1252" and batch.details["warnings"]


def test_unknown_csv_in_folder_is_a_warning(conn: Connection, tmp_path: Path):
    folder = write(
        tmp_path / "in", {"org_units.csv": FOLDER["org_units.csv"], "notes.csv": "a,b\n", "README.txt": "hi"}
    )
    report = import_folder(conn, folder)
    assert report.warnings == ["notes.csv: not a canonical file name, ignored"]


def test_target_out_of_range(conn: Connection, tmp_path: Path):
    import_folder(conn, write(tmp_path / "base", FOLDER))
    failed = fails_with(
        conn,
        tmp_path,
        {
            "targets.csv": """kpi_id,org_unit_id,effective_from,value,review_on,reason
adoption_rate,north,2026-03-01,120,,
pulse_score,north,2026-03-01,0.5,,
recognition_rate,north,2026-03-01,250,,
no_such_kpi,north,2026-03-01,1,,
"""
        },
    )
    assert [(e.line, e.column, e.value, e.message) for e in failed.errors] == [
        (2, "value", "120", "120 is out of range for adoption_rate (%): must be from 0 to 100"),
        (3, "value", "0.5", "0.5 is out of range for pulse_score (score 1–5): must be from 1 to 5"),
        (5, "kpi_id", "no_such_kpi", failed.errors[2].message),
    ]
    assert failed.errors[2].message.startswith("unknown KPI 'no_such_kpi'")


WEIGHTS_HEADER = "pillar,effective_from,weight\n"


def test_pillar_weights_must_sum_to_100(conn: Connection, tmp_path: Path):
    failed = fails_with(
        conn,
        tmp_path,
        {
            "pillar_weights.csv": WEIGHTS_HEADER
            + "people,2026-01-01,50\nprocess,2026-01-01,30\ntechnology,2026-01-01,19\n"
        },
    )
    assert [(e.line, e.column, e.value) for e in failed.errors] == [
        (2, "weight", "50"),
        (3, "weight", "30"),
        (4, "weight", "19"),
    ]
    assert {e.message for e in failed.errors} == {
        "the weights from 2026-01-01 sum to 99, not 100 (people 50, process 30, technology 19)"
    }
    assert count(conn, schema.pillar_weights) == 0


def test_pillar_weights_partial_set_is_refused_on_every_line_of_its_date(conn: Connection, tmp_path: Path):
    import_folder(conn, write(tmp_path / "base", FOLDER))  # 40 / 40 / 20 from 2026-01-01
    # Moving 10 points from process to technology is still saved as a full set, never as two rows.
    failed = fails_with(
        conn,
        tmp_path,
        {
            "pillar_weights.csv": WEIGHTS_HEADER
            + "technology,2026-04-01,30\npeople,2026-07-01,40\nprocess,2026-04-01,30\n"
            "process,2026-07-01,30\ntechnology,2026-07-01,30\n"
        },
    )
    message = (
        "the weights from 2026-04-01 are not a full set: people missing "
        "(weights are saved as people, process, technology together)"
    )
    assert [(e.line, e.column, e.value, e.message) for e in failed.errors] == [
        (2, "pillar", "technology", message),
        (4, "pillar", "process", message),
    ]
    assert count(conn, schema.pillar_weights) == 3


def test_pillar_weights_full_set_is_appended_once(conn: Connection, tmp_path: Path):
    import_folder(conn, write(tmp_path / "base", FOLDER), imported_by="lead@acme.test")
    # Float noise is no error (these add up to 99.99999999999999); the unchanged 2026-01-01 set adds nothing.
    assert 64.1 + 35.8 + 0.1 != 100
    content = (
        FOLDER["pillar_weights.csv"] + "people,2026-04-01,64.1\nprocess,2026-04-01,35.8\ntechnology,2026-04-01,0.1\n"
    )
    report = import_bytes(conn, {"pillar_weights.csv": content.encode()}, imported_by="pmo@acme.test")
    assert (report.files[0].inserted, report.files[0].updated, report.files[0].unchanged) == (3, 0, 3)
    again = import_bytes(conn, {"pillar_weights.csv": content.encode()}, imported_by="pmo@acme.test")
    assert (again.files[0].inserted, again.files[0].updated, again.files[0].unchanged) == (0, 0, 6)
    assert not again.changed
    w = schema.pillar_weights
    rows = conn.execute(select(w.c.pillar, w.c.effective_from, w.c.weight, w.c.recorded_by).order_by(w.c.id)).all()
    assert [(r.effective_from, r.recorded_by) for r in rows] == [(date(2026, 1, 1), "lead@acme.test")] * 3 + [
        (date(2026, 4, 1), "pmo@acme.test")
    ] * 3
    assert dict(conn.execute(select(func.weights_at(date(2026, 4, 1)).table_valued("pillar", "weight"))).all()) == {
        "people": 64.1,
        "process": 35.8,
        "technology": 0.1,
    }


def test_pillar_weights_changed_set_appends_only_the_changed_rows(conn: Connection, tmp_path: Path):
    import_folder(conn, write(tmp_path / "base", FOLDER))
    changed = (
        FOLDER["pillar_weights.csv"]
        .replace("process,2026-01-01,40", "process,2026-01-01,30")
        .replace("technology,2026-01-01,20", "technology,2026-01-01,30")
    )
    report = import_bytes(conn, {"pillar_weights.csv": changed.encode()})
    assert (report.files[0].inserted, report.files[0].unchanged) == (2, 1)
    assert count(conn, schema.pillar_weights) == 5
    # The weights in force are the records saved last: the new set, not the superseded one.
    assert dict(conn.execute(select(func.weights_at(date(2026, 1, 1)).table_valued("pillar", "weight"))).all()) == {
        "people": 40,
        "process": 30,
        "technology": 30,
    }


TARGETS_HEADER = "kpi_id,org_unit_id,effective_from,value,review_on,reason\n"


def target_records(conn: Connection, kpi_id: str, unit: str, effective_from: date) -> list[tuple]:
    """Every record of one target key, in the order they were recorded."""
    t = schema.targets
    return [
        tuple(r)
        for r in conn.execute(
            select(t.c.value, t.c.review_on, t.c.reason, t.c.recorded_by)
            .where(t.c.kpi_id == kpi_id, t.c.org_unit_id == unit, t.c.effective_from == effective_from)
            .order_by(t.c.id)
        )
    ]


def latest_target(conn: Connection, kpi_id: str, unit: str, effective_from: date) -> float | None:
    """The value of the record recorded last for a key: the one that wins (KPIS.md)."""
    t = schema.targets
    return conn.execute(
        select(t.c.value)
        .where(t.c.kpi_id == kpi_id, t.c.org_unit_id == unit, t.c.effective_from == effective_from)
        .order_by(t.c.id.desc())
        .limit(1)
    ).scalar_one()


def test_targets_reimport_is_a_no_op(conn: Connection, tmp_path: Path):
    import_folder(conn, write(tmp_path / "base", FOLDER))
    report = import_bytes(conn, {"targets.csv": FOLDER["targets.csv"].encode()}, imported_by="other@acme.test")
    assert (report.files[0].inserted, report.files[0].updated, report.files[0].unchanged) == (0, 0, 3)
    assert not report.changed
    assert report.summary_lines()[0] == "targets.csv: 3 rows read, 0 inserted, 0 updated, 3 unchanged"
    assert count(conn, schema.targets) == 3


def test_a_changed_target_is_appended_and_the_latest_wins(conn: Connection, tmp_path: Path):
    import_folder(conn, write(tmp_path / "base", FOLDER), imported_by="lead@acme.test")
    changed = FOLDER["targets.csv"].replace(
        "adoption_rate,acme,2026-01-01,85,2026-06-30,Board ask", "adoption_rate,acme,2026-01-01,90,2026-06-30,Board ask"
    )
    report = import_bytes(conn, {"targets.csv": changed.encode()}, imported_by="pmo@acme.test")
    assert (report.files[0].inserted, report.files[0].updated, report.files[0].unchanged) == (1, 0, 2)
    assert count(conn, schema.targets) == 4
    assert target_records(conn, "adoption_rate", "acme", date(2026, 1, 1)) == [
        (85, date(2026, 6, 30), "Board ask", "lead@acme.test"),
        (90, date(2026, 6, 30), "Board ask", "pmo@acme.test"),
    ]
    assert latest_target(conn, "adoption_rate", "acme", date(2026, 1, 1)) == 90
    # Back to 85: compared with the latest record (90), not with any older one, so it is a third record.
    report = import_bytes(conn, {"targets.csv": FOLDER["targets.csv"].encode()})
    assert (report.files[0].inserted, report.files[0].unchanged) == (1, 2)
    assert [r[0] for r in target_records(conn, "adoption_rate", "acme", date(2026, 1, 1))] == [85, 90, 85]
    assert latest_target(conn, "adoption_rate", "acme", date(2026, 1, 1)) == 85


def test_a_new_reason_or_review_date_is_a_new_record(conn: Connection, tmp_path: Path):
    import_folder(conn, write(tmp_path / "base", FOLDER))
    report = import_bytes(
        conn,
        {
            "targets.csv": (
                TARGETS_HEADER + "adoption_rate,acme,2026-01-01,85,2026-09-30,Board ask\n"
                "pulse_score,north,2026-01-01,3.5,,Agreed with the team\n"
            ).encode()
        },
    )
    assert (report.files[0].inserted, report.files[0].unchanged) == (2, 0)
    assert target_records(conn, "pulse_score", "north", date(2026, 1, 1))[-1][:3] == (3.5, None, "Agreed with the team")


def test_a_cleared_target_is_appended(conn: Connection, tmp_path: Path):
    import_folder(conn, write(tmp_path / "base", FOLDER))
    content = (TARGETS_HEADER + "pulse_score,north,2026-01-01,,,inherit again\n").encode()
    report = import_bytes(conn, {"targets.csv": content}, imported_by="pmo@acme.test")
    assert (report.files[0].inserted, report.files[0].unchanged) == (1, 0)
    assert target_records(conn, "pulse_score", "north", date(2026, 1, 1)) == [
        (3.5, None, None, None),
        (None, None, "inherit again", "pmo@acme.test"),
    ]
    assert latest_target(conn, "pulse_score", "north", date(2026, 1, 1)) is None
    assert import_bytes(conn, {"targets.csv": content}).files[0].unchanged == 1
    assert count(conn, schema.targets) == 4


def test_target_ranges_come_from_the_kpis_table(conn: Connection, tmp_path: Path):
    import_folder(conn, write(tmp_path / "base", FOLDER))
    conn.execute(schema.kpis.update().where(schema.kpis.c.id == "adoption_rate").values(max_target=80))
    failed = fails_with(conn, tmp_path, {"targets.csv": TARGETS_HEADER + "adoption_rate,north,2026-03-01,81,,\n"})
    assert [e.message for e in failed.errors] == ["81 is out of range for adoption_rate (%): must be from 0 to 80"]


CRM_HEADER = "person_id,date,logins,records_created,records_updated,reports_viewed\n"
MEETINGS_HEADER = "id,org_unit_id,kind,scheduled_on,status,crm_report_used,sponsor_present,person_id,title\n"
COMMS_HEADER = "id,audience_org_unit_id,channel,sent_on,status,recipients,opens,title\n"


def ahead(days: int) -> str:
    return (TODAY + timedelta(days=days)).isoformat()


def test_the_date_helper_counts_from_today():
    assert (ahead(1), ahead(200), ahead(366), ahead(367)) == ("2026-12-03", "2027-06-20", "2027-12-03", "2027-12-04")


def test_a_row_dated_2099_is_one_error_and_nothing_is_written(conn: Connection, tmp_path: Path):
    folder = dict(FOLDER)
    folder["crm_activity.csv"] += "p2,2099-03-01,1,0,0,0\n"
    failed = fails_with(conn, tmp_path, folder)
    assert [(e.file, e.line, e.column, e.value, e.message) for e in failed.errors] == [
        (
            "crm_activity.csv",
            5,
            "date",
            "2099-03-01",
            "2099-03-01 is more than a year ahead (the latest date accepted is 2027-12-03)",
        )
    ]
    for spec in SPECS:
        assert count(conn, spec.table) == 0, spec.file_name


@pytest.mark.parametrize(
    ("file", "content", "errors"),
    [
        (
            "crm_activity.csv",
            CRM_HEADER + "p1,1999-12-31,1,,,\n",
            [("date", "1999-12-31", "1999-12-31 is before 2000-01-01, the earliest date accepted")],
        ),
        ("crm_activity.csv", CRM_HEADER + "p1,2000-01-01,1,,,\n", None),
        ("crm_activity.csv", CRM_HEADER + f"p1,{TODAY},1,,,\n", None),
        (
            "crm_activity.csv",
            CRM_HEADER + f"p1,{ahead(1)},1,,,\n",
            [("date", "2026-12-03", "event dated after today (2026-12-02)")],
        ),
        ("meetings.csv", MEETINGS_HEADER + f"m9,north,governance,{ahead(200)},planned,,,,\n", None),
        ("meetings.csv", MEETINGS_HEADER + f"m9,north,governance,{ahead(366)},planned,,,,\n", None),
        (
            "meetings.csv",
            MEETINGS_HEADER + f"m9,north,governance,{ahead(367)},planned,,,,\n",
            [
                (
                    "scheduled_on",
                    "2027-12-04",
                    "2027-12-04 is more than a year ahead (the latest date accepted is 2027-12-03)",
                ),
            ],
        ),
        (
            "meetings.csv",
            MEETINGS_HEADER + f"m9,north,governance,{ahead(1)},held,,,,\n",
            [
                (
                    "scheduled_on",
                    "2026-12-03",
                    "event dated after today (2026-12-02): only a planned meeting may lie ahead",
                ),
            ],
        ),
        (
            "meetings.csv",
            MEETINGS_HEADER + f"m9,north,governance,{ahead(1)},cancelled,,,,\n",
            [
                (
                    "scheduled_on",
                    "2026-12-03",
                    "event dated after today (2026-12-02): only a planned meeting may lie ahead",
                ),
            ],
        ),
        ("communications.csv", COMMS_HEADER + f"n9,acme,email,{ahead(30)},planned,,,\n", None),
        ("communications.csv", COMMS_HEADER + f"n9,acme,email,{ahead(30)},cancelled,,,\n", None),
        (
            "communications.csv",
            COMMS_HEADER + f"n9,acme,email,{ahead(1)},sent,,,\n",
            [
                (
                    "sent_on",
                    "2026-12-03",
                    "event dated after today (2026-12-02): a communication not yet sent is planned",
                )
            ],
        ),
        (
            "feedback.csv",
            f"id,person_id,kind,raised_on,resolved_on,summary\nf9,p1,issue,{TODAY},{ahead(1)},\n",
            [("resolved_on", "2026-12-03", "event dated after today (2026-12-02)")],
        ),
        (
            "recognitions.csv",
            f"id,person_id,date,kind,note\nr9,p1,{ahead(1)},award,\n",
            [("date", "2026-12-03", "event dated after today (2026-12-02)")],
        ),
        (
            "people.csv",
            "id,name,email,org_unit_id,role,manager_id,license_start,license_end,is_integration,crm_user_id\n"
            f"p9,Pat,,north,rep,,{ahead(30)},{ahead(366)},,\n",
            None,
        ),
        ("targets.csv", TARGETS_HEADER + f"adoption_rate,north,{ahead(200)},80,{ahead(366)},next year\n", None),
        (
            "targets.csv",
            TARGETS_HEADER + f"adoption_rate,north,1999-12-31,80,{ahead(367)},\n",
            [
                ("effective_from", "1999-12-31", "1999-12-31 is before 2000-01-01, the earliest date accepted"),
                (
                    "review_on",
                    "2027-12-04",
                    "2027-12-04 is more than a year ahead (the latest date accepted is 2027-12-03)",
                ),
            ],
        ),
    ],
)
def test_dates_must_be_plausible(conn: Connection, tmp_path: Path, file, content, errors):
    """Each case is one data row (line 2): accepted (errors None), or refused with exactly these errors."""
    import_folder(conn, write(tmp_path / "base", FOLDER))
    if errors is None:
        report = import_bytes(conn, {file: content.encode()}, today=TODAY)
        assert report.files[0].inserted == 1
        return
    failed = fails_with(conn, tmp_path, {file: content})
    assert [(e.line, e.column, e.value, e.message) for e in failed.errors] == [(2, *error) for error in errors]
    assert failed.files[0].rejected == 1


def test_each_event_date_is_checked(conn: Connection, tmp_path: Path):
    import_folder(conn, write(tmp_path / "base", FOLDER))
    tomorrow = ahead(1)
    failed = fails_with(
        conn,
        tmp_path,
        {
            "training_completions.csv": f"person_id,course_id,completed_on,score\np1,sell,{tomorrow},\n",
            "pulse_responses.csv": f"person_id,date,awareness,desire,knowledge,ability,reinforcement,comment\np1,{tomorrow},,,,,,\n",
            "data_quality.csv": f"org_unit_id,measured_on,records_checked,records_complete\nnorth,{tomorrow},1,1\n",
            "feedback.csv": f"id,person_id,kind,raised_on,resolved_on,summary\nf9,p1,idea,{tomorrow},,\n",
        },
    )
    assert [(e.file, e.column, e.message) for e in failed.errors] == [
        ("training_completions.csv", "completed_on", "event dated after today (2026-12-02)"),
        ("pulse_responses.csv", "date", "event dated after today (2026-12-02)"),
        ("data_quality.csv", "measured_on", "event dated after today (2026-12-02)"),
        ("feedback.csv", "raised_on", "event dated after today (2026-12-02)"),
    ]


def test_the_day_of_the_import_defaults_to_today(conn: Connection, tmp_path: Path):
    import_folder(conn, write(tmp_path / "base", FOLDER))
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    with pytest.raises(ImportFailed, match="event dated after today"):
        import_bytes(conn, {"crm_activity.csv": f"{CRM_HEADER}p1,{tomorrow},1,,,\n".encode()})


def test_org_units_need_exactly_one_root_and_no_cycle(conn: Connection, tmp_path: Path):
    import_folder(conn, write(tmp_path / "base", {"org_units.csv": FOLDER["org_units.csv"]}))
    failed = fails_with(conn, tmp_path, {"org_units.csv": "id,name,parent_id,kind\nother,Other Corp,,company\n"})
    assert [(e.line, e.column) for e in failed.errors] == [(2, "parent_id")]
    assert "'acme' (in the database)" in failed.errors[0].message

    failed = fails_with(
        conn,
        tmp_path,
        {
            "org_units.csv": """id,name,parent_id,kind
sales,Sales,north,division
north,North team,sales,team
"""
        },
    )
    assert [(e.line, e.column, e.value) for e in failed.errors] == [
        (2, "parent_id", "north"),
        (3, "parent_id", "sales"),
    ]
    assert "cycle of parents" in failed.errors[0].message


def test_the_root_can_move(conn: Connection, tmp_path: Path):
    import_folder(conn, write(tmp_path / "base", {"org_units.csv": FOLDER["org_units.csv"]}))
    # The new root comes first in the file and the old root gets a parent: never two roots at once.
    report = import_bytes(
        conn, {"org_units.csv": b"id,name,parent_id,kind\nholding,Holding,,company\nacme,Acme,holding,division\n"}
    )
    assert (report.files[0].inserted, report.files[0].updated) == (1, 1)
    assert (
        conn.execute(select(schema.org_units.c.id).where(schema.org_units.c.parent_id.is_(None))).scalar() == "holding"
    )


def test_emails_are_unique_case_insensitively_across_database_and_import(conn: Connection, tmp_path: Path):
    import_folder(conn, write(tmp_path / "base", FOLDER))
    failed = fails_with(
        conn,
        tmp_path,
        {
            "people.csv": """id,name,email,org_unit_id,role,manager_id,license_start,license_end,is_integration,crm_user_id
p8,Ann Again,Ann@Acme.test,north,rep,,,,,
"""
        },
    )
    assert [(e.line, e.column, e.value) for e in failed.errors] == [(2, "email", "Ann@Acme.test")]
    assert failed.errors[0].message == "e-mail 'Ann@Acme.test' is also used by 'p1' (in the database)"
    # Re-importing p1 itself with another case of its own address is no conflict.
    report = import_bytes(conn, {"people.csv": FOLDER["people.csv"].replace("ann@acme.test", "Ann@Acme.test").encode()})
    assert report.files[0].updated == 1


def test_nothing_is_written_after_a_failed_import(conn: Connection, tmp_path: Path):
    folder = dict(FOLDER)
    folder["feedback.csv"] += "f3,p1,complaint,2026-01-09,,\n"
    failed = fails_with(conn, tmp_path, folder)
    assert [(e.file, e.line, e.column) for e in failed.errors] == [("feedback.csv", 4, "kind")]
    for spec in SPECS:
        assert count(conn, spec.table) == 0, spec.file_name
    assert count(conn, schema.import_batches) == 0
    assert {f.file_name: f.rejected for f in failed.files if f.rejected} == {"feedback.csv": 1}

    ids = record_failure(conn, failed, imported_by="lead@acme.test")
    assert len(ids) == len(FOLDER)
    batch = conn.execute(select(schema.import_batches).where(schema.import_batches.c.file_name == "feedback.csv")).one()
    assert (batch.status, batch.rows_read, batch.rows_rejected, batch.imported_by) == ("failed", 3, 1, "lead@acme.test")
    assert batch.message.startswith("feedback.csv line 4, column kind: 'complaint' is not a valid kind")
    assert batch.details["errors"][0]["line"] == 4


def test_a_database_refusal_rolls_back_to_the_savepoint(conn: Connection, tmp_path: Path):
    import_folder(conn, write(tmp_path / "base", FOLDER))
    # Swapping two e-mails is valid as a whole, but the unique index is checked row by row.
    swapped = (
        FOLDER["people.csv"]
        .replace("ann@acme.test", "TMP")
        .replace("bob@acme.test", "ann@acme.test")
        .replace("TMP", "bob@acme.test")
    )
    with pytest.raises(ImportFailed) as info:
        import_bytes(
            conn,
            {
                "crm_activity.csv": b"person_id,date,logins,records_created,records_updated,reports_viewed\np1,2026-03-01,1,,,\n",
                "people.csv": swapped.encode(),
            },
        )
    assert "the database refused the import" in str(info.value)
    # The connection is still usable and nothing of the failed import stayed.
    assert count(conn, schema.crm_activity) == 3
    assert conn.execute(select(schema.people.c.email).where(schema.people.c.id == "p1")).scalar() == "ann@acme.test"
    assert count(conn, schema.import_batches) == len(FOLDER)


def test_limits_are_clear_errors(conn: Connection, tmp_path: Path):
    folder = write(tmp_path / "in", {"org_units.csv": FOLDER["org_units.csv"]})
    with pytest.raises(ImportFailed) as info:
        import_folder(conn, folder, limits=Limits(max_bytes=10))
    assert str(info.value.errors[0]) == "org_units.csv: the file is 96 bytes, over the 10 bytes limit"
    with pytest.raises(ImportFailed) as info:
        import_folder(conn, folder, limits=Limits(max_rows=2))
    assert [(e.line, e.message) for e in info.value.errors] == [(4, "more than 2 data rows: over the row limit")]


def test_unreadable_files_are_file_errors(conn: Connection, tmp_path: Path):
    failed = fails_with(
        conn,
        tmp_path,
        {"org_units.csv": b"", "courses.csv": 'id,name,kind,required_for,external_id\nc1,"Broken,application,,\n'},
    )
    assert [(e.file, e.line) for e in failed.errors] == [("org_units.csv", None), ("courses.csv", 2)]
    assert failed.errors[0].message == "the file is empty: a header row is needed"
    with pytest.raises(ImportFailed, match="not a canonical file name"):
        import_bytes(conn, {"users.csv": b"email\n"})


def test_a_manager_may_come_after_its_reports(conn: Connection, tmp_path: Path):
    report = import_bytes(
        conn,
        {
            "org_units.csv": FOLDER["org_units.csv"].encode(),
            "people.csv": b"""id,name,email,org_unit_id,role,manager_id,license_start,license_end,is_integration,crm_user_id
r1,Rita,,north,rep,boss,,,,
boss,The Boss,,north,manager,,,,,
""",
        },
    )
    assert report.files[1].inserted == 2
    assert conn.execute(select(schema.people.c.manager_id).where(schema.people.c.id == "r1")).scalar() == "boss"


def test_line_numbers_are_editor_lines(conn: Connection, tmp_path: Path):
    import_folder(conn, write(tmp_path / "base", FOLDER))
    # A quoted note spans lines 2-3 and a blank line 4 is skipped: the bad row is on editor line 5.
    failed = fails_with(
        conn,
        tmp_path,
        {
            "recognitions.csv": """id,person_id,date,kind,note
r2,p1,2026-02-01,award,"two
lines"

r3,p1,2026-02-01,trophy,
r4,p1,2026-02-01
"""
        },
    )
    assert [(e.line, e.column, e.value) for e in failed.errors] == [(5, "kind", "trophy"), (6, None, None)]
    assert failed.errors[1].message == "has 3 cells but the header has 5 columns"


def test_utf16_excel_unicode_text_loads_with_a_warning(conn: Connection):
    content = "id\tname\tparent_id\tkind\r\nacme\tAcmé\t\tcompany\r\n".encode("utf-16")
    report = import_bytes(conn, {"org_units.csv": content})
    assert report.files[0].inserted == 1 and report.files[0].encoding == "utf-16"
    assert conn.execute(select(schema.org_units.c.name)).scalar() == "Acmé"
    assert any("UTF-16" in w for w in report.warnings)
