"""People, Process and Technology pages through AppTest as the application role: the numbers shown
on the fixture organisation (February 2026), the unit search with paths, and drilling down from
the company to a team's people and back up by the breadcrumb."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from db.engine import make_engine
from metrics.refresh import refresh
from tests.conftest import add_user, create_database, sign_in
from tests.fixture_org import load

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")
FEB = {"grain": "month", "period": "2026-02-01"}


@pytest.fixture(scope="module")
def org_url() -> str:
    url = create_database()
    eng = make_engine(url)
    with eng.begin() as conn:
        load(conn)
        refresh(conn, full=True)
    eng.dispose()
    add_user(url, "admin@acme.test", "admin")
    add_user(url, "member@acme.test", "member", unit="T1", person="p2")
    add_user(url, "sponsor@acme.test", "sponsor")
    return url


@pytest.fixture
def app(org_url: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", org_url)
    st.cache_data.clear()
    st.cache_resource.clear()
    return AppTest.from_file(APP, default_timeout=60)


def _open(at: AppTest, page: str, email: str = "admin@acme.test", **params: str) -> AppTest:
    sign_in(at, email)
    for k, v in {**FEB, **params}.items():
        at.query_params[k] = v
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _texts(at: AppTest) -> str:
    parts = []
    for kind in ("title", "subheader", "markdown", "caption", "info"):
        parts += [str(e.value) for e in getattr(at, kind)]
    return "\n".join(parts)


def test_people_page_shows_the_numbers(app: AppTest) -> None:
    at = _open(app, "people", unit="D1")
    assert at.title[0].value == "People · Sales"
    shown = _metrics(at)
    # D1 Feb adoption 4/7 = 57.1 % against 60 % inherited from Acme (amber); coverage 5/7 (p1 p3 p4 p8 p9) vs own 70 %.
    assert shown["Adoption rate"] == "57 %"
    assert shown["Training coverage"] == "71 %"
    assert shown["KPIs on target"].endswith("of 5")
    text = _texts(at)
    assert "4 of 7 licensed users" in text
    assert "Target 60 %, inherited from Acme since 1 Jan 2025" in text
    assert "Target 70 %, set on this unit since 15 Feb 2026" in text
    assert "small base (under 10)" in text
    assert "latest CRM activity 28 Feb 2026" in text
    # The quadrant table: Sales (all) 3 / 2 / 1 / 1, North and South below.
    quadrant = next(d.value for d in at.dataframe if "Unit" in d.value.columns).set_index("Unit")
    assert quadrant.loc["Sales (all)"].tolist() == [3, 2, 1, 1]


def test_process_page_shows_the_numbers(app: AppTest) -> None:
    at = _open(app, "process", unit="C")
    assert at.title[0].value == "Process · Acme"
    shown = _metrics(at)
    # Report use C Feb: held management meetings m1 m2 m10 m11 m13 m14 m15; on reports m1 m10 m11 m13 m15.
    assert shown["Report use in meetings"] == "71 %"
    tables = [d.value for d in at.dataframe]
    use = next(t for t in tables if "Kind" in t.columns).set_index("Kind")
    assert use.loc["coaching", "Held"] == 3 and use.loc["coaching", "Share"] == "67 %"
    gov = next(t for t in tables if "Sponsor" in t.columns)
    # By day: m13 (02-05, present), m16 (02-12, missed), m14 (02-19), m15 (02-26, present).
    assert list(gov["Sponsor"]) == ["present", "absent", "absent", "present"]


def test_technology_page_shows_the_numbers(app: AppTest) -> None:
    at = _open(app, "technology", unit="C")
    shown = _metrics(at)
    # Engaged C Feb: records worked >= 4: p1 (4), p3 (4), p4 (5), p7 (8), p9 (4) of 9 licensed = 55.6 %.
    assert shown["Engaged users"] == "56 %"
    # Activity mix per active user: 26 logins / 8 users = 3.25 -> "3.2"; 13 created -> 1.6.
    mix = next(d.value for d in at.dataframe if "Activity" in d.value.columns).set_index("Activity")
    assert mix.loc["Logins", "Per active user"] == "3.2" and mix.loc["Records created", "Per active user"] == "1.6"
    assert mix["Total"].tolist() == [26, 13, 12, 0]
    issues = next(d.value for d in at.dataframe if "Open issues" in d.value.columns)
    assert issues["Open issues"].tolist() == [0, 0, 1, 0]


def test_drill_down_from_company_to_a_teams_people_and_back(app: AppTest) -> None:
    at = _open(app, "technology", unit="C")
    assert at.title[0].value == "Technology · Acme"
    at.button(key="drill_D1").click().run()
    assert at.title[0].value == "Technology · Sales" and at.query_params["unit"] == "D1"
    at.button(key="drill_T1").click().run()
    assert at.title[0].value == "Technology · North" and at.query_params["unit"] == "T1"
    people = next(d.value for d in at.dataframe if "Person" in d.value.columns)
    assert people["Person"].tolist() == ["P1", "P2", "P3", "P4"]
    assert people["Records worked"].tolist() == [4, 0, 4, 5]
    # Breadcrumb: Acme › Sales › North; back up two levels at once.
    assert {"crumb_C", "crumb_D1"} <= {b.key for b in at.button}
    at.button(key="crumb_C").click().run()
    assert at.title[0].value == "Technology · Acme" and at.query_params["unit"] == "C"
    assert not at.exception


def test_unit_search_shows_paths_and_jumps(app: AppTest) -> None:
    at = _open(app, "people", unit="C")
    find = at.sidebar.selectbox(key="unit_find")
    assert "Sales › North" in find.options and "Acme" in find.options
    find.select("T2").run()
    assert at.title[0].value == "People · South" and at.query_params["unit"] == "T2"
    assert at.sidebar.selectbox(key="unit_find").value is None


def test_a_member_sees_no_people_and_a_sponsor_no_names(app: AppTest) -> None:
    at = _open(app, "people", email="member@acme.test")
    assert at.title[0].value == "People · North"
    assert "P3" not in _texts(at) and not any("Person" in d.value.columns for d in at.dataframe)
    assert "Person-level rows are shown to managers" in _texts(at)


def test_a_sponsor_reads_no_zeros_where_person_level_counts_are_withheld(app: AppTest) -> None:
    at = _open(app, "technology", email="sponsor@acme.test", unit="C")
    assert _metrics(at)["Engaged users"] == "56 %"  # the KPI itself is an aggregate: shown
    assert not any("Open issues" in d.value.columns or "Activity" in d.value.columns for d in at.dataframe)
    assert _texts(at).count("Counted from person-level rows") == 2  # activity mix and open issues
    people = _open(app, "people", email="sponsor@acme.test", unit="C")
    assert "Shown only when 5 or more people answered" not in _texts(people)  # the pulse profile is withheld
