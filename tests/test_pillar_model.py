"""The pillar pages' model on the fixture organisation, read as the application role: exact values
computed by hand from tests/fixture_org.py (February 2026, month: k = 4 activity days)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Engine

from db.engine import make_engine
from metrics.pillar import pillar
from metrics.refresh import refresh
from metrics.scope import Scope
from metrics.scoring import score_rows
from tests.conftest import application_url, create_database
from tests.fixture_org import load

FEB = date(2026, 2, 1)
ADMIN = Scope(("C",), people=True)
SPONSOR = Scope(("C",), people=False)
MANAGER = Scope(("T1",), people=True, person="p1")


@pytest.fixture(scope="module")
def app() -> Iterator[Engine]:
    owner = create_database()
    eng = make_engine(owner)
    with eng.begin() as conn:
        load(conn)
        refresh(conn, full=True)
    eng.dispose()
    eng = make_engine(application_url(owner))
    yield eng
    eng.dispose()


def _card(view, kpi_id):
    return next(c for c in view.cards if c.kpi_id == kpi_id)


def test_people_cards_targets_and_references(app: Engine) -> None:
    with app.connect() as conn:
        view = pillar(conn, ADMIN, "people", "D1", "month", FEB)
    assert [u.id for u in view.breadcrumb] == ["C", "D1"]
    assert [u.name for u in view.children] == ["North", "South"]
    adoption = _card(view, "adoption_rate")
    # D1 Feb: licensed p1-p4, p7, p8, p9; regular p1 p3 p7 p9 -> 4/7. Jan: p1 p6 p9 (p4 has 4 days
    # in Jan: 01-21..01-26 -> regular too) of p1-p4, p6, p8, p9.
    assert (adoption.numerator, adoption.denominator) == (4, 7)
    assert adoption.value == pytest.approx(100 * 4 / 7)
    assert adoption.company_value is None and adoption.parent_value == pytest.approx(100 * 5 / 9)  # C
    assert (adoption.target, adoption.target_source, adoption.target_unit) == (60.0, "inherited", "Acme")
    assert adoption.small_base  # 7 licensed users: under 10
    coverage = _card(view, "training_coverage")
    # D1's own 70, effective 2026-02-15 (<= end of Feb).
    assert (coverage.target, coverage.target_source, coverage.target_since) == (70.0, "own", date(2026, 2, 15))
    assert _card(view, "pulse_score").target_source == "default"
    # Freshness: the latest activity row up to Feb's end (the integration account works daily).
    assert adoption.latest_data == date(2026, 2, 28) and adoption.source_table == "crm_activity"
    # Trend: Jan, Feb; the target in force per period (training coverage: 90 default in Jan, 70 in Feb).
    steps = view.trend[view.trend["kpi_id"] == "training_coverage"]
    assert list(steps["target"]) == [90.0, 70.0]
    assert list(steps["partial"]) == [True, False]


def test_people_breakdown_by_child_unit(app: Engine) -> None:
    with app.connect() as conn:
        view = pillar(conn, ADMIN, "people", "C", "month", FEB)
    rows = view.breakdown[view.breakdown["kpi_id"] == "adoption_rate"].set_index("unit_id")
    # D1 4/7; D2 p10 (4 days) regular, p11 (none) not -> 1/2.
    assert rows.loc["D1", ["numerator", "denominator"]].tolist() == [4, 7]
    assert rows.loc["D2", "value"] == 50.0
    assert set(rows["name"]) == {"Sales", "Service"}


def test_training_by_usage_quadrant(app: Engine) -> None:
    with app.connect() as conn:
        view = pillar(conn, ADMIN, "people", "C", "month", FEB)
    q = view.views["quadrant"].set_index("unit_id")
    cols = ["trained_active", "trained_inactive", "untrained_active", "neither"]
    # C Feb licensed: p1 p2 p3 p4 p7 p8 p9 p10 p11. Trained by 02-28: p1 p3 p4 p8 p9 p10 p11 (analyst:
    # nothing required). Active (>= 4 days): p1 p3 p7 p9 p10. So TA p1 p3 p9 p10; TI p4 p8 p11;
    # active untrained p7; neither p2.
    assert q.loc["C", cols].tolist() == [4, 3, 1, 1]
    assert q.loc["D1", cols].tolist() == [3, 2, 1, 1]
    assert q.loc["D2", cols].tolist() == [1, 1, 0, 0]
    # Same as the KPI: training coverage C Feb = 7/9.
    assert _card(view, "training_coverage").numerator == 7


def test_onboarding_funnel_and_pulse_profile(app: Engine) -> None:
    with app.connect() as conn:
        view = pillar(conn, ADMIN, "people", "C", "month", FEB)
    # Feb cohort (license_start + 30 in Feb): p4 only; trained on 02-19 = day 30; 1 activity day.
    assert view.views["funnel"] == {"new_users": 1, "trained": 1, "active": 0}
    p = view.views["pulse"]
    # 8 respondents (p1 twice, p2 p3 p4 p6 p8 p9 p10); item means over non-empty answers.
    assert p["awareness"] == pytest.approx(32 / 9)
    assert p["desire"] == pytest.approx(31 / 8)
    assert p["knowledge"] == pytest.approx(27 / 7)
    assert p["ability"] == pytest.approx(4.0)
    assert p["reinforcement"] == pytest.approx(3.5)
    assert view.views["barrier"] == "reinforcement"


def test_pulse_profile_is_suppressed_under_five_respondents(app: Engine) -> None:
    with app.connect() as conn:
        view = pillar(conn, ADMIN, "people", "T1", "month", FEB)  # p1-p4: 4 people
    assert view.views["pulse"] is None and view.views["barrier"] is None


def test_a_team_breaks_down_into_its_people(app: Engine) -> None:
    with app.connect() as conn:
        view = pillar(conn, MANAGER, "technology", "T1", "month", FEB)
    assert view.is_team and view.breakdown.empty
    people = view.people.set_index("id")
    # p1 4 days 4 created; p2 3 days, nothing worked; p3 4 days 4 updated; p4 1 day 5 created.
    assert people["active_days"].to_dict() == {"p1": 4, "p2": 3, "p3": 4, "p4": 1}
    assert people["records_worked"].to_dict() == {"p1": 4, "p2": 0, "p3": 4, "p4": 5}
    assert people["engaged"].to_dict() == {"p1": True, "p2": False, "p3": True, "p4": True}
    assert _card(view, "engaged_users").numerator == 3  # the KPI counts the same people


def test_a_sponsor_gets_aggregates_but_no_people(app: Engine) -> None:
    with app.connect() as conn:
        view = pillar(conn, SPONSOR, "people", "T1", "month", FEB)
        process = pillar(conn, SPONSOR, "process", "T1", "month", FEB)
    assert view.people is None
    # No person-level table is searched for a sponsor; meetings are unit-level: m15 on 02-26.
    assert _card(view, "adoption_rate").latest_data is None
    assert _card(process, "meeting_cadence").latest_data == date(2026, 2, 26)
    assert view.views["quadrant"].empty  # person-level facts: row-level security shows none
    assert _card(view, "adoption_rate").value == 50.0


def test_process_views(app: Engine) -> None:
    with app.connect() as conn:
        view = pillar(conn, ADMIN, "process", "C", "month", FEB)
    m = view.views["meetings"]
    # Feb: m1-m16 and m18: 12 held, 2 cancelled, 2 missed, 1 planned.
    assert m.groupby("status")["meetings"].sum().to_dict() == {"cancelled": 2, "held": 12, "missed": 2, "planned": 1}
    use = view.views["report_use"].set_index("kind")
    assert use.loc["coaching", ["meetings", "with_report"]].tolist() == [3, 2]  # m7 m8 m18
    assert use.loc["governance", ["meetings", "with_report"]].tolist() == [3, 2]  # m13 m14 m15
    assert use.loc["daily_standup", "share"] == 0.0
    g = view.views["governance"]
    assert len(g) == 4 and int(g["sponsor_present"].sum()) == 2  # m13 m14 m15 m16; sponsor at m13 m15
    c = view.views["communications"]
    assert c.groupby("status")["communications"].sum().to_dict() == {"cancelled": 1, "planned": 1, "sent": 3}
    # Held coaching: m7 (CRM) and m8 in North, m18 (CRM) in Service; lowest share first.
    assert view.views["coaching"].to_dict("records") == [
        {"unit": "North", "sessions": 2, "with_crm": 1, "teams": 2},
        {"unit": "Service", "sessions": 1, "with_crm": 1, "teams": 2},
    ]


def test_coaching_lists_the_teams_with_the_lowest_share_first(monkeypatch) -> None:
    from metrics import pillar as pillar_model
    from tests.conftest import fixture_org_database

    monkeypatch.setattr(pillar_model, "COACHING_SHOWN", 1)  # the refresh keeps one per unit
    app = make_engine(application_url(fixture_org_database()))
    with app.connect() as conn:
        view = pillar(conn, ADMIN, "process", "C", "month", FEB)
    app.dispose()
    # North 1 of 2 on CRM data (50 %) before Service 1 of 1: only North, and that there are 2 teams.
    assert view.views["coaching"].to_dict("records") == [{"unit": "North", "sessions": 2, "with_crm": 1, "teams": 2}]


def test_technology_views(app: Engine) -> None:
    with app.connect() as conn:
        view = pillar(conn, ADMIN, "technology", "C", "month", FEB)
    # Licensed users with an activity day in Feb: p1 p2 p3 p4 p7 p8 p9 p10 (p11 none).
    assert view.views["activity_mix"] == {
        "active_users": 8,
        "logins": 26,
        "records_created": 13,
        "records_updated": 12,
        "reports_viewed": 0,
    }
    # Open on 02-28: f4 (raised 02-12, never resolved): 16 days old.
    issues = view.views["open_issues"].set_index("age")["issues"].to_dict()
    assert issues == {"0–5 days": 0, "6–15 days": 0, "16–30 days": 1, "over 30 days": 0}


def test_league_ranks_teams_on_the_pillar_score(app: Engine) -> None:
    with app.connect() as conn:
        view = pillar(conn, ADMIN, "people", "C", "month", FEB)
        truth = {
            r.org_unit_id: r.people
            for r in score_rows(conn, ADMIN, grain="month", period_from=FEB, period_to=FEB)
            if r.org_unit_id in ("T1", "T2")
        }
    # Teams are the units without children: North, South and Desk (no licensed users: no score).
    assert set(view.league["unit_id"]) == {"T1", "T2"}
    assert view.league["score"].tolist() == sorted(truth.values(), reverse=True)
    assert view.league["rank"].tolist() == [1, 2]
    assert view.previous is not None and view.league["change"].notna().all()


def test_out_of_scope_or_unknown_period_gives_nothing(app: Engine) -> None:
    with app.connect() as conn:
        assert pillar(conn, Scope(("T1",), people=True), "people", "T2", "month", FEB) is None
        assert pillar(conn, ADMIN, "people", "C", "month", date(2020, 1, 1)) is None
