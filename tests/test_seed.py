"""The seed generator: deterministic, referentially sound, shaped like the data contract, loadable."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, func, select

from db import schema
from seed import COLUMNS, END, PROFILES, TABLES, Dataset, generate, load, write_csv

ROOT = Path(__file__).resolve().parents[1]

# The headers of DATA_CONTRACT.md, copied by hand so that a change on either side shows up here.
CONTRACT = {
    "org_units": "id,name,parent_id,kind",
    "people": "id,name,email,org_unit_id,role,manager_id,license_start,license_end,is_integration,crm_user_id",
    "crm_activity": "person_id,date,logins,records_created,records_updated,reports_viewed",
    "courses": "id,name,kind,required_for,external_id",
    "training_completions": "person_id,course_id,completed_on,score",
    "meetings": "id,org_unit_id,kind,scheduled_on,status,crm_report_used,sponsor_present,person_id,title",
    "communications": "id,audience_org_unit_id,channel,sent_on,status,recipients,opens,title",
    "recognitions": "id,person_id,date,kind,note",
    "pulse_responses": "person_id,date,awareness,desire,knowledge,ability,reinforcement,comment",
    "data_quality": "org_unit_id,measured_on,records_checked,records_complete",
    "feedback": "id,person_id,kind,raised_on,resolved_on,summary",
    "targets": "kpi_id,org_unit_id,effective_from,value,review_on,reason",
    "pillar_weights": "pillar,effective_from,weight",
}
KEYS = {
    "org_units": ("id",),
    "people": ("id",),
    "crm_activity": ("person_id", "date"),
    "courses": ("id",),
    "training_completions": ("person_id", "course_id", "completed_on"),
    "meetings": ("id",),
    "communications": ("id",),
    "recognitions": ("id",),
    "pulse_responses": ("person_id", "date"),
    "data_quality": ("org_unit_id", "measured_on"),
    "feedback": ("id",),
    "targets": ("kpi_id", "org_unit_id", "effective_from"),
    "pillar_weights": ("pillar", "effective_from"),
}
# (table, column) -> referenced table
REFERENCES = {
    ("org_units", "parent_id"): "org_units",
    ("people", "org_unit_id"): "org_units",
    ("people", "manager_id"): "people",
    ("crm_activity", "person_id"): "people",
    ("training_completions", "person_id"): "people",
    ("training_completions", "course_id"): "courses",
    ("meetings", "org_unit_id"): "org_units",
    ("meetings", "person_id"): "people",
    ("communications", "audience_org_unit_id"): "org_units",
    ("recognitions", "person_id"): "people",
    ("pulse_responses", "person_id"): "people",
    ("data_quality", "org_unit_id"): "org_units",
    ("feedback", "person_id"): "people",
    ("targets", "org_unit_id"): "org_units",
}
ADKAR = ("awareness", "desire", "knowledge", "ability", "reinforcement")


def as_dicts(data: Dataset) -> dict[str, list[dict]]:
    return {t: [dict(zip(COLUMNS[t], row, strict=True)) for row in data.rows(t)] for t in TABLES}


@pytest.fixture(scope="module")
def small() -> Dataset:
    return generate("small")


@pytest.fixture(scope="module")
def rows(small: Dataset) -> dict[str, list[dict]]:
    return as_dicts(small)


@pytest.fixture(scope="module")
def demo() -> dict[str, list[dict]]:
    return as_dicts(generate("demo"))


def test_same_profile_and_seed_give_identical_rows(rows: dict[str, list[dict]]) -> None:
    assert as_dicts(generate("small")) == rows


def test_another_seed_gives_other_data(rows: dict[str, list[dict]]) -> None:
    other = as_dicts(generate("small", seed=7))
    assert [p["name"] for p in other["people"]] != [p["name"] for p in rows["people"]]
    assert other["crm_activity"] != rows["crm_activity"]


def test_csv_output_is_byte_identical_across_processes(tmp_path: Path) -> None:
    write_csv(tmp_path / "a", "small")
    # Another interpreter with another hash seed: set or dict-of-hash ordering would show here.
    code = "import sys; from pathlib import Path; from seed import write_csv; write_csv(Path(sys.argv[1]), 'small')"
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "b")], check=True, cwd=ROOT, env=env)
    for table in TABLES:
        assert (tmp_path / "a" / f"{table}.csv").read_bytes() == (tmp_path / "b" / f"{table}.csv").read_bytes(), table


def test_csv_files_have_exactly_the_contract_headers(tmp_path: Path, small: Dataset) -> None:
    counts = write_csv(tmp_path, "small")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{t}.csv" for t in CONTRACT)
    for table, header in CONTRACT.items():
        raw = (tmp_path / f"{table}.csv").read_bytes()
        assert b"\r" not in raw and not raw.startswith(b"\xef\xbb\xbf"), table
        lines = raw.decode("utf-8").split("\n")
        assert lines[0] == header, table
        assert lines[-1] == "" and len(lines) - 2 == counts[table] == sum(1 for _ in small.rows(table)), table


def test_csv_cells_use_the_contract_formats(tmp_path: Path) -> None:
    write_csv(tmp_path, "small")
    people = (tmp_path / "people.csv").read_text(encoding="utf-8").splitlines()
    assert {line.split(",")[8] for line in people[1:]} == {"true", "false"}
    never_licensed = [line for line in people[1:] if line.split(",")[6] == ""]
    assert never_licensed and all(line.split(",")[9] == "" for line in never_licensed)
    activity = (tmp_path / "crm_activity.csv").read_text(encoding="utf-8").splitlines()
    assert all(re.fullmatch(r"E\d+,\d{4}-\d{2}-\d{2},\d+,\d+,\d+,\d+", line) for line in activity[1:])
    weights = (tmp_path / "pillar_weights.csv").read_text(encoding="utf-8").splitlines()
    assert weights[1:] == ["people,2025-11-01,50", "process,2025-11-01,30", "technology,2025-11-01,20"]


def test_columns_are_those_of_the_schema() -> None:
    for table, columns in COLUMNS.items():
        assert set(columns) <= set(schema.metadata.tables[table].columns.keys()), table
        assert ",".join(columns) == CONTRACT[table]


def test_keys_are_unique(rows: dict[str, list[dict]]) -> None:
    for table, key in KEYS.items():
        values = [tuple(r[c] for c in key) for r in rows[table]]
        assert len(values) == len(set(values)), table


def test_every_reference_resolves(rows: dict[str, list[dict]]) -> None:
    ids = {t: {r["id"] for r in rows[t]} for t in ("org_units", "people", "courses")}
    for (table, column), target in REFERENCES.items():
        missing = {r[column] for r in rows[table] if r[column] is not None} - ids[target]
        assert not missing, (table, column, sorted(missing)[:5])


def test_org_units_form_one_tree_of_known_kinds(rows: dict[str, list[dict]]) -> None:
    units = {u["id"]: u for u in rows["org_units"]}
    assert [u["id"] for u in units.values() if u["parent_id"] is None] == ["acme"]
    rank = {"company": 0, "division": 1, "department": 2, "team": 3}
    for unit in units.values():
        assert unit["kind"] in rank
        if unit["parent_id"]:
            assert rank[units[unit["parent_id"]]["kind"]] < rank[unit["kind"]], unit
    assert Counter(u["kind"] for u in units.values()) == {"company": 1, "division": 2, "department": 4, "team": 10}


def test_every_team_has_one_manager_who_manages_its_members(rows: dict[str, list[dict]]) -> None:
    teams = {u["id"] for u in rows["org_units"] if u["kind"] == "team"}
    by_team: dict[str, list[dict]] = defaultdict(list)
    for person in rows["people"]:
        if person["org_unit_id"] in teams:
            by_team[person["org_unit_id"]].append(person)
    assert set(by_team) == teams
    for team, staff in by_team.items():
        managers = [p for p in staff if p["role"] == "manager"]
        assert len(managers) == 1, team
        assert all(p["manager_id"] == managers[0]["id"] for p in staff if p is not managers[0]), team


def test_people_follow_the_contract_and_the_story(rows: dict[str, list[dict]]) -> None:
    people = rows["people"]
    emails = [p["email"].lower() for p in people if p["email"]]
    assert len(emails) == len(set(emails)) == len(people)
    assert all(re.fullmatch(r"[a-z0-9.-]+@acme\.example", e) for e in emails)
    assert len({p["name"] for p in people}) == len(people)
    crm_ids = [p["crm_user_id"] for p in people if p["crm_user_id"]]
    assert len(crm_ids) == len(set(crm_ids)) and all(len(i) == 18 and i.startswith("005") for i in crm_ids)
    for p in people:
        assert p["license_end"] is None or (p["license_start"] is not None and p["license_end"] >= p["license_start"])
    start = PROFILES["small"].start
    assert any(p["license_start"] is None for p in people)
    assert any(p["license_end"] and start <= p["license_end"] <= END for p in people)
    bots = [p for p in people if p["is_integration"]]
    assert bots and all(p["role"] == "integration" for p in bots)
    hired = [p for p in people if p["license_start"] and p["license_start"] >= start]
    assert 0.08 * len(people) <= len(hired) <= 0.25 * len(people)


def test_values_stay_within_the_schema_checks(rows: dict[str, list[dict]]) -> None:
    counts = ("logins", "records_created", "records_updated", "reports_viewed")
    assert all(all(isinstance(a[c], int) and a[c] >= 0 for c in counts) for a in rows["crm_activity"])
    assert all(sum(a[c] for c in counts) > 0 for a in rows["crm_activity"])
    assert all(
        50 <= q["records_checked"] <= 500 and 0 <= q["records_complete"] <= q["records_checked"]
        for q in rows["data_quality"]
    )
    assert all(r[i] is None or 1 <= r[i] <= 5 for r in rows["pulse_responses"] for i in ADKAR)
    assert all(t["score"] is None or 0 <= t["score"] <= 100 for t in rows["training_completions"])
    assert all(f["resolved_on"] is None or f["resolved_on"] >= f["raised_on"] for f in rows["feedback"])
    assert {c["kind"] for c in rows["courses"]} == set(schema.COURSE_KINDS)
    assert {m["kind"] for m in rows["meetings"]} == set(schema.MEETING_KINDS)
    assert {m["status"] for m in rows["meetings"]} == set(schema.MEETING_STATUSES)
    assert {c["channel"] for c in rows["communications"]} <= set(schema.CHANNELS)
    assert {c["status"] for c in rows["communications"]} == set(schema.COMM_STATUSES)
    assert all(c["opens"] is None or 0 <= c["opens"] <= c["recipients"] for c in rows["communications"])
    assert {r["kind"] for r in rows["recognitions"]} <= set(schema.RECOGNITION_KINDS)
    assert {f["kind"] for f in rows["feedback"]} == set(schema.FEEDBACK_KINDS)
    assert all(m["person_id"] for m in rows["meetings"] if m["kind"] == "coaching")
    assert all(t["value"] is None or 0 <= t["value"] <= 100 for t in rows["targets"])
    assert any(t["value"] is None for t in rows["targets"])
    assert sum(w["weight"] for w in rows["pillar_weights"]) == 100


def test_the_window_is_fixed_whatever_today_is(rows: dict[str, list[dict]]) -> None:
    start = PROFILES["small"].start
    assert (start, END) == (date(2025, 11, 1), date(2026, 10, 31))
    days = [a["date"] for a in rows["crm_activity"]]
    assert (min(days), max(days)) == (start, END)
    events = (
        [t["completed_on"] for t in rows["training_completions"]]
        + [r["date"] for r in rows["recognitions"]]
        + [p["date"] for p in rows["pulse_responses"]]
        + [q["measured_on"] for q in rows["data_quality"]]
        + [f["raised_on"] for f in rows["feedback"]]
        + [f["resolved_on"] for f in rows["feedback"] if f["resolved_on"]]
    )
    assert max(events) <= END
    for m in rows["meetings"]:
        assert (m["status"] == "planned") == (m["scheduled_on"] > END), m
    assert max(m["scheduled_on"] for m in rows["meetings"]) >= END + timedelta(days=14)
    assert all(c["sent_on"] <= END for c in rows["communications"] if c["status"] != "planned")
    assert all(c["sent_on"] > END for c in rows["communications"] if c["status"] == "planned")


def test_people_use_the_crm_only_while_licensed(rows: dict[str, list[dict]]) -> None:
    people = {p["id"]: p for p in rows["people"]}
    bot_days: dict[str, int] = Counter()
    for a in rows["crm_activity"]:
        p = people[a["person_id"]]
        if p["is_integration"]:
            bot_days[p["id"]] += 1
            continue
        assert p["license_start"] is not None and p["license_start"] <= a["date"], a
        assert p["license_end"] is None or a["date"] <= p["license_end"], a
    window = (END - PROFILES["small"].start).days + 1
    assert bot_days and set(bot_days.values()) == {window}  # every day, weekends included


def monthly_adoption(data: dict[str, list[dict]], people: list[dict], month: date) -> float:
    """adoption_rate of KPIS.md for `people` in one calendar month."""
    end = date(month.year + month.month // 12, month.month % 12 + 1, 1) - timedelta(days=1)
    licensed = {
        p["id"]
        for p in people
        if not p["is_integration"]
        and p["license_start"]
        and p["license_start"] <= end
        and (p["license_end"] is None or p["license_end"] >= end)
    }
    active = Counter(
        a["person_id"] for a in data["crm_activity"] if month <= a["date"] <= end and a["person_id"] in licensed
    )
    return 100 * sum(1 for n in active.values() if n >= 4) / len(licensed)


def test_demo_tells_the_story(demo: dict[str, list[dict]]) -> None:
    people = demo["people"]
    assert 1900 <= len(people) <= 2100
    kinds = Counter(u["kind"] for u in demo["org_units"])
    assert (kinds["division"], kinds["department"], kinds["team"]) == (4, 12, 100)
    first, last = monthly_adoption(demo, people, date(2025, 11, 1)), monthly_adoption(demo, people, date(2026, 10, 1))
    assert 50 <= first <= 60 and 70 <= last <= 80
    units = {u["id"]: u for u in demo["org_units"]}

    def division(unit: str) -> str:
        while units[unit]["kind"] not in ("division", "company"):
            unit = units[unit]["parent_id"]
        return unit

    south = [p for p in people if division(p["org_unit_id"]) == "sales-south"]
    peak = monthly_adoption(demo, south, date(2026, 4, 1))
    assert monthly_adoption(demo, south, date(2026, 10, 1)) < peak - 8
    governance = [m for m in demo["meetings"] if m["org_unit_id"] == "sales-south" and m["status"] == "held"]
    after = [
        m["sponsor_present"] for m in governance if m["kind"] == "governance" and m["scheduled_on"] >= date(2026, 5, 1)
    ]
    assert after and sum(after) <= len(after) / 2


def test_teams_whose_managers_use_crm_reports_adopt_more(demo: dict[str, list[dict]]) -> None:
    used: dict[str, list[bool]] = defaultdict(list)
    for m in demo["meetings"]:
        if m["kind"] == "weekly_status" and m["status"] == "held":
            used[m["org_unit_id"]].append(m["crm_report_used"])
    ranked = sorted(used, key=lambda t: sum(used[t]) / len(used[t]))
    top, bottom = set(ranked[-25:]), set(ranked[:25])
    month = date(2026, 10, 1)
    adoption_top = monthly_adoption(demo, [p for p in demo["people"] if p["org_unit_id"] in top], month)
    adoption_bottom = monthly_adoption(demo, [p for p in demo["people"] if p["org_unit_id"] in bottom], month)
    assert adoption_top > adoption_bottom + 10


def test_load_small_writes_every_row(conn: Connection) -> None:
    counts = load(conn, "small")
    conn.exec_driver_sql("SET CONSTRAINTS ALL IMMEDIATE")  # check the deferred foreign keys now, not at a commit
    expected = generate("small").counts()
    assert counts == expected
    for table in TABLES:
        assert (
            conn.execute(select(func.count()).select_from(schema.metadata.tables[table])).scalar_one()
            == expected[table]
        )
    assert conn.execute(select(func.count()).where(schema.people.c.crm_username.is_not(None))).scalar_one() == 0
    assert set(conn.execute(select(schema.targets.c.recorded_by)).scalars()) == {"seed"}


def test_loaded_small_profile_has_the_fixed_window(conn: Connection) -> None:
    from metrics.refresh import data_window

    load(conn, "small")
    assert data_window(conn) == (date(2025, 11, 1), date(2026, 10, 31))


def test_unknown_profile_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="small, demo, large"):
        generate("huge")
