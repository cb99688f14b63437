"""AppTest of the Overview on a tiny hand-built organisation with hand-computed numbers."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import insert
from streamlit.testing.v1 import AppTest

from db import schema
from db.engine import make_engine
from metrics.refresh import refresh

APP = Path(__file__).resolve().parent.parent / "streamlit_app.py"


def _build(url: str) -> None:
    """Company `co` with teams t1 (p0–p4) and t2 (p5–p9), all licensed since 1 Jan 2026.

    March 2026 is the whole window (first activity 1 Mar, last event 31 Mar), so it is complete.
    """
    eng = make_engine(url)
    with eng.begin() as c:
        c.execute(
            insert(schema.org_units),
            [
                {"id": "co", "name": "Acme Test", "parent_id": None, "kind": "company"},
                {"id": "t1", "name": "Team One", "parent_id": "co", "kind": "team"},
                {"id": "t2", "name": "Team Two", "parent_id": "co", "kind": "team"},
            ],
        )
        c.execute(
            insert(schema.people),
            [
                {
                    "id": f"p{i}",
                    "name": f"Person {i}",
                    "org_unit_id": "t1" if i < 5 else "t2",
                    "role": "rep",
                    "license_start": date(2026, 1, 1),
                }
                for i in range(10)
            ],
        )
        # p0–p6 log in on 1–4 March: 4 activity days each, no records worked.
        c.execute(
            insert(schema.crm_activity),
            [{"person_id": f"p{i}", "date": date(2026, 3, d), "logins": 1} for i in range(7) for d in range(1, 5)],
        )
        c.execute(
            insert(schema.recognitions), [{"id": "r1", "person_id": "p0", "date": date(2026, 3, 10), "kind": "award"}]
        )
        c.execute(
            insert(schema.data_quality),
            [{"org_unit_id": "t1", "measured_on": date(2026, 3, 31), "records_checked": 100, "records_complete": 90}],
        )
        refresh(c)
    eng.dispose()


@pytest.fixture(scope="module")
def tiny_url() -> Iterator[str]:
    from tests.conftest import create_database

    url = create_database()
    _build(url)
    yield url


@pytest.fixture
def app(tiny_url: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", tiny_url)
    st.cache_data.clear()
    st.cache_resource.clear()
    return AppTest.from_file(str(APP), default_timeout=60)


def test_overview_shows_hand_computed_index_and_pillars(app: AppTest) -> None:
    app.run()
    assert not app.exception
    assert app.title[0].value == "Acme Test"
    metrics = {m.label: m.value for m in app.metric}
    # People: adoption 7/10 = 70 (a = 0.875), training 100 (a = 1), recognition 1/10*100*30/31 = 9.68 (a = 1)
    #   -> 100 * (0.875 + 1 + 1) / 3 = 95.83
    assert metrics["People · 50%"] == "95.8"
    # Process: only communication cadence has data: 0 per 30 days (a = 0) -> 0
    assert metrics["Process · 30%"] == "0.0"
    # Technology: engaged 0/10 (a = 0), data quality 90/100 = 90 vs 85 (a = 1) -> 50
    assert metrics["Technology · 20%"] == "50.0"
    # Index: (50 * 95.833 + 30 * 0 + 20 * 50) / 100 = 57.92
    assert metrics["Adoption Index"] == "57.9"
    assert "March 2026 (month)" in app.caption[0].value
    assert "partial" not in app.caption[0].value


def test_overview_lists_red_kpis_with_the_child_units_that_pull_them_down(app: AppTest) -> None:
    app.run()
    attention = next(m.value for m in app.markdown if "Adoption rate" in m.value)
    # Team Two: p5, p6 active of p5–p9 -> 2/5 = 40 %, red; Team One 5/5 = 100 % is not listed.
    assert ":red[**Adoption rate**] 70% (target 80%) — lowest: Team Two 40%" in attention
    assert "Team One" not in attention.split("Adoption rate")[1].split("\n")[0]
    assert ":red[**Engaged users**] 0%" in attention
    assert ":red[**Communication cadence**] 0.0" in attention


def test_overview_scorecard_has_every_kpi_with_status_and_base(app: AppTest) -> None:
    app.run()
    table = app.dataframe[0].value
    assert len(table) == 13
    adoption = table[table["KPI"] == "Adoption rate"].iloc[0]
    assert (adoption["Value"], adoption["Target"], adoption["Status"]) == ("70%", "80%", "Off target")
    assert adoption["Based on"] == "7 of 10 licensed users"
    pulse = table[table["KPI"] == "Pulse score (ADKAR)"].iloc[0]
    assert (pulse["Value"], pulse["Status"]) == ("–", "No data")


def test_overview_trend_chart_gets_only_the_aggregated_scores(app: AppTest) -> None:
    app.run()
    chart = app.get("vega_lite_chart")[0]
    spec = json.loads(chart.proto.spec)
    assert spec["layer"][0]["encoding"]["y"]["field"] == "score"


def test_overview_follows_the_url_filters(app: AppTest) -> None:
    app.query_params["unit"] = "t2"
    app.query_params["grain"] = "quarter"
    app.run()
    assert not app.exception
    assert app.title[0].value == "Team Two"
    # Q1 2026 starts 1 Jan, before the window: a partial period, flagged.
    assert "Q1 2026 (quarter) · **partial period**" in app.caption[0].value
    assert any("not complete" in w.value for w in app.warning)


def test_overview_says_when_the_database_is_down(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none")
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    assert "cannot be reached" in at.error[0].value


def test_overview_on_an_empty_database_explains_how_to_load_data(fresh_database, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", fresh_database())
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    assert "No organisation yet" in at.info[0].value


def test_why_it_moved_names_the_kpi_that_moved_each_pillar() -> None:
    from metrics.overview import Movement
    from ui.display import movement_line

    m = Movement(
        delta=-3.0,
        pillars={"people": -3.7, "process": 0.7, "technology": 0.0},
        kpis={"adoption_rate": 2.5, "pulse_score": -10.0, "recognition_rate": 3.8, "communication_cadence": 0.7},
        kpi_deltas={"adoption_rate": -0.4, "pulse_score": None, "recognition_rate": 4.0, "communication_cadence": 8.6},
    )
    assert movement_line(m) == (
        "-3.0 index points = People -3.7 (Pulse score (ADKAR): no data this period)"
        " · Process +0.7 (Communication cadence +8.6) · Technology +0.0"
    )


def test_overview_on_a_database_without_migrations_says_how_to_set_it_up(monkeypatch) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from tests.conftest import _created, _server_url

    server = make_url(_server_url())
    name = f"flywheel_test_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')  # generated name
    admin.dispose()
    _created.append(name)
    monkeypatch.setenv("DATABASE_URL", server.set(database=name).render_as_string(hide_password=False))
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    assert "not set up" in at.error[0].value
