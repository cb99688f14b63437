"""Sign-in, pages per role, scope in the UI, My team and Admin, through AppTest as the application role."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from db.engine import make_engine
from tests.conftest import TEST_PASSWORD, add_user, fixture_org_database, sign_in

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")
FEB = {"grain": "month", "period": "2026-02-01"}


@pytest.fixture(scope="module")
def org_url() -> str:
    url = fixture_org_database()
    eng = make_engine(url)
    with eng.begin() as conn:
        # A target whose review date has passed: leads see it on the Overview.
        conn.execute(
            text(
                "INSERT INTO targets (kpi_id, org_unit_id, effective_from, value, review_on, reason, recorded_by)"
                " VALUES ('data_quality', 'D2', '2026-01-01', 80, '2026-06-01', 'Interim', 'lead@acme.test')"
            )
        )
        # An action on North's adoption, owned by p1, due long ago: overdue.
        from metrics import actions
        from metrics.scope import company_scope

        actions.create(
            conn,
            company_scope(conn),
            title="Pair the irregular users with a regular one",
            owner="p1",
            due_on=date(2026, 3, 31),
            kpi_id="adoption_rate",
            unit="T1",
            actor="lead@acme.test",
        )
    eng.dispose()
    add_user(url, "admin@acme.test", "admin")
    add_user(url, "lead@acme.test", "lead")
    add_user(url, "member@acme.test", "member", unit="T1", person="p2")
    add_user(url, "manager@acme.test", "manager", unit="T1", person="p1")
    add_user(url, "sponsor@acme.test", "sponsor")
    return url


@pytest.fixture
def app(org_url: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", org_url)
    st.cache_data.clear()
    st.cache_resource.clear()
    return AppTest.from_file(APP, default_timeout=60)


def _run(at: AppTest, **params: str) -> AppTest:
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def _options(box) -> list[str]:
    """A unit picker's options as names (the picker indents them by depth)."""
    return [o.strip("\u2003") for o in box.options]


def _texts(at: AppTest) -> str:
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "error", "warning", "success"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [str(m.value) for m in at.metric] + [str(m.label) for m in at.metric]
    return "\n".join(parts)


# ---------------------------------------------------------------- sign-in


def test_without_a_session_the_sign_in_form_shows_and_no_data(app: AppTest) -> None:
    _run(app)
    assert [b.label for b in app.button] == ["Sign in"]
    assert app.text_input[0].label == "E-mail" and app.text_input[1].label == "Password"
    assert not app.metric and not app.dataframe
    assert "Acme" not in _texts(app) and "North" not in _texts(app)


def test_a_wrong_password_is_refused_with_no_data(app: AppTest) -> None:
    _run(app)
    app.text_input[0].input("member@acme.test")
    app.text_input[1].input("not the password")
    app.button[0].click().run()
    assert [e.value for e in app.error] == ["Wrong e-mail or password, or no access."]
    assert not app.metric and "North" not in _texts(app)


def test_the_right_password_signs_in(app: AppTest) -> None:
    _run(app, unit="T1", **FEB)
    app.text_input[0].input("member@acme.test")
    app.text_input[1].input(TEST_PASSWORD)
    app.button[0].click().run()
    assert not app.exception
    assert app.title[0].value == "North"
    assert "Signed in as P2 · member" in [c.value for c in app.sidebar.caption]


def test_a_session_ends_after_two_idle_hours(app: AppTest) -> None:
    import time

    sign_in(app, "member@acme.test")
    app.session_state["_flywheel_session"] = {
        "email": "member@acme.test",
        "started": time.time() - 3 * 3600,
        "seen": time.time() - 2 * 3600 - 1,
    }
    _run(app)
    assert "Your session ended. Please sign in again." in [i.value for i in app.info]
    assert [b.label for b in app.button] == ["Sign in"]


def test_sign_out_ends_the_session(app: AppTest) -> None:
    _run(sign_in(app, "member@acme.test"), unit="T1", **FEB)
    app.sidebar.button(key="sign_out").click().run()
    assert [b.label for b in app.button] == ["Sign in"]


