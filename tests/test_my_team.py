"""My team on the fixture organisation, read as the application role: numbers and who is listed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Engine

from db.engine import make_engine
from metrics.my_team import my_team
from metrics.scope import Scope
from tests.conftest import application_url, fixture_org_database

FEB = date(2026, 2, 1)


@pytest.fixture(scope="module")
def app() -> Iterator[Engine]:
    eng = make_engine(application_url(fixture_org_database()))
    yield eng
    eng.dispose()


def test_a_member_compares_its_team_with_parent_and_company(app: Engine) -> None:
    with app.connect() as conn:
        team = my_team(conn, Scope(("T1",), people=False, person="p2"), "T1", "month", FEB)
    assert (team.unit_name, team.parent, team.company) == ("North", ("D1", "Sales"), ("C", "Acme"))
    rows = team.kpis.set_index("kpi_id")
    # adoption_rate Feb: T1 licensed p1-p4; >= 4 activity days: p1 (4), p3 (4); p2 has 3, p4 1 -> 2/4.
    # D1: T1's 4 + p7, p8 (p6 ended 02-27) + p9 = 7; regular p1 p3 p7 p9 -> 4/7. C: + p10 (4), p11 (0) -> 5/9.
    assert rows.loc["adoption_rate", "value"] == 50.0
    assert rows.loc["adoption_rate", "parent_value"] == pytest.approx(100 * 4 / 7)
    assert rows.loc["adoption_rate", "company_value"] == pytest.approx(100 * 5 / 9)
    assert rows.loc["adoption_rate", "status"] == "red"  # 50 against C's 60: 0.83 of target
    # Red first, then amber, no data, green.
    order = {"red": 0, "amber": 1, "no_data": 2, "green": 3}
    assert list(team.kpis["status"].map(order)) == sorted(team.kpis["status"].map(order))
    # T1's Feb pulse has 4 respondents (p1-p4): suppressed, so hidden entirely, its base too.
    pulse = rows.loc["pulse_score"]
    assert pulse["status"] == "no_data"
    assert pulse[["value", "numerator", "denominator"]].isna().all()


def test_a_member_sees_its_own_status(app: Engine) -> None:
    with app.connect() as conn:
        team = my_team(conn, Scope(("T1",), people=False, person="p2"), "T1", "month", FEB)
    me = team.me
    # p2: licensed since 2025-06-01; role "Rep" needs SALES, p2 only took OPT; 3 activity days in Feb
    # (02-06 is an all-zero row); last pulse on or before 02-28 is 02-10, mean 3.0.
    assert (me.person_id, me.licensed, me.active_days, me.regular_days) == ("p2", True, 3, 4)
    assert [(c.id, c.done_on) for c in me.courses] == [("SALES", None)]
    assert [c.name for c in me.missing] == ["Selling with the CRM"]
    assert me.last_pulse == (date(2026, 2, 10), 3.0)


def test_next_steps_list_only_the_people_the_viewer_may_see(app: Engine) -> None:
    with app.connect() as conn:
        member = my_team(conn, Scope(("T1",), people=False, person="p2"), "T1", "month", FEB)
        manager = my_team(conn, Scope(("T1",), people=True, person="p1"), "T1", "month", FEB)
    member_steps = {s.kpi_id: s for s in member.steps}
    manager_steps = {s.kpi_id: s for s in manager.steps}
    assert "Ask the people who did not use the CRM" in member_steps["adoption_rate"].text
    # The member sees itself only; the manager every irregular user of the team, fewest days first.
    assert member_steps["adoption_rate"].people == [("P2", "3 of 4 activity days")]
    assert manager_steps["adoption_rate"].people == [("P4", "1 of 4 activity days"), ("P2", "3 of 4 activity days")]
    assert set(member_steps) == set(manager_steps) == set(member.kpis[member.kpis["status"] == "red"]["kpi_id"])


def test_a_member_cannot_open_another_team(app: Engine) -> None:
    with app.connect() as conn:
        assert my_team(conn, Scope(("T1",), people=False, person="p2"), "T2", "month", FEB) is None
