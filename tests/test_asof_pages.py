"""Pages as of a snapshot (`?snapshot=ID`) through AppTest as the application role, on the fixture
organisation (February 2026): the frozen numbers survive a new target and new data while the live
page follows them, drilling stays in the snapshot where it holds the unit, a team's people are never
frozen, and a forged, out-of-scope or pre-pillar snapshot says so instead of failing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import insert
from streamlit.testing.v1 import AppTest

from db import schema
from db.engine import make_engine
from metrics import snapshot
from metrics.overview import overview
from metrics.refresh import refresh
from metrics.scope import company_scope
from tests.conftest import add_user, fixture_org_database, sign_in

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")
FEB = date(2026, 2, 1)


@pytest.fixture(scope="module")
def org() -> dict:
    """The fixture organisation with a snapshot of Sales (D1) for February, then, after it, a new
    report-use target on Sales and one more held weekly status meeting of South (T2) on CRM reports,
    refreshed; and an Overview-only snapshot of Acme as made before pillar pages were frozen."""
    url = fixture_org_database()
    eng = make_engine(url)
    with eng.begin() as conn:
        scope = company_scope(conn)
        sid = snapshot.create(
            conn,
            scope,
            unit="D1",
            grain="month",
            period_start=FEB,
            name="Feb steering committee",
            actor="ann@acme.test",
        )
        model = overview(conn, scope, "C", "month", FEB)
        old = conn.execute(
            insert(schema.snapshots)
            .values(
                name="Before pillars", org_unit_id="C", grain="month", period_start=FEB,
                period_end=date(2026, 2, 28), weights=model.weights, model=snapshot.to_json(model),
            )
            .returning(schema.snapshots.c.id)
        ).scalar_one()  # fmt: skip
    with eng.begin() as conn:
        conn.execute(
            insert(schema.targets).values(
                kpi_id="report_usage_in_meetings", org_unit_id="D1", value=50.0, effective_from=date(2026, 1, 1),
                reason="Agreed after the steering committee",
            )
        )  # fmt: skip
        conn.execute(
            insert(schema.meetings).values(
                id="late", org_unit_id="T2", kind="weekly_status", scheduled_on=date(2026, 2, 20), status="held",
                crm_report_used=True, sponsor_present=False,
            )
        )  # fmt: skip
        refresh(conn)
    eng.dispose()
    add_user(url, "admin@acme.test", "admin")
    add_user(url, "sponsor@acme.test", "sponsor")
    add_user(url, "south@acme.test", "manager", unit="T2")
    return {"url": url, "sid": sid, "old": old}


@pytest.fixture
def app(org: dict, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", org["url"])
    st.cache_data.clear()
    st.cache_resource.clear()
    return AppTest.from_file(APP, default_timeout=60)


def _open(at: AppTest, page: str, email: str = "admin@acme.test", **params: str) -> AppTest:
    sign_in(at, email)
    for k, v in {"grain": "month", "period": "2026-02-01", **params}.items():
        at.query_params[k] = v
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def _texts(at: AppTest) -> str:
    parts = []
    for kind in ("title", "subheader", "markdown", "caption", "info"):
        parts += [str(e.value) for e in getattr(at, kind)]
    return "\n".join(parts)


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_a_frozen_pillar_page_keeps_its_numbers_while_the_live_one_follows(app: AppTest, org: dict) -> None:
    at = _open(app, "process", unit="D1", snapshot=str(org["sid"]))
    assert at.title[0].value == "Process · Sales"
    banner = at.info[0].value
    assert "As of snapshot «Feb steering committee», frozen" in banner and "by ann@acme.test" in banner
    # Report use D1 Feb when frozen: management meetings held m1 m2 m10 m11 m13 m14 (6), on reports 4.
    assert _metrics(at)["Report use in meetings"] == "67 %"
    text = _texts(at)
    assert "4 of 6 held management meetings" in text
    assert "Target 80 %, the default" in text
    # The unit, grain and period are the snapshot's and cannot be changed while it is shown.
    assert at.sidebar.selectbox(key="unit").disabled and at.sidebar.selectbox(key="period_month").disabled
    assert at.query_params["snapshot"] == [str(org["sid"])] or at.query_params["snapshot"] == str(org["sid"])

    live = _open(AppTest.from_file(APP, default_timeout=60), "process", unit="D1")
    # Live: the late meeting makes it 5 of 7 = 71.4 %, against the new target of 50 set on Sales.
    assert _metrics(live)["Report use in meetings"] == "71 %"
    text = _texts(live)
    assert "5 of 7 held management meetings" in text
    assert "Target 50 %, set on this unit since 1 Jan 2026 — “Agreed after the steering committee”" in text
    assert "As of snapshot" not in text


def test_the_overview_as_of_a_snapshot(app: AppTest, org: dict) -> None:
    at = _open(app, "overview", snapshot=str(org["sid"]))
    assert at.title[0].value == "Sales"
    html = "\n".join(str(h.proto.body) for h in at.get("html"))
    assert "4 of 6 held management meetings" in html and "5 of 7 held management meetings" not in html
    live = _open(AppTest.from_file(APP, default_timeout=60), "overview", unit="D1")
    live_html = "\n".join(str(h.proto.body) for h in live.get("html"))
    assert "5 of 7 held management meetings" in live_html


def test_drilling_stays_in_the_snapshot_one_level_down_and_a_team_shows_no_people(app: AppTest, org: dict) -> None:
    at = _open(app, "technology", unit="D1", snapshot=str(org["sid"]))
    at.button(key="drill_T1").click().run()
    assert not at.exception
    assert at.title[0].value == "Technology · North" and at.query_params["unit"] == "T1"
    assert "snapshot" in at.query_params
    assert "People-level detail is shown live only" in _texts(at)
    assert not any("Person" in d.value.columns for d in at.dataframe)
    # Acme is not held by the snapshot (it froze Sales and below): the breadcrumb leads to live.
    at.button(key="crumb_C").click().run()
    assert at.title[0].value == "Technology · Acme" and "snapshot" not in at.query_params
    assert "As of snapshot" not in _texts(at)


def test_a_sponsor_reads_the_frozen_kpis_but_no_person_level_counts(app: AppTest, org: dict) -> None:
    at = _open(app, "people", email="sponsor@acme.test", unit="D1", snapshot=str(org["sid"]))
    assert _metrics(at)["Adoption rate"] == "57 %"  # 4 of 7 licensed users of Sales
    assert not any("Unit" in d.value.columns for d in at.dataframe)  # the training x usage counts
    assert "Counted from person-level rows" in _texts(at)


def test_a_snapshot_from_before_pillar_pages_says_so(app: AppTest, org: dict) -> None:
    at = _open(app, "people", unit="C", snapshot=str(org["old"]))
    assert "This snapshot was taken before pillar pages were frozen" in _texts(at)
    assert not at.metric
    overview_page = _open(AppTest.from_file(APP, default_timeout=60), "overview", snapshot=str(org["old"]))
    assert overview_page.title[0].value == "Acme" and "As of snapshot «Before pillars»" in overview_page.info[0].value


@pytest.mark.parametrize("asked", ["999999", "abc", "1; DROP TABLE snapshots", "99999999999999999999999"])
def test_a_forged_snapshot_id_shows_a_message_and_the_live_page(app: AppTest, asked: str) -> None:
    at = _open(app, "people", unit="D1", snapshot=asked)
    assert "not found, or not open to you — showing live figures" in _texts(at)
    assert at.title[0].value == "People · Sales" and "snapshot" not in at.query_params


def test_a_viewer_outside_the_snapshots_unit_sees_nothing_of_it(app: AppTest, org: dict) -> None:
    at = _open(app, "process", email="south@acme.test", snapshot=str(org["sid"]))
    text = _texts(at)
    assert "not found, or not open to you" in text and "Feb steering committee" not in text
    assert at.title[0].value == "Process · South" and "As of snapshot" not in text
    assert "snapshot" not in at.query_params


def test_the_sidebar_lists_the_units_snapshots_to_open(app: AppTest, org: dict) -> None:
    at = _open(app, "people", unit="D1")
    pick = at.sidebar.selectbox(key="asof_pick")
    assert pick.options[0] == "Live figures" and pick.options[1].startswith("Feb steering committee · ")
    pick.select(org["sid"]).run()
    assert not at.exception
    assert "As of snapshot «Feb steering committee»" in at.info[0].value
    at.sidebar.selectbox(key="asof_pick").select(None).run()
    assert "As of snapshot" not in _texts(at) and "snapshot" not in at.query_params


def test_the_live_overview_says_what_moved_since_the_last_review(app: AppTest, org: dict) -> None:
    at = _open(app, "overview", unit="D1")
    text = _texts(at)
    assert "Since the last review" in text
    assert "Compared with “Feb steering committee” (Feb 2026, frozen" in text.replace("\\", "")
    # Report use in meetings: 4 of 6 (67 %, red against 80) then; 5 of 7 (71 %, green against the new 50) now.
    line = next(m.value for m in at.markdown if "Report use in meetings" in m.value).replace("\\", "")
    assert "67 % → 71 % · off target → on target; target 80 % → 50 %" in line
    frozen = _open(AppTest.from_file(APP, default_timeout=60), "overview", snapshot=str(org["sid"]))
    assert "Since the last review" not in _texts(frozen)  # nothing was frozen of Sales before it
