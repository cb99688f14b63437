"""The `flywheel` command end to end, against real databases."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import KPI_COLUMNS, SCORE_COLUMNS, main


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch):
    """Invoke the CLI against a given database; returns (exit code, stdout, stderr)."""

    def invoke(url: str, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
        monkeypatch.setenv("DATABASE_URL", url)
        result = CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return invoke


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_seed_out_import_refresh_equals_direct_seed(run, fresh_database, tmp_path: Path) -> None:
    direct, imported = fresh_database(), fresh_database()
    assert run(direct, "seed", "--profile", "small")[0] == 0
    assert run(direct, "refresh", "--full")[0] == 0

    code, out, _ = run(imported, "seed", "--profile", "small", "--out", str(tmp_path / "csv"))
    assert code == 0, out
    assert sorted(p.name for p in (tmp_path / "csv").glob("*.csv")) == sorted(
        f"{t}.csv"
        for t in (
            "org_units",
            "people",
            "crm_activity",
            "courses",
            "training_completions",
            "meetings",
            "communications",
            "recognitions",
            "pulse_responses",
            "data_quality",
            "feedback",
            "targets",
            "pillar_weights",
        )
    )
    code, out, err = run(imported, "import", "canonical", str(tmp_path / "csv"))
    assert code == 0, err

    for command, columns in (("kpis", KPI_COLUMNS), ("scores", SCORE_COLUMNS)):
        a = _csv(run(direct, command, "--format", "csv")[1])
        b = _csv(run(imported, command, "--format", "csv")[1])
        assert list(a[0]) == list(columns)
        assert len(a) > 1000
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            assert _close(x, y), (x, y)


def _close(x: dict[str, str], y: dict[str, str]) -> bool:
    """Equal rows, numbers within the relative 1e-6 that KPIS.md allows (sums may run in another order)."""
    for key, a in x.items():
        b = y[key]
        if a == b:
            continue
        try:
            if not math.isclose(float(a), float(b), rel_tol=1e-6):
                return False
        except ValueError:
            return False
    return True


def test_kpis_csv_has_every_kpi_unit_grain_and_period(run, fresh_database) -> None:
    url = fresh_database()
    run(url, "seed", "--profile", "small")
    run(url, "refresh", "--full")
    rows = _csv(run(url, "kpis", "--format", "csv")[1])
    units = {r["org_unit_id"] for r in rows}
    kpis = {r["kpi_id"] for r in rows}
    periods = {(r["grain"], r["period_start"]) for r in rows}
    assert len(kpis) == 13
    assert len(rows) == len(units) * len(kpis) * len(periods)
    assert {r["grain"] for r in rows} == {"week", "month", "quarter"}
    assert {r["status"] for r in rows} <= {"green", "amber", "red", "no_data"}
    assert all(r["partial"] in ("true", "false") for r in rows)
    month = _csv(run(url, "kpis", "--grain", "month", "--unit", sorted(units)[0], "--format", "csv")[1])
    assert {r["grain"] for r in month} == {"month"} and {r["org_unit_id"] for r in month} == {sorted(units)[0]}


def test_refresh_prints_rows_and_seconds(run, fresh_database) -> None:
    url = fresh_database()
    run(url, "seed", "--profile", "small")
    code, out, _ = run(url, "refresh", "--full")
    assert code == 0
    assert " rows in " in out and " s (all periods; data window " in out


def test_unknown_unit_is_one_clear_line(run, fresh_database) -> None:
    code, out, err = run(fresh_database(), "kpis", "--unit", "nowhere")
    assert code != 0
    assert err.strip() == "Error: no org unit with id 'nowhere'"


def test_database_down_is_one_clear_line(run) -> None:
    code, _, err = run("postgresql+psycopg://nobody@127.0.0.1:9/none", "kpis")
    assert code != 0
    assert err.startswith("Error: cannot reach the database")
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_seeding_twice_is_refused_but_if_empty_is_quiet(run, fresh_database) -> None:
    url = fresh_database()
    assert run(url, "seed", "--profile", "small")[0] == 0
    code, _, err = run(url, "seed", "--profile", "small")
    assert code != 0 and "already has an organisation" in err
    code, out, _ = run(url, "seed", "--profile", "small", "--if-empty")
    assert code == 0 and "not seeding" in out


def test_db_url_prints_a_plain_postgresql_url(run, fresh_database) -> None:
    url = fresh_database()
    code, out, _ = run(url, "db", "url")
    assert code == 0
    assert out.startswith("postgresql://flywheel_app:") and "+psycopg" not in out
    code, out, _ = run(url, "db", "url", "--owner")
    assert code == 0 and out.startswith("postgresql://") and "flywheel_app" not in out


def test_table_format_rounds_for_reading_only(run, fresh_database) -> None:
    url = fresh_database()
    run(url, "seed", "--profile", "small")
    run(url, "refresh", "--full")
    code, out, _ = run(url, "scores", "--grain", "quarter", "--unit", "acme", "--format", "table")
    lines = out.splitlines()
    assert code == 0
    assert lines[0].split() == list(SCORE_COLUMNS)
    assert len(lines) == 1 + 5  # Q4 2025 .. Q4 2026
    assert all(len(cell.split(".")[1]) == 2 for cell in lines[1].split()[3:7] if "." in cell)


def test_users_and_kpis_as_a_member_print_only_its_scope(run, fresh_database) -> None:
    url = fresh_database()
    assert run(url, "seed", "--profile", "small")[0] == 0
    assert run(url, "refresh", "--full")[0] == 0
    from sqlalchemy import create_engine, text

    eng = create_engine(url)
    with eng.connect() as conn:
        team, email = conn.execute(
            text(
                "SELECT p.org_unit_id, p.email FROM people p JOIN org_units u ON u.id = p.org_unit_id"
                " WHERE u.kind = 'team' AND p.email IS NOT NULL AND NOT p.is_integration ORDER BY p.id LIMIT 1"
            )
        ).one()
        units = conn.execute(text("SELECT count(*) FROM org_units")).scalar_one()
    eng.dispose()
    code, out, err = run(
        url, "user", "add", "--email", email.upper(), "--role", "member", "--password-stdin", stdin="a-long-password\n"
    )
    assert code == 0, err
    assert f"(member, home unit {team}" in out
    code, out, _ = run(url, "user", "list")
    assert email.lower() in out and "member" in out

    code, out, err = run(url, "kpis", "--format", "csv", "--as", email)
    assert code == 0, err
    assert {r["org_unit_id"] for r in _csv(out)} == {team}
    code, out, _ = run(url, "scores", "--format", "csv", "--as", email, "--grain", "month")
    assert {r["org_unit_id"] for r in _csv(out)} == {team}
    code, out, _ = run(url, "kpis", "--format", "csv")
    assert len({r["org_unit_id"] for r in _csv(out)}) == units  # the owner sees every unit

    assert run(url, "user", "set-role", email, "manager")[0] == 0
    assert run(url, "user", "disable", email)[0] == 0
    code, _, err = run(url, "kpis", "--as", email)
    assert code == 1 and err.strip() == f"Error: no active user {email.lower()}"
    code, _, err = run(url, "user", "add", "--email", "x@acme.example", "--role", "member")
    assert code == 1 and "needs a home unit" in err


def test_import_without_refresh_then_a_plain_refresh_equals_a_full_refresh(run, fresh_database, tmp_path: Path) -> None:
    """The database remembers what an import made stale (it used to leave 725 KPI rows behind)."""
    url = fresh_database()
    assert run(url, "seed", "--profile", "small", "--out", str(tmp_path))[0] == 0
    assert run(url, "import", "canonical", str(tmp_path))[0] == 0
    people = (tmp_path / "people.csv").read_text().splitlines()
    header, first = people[0].split(","), people[1].split(",")
    first[header.index("license_start")] = "2026-06-15"  # one person licensed later than before
    changed = tmp_path / "changed"
    changed.mkdir()
    (changed / "people.csv").write_text("\n".join([people[0], ",".join(first)]) + "\n")
    code, out, err = run(url, "import", "canonical", str(changed), "--no-refresh")
    assert code == 0, err
    code, out, _ = run(url, "refresh")
    assert code == 0 and "all periods" in out  # a person changed: every period may move
    incremental = run(url, "kpis", "--format", "csv")[1]
    assert run(url, "refresh")[1].startswith("KPIs are up to date")
    assert run(url, "refresh", "--full")[0] == 0
    assert run(url, "kpis", "--format", "csv")[1] == incremental


def test_imports_are_audited_with_who_and_what(run, fresh_database, tmp_path: Path) -> None:
    from sqlalchemy import create_engine, text

    url = fresh_database()
    assert run(url, "seed", "--profile", "small", "--out", str(tmp_path))[0] == 0
    assert run(url, "import", "canonical", str(tmp_path))[0] == 0
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "recognitions.csv").write_text("id,person_id,date,kind\nr1,nobody,2099-01-01,award\n")
    assert run(url, "import", "canonical", str(tmp_path / "bad"))[0] != 0
    eng = create_engine(url)
    with eng.connect() as conn:
        rows = conn.execute(text("SELECT action, subject, actor FROM audit_log ORDER BY id")).all()
    eng.dispose()
    files = sorted(p.name for p in tmp_path.glob("*.csv"))
    assert sorted(r.subject for r in rows if r.action == "import") == files
    assert [r.subject for r in rows if r.action == "import.failed"] == ["recognitions.csv"]
    assert all(r.actor for r in rows)
