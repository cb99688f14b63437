"""AppTest of Meetings & actions on the hand-computed fixture organisation: freeze, log a meeting,
raise an action from a red KPI and close it, and what a member may do."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from db.engine import make_engine
from metrics.refresh import refresh
from tests import fixture_org
from tests.conftest import add_user, sign_in

APP = Path(__file__).resolve().parent.parent / "streamlit_app.py"
VIEW = {"unit": "D1", "grain": "month", "period": "2026-02-01"}


@pytest.fixture
def org_url(fresh_database) -> str:
    url = fresh_database()
    eng = make_engine(url)
    with eng.begin() as conn:
        fixture_org.load(conn)
        refresh(conn, full=True)
    eng.dispose()
    return url


def _open(url: str, monkeypatch, email: str) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    st.cache_data.clear()
    st.cache_resource.clear()
    at = sign_in(AppTest.from_file(str(APP), default_timeout=90), email)
    for k, v in VIEW.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("pages/meetings.py").run()
    assert not at.exception, at.exception
    return at


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def _one(url: str, sql: str):
    eng = make_engine(url)
    with eng.connect() as conn:
        rows = conn.execute(text(sql)).all()
    eng.dispose()
    return rows


def test_a_manager_freezes_logs_a_meeting_and_raises_and_closes_an_action(org_url, monkeypatch) -> None:
    add_user(org_url, "lead@acme.test", "manager", unit="D1", person="p9")  # Sales' manager runs its review
    at = _open(org_url, monkeypatch, "lead@acme.test")
    assert at.title[0].value == "Meetings & actions · Sales"
    assert [d.proto.label for d in at.get("download_button")] == ["Meeting pack (PDF)", "Every number (CSV)"]
    assert _one(org_url, "SELECT count(*) FROM audit_log WHERE action LIKE 'pack.%'") == [(0,)]  # built on click

    at.text_input(key="freeze_name").set_value("Sales steering, February")
    _button(at, "Freeze snapshot").click().run()
    assert not at.exception, at.exception
    assert "frozen" in at.success[0].value
    assert _one(org_url, "SELECT name, org_unit_id, period_start::text FROM snapshots") == [
        ("Sales steering, February", "D1", "2026-02-01")
    ]
    assert at.selectbox(key="meetings_snapshot").value is not None  # the new snapshot is shown
    assert "Changes since the last review" in [h.value for h in at.subheader]
    assert any("first review on record" in c.value for c in at.caption)

    before = _one(
        org_url,
        "SELECT numerator, denominator FROM kpi_values WHERE kpi_id = 'report_usage_in_meetings'"
        " AND org_unit_id = 'D1' AND grain = 'month' AND period_start = '2026-02-01'",
    )
    assert before == [(4.0, 6.0)]
    at.selectbox(key="log_kind").set_value("management_review")
    from datetime import date

    at.date_input(key="log_date").set_value(date(2026, 2, 25))
    _button(at, "Log meeting").click().run()
    assert not at.exception, at.exception
    assert "logged" in at.success[0].value
    after = _one(
        org_url,
        "SELECT numerator, denominator FROM kpi_values WHERE kpi_id = 'report_usage_in_meetings'"
        " AND org_unit_id = 'D1' AND grain = 'month' AND period_start = '2026-02-01'",
    )
    assert after == [(5.0, 7.0)]  # one more held management meeting, on CRM reports
    assert _one(org_url, "SELECT logged_by, crm_report_used FROM meeting_logs") == [("lead@acme.test", True)]

    at.selectbox(key="action_kpi").set_value("report_usage_in_meetings")
    at.text_input(key="action_title").set_value("Run the weekly status on the pipeline dashboard")
    at.selectbox(key="action_owner").set_value("p9")
    _button(at, "Create action").click().run()
    assert not at.exception, at.exception
    assert "created" in at.success[0].value
    table = at.dataframe[0].value
    assert list(table["Action"]) == ["Run the weekly status on the pipeline dashboard"]
    assert list(table["Owner"]) == ["P9"]

    at.text_input(key="update_comment").set_value("Done: the dashboard is on the screen every Monday")
    _button(at, "Save update").click().run()
    assert not at.exception, at.exception
    assert _one(org_url, "SELECT status, comment FROM action_events ORDER BY id") == [
        ("open", None),
        ("done", "Done: the dashboard is on the screen every Monday"),
    ]
    assert "No actions to show" in at.info[0].value  # done actions are filtered out by default


def test_a_member_sees_actions_but_neither_freezes_nor_logs(org_url, monkeypatch) -> None:
    add_user(org_url, "p1@acme.test", "member", unit="T1", person="p1")
    at = _open(org_url, monkeypatch, "p1@acme.test")
    labels = [b.label for b in at.button]
    assert "Freeze snapshot" not in labels and "Log meeting" not in labels and "Create action" not in labels


def test_presentation_mode_shows_one_screen_at_a_time(org_url, monkeypatch) -> None:
    add_user(org_url, "sponsor@acme.test", "sponsor", unit="C")
    at = _open(org_url, monkeypatch, "sponsor@acme.test")
    at.button(key="meetings_present").click().run()
    assert not at.exception, at.exception
    slide = " ".join(h.proto.body for h in at.get("html"))
    assert "Sales · February 2026" in slide and "Adoption Index" in slide and "Needs a decision" in slide
    assert not at.title  # no page chrome on the projector
    at.button(key="slide_next").click().run()
    at.button(key="slide_next").click().run()  # People, then Process
    slide = " ".join(h.proto.body for h in at.get("html"))
    assert "Process · " in slide and "Report use in meetings" in slide and "67 %" in slide
    at.button(key="slide_exit").click().run()
    assert at.title[0].value == "Meetings & actions · Sales"


def test_logging_a_meeting_the_calendar_brought_in_marks_it_instead_of_adding_one(org_url, monkeypatch) -> None:
    from datetime import UTC, datetime, timedelta

    day = datetime.now(UTC).date() - timedelta(days=2)
    eng = make_engine(org_url)
    with eng.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO meetings (id, org_unit_id, kind, scheduled_on, status, title)"
                " VALUES ('outlook-uid-1', 'D1', 'management_review', :d, 'planned', 'Sales review')"
            ),
            {"d": day},
        )
    eng.dispose()
    add_user(org_url, "sales@acme.test", "manager", unit="D1", person="p9")
    at = _open(org_url, monkeypatch, "sales@acme.test")
    at.selectbox(key="log_meeting").set_value("outlook-uid-1")
    at.checkbox(key="log_sponsor").check()
    _button(at, "Log meeting").click().run()
    assert not at.exception, at.exception
    assert "Management review" in at.success[0].value
    assert _one(
        org_url, "SELECT id, status, crm_report_used, sponsor_present FROM meetings WHERE id LIKE 'outlook%'"
    ) == [("outlook-uid-1", "held", True, True)]
    assert _one(org_url, "SELECT count(*) FROM meetings WHERE id LIKE 'app-%'") == [(0,)]


def test_compare_the_shown_figures_with_any_snapshot(org_url, monkeypatch) -> None:
    from datetime import date

    from metrics import snapshot
    from metrics.scope import company_scope

    eng = make_engine(org_url)
    with eng.begin() as conn:
        jan = snapshot.create(
            conn, company_scope(conn), unit="D1", grain="month", period_start=date(2026, 1, 1), name="January review"
        )
        snapshot.create(
            conn, company_scope(conn), unit="D1", grain="month", period_start=date(2026, 2, 1), name="February review"
        )
    eng.dispose()
    add_user(org_url, "sales@acme.test", "manager", unit="D1", person="p9")
    at = _open(org_url, monkeypatch, "sales@acme.test")
    assert any("February review" in c.value for c in at.caption)  # the last review, by default
    at.selectbox(key="meetings_against").set_value(jan).run()
    assert not at.exception, at.exception
    assert any("January review" in c.value for c in at.caption)
    moved = at.dataframe[0].value
    # Sales from January to February (tests/fixture_org.py): report usage 1 of 1 -> 4 of 6.
    row = moved[moved["KPI"] == "Report use in meetings"].iloc[0]
    assert (row["Then"], row["Now"]) == ("100 %", "67 %")


def test_actions_filter_by_state_owner_and_unit(org_url, monkeypatch) -> None:
    from datetime import date

    from metrics import actions
    from metrics.scope import company_scope

    eng = make_engine(org_url)
    with eng.begin() as conn:
        scope = company_scope(conn)
        common = dict(due_on=date(2030, 1, 1), kpi_id="coaching_with_crm")
        actions.create(conn, scope, title="North coaching", owner="p1", unit="T1", **common)
        actions.create(conn, scope, title="South coaching", owner="p8", unit="T2", **common)
        done = actions.create(conn, scope, title="Sales review on CRM", owner="p9", unit="D1", **common)
        actions.update(conn, scope, done, status="done", comment="Done", actor="x")
    eng.dispose()
    add_user(org_url, "sales@acme.test", "manager", unit="D1", person="p9")
    at = _open(org_url, monkeypatch, "sales@acme.test")
    assert sorted(at.dataframe[-1].value["Action"]) == ["North coaching", "South coaching"]  # open ones
    at.selectbox(key="action_unit_filter").set_value("South").run()
    assert list(at.dataframe[-1].value["Action"]) == ["South coaching"]
    at.selectbox(key="action_unit_filter").set_value("All of Sales")
    at.pills(key="action_states").set_value(["done"]).run()
    assert list(at.dataframe[-1].value["Action"]) == ["Sales review on CRM"]
    at.pills(key="action_states").set_value(["open", "done"])
    at.selectbox(key="action_owner_filter").set_value("P1").run()
    assert list(at.dataframe[-1].value["Action"]) == ["North coaching"]
