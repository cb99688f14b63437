"""The meeting pack: a valid multi-page PDF whose text holds the KPI values, and a CSV of every number;
built from a snapshot it shows the frozen numbers whatever changed since."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from sqlalchemy import insert, select

from cli import main
from db import schema
from db.engine import make_engine
from metrics import pack, snapshot
from metrics.refresh import refresh
from metrics.scope import company_scope
from tests import fixture_org

FEB = date(2026, 2, 1)


def _text(pdf: bytes) -> list[str]:
    """Each page's words; the footer's build time is left out (two builds may straddle a minute)."""
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]
    return [re.sub(r"generated \d+ \w+ \d{4} \d\d:\d\d UTC", "generated", p) for p in pages]


@pytest.fixture(scope="module")
def org_url() -> str:
    from tests.conftest import create_database

    url = create_database()
    eng = make_engine(url)
    with eng.begin() as conn:
        fixture_org.load(conn)
        refresh(conn, full=True)
    eng.dispose()
    return url


def test_pack_is_a_multi_page_pdf_with_the_kpi_values(org_url: str) -> None:
    eng = make_engine(org_url)
    with eng.begin() as conn:
        built = pack.build(conn, company_scope(conn), unit="D1", grain="month", period_start=FEB, actor="t@x")
        audited = conn.execute(select(schema.audit_log.c.action).where(schema.audit_log.c.subject == built.file_stem))
        assert audited.scalars().all() == ["pack.export"]
    eng.dispose()
    assert built.pdf.startswith(b"%PDF-")
    pages = _text(built.pdf)
    assert len(pages) == built.pages == 7  # cover, People, Process, Technology, actions, changes, definitions
    cover, people, process, technology, actions, changes, definitions = pages
    assert "Sales" in cover and "February 2026" in cover and "three things that need a decision" in cover.lower()
    assert "Report use in meetings" in process
    # Sales in February (hand-computed in tests/fixture_org.py): report usage 4 of 6 = 67 %, meeting
    # cadence 7 of 9 = 78 %, coaching 1 of 2 = 50 % against T1's... D1 inherits the default 75 %.
    assert "4 of 6 held management meetings" in process and "67 %" in process
    assert "7 of 9 due meetings" in process and "78 %" in process
    assert "1 of 2 held coaching sessions" in process and "50 %" in process
    assert "Adoption rate" in people and "Data quality" in technology
    assert "No open actions" in actions and "first review on record" in changes
    assert "Definitions" in definitions and "regular" in definitions

    rows = list(csv.DictReader(io.StringIO(built.csv)))
    value = {(r["section"], r["kpi_id"], r["measure"]): r["value"] for r in rows if r["period_start"] == "2026-02-01"}
    assert float(value[("process", "report_usage_in_meetings", "numerator")]) == 4.0
    assert float(value[("process", "report_usage_in_meetings", "denominator")]) == 6.0
    assert float(value[("process", "report_usage_in_meetings", "value")]) == pytest.approx(100 * 4 / 6)
    assert float(value[("process", "report_usage_in_meetings", "target")]) == 80.0
    assert value[("process", "report_usage_in_meetings", "status")] == "red"


def test_a_pack_from_a_snapshot_keeps_the_old_numbers(fresh_database, monkeypatch, tmp_path) -> None:
    url = fresh_database()
    eng = make_engine(url)
    with eng.begin() as conn:
        fixture_org.load(conn)
        refresh(conn, full=True)
        sid = snapshot.create(conn, company_scope(conn), unit="D1", grain="month", period_start=FEB, name="Feb review")
    with eng.begin() as conn:
        before = pack.build(conn, company_scope(conn), unit="D1", grain="month", period_start=FEB, snapshot_id=sid)

    # After the meeting: D1's report-usage target drops to 50 and a held management meeting is imported.
    with eng.begin() as conn:
        conn.execute(
            insert(schema.targets).values(
                kpi_id="report_usage_in_meetings", org_unit_id="D1", value=50.0, effective_from=date(2026, 1, 1)
            )
        )
        conn.execute(
            insert(schema.meetings).values(
                id="late", org_unit_id="T2", kind="weekly_status", scheduled_on=date(2026, 2, 20), status="held",
                crm_report_used=True, sponsor_present=False,
            )
        )  # fmt: skip
        refresh(conn)

    monkeypatch.setenv("DATABASE_URL", url)
    out = tmp_path / "pack.pdf"
    args = ["pack", "--unit", "D1", "--grain", "month", "--period", "2026-02-01", "--snapshot", str(sid)]
    result = CliRunner().invoke(main, [*args, "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    frozen = out.read_bytes()
    assert _text(frozen)[2] == _text(before.pdf)[2]  # the Process page, word for word
    assert "4 of 6 held management meetings" in _text(frozen)[2]
    assert "Snapshot “Feb review”" in _text(frozen)[0]
    frozen_csv = [
        r for r in csv.DictReader(io.StringIO(out.with_suffix(".csv").read_text())) if r["section"] != "cover"
    ]
    before_csv = [r for r in csv.DictReader(io.StringIO(before.csv)) if r["section"] != "cover"]
    assert frozen_csv == before_csv

    with eng.begin() as conn:  # the live pack has moved on: 5 of 7, and on target against 50
        live = pack.build(conn, company_scope(conn), unit="D1", grain="month", period_start=FEB)
    assert "5 of 7 held management meetings" in _text(live.pdf)[2]
    assert "Feb review" in _text(live.pdf)[5]  # changes since the last review name the snapshot
    eng.dispose()


def test_a_pack_needs_a_matching_snapshot_and_period(org_url: str) -> None:
    eng = make_engine(org_url)
    with eng.begin() as conn:
        scope = company_scope(conn)
        sid = snapshot.create(conn, scope, unit="C", grain="month", period_start=FEB, name="C")
        with pytest.raises(pack.PackError, match="not D1"):
            pack.build(conn, scope, unit="D1", grain="month", period_start=FEB, snapshot_id=sid)
        with pytest.raises(pack.PackError, match="no KPI values"):
            pack.build(conn, scope, unit="D1", grain="month", period_start=date(2020, 1, 1))
    eng.dispose()


@pytest.mark.parametrize(
    ("unit", "grain", "start"),
    [("C", "quarter", date(2026, 1, 1)), ("T3", "month", FEB), ("T1", "week", date(2026, 2, 2))],
)
def test_every_pack_keeps_its_seven_pages(org_url: str, unit: str, grain: str, start: date) -> None:
    """A partial quarter (two notes on the cover), a unit without licensed users (no index), a week:
    nothing spills onto an extra page."""
    eng = make_engine(org_url)
    with eng.begin() as conn:
        built = pack.build(conn, company_scope(conn), unit=unit, grain=grain, period_start=start)
    eng.dispose()
    assert built.pages == 7
    if unit == "T3":
        assert "no licensed users" in _text(built.pdf)[0]