# ---------------------------------------------------------------- pages per role and scope


def test_a_member_sees_only_its_team_and_no_admin_page(app: AppTest) -> None:
    _run(sign_in(app, "member@acme.test"))
    assert _options(app.sidebar.selectbox(key="unit")) == [
        "North"
    ]  # its team only: no other team, no division, no company
    with pytest.raises(ValueError):
        app.switch_page("pages/admin.py")  # not registered for a member


def test_a_member_typing_another_teams_id_gets_a_notice_and_its_own_team(app: AppTest) -> None:
    _run(sign_in(app, "member@acme.test"), unit="T2", **FEB)
    assert app.title[0].value == "North"
    assert any("Unit **T2** not found — showing North." in i.value for i in app.info)
    assert "South" not in _texts(app)


def test_session_state_cannot_widen_the_scope(app: AppTest) -> None:
    sign_in(app, "member@acme.test")
    app.session_state["unit"] = "C"
    _run(app, **FEB)
    assert app.title[0].value == "North"


def test_a_forbidden_page_opened_directly_shows_no_data(app: AppTest) -> None:
    """A fresh server may run a page file without the router: the page guards itself."""
    _run(sign_in(app, "member@acme.test"))
    at = sign_in(
        AppTest.from_file(str(Path(APP).parent / "pages" / "admin.py"), default_timeout=60), "member@acme.test"
    )
    at.run()
    assert not at.exception
    assert "admin@acme.test" not in _texts(at) and not at.dataframe


def test_a_sponsor_sees_the_company_but_no_admin_page(app: AppTest) -> None:
    _run(sign_in(app, "sponsor@acme.test"), **FEB)
    assert app.title[0].value == "Acme"
    assert set(_options(app.sidebar.selectbox(key="unit"))) == {"Acme", "Sales", "North", "South", "Service", "Desk"}
    with pytest.raises(ValueError):
        app.switch_page("pages/admin.py")


# ---------------------------------------------------------------- My team


def test_my_team_as_a_member(app: AppTest) -> None:
    _run(sign_in(app, "member@acme.test"), unit="T1", **FEB)
    app.switch_page("pages/my-team.py").run()
    assert not app.exception
    assert app.title[0].value == "My team · North"
    metrics = {m.label: m.value for m in app.metric}
    # p2 in February: licensed, SALES not taken (0 of 1), 3 activity days, last pulse 3.0 on 10 Feb.
    assert metrics == {"Licensed": "Yes", "Courses": "0 of 1", "Active days": "3", "Last pulse": "3.0 /5"}
    text = _texts(app)
    assert "Still to complete: Selling with the CRM." in text
    assert "3 active days this period: 4 make a regular CRM user." in text
    # Adoption is red (50 % against 60 %): the step names the member alone, never a teammate.
    assert "- P2: 3 of 4 activity days" in text and "P4" not in text
    table = app.dataframe[0].value
    row = table[table["KPI"] == "Adoption rate"].iloc[0]
    assert (row["Status"], row["Team"], row["Target"], row["Sales"], row["Acme"]) == (
        "Off target",
        "50 %",
        "60 %",
        "57 %",
        "56 %",
    )
    assert table.iloc[0]["Status"] == "Off target"  # red first


def test_my_team_as_a_manager_names_the_people_to_help(app: AppTest) -> None:
    _run(sign_in(app, "manager@acme.test"), unit="T1", **FEB)
    app.switch_page("pages/my-team.py").run()
    text = _texts(app)
    assert "- P4: 1 of 4 activity days" in text and "- P2: 3 of 4 activity days" in text


# ---------------------------------------------------------------- Admin and view as


