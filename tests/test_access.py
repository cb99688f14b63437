"""Row-level security, the second wall: the application role sees only the viewer's scope."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, Engine, create_engine, exc, func, select, text

from db import audit, schema, users
from db.access import APP_ROLE
from db.engine import make_engine
from metrics.periods import units
from metrics.refresh import refresh
from metrics.scope import Scope, company_scope, scope_for
from metrics.scoring import kpi_rows, score_rows
from tests.conftest import application_url, create_database
from tests.fixture_org import load

PERSON_TABLES = ("people", "crm_activity", "training_completions", "pulse_responses", "recognitions", "feedback")
# The fixture's tree: C > D1 > (T1, T2); C > D2 > T3. p1..p5 in T1, p6..p8 in T2, p9 in D1, p10-p12 in D2.
T1_PEOPLE = {"p1", "p2", "p3", "p4", "p5"}


@pytest.fixture(scope="module")
def urls() -> tuple[str, str]:
    """(owner URL, application URL) of a committed fixture organisation."""
    owner = create_database()
    eng = make_engine(owner)
    with eng.begin() as conn:
        load(conn)
        refresh(conn, full=True)
        users.add(conn, "member@acme.test", "member", unit="T1", password="member-pass-1")
        users.add(conn, "p6@acme.test", "manager", unit="T2", password="manager-pass-1")
        users.add(conn, "sponsor@acme.test", "sponsor", password="sponsor-pass-1")
    eng.dispose()
    return owner, application_url(owner)


@pytest.fixture(scope="module")
def app(urls) -> Iterator[Engine]:
    eng = make_engine(urls[1])
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def owner(urls) -> Iterator[Engine]:
    eng = make_engine(urls[0])
    yield eng
    eng.dispose()


def _count(conn: Connection, table: str) -> int:
    return conn.execute(select(func.count()).select_from(schema.metadata.tables[table])).scalar_one()


def test_the_application_role_is_not_privileged_and_owns_nothing(owner: Engine) -> None:
    with owner.connect() as conn:
        role = conn.execute(
            text("SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = :r"),
            {"r": APP_ROLE},
        ).one()
        owned = conn.execute(
            text("SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = :r"),
            {"r": APP_ROLE},
        ).scalar_one()
    assert tuple(role) == (False, False, False, False)
    assert owned == 0


def test_the_dashboard_connects_as_the_application_role(app: Engine) -> None:
    with app.connect() as conn:
        assert conn.execute(text("SELECT current_user")).scalar_one() == APP_ROLE


def test_every_person_level_table_forces_row_security_with_a_policy(owner: Engine) -> None:
    with owner.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,"
                " EXISTS (SELECT 1 FROM pg_policies p WHERE p.tablename = c.relname AND :r = ANY(p.roles))"
                " FROM pg_class c WHERE c.relname = ANY(:t) AND c.relkind = 'r'"
            ),
            {"r": APP_ROLE, "t": [*PERSON_TABLES, "kpi_values", "meetings"]},
        ).all()
    assert {r[0]: tuple(r[1:]) for r in rows} == {
        t: (True, True, True) for t in (*PERSON_TABLES, "kpi_values", "meetings")
    }


def test_every_table_with_a_person_id_column_is_protected(owner: Engine) -> None:
    """A person-level table added later without a policy fails here."""
    with owner.connect() as conn:
        tables = conn.execute(
            text(
                "SELECT DISTINCT table_name FROM information_schema.columns"
                " WHERE table_schema = 'public' AND column_name = 'person_id'"
            )
        ).scalars()
        unprotected = [
            t
            for t in tables
            if t != "users"  # the sign-in table: read to sign in, no adoption data
            and not conn.execute(
                text("SELECT relforcerowsecurity FROM pg_class WHERE relname = :t"), {"t": t}
            ).scalar_one()
        ]
    assert unprotected == []


@pytest.mark.parametrize("table", [*PERSON_TABLES, "kpi_values", "meetings"])
def test_without_a_scope_nothing_is_visible(app: Engine, table: str) -> None:
    with app.connect() as conn:
        assert _count(conn, table) == 0


def test_empty_settings_are_not_a_scope(app: Engine) -> None:
    with app.connect() as conn:
        conn.execute(
            text(
                "SELECT set_config('flywheel.roots', '', true), set_config('flywheel.people', '', true),"
                " set_config('flywheel.person', '', true)"
            )
        )
        assert _count(conn, "people") == 0
        assert _count(conn, "kpi_values") == 0


def test_a_manager_sees_its_teams_people_only(app: Engine) -> None:
    with app.connect() as conn:
        Scope(("T1",), people=True).apply(conn)
        assert set(conn.execute(text("SELECT id FROM people")).scalars()) == T1_PEOPLE
        persons = set(conn.execute(text("SELECT DISTINCT person_id FROM crm_activity")).scalars())
        assert persons and persons <= T1_PEOPLE


def test_a_member_sees_only_itself_among_people(app: Engine) -> None:
    with app.connect() as conn:
        Scope(("T1",), people=False, person="p2").apply(conn)
        assert list(conn.execute(text("SELECT id FROM people")).scalars()) == ["p2"]
        assert set(conn.execute(text("SELECT DISTINCT person_id FROM crm_activity")).scalars()) <= {"p2"}
        assert set(conn.execute(text("SELECT DISTINCT person_id FROM pulse_responses")).scalars()) <= {"p2"}


def test_a_member_cannot_see_a_person_of_its_team_by_asking_for_it(app: Engine) -> None:
    with app.connect() as conn:
        Scope(("T1",), people=False, person="p2").apply(conn)
        assert conn.execute(text("SELECT count(*) FROM people WHERE id = 'p1'")).scalar_one() == 0


def test_kpi_values_stop_at_the_scope_and_its_ancestors(app: Engine) -> None:
    with app.connect() as conn:
        Scope(("T1",)).apply(conn)
        seen = set(conn.execute(text("SELECT DISTINCT org_unit_id FROM kpi_values")).scalars())
    assert seen == {"T1", "D1", "C"}


@pytest.mark.parametrize(
    ("roots", "company", "units"),
    [
        (("C",), True, {"C", "D1", "D2", "T1", "T2", "T3"}),
        (("D1", "D2"), False, {"C", "D1", "D2", "T1", "T2", "T3"}),  # every unit but not the root: no shortcut
        (("D2",), False, {"C", "D2", "T3"}),
        (("nowhere",), False, set()),
    ],
)
def test_the_whole_company_shortcut_admits_exactly_the_listed_units(app: Engine, roots, company, units) -> None:
    with app.connect() as conn:
        Scope(roots, people=True).apply(conn)
        assert conn.execute(text("SELECT viewer_sees_company()")).scalar_one() is company
        assert set(conn.execute(text("SELECT DISTINCT org_unit_id FROM kpi_values")).scalars()) == units
        assert set(conn.execute(text("SELECT DISTINCT org_unit_id FROM unit_scores")).scalars()) <= units


def test_suppressed_pulse_rows_and_their_base_are_hidden(app: Engine, owner: Engine) -> None:
    query = text("SELECT count(*) FROM kpi_values WHERE kpi_id = 'pulse_score' AND value IS NULL AND denominator > 0")
    with owner.connect() as conn:
        assert conn.execute(query).scalar_one() > 0  # the fixture has suppressed pulses
    with app.connect() as conn:
        Scope(("C",), people=True).apply(conn)
        assert conn.execute(query).scalar_one() == 0


def test_a_pooled_connection_does_not_carry_a_scope_into_the_next_transaction(urls) -> None:
    eng = make_engine(urls[1])
    eng.pool.dispose()
    single = create_engine(eng.url, pool_size=1, max_overflow=0)
    try:
        with single.connect() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
            Scope(("C",), people=True).apply(conn)
            assert _count(conn, "people") > 0
            conn.commit()
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() == pid
            assert _count(conn, "people") == 0  # the next transaction on the same backend
        with single.connect() as conn:
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() == pid
            assert _count(conn, "people") == 0
            assert _count(conn, "kpi_values") == 0
    finally:
        single.dispose()
        eng.dispose()


def test_the_application_role_cannot_write_kpis_people_or_history(app: Engine) -> None:
    statements = [
        "UPDATE kpi_values SET value = 100",
        "DELETE FROM people",
        "INSERT INTO org_units (id, name, kind) VALUES ('x', 'x', 'team')",
        "UPDATE audit_log SET action = 'nothing'",
        "DELETE FROM audit_log",
    ]
    for statement in statements:
        with app.connect() as conn, pytest.raises(exc.ProgrammingError):
            Scope(("C",), people=True).apply(conn)
            conn.execute(text(statement))


def test_audit_entries_cannot_be_changed_even_by_the_owner(owner: Engine) -> None:
    with owner.connect() as conn:
        audit.record(conn, "test", "export", "kpis.csv")
        with pytest.raises(exc.IntegrityError):
            conn.execute(text("UPDATE audit_log SET actor = 'someone else'"))
        conn.rollback()


def test_scoped_queries_return_only_the_scope(app: Engine) -> None:
    with app.connect() as conn:
        member = Scope(("T2",), people=False, person="p7")
        assert {u.id for u in units(conn, member)} == {"T2"}
        assert {r.org_unit_id for r in kpi_rows(conn, member, grain="month")} == {"T2"}
        assert {r.org_unit_id for r in score_rows(conn, member, grain="month")} == {"T2"}
        # Asking for another unit gives nothing, not another team's numbers.
        assert kpi_rows(conn, member, unit="T1") == []
        assert kpi_rows(conn, member, unit="C") == []


def test_scope_for_each_role(owner: Engine) -> None:
    with owner.connect() as conn:
        company = company_scope(conn).roots
        assert scope_for(conn, "sponsor", None, None) == Scope(company, people=False)
        assert scope_for(conn, "lead", "T1", "p1") == Scope(company, people=True, person="p1")
        assert scope_for(conn, "admin", None, None) == Scope(company, people=True)
        assert scope_for(conn, "manager", "D1", "p9") == Scope(("D1",), people=True, person="p9")
        assert scope_for(conn, "member", "T1", "p2") == Scope(("T1",), people=False, person="p2")
        assert scope_for(conn, "member", None, "p2") is None


# ---------------------------------------------------------------- users and sign-in


def test_a_right_password_signs_in_and_is_audited(owner: Engine) -> None:
    with owner.connect() as conn:
        result = users.authenticate(conn, " Member@Acme.test ", "member-pass-1")
        assert result.user is not None and result.user.role == "member" and result.user.home_unit_id == "T1"
        last = audit.recent(conn, 1)[0]
        assert (last.actor, last.action) == ("member@acme.test", "signin")
        conn.rollback()


def test_a_wrong_password_or_unknown_email_is_refused_with_the_same_words(owner: Engine) -> None:
    with owner.connect() as conn:
        wrong = users.authenticate(conn, "member@acme.test", "not-the-password")
        unknown = users.authenticate(conn, "nobody@acme.test", "member-pass-1")
        assert wrong.user is None and unknown.user is None
        assert wrong.message == unknown.message == "Wrong e-mail or password, or no access."
        assert [r.action for r in audit.recent(conn, 2)] == ["signin.failed", "signin.failed"]
        conn.rollback()


def test_failed_attempts_are_counted_and_slowed_down(owner: Engine) -> None:
    now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    with owner.connect() as conn:
        for i in range(3):  # three free attempts
            assert users.authenticate(conn, "member@acme.test", "wrong", now=now + timedelta(seconds=i)).user is None
        failed = conn.execute(
            select(schema.users.c.failed_logins).where(schema.users.c.email == "member@acme.test")
        ).scalar_one()
        assert failed == 3
        # The fourth must wait 2 s after the third, even with the right password.
        early = users.authenticate(conn, "member@acme.test", "member-pass-1", now=now + timedelta(seconds=3))
        assert early.user is None and early.message.startswith("Too many failed attempts. Try again in")
        later = users.authenticate(conn, "member@acme.test", "member-pass-1", now=now + timedelta(seconds=5))
        assert later.user is not None
        conn.rollback()


def test_a_disabled_user_cannot_sign_in(owner: Engine) -> None:
    with owner.connect() as conn:
        users.set_active(conn, "sponsor@acme.test", False, actor="admin")
        assert users.authenticate(conn, "sponsor@acme.test", "sponsor-pass-1").user is None
        conn.rollback()


def test_user_rules(owner: Engine) -> None:
    with owner.connect() as conn:
        with pytest.raises(users.UserError, match="at least 10 characters"):
            users.add(conn, "new@acme.test", "lead", password="short")
        with pytest.raises(users.UserError, match="needs a home unit"):
            users.add(conn, "new@acme.test", "member")
        with pytest.raises(users.UserError, match="no org unit"):
            users.add(conn, "new@acme.test", "manager", unit="nowhere")
        with pytest.raises(users.UserError, match="exists already"):
            users.add(conn, "MEMBER@acme.test", "member", unit="T1")
        # The person with the same e-mail becomes the user's own person and home unit.
        u = users.add(conn, "p8@acme.test", "member")
        assert (u.person_id, u.home_unit_id) == ("p8", "T2")
        changed = users.set_role(conn, "p8@acme.test", "manager", actor="admin")
        assert changed.role == "manager"
        assert audit.recent(conn, 1)[0].details == {"old": "member", "new": "manager", "unit": "T2"}
        conn.rollback()


def test_the_application_role_adds_target_records_but_never_changes_them(app: Engine) -> None:
    with app.connect() as conn:
        conn.execute(
            text(
                "INSERT INTO targets (kpi_id, org_unit_id, effective_from, value, reason, recorded_by)"
                " VALUES ('adoption_rate', 'T1', '2026-04-01', 75, 'test', 'lead@acme.test')"
            )
        )
        with pytest.raises(exc.ProgrammingError, match="permission denied"):
            conn.execute(text("UPDATE targets SET value = 1"))
        conn.rollback()
