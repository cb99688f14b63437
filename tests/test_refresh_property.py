"""Any sequence of writes and refreshes ends with the same kpi_values as a full refresh."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, delete, insert, select, text, update

from db import schema
from metrics.refresh import pending, refresh

DAY0 = date(2026, 1, 1)
DAYS = 120  # January to April 2026: weeks, months and two quarters
UNITS = [
    ("C", None, "company"),
    ("D1", "C", "division"),
    ("T1", "D1", "team"),
    ("T2", "D1", "team"),
    ("D2", "C", "division"),
]
TEAMS = ["T1", "T2", "D2"]
PEOPLE = ["p1", "p2", "p3", "p4", "p5"]

day = st.integers(0, DAYS - 1).map(lambda n: DAY0 + timedelta(days=n))
person = st.sampled_from(PEOPLE)
unit = st.sampled_from([u[0] for u in UNITS])

# One write to the raw tables, as an import, the Meetings page or psql would make it.
write = st.one_of(
    st.tuples(st.just("activity"), person, day, st.integers(0, 3), st.integers(0, 3)),
    st.tuples(st.just("forget_activity"), person, day),
    st.tuples(st.just("completion"), person, day),
    st.tuples(st.just("license"), person, st.none() | day, st.none() | day),
    st.tuples(st.just("move"), person, st.sampled_from(TEAMS)),
    st.tuples(st.just("meeting"), unit, day, st.sampled_from(["held", "missed", "planned"]), st.booleans()),
    st.tuples(st.just("communication"), unit, day),
    st.tuples(st.just("pulse"), person, day, st.integers(1, 5)),
    st.tuples(st.just("quality"), unit, day, st.integers(0, 10)),
    st.tuples(st.just("issue"), person, day, st.integers(0, 9)),
)
step = st.one_of(write, st.just(("refresh",)), st.tuples(st.just("refresh_since"), day))


def _base(conn: Connection) -> None:
    conn.execute(insert(schema.org_units), [dict(id=i, name=i, parent_id=p, kind=k) for i, p, k in UNITS])
    conn.execute(
        insert(schema.people),
        [
            dict(id=p, name=p, org_unit_id=TEAMS[n % 3], role="rep", license_start=date(2025, 12, 1))
            for n, p in enumerate(PEOPLE)
        ],
    )
    conn.execute(insert(schema.courses), [dict(id="crm101", name="CRM basics", kind="application", required_for="*")])
    conn.execute(
        insert(schema.crm_activity),
        [dict(person_id=p, date=DAY0, logins=1) for p in PEOPLE],
    )
    refresh(conn, full=True)


def _apply(conn: Connection, op: tuple, n: int) -> None:
    kind, *args = op
    if kind == "activity":
        p, d, logins, records = args
        conn.execute(
            text(
                "INSERT INTO crm_activity (person_id, date, logins, records_created) VALUES (:p, :d, :l, :r) "
                "ON CONFLICT (person_id, date) DO UPDATE SET logins = excluded.logins, "
                "records_created = excluded.records_created"
            ),
            {"p": p, "d": d, "l": logins, "r": records},
        )
    elif kind == "forget_activity":
        p, d = args
        # Keep the first day, which anchors the window start; removing it is covered by the window rule.
        if d != DAY0:
            conn.execute(
                delete(schema.crm_activity).where(schema.crm_activity.c.person_id == p, schema.crm_activity.c.date == d)
            )
    elif kind == "completion":
        p, d = args
        conn.execute(
            text("INSERT INTO training_completions VALUES (:p, 'crm101', :d) ON CONFLICT DO NOTHING"), {"p": p, "d": d}
        )
    elif kind == "license":
        p, start, end = args
        if start is None:
            end = None
        elif end is not None and end < start:
            start, end = end, start
        conn.execute(update(schema.people).where(schema.people.c.id == p).values(license_start=start, license_end=end))
    elif kind == "move":
        p, team = args
        conn.execute(update(schema.people).where(schema.people.c.id == p).values(org_unit_id=team))
    elif kind == "meeting":
        u, d, status, used = args
        conn.execute(
            insert(schema.meetings).values(
                id=f"m{n}", org_unit_id=u, kind="weekly_status", scheduled_on=d, status=status, crm_report_used=used
            )
        )
    elif kind == "communication":
        u, d = args
        conn.execute(
            insert(schema.communications).values(
                id=f"c{n}", audience_org_unit_id=u, channel="email", sent_on=d, status="sent"
            )
        )
    elif kind == "pulse":
        p, d, score = args
        conn.execute(
            text(
                "INSERT INTO pulse_responses (person_id, date, awareness) VALUES (:p, :d, :s) "
                "ON CONFLICT (person_id, date) DO UPDATE SET awareness = excluded.awareness"
            ),
            {"p": p, "d": d, "s": score},
        )
    elif kind == "quality":
        u, d, complete = args
        conn.execute(
            text(
                "INSERT INTO data_quality VALUES (:u, :d, 10, :c) "
                "ON CONFLICT (org_unit_id, measured_on) DO UPDATE SET records_complete = excluded.records_complete"
            ),
            {"u": u, "d": d, "c": complete},
        )
    elif kind == "issue":
        p, d, days = args
        conn.execute(
            insert(schema.feedback).values(
                id=f"f{n}", person_id=p, kind="issue", raised_on=d, resolved_on=d + timedelta(days=days)
            )
        )
    elif kind == "refresh":
        refresh(conn)
    elif kind == "refresh_since":
        refresh(conn, since=args[0])


def _values(conn: Connection) -> dict[tuple, tuple]:
    kv = schema.kpi_values
    return {
        (r.kpi_id, r.org_unit_id, r.grain, r.period_start): (
            r.period_end,
            r.numerator,
            r.denominator,
            None if r.value is None else round(r.value, 9),
            r.partial,
        )
        for r in conn.execute(select(kv))
    }


def _person_periods(conn: Connection) -> list[tuple]:
    """Every row of person_periods, duplicates kept (a stale row left beside its new one must show)."""
    return sorted(tuple(r) for r in conn.execute(select(schema.person_periods)))


@pytest.fixture
def base(conn: Connection) -> Connection:
    _base(conn)
    return conn


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=1, max_size=8))
def test_any_sequence_of_writes_and_refreshes_equals_a_full_refresh(base: Connection, steps: list[tuple]) -> None:
    savepoint = base.begin_nested()
    try:
        for n, op in enumerate(steps):
            _apply(base, op, n)
        refresh(base)
        assert pending(base) == (False, None)
        incremental, facts = _values(base), _person_periods(base)
        refresh(base, full=True)
        assert _values(base) == incremental
        assert _person_periods(base) == facts
    finally:
        savepoint.rollback()


def test_a_write_without_refresh_is_remembered_by_the_database(conn: Connection) -> None:
    _base(conn)
    assert pending(conn) == (False, None)
    conn.execute(text("INSERT INTO crm_activity (person_id, date, logins) VALUES ('p1', '2026-03-10', 2)"))
    conn.execute(text("INSERT INTO recognitions VALUES ('r1', 'p2', '2026-02-03', 'award')"))
    assert pending(conn) == (False, date(2026, 2, 3))
    conn.execute(text("UPDATE people SET name = 'P one' WHERE id = 'p1'"))
    assert pending(conn) == (True, date(2026, 2, 3))
    result = refresh(conn)
    assert result.recomputed_from == result.window_start
    assert pending(conn) == (False, None)


def test_a_statement_that_changes_nothing_marks_nothing(conn: Connection) -> None:
    _base(conn)
    conn.execute(text("UPDATE crm_activity SET logins = 5 WHERE person_id = 'nobody'"))
    conn.execute(text("DELETE FROM meetings"))
    assert pending(conn) == (False, None)
    assert refresh(conn).recomputed_from is None


def test_refresh_recomputes_only_from_the_earliest_touched_date(conn: Connection) -> None:
    _base(conn)
    conn.execute(text("INSERT INTO crm_activity (person_id, date, logins) VALUES ('p1', '2026-01-10', 1)"))
    refresh(conn)  # the window end moves: recompute from the old end (its periods' partial flag changes)
    conn.execute(text("INSERT INTO crm_activity (person_id, date, logins) VALUES ('p2', '2026-01-07', 1)"))
    result = refresh(conn)
    assert result.recomputed_from == date(2026, 1, 7)


def test_a_later_window_end_recomputes_from_the_old_end_only(conn: Connection) -> None:
    _base(conn)
    conn.execute(text("INSERT INTO crm_activity (person_id, date, logins) VALUES ('p1', '2026-01-10', 1)"))
    refresh(conn)
    kv = schema.kpi_values
    week = (kv.c.grain == "week") & (kv.c.period_start == date(2026, 1, 5)) & (kv.c.kpi_id == "adoption_rate")
    assert set(conn.scalars(select(kv.c.partial).where(week))) == {True}  # Jan 5-11 ends after Jan 10
    conn.execute(text("INSERT INTO crm_activity (person_id, date, logins) VALUES ('p2', '2026-01-20', 1)"))
    result = refresh(conn)
    assert result.recomputed_from == date(2026, 1, 10)  # not the quarter's start, not Jan 20
    assert set(conn.scalars(select(kv.c.partial).where(week))) == {False}
    incremental = _values(conn)
    refresh(conn, full=True)
    assert _values(conn) == incremental


def test_the_closure_follows_every_change_of_the_tree(conn: Connection) -> None:
    _base(conn)

    def closure() -> set[tuple[str, str, int]]:
        return set(conn.execute(text("SELECT ancestor_id, unit_id, depth FROM org_closure")))

    assert ("C", "T1", 2) in closure() and ("D1", "T1", 1) in closure() and ("T1", "T1", 0) in closure()
    conn.execute(text("UPDATE org_units SET parent_id = 'D2' WHERE id = 'T1'"))  # T1 moves to D2
    assert ("D2", "T1", 1) in closure() and ("D1", "T1", 1) not in closure()
    conn.execute(text("INSERT INTO org_units VALUES ('T9', 'Nine', 'T1', 'team')"))
    assert {r for r in closure() if r[1] == "T9"} == {("T9", "T9", 0), ("T1", "T9", 1), ("D2", "T9", 2), ("C", "T9", 3)}
    # Depths: C 0; D1 D2 1; T2 2 (D1), T1 2 (D2); T9 3: a closure row per unit and ancestor, itself included.
    assert len(closure()) == 1 + 2 * 2 + 2 * 3 + 4


def test_a_truncate_marks_every_period_stale(conn: Connection) -> None:
    _base(conn)
    conn.execute(text("TRUNCATE recognitions"))
    assert pending(conn) == (True, None)


def test_the_catalogue_is_written_only_when_it_differs(conn: Connection) -> None:
    from metrics.refresh import sync_catalogue

    versions = text("SELECT string_agg(ctid::text, ',' ORDER BY id) FROM kpis")  # a rewritten row moves
    sync_catalogue(conn)
    before = conn.execute(versions).scalar_one()
    sync_catalogue(conn)
    assert conn.execute(versions).scalar_one() == before  # nothing rewritten
    conn.execute(text("UPDATE kpis SET title = 'Renamed' WHERE id = 'adoption_rate'"))
    sync_catalogue(conn)
    assert conn.execute(text("SELECT title FROM kpis WHERE id = 'adoption_rate'")).scalar_one() == "Adoption rate"