def test_admin_lists_users_and_can_view_as_a_member(app: AppTest) -> None:
    _run(sign_in(app, "admin@acme.test"), **FEB)
    app.switch_page("pages/admin.py").run()
    assert not app.exception
    users = app.dataframe[0].value
    assert set(users["E-mail"]) >= {"admin@acme.test", "member@acme.test", "manager@acme.test"}
    app.selectbox(key="view_as_user").set_value("member@acme.test")
    app.button[[b.label for b in app.button].index("View as this user")].click().run()
    app.switch_page("pages/overview.py").run()  # the browser follows st.switch_page; AppTest is told
    assert not app.exception
    assert app.title[0].value == "North"
    assert [w.value for w in app.sidebar.warning] == [
        "Viewing as **member@acme.test** (member): you see exactly what they see."
    ]
    assert _options(app.sidebar.selectbox(key="unit")) == ["North"]
    app.sidebar.button(key="stop_view_as").click().run()
    assert "Sales" in _options(app.sidebar.selectbox(key="unit"))


def test_admin_adds_a_user_with_a_clear_error_for_a_bad_one(app: AppTest) -> None:
    _run(sign_in(app, "admin@acme.test"), **FEB)
    app.switch_page("pages/admin.py").run()
    email = app.text_input[[t.label for t in app.text_input].index("E-mail")]
    email.input("p8@acme.test")
    app.button[[b.label for b in app.button].index("Add user")].click().run()
    assert not app.exception
    assert "Added p8@acme.test." in [s.value for s in app.success]
    users = app.dataframe[0].value
    added = users[users["E-mail"] == "p8@acme.test"].iloc[0]
    # The person with that e-mail (p8, team South) becomes the user's person and home unit.
    assert (added["Role"], added["Home unit"], added["Person"]) == ("member", "South", "p8")
    app.text_input[[t.label for t in app.text_input].index("E-mail")].input("p8@acme.test")
    app.button[[b.label for b in app.button].index("Add user")].click().run()
    assert "a user p8@acme.test exists already" in [e.value for e in app.error]


def test_caches_never_serve_one_scopes_rows_to_another(org_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two sessions in one process share Streamlit's caches: the member still sees only its team."""
    monkeypatch.setenv("DATABASE_URL", org_url)
    st.cache_data.clear()
    st.cache_resource.clear()
    admin = _run(sign_in(AppTest.from_file(APP, default_timeout=60), "admin@acme.test"), unit="C", **FEB)
    assert admin.title[0].value == "Acme"
    member = _run(sign_in(AppTest.from_file(APP, default_timeout=60), "member@acme.test"), unit="C", **FEB)
    assert member.title[0].value == "North"
    assert _options(member.sidebar.selectbox(key="unit")) == ["North"]
    member.switch_page("pages/my-team.py").run()
    assert "Acme" in member.dataframe[0].value.columns  # the company's aggregate, to compare with
    assert "P4" not in _texts(member)  # but never a teammate


def test_leads_see_targets_due_for_review_on_the_overview(app: AppTest, org_url: str, monkeypatch) -> None:
    _run(sign_in(app, "lead@acme.test"), **FEB)
    assert [w.value for w in app.warning] == [
        "**1 target due for review:** Data quality for Service (80 %, due 1 Jun 2026)."
    ]
    sponsor = _run(sign_in(AppTest.from_file(APP, default_timeout=60), "sponsor@acme.test"), **FEB)
    assert not sponsor.warning  # sponsors do not set targets


def test_overdue_actions_show_on_the_overview_of_their_unit_and_above(app: AppTest) -> None:
    _run(sign_in(app, "lead@acme.test"), unit="C", **FEB)
    assert [e.value for e in app.error] == [
        "**1 overdue action:** Pair the irregular users with a regular one (Adoption rate, North, P1, due 31 Mar 2026)."
    ]
    member = _run(sign_in(AppTest.from_file(APP, default_timeout=60), "member@acme.test"), **FEB)
    # The member sees its team's action, but not who owns it (a person it may not see).
    assert [e.value for e in member.error] == [
        "**1 overdue action:** Pair the irregular users with a regular one (Adoption rate, North, due 31 Mar 2026)."
    ]
    south = _run(sign_in(AppTest.from_file(APP, default_timeout=60), "lead@acme.test"), unit="T2", **FEB)
    assert not south.error
