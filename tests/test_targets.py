"""Targets and weights (metrics/targets.py, the `targets`/`weights` CLI groups): resolution and history as
exact records, the effect of a change computed with nothing written and equal to what the save does,
conflicts between two sessions, validation, review dates, and histories the application role can
only add to."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Connection, func, insert, select, text
from sqlalchemy.exc import DBAPIError

from cli import main
from db import schema
from db.engine import make_engine
from metrics import targets as model
from metrics.scope import Scope
from metrics.scoring import kpi_rows, score_rows
from tests.conftest import application_url, create_database

# The organisation:  co "Acme Test" ── d1 "Sales" ── t1 "North"
#                                   │             └─ t2 "South"
#                                   └─ d2 "Service"
UNITS = [
    ("co", "Acme Test", None, "company"),
    ("d1", "Sales", "co", "division"),
    ("d2", "Service", "co", "division"),
    ("t1", "North", "d1", "team"),
    ("t2", "South", "d1", "team"),
]
NAMES = {u[0]: u[1] for u in UNITS}
MONTHS = [
    (date(2026, 1, 1), date(2026, 1, 31)),
    (date(2026, 2, 1), date(2026, 2, 28)),
    (date(2026, 3, 1), date(2026, 3, 31)),
]
JAN, FEB, MAR = (m[0] for m in MONTHS)
# Adoption rate per unit, the same each month, from 10 licensed users (an index needs licensed users).
ADOPTION = {"co": 70.0, "d1": 66.0, "t1": 68.0, "t2": 64.0, "d2": 76.0}
# Meeting cadence for the company only (target 90, so amber, score 80): the company's index has two pillars.
CADENCE_CO = 81.0
SEEDER = "seed@acme.test"
# Target records in recording order: ids 1..7 in a fresh database.
RECORDS = [
    ("adoption_rate", "co", JAN, 75.0, date(2026, 2, 15), "Company target for the first quarter"),
    ("adoption_rate", "d1", FEB, 70.0, None, "Sales: interim target"),
    ("adoption_rate", "d1", FEB, 72.0, date(2026, 3, 1), "Correction: 72, not 70"),
    ("adoption_rate", "t1", MAR, 90.0, None, "North is the pilot team"),
    ("adoption_rate", "d1", date(2026, 3, 15), None, None, "Back to the company target"),
    ("adoption_rate", "t2", JAN, None, None, "Nothing of its own"),
    ("training_coverage", "d2", JAN, 95.0, date(2026, 1, 31), "Audited: every agent certified"),
]
LEAD = "lead@acme.test"
OTHER_LEAD = "other.lead@acme.test"


def build(url: str) -> None:
    """The organisation, its KPI values for Jan–Mar 2026 (month grain), a finished refresh with that
    window (for the pages' periods), and the target records above. Committed."""
    eng = make_engine(url)
    with eng.begin() as c:
        c.execute(
            insert(schema.org_units),
            [{"id": i, "name": n, "parent_id": p, "kind": k} for i, n, p, k in UNITS],
        )
        rows = []
        for start, end in MONTHS:
            for unit, value in ADOPTION.items():
                rows.append(_kv("adoption_rate", unit, start, end, value / 10, 10, value))
            rows.append(_kv("meeting_cadence", "co", start, end, 81, 100, CADENCE_CO))
        c.execute(insert(schema.kpi_values), rows)
        c.execute(
            insert(schema.refreshes).values(
                finished_at=datetime(2026, 4, 1, tzinfo=UTC), window_start=JAN, window_end=date(2026, 3, 31)
            )
        )
        for kpi, unit, eff, value, review, reason in RECORDS:
            c.execute(
                insert(schema.targets).values(
                    kpi_id=kpi,
                    org_unit_id=unit,
                    effective_from=eff,
                    value=value,
                    review_on=review,
                    reason=reason,
                    recorded_by=SEEDER,
                )
            )
    eng.dispose()


def _kv(kpi: str, unit: str, start: date, end: date, num: float, den: float, value: float) -> dict:
    return dict(
        kpi_id=kpi,
        org_unit_id=unit,
        grain="month",
        period_start=start,
        period_end=end,
        numerator=num,
        denominator=den,
        value=value,
        partial=False,
    )


def add_users(url: str) -> None:
    from db import users

    eng = make_engine(url)
    with eng.begin() as c:
        for email, role in ((LEAD, "lead"), (OTHER_LEAD, "lead"), ("member@acme.test", "member")):
            if users.get(c, email) is None:
                users.add(c, email, role, unit="t1" if role == "member" else None, password="a long test password")
    eng.dispose()


@pytest.fixture(scope="module")
def built() -> str:
    url = create_database()
    build(url)
    return url


@pytest.fixture
def app_conn(built: str) -> Iterator[Connection]:
    """A connection as the application role (row-level security applies), rolled back after the test."""
    eng = make_engine(application_url(built))
    with eng.connect() as c:
        tx = c.begin()
        try:
            yield c
        finally:
            tx.rollback()
    eng.dispose()


COMPANY = Scope(("co",), people=True)


# --- resolution ------------------------------------------------------------------------------------------


# (unit, month) -> (target, source, source unit, record id, cleared_from)
EXPECTED_ADOPTION = {
    ("co", JAN): (75.0, "own", "co", 1, None),
    ("co", FEB): (75.0, "own", "co", 1, None),
    ("co", MAR): (75.0, "own", "co", 1, None),
    ("d1", JAN): (75.0, "inherited", "co", 1, None),  # its own record starts in February
    ("d1", FEB): (72.0, "own", "d1", 3, None),  # two records from 1 Feb: the one recorded last wins
    ("d1", MAR): (75.0, "inherited", "co", 1, date(2026, 3, 15)),  # cleared from 15 March
    ("t1", JAN): (75.0, "inherited", "co", 1, None),
    ("t1", FEB): (72.0, "inherited", "d1", 3, None),
    ("t1", MAR): (90.0, "own", "t1", 4, None),
    ("t2", JAN): (75.0, "inherited", "co", 1, JAN),  # a clearing with nothing to clear: still inherits
    ("t2", FEB): (72.0, "inherited", "d1", 3, JAN),
    ("t2", MAR): (75.0, "inherited", "co", 1, JAN),  # the parent's target was cleared: the grandparent's
    ("d2", JAN): (75.0, "inherited", "co", 1, None),
    ("d2", FEB): (75.0, "inherited", "co", 1, None),
    ("d2", MAR): (75.0, "inherited", "co", 1, None),
}


def test_resolution_is_exact_and_equals_the_scoring_sql(app_conn: Connection) -> None:
    probes = [("adoption_rate", u, end, None) for (u, start) in EXPECTED_ADOPTION for s, end in MONTHS if s == start]
    got = {
        (r.unit_id, date(r.day.year, r.day.month, 1)): (r.target, r.source, r.source_unit, r.record_id, r.cleared_from)
        for r in model.resolve(app_conn, probes)
    }
    assert got == EXPECTED_ADOPTION
    # Another KPI: one unit with its own record, the rest on the KPI's default.
    (own, default) = model.resolve(
        app_conn, [("training_coverage", "d2", FEB, None), ("training_coverage", "t1", FEB, None)]
    )
    assert (own.target, own.source, own.record_id, own.review_on) == (95.0, "own", 7, date(2026, 1, 31))
    assert (default.target, default.source, default.source_unit, default.record_id) == (90.0, "default", None, None)
    # The target the scoring SQL (metrics/sql/_scored.sql) used is the one resolved, row for row.
    scored = kpi_rows(app_conn, COMPANY, grain="month")
    assert len(scored) == 18
    for r in scored:
        if r.kpi_id == "adoption_rate":
            assert r.target == EXPECTED_ADOPTION[(r.org_unit_id, r.period_start)][0], r
        else:
            assert r.target == 90.0  # meeting cadence: default


def test_grid_says_where_each_target_comes_from_beside_value_and_status(app_conn: Connection) -> None:
    rows = model.grid(app_conn, COMPANY, "d1", "month", FEB, ["adoption_rate", "training_coverage"])
    assert [
        (r.kpi_id, r.unit_id, r.child, r.resolution.target, r.source_text, r.value, r.status, r.token) for r in rows
    ] == [
        ("adoption_rate", "d1", False, 72.0, "set here", 66.0, "amber", 5),
        ("adoption_rate", "t1", True, 72.0, "inherited from Sales", 68.0, "amber", 4),
        ("adoption_rate", "t2", True, 72.0, "inherited from Sales", 64.0, "red", 6),
        ("training_coverage", "d1", False, 90.0, "default", None, None, 0),
        ("training_coverage", "t1", True, 90.0, "default", None, None, 0),
        ("training_coverage", "t2", True, 90.0, "default", None, None, 0),
    ]
    assert rows[0].resolution.reason == "Correction: 72, not 70"
    assert rows[0].resolution.recorded_by == SEEDER


# --- history ---------------------------------------------------------------------------------------------


def test_history_has_every_change_with_old_and_new_exactly(app_conn: Connection) -> None:
    rows = model.history(app_conn, kpi="adoption_rate")
    assert [
        (
            h.id,
            h.unit_id,
            h.effective_from,
            h.value,
            (h.old.target, h.old.source, h.old.source_unit),
            (h.new.target, h.new.source, h.new.source_unit),
            h.recorded_by,
            h.reason,
        )
        for h in rows
    ] == [
        (6, "t2", JAN, None, (75.0, "inherited", "co"), (75.0, "inherited", "co"), SEEDER, "Nothing of its own"),
        (
            5,
            "d1",
            date(2026, 3, 15),
            None,
            (72.0, "own", "d1"),
            (75.0, "inherited", "co"),
            SEEDER,
            "Back to the company target",
        ),
        (4, "t1", MAR, 90.0, (72.0, "inherited", "d1"), (90.0, "own", "t1"), SEEDER, "North is the pilot team"),
        (3, "d1", FEB, 72.0, (70.0, "own", "d1"), (72.0, "own", "d1"), SEEDER, "Correction: 72, not 70"),
        (2, "d1", FEB, 70.0, (75.0, "inherited", "co"), (70.0, "own", "d1"), SEEDER, "Sales: interim target"),
        (
            1,
            "co",
            JAN,
            75.0,
            (80.0, "default", None),
            (75.0, "own", "co"),
            SEEDER,
            "Company target for the first quarter",
        ),
    ]
    # Filters: one unit; the units under a root; one author.
    assert [h.id for h in model.history(app_conn, unit="d1")] == [5, 3, 2]
    assert [h.id for h in model.history(app_conn, roots=["d1"])] == [6, 5, 4, 3, 2]
    assert model.history(app_conn, recorded_by="nobody@acme.test") == []


def test_history_csv_neutralises_formulas_and_keeps_cleared_values_empty(app_conn: Connection) -> None:
    change = model.Change("adoption_rate", "d2", 77.0, MAR, None, '=HYPERLINK("http://x")')
    model.save(app_conn, LEAD, [change], model.tokens(app_conn, [change.key]), grain="month")
    rows = list(csv.DictReader(io.StringIO(model.history_csv(model.history(app_conn), NAMES))))
    assert list(rows[0]) == list(model.HISTORY_COLUMNS)
    assert (rows[0]["org_unit_id"], rows[0]["value"], rows[0]["old_target"], rows[0]["reason"]) == (
        "d2",
        "77.0",
        "75.0",
        '\'=HYPERLINK("http://x")',
    )
    cleared = next(r for r in rows if r["id"] == "5")
    assert (cleared["value"], cleared["new_target"], cleared["new_source"]) == ("", "75.0", "inherited from Acme Test")


# --- effect of a change, and saving it -------------------------------------------------------------------

RAISE_D1 = model.Change(
    "adoption_rate", "d1", 65.0, FEB, date(2026, 6, 1), "Sales: lowered while the new CRM rolls out"
)


def _effect_rows(effect: model.Effect) -> list[tuple]:
    return [
        (
            r.unit_id,
            r.kpi_id,
            r.period_start,
            r.target_before,
            r.target_after,
            r.status_before,
            r.status_after,
            round(r.index_before, 6) if r.index_before is not None else None,
            round(r.index_after, 6) if r.index_after is not None else None,
        )
        for r in effect.rows
    ]


# d1's new 65 from February reaches d1 and both teams in February only: in March d1's clearing of
# 15 March (recorded later, effective later) is still in force, and North has its own 90.
EFFECT_OF_RAISE = [
    ("d1", "adoption_rate", FEB, 72.0, 65.0, "amber", "green", 83.333333, 100.0),
    ("t1", "adoption_rate", FEB, 72.0, 65.0, "amber", "green", 88.888889, 100.0),
    ("t2", "adoption_rate", FEB, 72.0, 65.0, "red", "amber", 77.777778, 96.923077),
]


def _count(conn: Connection, table) -> int:
    return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_preview_writes_nothing_and_equals_the_save_and_the_scores_after_it(app_conn: Connection) -> None:
    before = _count(app_conn, schema.targets)
    seen = model.tokens(app_conn, [RAISE_D1.key])
    preview = model.preview(app_conn, [RAISE_D1], grain="month", seen=seen)
    assert _effect_rows(preview) == EFFECT_OF_RAISE
    assert preview.conflicts == [] and not preview.periods_after_data
    assert _count(app_conn, schema.targets) == before  # nothing written
    assert [(u.unit_id, u.transitions) for u in preview.by_unit()] == [
        ("d1", [("amber", "green", [FEB])]),
        ("t1", [("amber", "green", [FEB])]),
        ("t2", [("red", "amber", [FEB])]),
    ]

    saved = model.save(app_conn, LEAD, [RAISE_D1], seen, grain="month")
    assert _effect_rows(saved.effect) == _effect_rows(preview)
    assert _count(app_conn, schema.targets) == before + 1
    # The scores read afterwards are those the preview announced.
    after = {
        (r.org_unit_id, r.period_start): r for r in kpi_rows(app_conn, COMPANY, kpi="adoption_rate", grain="month")
    }
    index = {(r.org_unit_id, r.period_start): r.index for r in score_rows(app_conn, COMPANY, grain="month")}
    for row in preview.rows:
        now = after[(row.unit_id, row.period_start)]
        assert (now.target, now.status) == (row.target_after, row.status_after)
        assert index[(row.unit_id, row.period_start)] == pytest.approx(row.index_after, abs=1e-9)
    (h,) = model.history(app_conn, unit="d1")[:1]
    assert (h.id, h.value, h.effective_from, h.review_on, h.reason, h.recorded_by) == (
        saved.ids[0],
        65.0,
        FEB,
        date(2026, 6, 1),
        RAISE_D1.reason,
        LEAD,
    )
    log = app_conn.execute(select(schema.audit_log).order_by(schema.audit_log.c.id.desc()).limit(1)).one()
    assert (log.actor, log.action, log.subject) == (LEAD, "target.set", "adoption_rate@d1")
    assert log.details == {
        "record_id": saved.ids[0],
        "value": 65.0,
        "effective_from": "2026-02-01",
        "review_on": "2026-06-01",
        "reason": RAISE_D1.reason,
        "old_target": 72.0,
        "old_source": "own",
    }


def test_a_change_after_the_last_period_with_data_changes_nothing_yet(app_conn: Connection) -> None:
    change = model.Change("adoption_rate", "d1", 50.0, date(2026, 4, 1), None, "From April")
    effect = model.preview(app_conn, [change], grain="month")
    assert effect.rows == [] and effect.periods_after_data


def test_clearing_goes_back_to_inheritance_and_needs_an_own_target(app_conn: Connection) -> None:
    change, errors = model.parse_change(
        app_conn, "adoption_rate", "t1", value="", effective_from=MAR, review_on=None, reason="Pilot over", clear=True
    )
    assert errors == {} and change.value is None
    effect = model.preview(app_conn, [change], grain="month")
    # North falls back to Sales, whose own target was cleared from 15 March: the company's 75.
    # 68 against 90 is red (score 51.1); against 75 it is amber (0.907, score 81.3).
    assert _effect_rows(effect) == [("t1", "adoption_rate", MAR, 90.0, 75.0, "red", "amber", 51.111111, 81.333333)]
    _, errors = model.parse_change(
        app_conn, "adoption_rate", "t2", value="", effective_from=MAR, review_on=None, reason="x", clear=True
    )
    assert errors == {"value": "Nothing to clear: on that day this unit has no target of its own (it inherits already)"}


def test_apply_to_every_child_adds_one_record_each(app_conn: Connection) -> None:
    base = model.Change("adoption_rate", "d1", 60.0, FEB, None, "Same bar for every Sales team")
    kids = model.for_children(app_conn, base, COMPANY)
    assert [(c.unit_id, c.value, c.effective_from, c.reason) for c in kids] == [
        ("t1", 60.0, FEB, base.reason),
        ("t2", 60.0, FEB, base.reason),
    ]
    saved = model.save(app_conn, LEAD, kids, model.tokens(app_conn, [c.key for c in kids]), grain="month", bulk_of="d1")
    assert len(saved.ids) == 2
    assert [(h.unit_id, h.value, h.old.target, h.new.target) for h in model.history(app_conn)[:2]] == [
        ("t2", 60.0, 72.0, 60.0),
        ("t1", 60.0, 72.0, 60.0),
    ]
    logs = app_conn.execute(
        select(schema.audit_log.c.subject, schema.audit_log.c.details["applied_to_children_of"].astext)
        .where(schema.audit_log.c.action == "target.set")
        .order_by(schema.audit_log.c.id.desc())
        .limit(2)
    ).all()
    assert sorted(logs) == [("adoption_rate@t1", "d1"), ("adoption_rate@t2", "d1")]


# --- conflicts between two sessions ----------------------------------------------------------------------


def test_a_conflicting_save_is_refused_names_the_other_editor_and_writes_nothing(fresh_database) -> None:
    url = fresh_database()
    build(url)
    eng = make_engine(application_url(url))
    try:
        # Two leads open the page: each reads the key's newest record id.
        with eng.connect() as a, eng.connect() as b:
            seen_a = model.tokens(a, [("adoption_rate", "d1")])
            seen_b = model.tokens(b, [("adoption_rate", "d1")])
        assert seen_a == seen_b == {("adoption_rate", "d1"): 5}
        with eng.begin() as a:
            model.save(a, LEAD, [RAISE_D1], seen_a, grain="month")
        theirs = model.Change("adoption_rate", "d1", 60.0, FEB, None, "Lower still")
        with eng.connect() as b:
            preview = model.preview(b, [theirs], grain="month", seen=seen_b)
            assert [(h.recorded_by, h.value) for h in preview.conflicts] == [(LEAD, 65.0)]
        with pytest.raises(model.Conflict) as refused, eng.begin() as b:
            model.save(b, OTHER_LEAD, [theirs], seen_b, grain="month")
        message = str(refused.value)
        assert message.startswith(f"Not saved: Sales · Adoption rate was changed by {LEAD} on "), message
        assert message.endswith(
            ' UTC: target 65 % from 2026-02-01 ("Sales: lowered while the new CRM rolls out"). Nothing was overwritten.'
        ), message
        with eng.connect() as c:
            newest = model.history(c, unit="d1")
            assert [(h.value, h.recorded_by) for h in newest[:2]] == [(65.0, LEAD), (None, SEEDER)]
            assert _count(c, schema.targets) == len(RECORDS) + 1  # one change, not two
            # Having seen the refusal (the page now holds the newer id), a second save is deliberate.
            fresh = model.tokens(c, [("adoption_rate", "d1")])
        with eng.begin() as b:
            model.save(b, OTHER_LEAD, [theirs], fresh, grain="month")
    finally:
        eng.dispose()


def test_a_save_without_loaded_state_is_refused(app_conn: Connection) -> None:
    with pytest.raises(ValueError, match="no loaded state"):
        model.save(app_conn, LEAD, [RAISE_D1], {}, grain="month")


# --- validation ------------------------------------------------------------------------------------------

TODAY = date(2026, 3, 20)


@pytest.mark.parametrize(
    ("kpi", "value", "message"),
    [
        ("adoption_rate", "150", "Out of range: a target for Adoption rate (%) must be from 0 to 100"),
        ("adoption_rate", "-1", "Out of range: a target for Adoption rate (%) must be from 0 to 100"),
        ("adoption_rate", "abc", "Not a number: abc"),
        ("adoption_rate", "72,5", "Use a point for decimals: 72.5"),
        ("adoption_rate", "nan", "Not a number: nan"),
        ("adoption_rate", "1e2", "Not a number: 1e2"),
        ("adoption_rate", "  ", "Enter a target value"),
        ("pulse_score", "0.5", "Out of range: a target for Pulse score (ADKAR) (score 1–5) must be from 1 to 5"),
        (
            "recognition_rate",
            "-0.1",
            "Out of range: a target for Recognition rate (per 100 users / 30 days) must be 0 or more",
        ),
    ],
)
def test_a_bad_value_is_named_next_to_its_field(app_conn: Connection, kpi: str, value: str, message: str) -> None:
    change, errors = model.parse_change(
        app_conn, kpi, "d1", value=value, effective_from=FEB, review_on=None, reason="Because", today=TODAY
    )
    assert change is None and errors == {"value": message}


def test_dates_must_be_plausible_and_a_reason_is_required(app_conn: Connection) -> None:
    change, errors = model.parse_change(
        app_conn,
        "adoption_rate",
        "d1",
        value="72.5",
        effective_from=date(1999, 12, 31),
        review_on=date(2027, 3, 22),
        reason="   ",
        today=TODAY,
    )
    assert change is None
    assert errors == {
        "effective_from": "Too early: 1999-12-31 is before 2000-01-01",
        "review_on": "Too far ahead: at most 366 days from today (2027-03-21)",
        "reason": "Say why: a reason is required",
    }
    change, errors = model.parse_change(
        app_conn,
        "adoption_rate",
        "d1",
        value=" 72.5 ",
        effective_from=date(2027, 3, 21),
        review_on=None,
        reason=" Stretch ",
        today=TODAY,
    )
    assert errors == {} and change == model.Change("adoption_rate", "d1", 72.5, date(2027, 3, 21), None, "Stretch")
    _, errors = model.parse_change(
        app_conn, "adoption_rate", "d1", value="70", effective_from=None, review_on=None, reason="x" * 1001, today=TODAY
    )
    assert errors == {
        "effective_from": "Not a date: use YYYY-MM-DD",
        "reason": "Too long: at most 1000 characters (1001)",
    }


# --- review dates ----------------------------------------------------------------------------------------


def test_targets_due_for_review(app_conn: Connection) -> None:
    due = model.due_for_review(app_conn, COMPANY, today=TODAY)
    assert [(d.record_id, d.kpi_id, d.unit_id, d.value, d.review_on, d.days_overdue) for d in due] == [
        (7, "training_coverage", "d2", 95.0, date(2026, 1, 31), 48),
        (1, "adoption_rate", "co", 75.0, date(2026, 2, 15), 33),
        # d1's 72 had a review on 1 March, but its own target was cleared on 15 March: not due.
    ]
    assert [d.record_id for d in model.due_for_review(app_conn, COMPANY, today=date(2026, 2, 10))] == [7]
    assert model.due_for_review(app_conn, Scope(("d1",)), today=TODAY) == []  # inside a scope only
    # Confirmed with a new review date: no longer due.
    again = model.Change("training_coverage", "d2", 95.0, date(2026, 3, 1), date(2026, 9, 1), "Reviewed: keep")
    model.save(app_conn, LEAD, [again], model.tokens(app_conn, [again.key]), grain="month")
    assert [d.record_id for d in model.due_for_review(app_conn, COMPANY, today=TODAY)] == [1]


# --- pillar weights --------------------------------------------------------------------------------------


def test_weights_are_a_validated_set_and_past_periods_keep_theirs(app_conn: Connection) -> None:
    change, errors = model.parse_weights(
        {"people": "40", "process": 40.0, "technology": "15"}, effective_from=FEB, reason="", today=TODAY
    )
    assert change is None
    assert errors == {"sum": "The weights sum to 95 %, not 100 %", "reason": "Say why: a reason is required"}
    _, errors = model.parse_weights({"people": "x", "process": 101, "technology": None}, effective_from=FEB, reason="r")
    assert errors == {
        "people": "Not a number: x",
        "process": "Out of range: must be from 0 to 100",
        "technology": "Enter a value",
    }
    change, errors = model.parse_weights(
        {"people": 30, "process": 50, "technology": 20}, effective_from=FEB, reason="Process first this year"
    )
    assert errors == {}
    seen = model.weight_token(app_conn)
    preview = model.preview_weights(app_conn, change, roots=["co"], grain="month")
    # Only the company has two pillars: (50 * 86.67 + 30 * 80) / 80 = 84.17 -> (30 * 86.67 + 50 * 80) / 80 = 82.5.
    # January keeps the weights in force at its end.
    assert [
        (r.unit_id, r.kpi_id, r.period_start, round(r.index_before, 6), round(r.index_after, 6)) for r in preview.rows
    ] == [
        ("co", None, FEB, 84.166667, 82.5),
        ("co", None, MAR, 84.166667, 82.5),
    ]
    assert _count(app_conn, schema.pillar_weights) == 0
    saved = model.save_weights(app_conn, LEAD, change, seen, roots=["co"], grain="month")
    assert _effect_rows(saved.effect) == _effect_rows(preview)
    assert model.weights_at(app_conn, JAN) == {"people": 50.0, "process": 30.0, "technology": 20.0}
    assert model.weights_at(app_conn, FEB) == {"people": 30.0, "process": 50.0, "technology": 20.0}
    index = {r.period_start: r.index for r in score_rows(app_conn, Scope(("co",)), unit="co", grain="month")}
    assert index[JAN] == pytest.approx(84.1666666, abs=1e-6) and index[FEB] == pytest.approx(82.5, abs=1e-6)
    (s,) = model.weight_sets(app_conn)
    assert (s.effective_from, s.weights, s.old, s.reason, s.recorded_by) == (
        FEB,
        {"people": 30.0, "process": 50.0, "technology": 20.0},
        {"people": 50.0, "process": 30.0, "technology": 20.0},
        "Process first this year",
        LEAD,
    )
    # A second editor who read the weights before that save is refused, and told by whom.
    with pytest.raises(
        model.Conflict,
        match=f"The pillar weights were changed by {LEAD} on .* UTC: People 30 %, Process 50 %, Technology 20 % from 2026-02-01",
    ):
        model.save_weights(app_conn, OTHER_LEAD, change, seen, roots=["co"], grain="month")
    log = app_conn.execute(select(schema.audit_log).where(schema.audit_log.c.action == "weights.set")).one()
    assert (log.actor, log.details["weights"], log.details["old"]) == (
        LEAD,
        {"people": 30.0, "process": 50.0, "technology": 20.0},
        {"people": 50.0, "process": 30.0, "technology": 20.0},
    )


# --- the application role only adds to histories -----------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE targets SET value = 1 WHERE id = 1",
        "DELETE FROM targets WHERE id = 1",
        "UPDATE pillar_weights SET weight = 1",
        "DELETE FROM pillar_weights",
        "UPDATE audit_log SET actor = 'x'",
        "DELETE FROM audit_log",
        "TRUNCATE targets",
    ],
)
def test_the_application_role_cannot_change_or_delete_history(built: str, statement: str) -> None:
    eng = make_engine(application_url(built))
    try:
        with eng.connect() as c:
            if "pillar_weights" in statement:  # something to change
                model._insert_weights(
                    c, model.WeightChange({"people": 50, "process": 30, "technology": 20}, JAN, "r"), LEAD
                )
            with pytest.raises(DBAPIError):
                c.execute(text(statement))
            c.rollback()
            assert c.execute(text("SELECT value FROM targets WHERE id = 1")).scalar_one() == 75.0
    finally:
        eng.dispose()


def test_the_owner_is_refused_too(built: str) -> None:
    """The trigger refuses UPDATE and DELETE for every role, the owner included."""
    eng = make_engine(built)
    try:
        with eng.connect() as c, pytest.raises(DBAPIError, match="is a history"):
            c.execute(text("UPDATE targets SET value = 1 WHERE id = 1"))
    finally:
        eng.dispose()


# --- the command line ------------------------------------------------------------------------------------


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch):
    def invoke(url: str, *args: str) -> tuple[int, str, str]:
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.setenv("USER", "cli-lead")
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return invoke


EXPORTED = (
    "kpi_id,org_unit_id,effective_from,value,review_on,reason\n"
    "adoption_rate,co,2026-01-01,75,2026-02-15,Company target for the first quarter\n"
    'adoption_rate,d1,2026-02-01,72,2026-03-01,"Correction: 72, not 70"\n'
    "adoption_rate,d1,2026-03-15,,,Back to the company target\n"
    "adoption_rate,t1,2026-03-01,90,,North is the pilot team\n"
    "adoption_rate,t2,2026-01-01,,,Nothing of its own\n"
    "training_coverage,d2,2026-01-01,95,2026-01-31,Audited: every agent certified\n"
)


def _targets(url: str) -> int:
    eng = make_engine(url)
    with eng.connect() as c:
        n = _count(c, schema.targets)
    eng.dispose()
    return n


def test_cli_export_is_the_canonical_file_and_importing_it_adds_nothing(run, fresh_database, tmp_path: Path) -> None:
    url = fresh_database()
    build(url)
    code, out, err = run(url, "targets", "export", "--format", "csv")
    assert (code, err) == (0, "")
    assert out == EXPORTED  # per key the record recorded last (72, not 70)
    path = tmp_path / "exported.csv"
    path.write_text(out)
    code, out, err = run(url, "targets", "import", str(path))
    assert code == 0, err
    assert (
        out
        == "exported.csv: 6 rows read, 0 inserted, 0 updated, 6 unchanged\nnothing added: every row equals its latest record\n"
    )
    assert _targets(url) == len(RECORDS)
    code, out, _ = run(url, "targets", "export")
    assert code == 0 and out.splitlines()[0].split() == [
        "kpi_id",
        "org_unit_id",
        "effective_from",
        "value",
        "review_on",
        "reason",
    ]
    eng = make_engine(url)
    with eng.connect() as c:
        actions = c.execute(
            select(schema.audit_log.c.actor, schema.audit_log.c.action).order_by(schema.audit_log.c.id)
        ).all()
    eng.dispose()
    ours = [a for a in actions if a[1].startswith("targets.")]  # the importer may audit its own batch too
    assert ours == [("cli-lead", "targets.export"), ("cli-lead", "targets.import"), ("cli-lead", "targets.export")]


def test_cli_import_refuses_a_file_with_any_bad_row_and_lists_every_one(run, fresh_database, tmp_path: Path) -> None:
    url = fresh_database()
    build(url)
    bad = tmp_path / "q2.csv"
    bad.write_text(
        "kpi_id,org_unit_id,effective_from,value,review_on,reason\n"
        "adoption_rate,d1,2026-04-01,70,,Fine\n"
        "adoption_rate,d1,2026-05-01,150,,Too high\n"
        "bogus,co,2026-04-01,5,,\n"
        "adoption_rate,t1,1999-01-01,50,,Too early\n"
    )
    code, out, err = run(url, "targets", "import", str(bad))
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert lines[0] == "Error: import failed, nothing was written: 3 errors"
    assert lines[1] == "q2.csv line 3, column value: 150 is out of range for adoption_rate (%): must be from 0 to 100"
    assert lines[2].startswith("q2.csv line 4, column kpi_id: unknown KPI 'bogus'")
    assert (
        lines[3] == "q2.csv line 5, column effective_from: 1999-01-01 is before 2000-01-01, the earliest date accepted"
    )
    assert _targets(url) == len(RECORDS)  # not even the good row

    good = tmp_path / "april.csv"
    good.write_text(
        "kpi_id,org_unit_id,effective_from,value,review_on,reason\nadoption_rate,d1,2026-04-01,70,,Spring\n"
    )
    assert run(url, "targets", "import", str(good))[1].startswith("april.csv: 1 rows read, 1 inserted")
    code, out, _ = run(url, "targets", "import", str(good))  # the same file twice adds nothing
    assert code == 0 and "0 inserted" in out and "nothing added" in out
    assert _targets(url) == len(RECORDS) + 1
    eng = make_engine(application_url(url))
    with eng.connect() as c:
        (h,) = model.history(c, unit="d1")[:1]
    eng.dispose()
    assert (h.value, h.reason, h.recorded_by, h.old.target) == (70.0, "Spring", "cli-lead", 75.0)


def test_cli_weights_import_checks_the_set(run, fresh_database, tmp_path: Path) -> None:
    url = fresh_database()
    build(url)
    bad = tmp_path / "weights.csv"
    bad.write_text(
        "pillar,effective_from,weight\npeople,2026-02-01,40\nprocess,2026-02-01,40\ntechnology,2026-02-01,15\n"
    )
    code, _, err = run(url, "weights", "import", str(bad))
    assert code == 1
    assert err.strip().splitlines()[1:] == [
        f"weights.csv line {n}, column weight: the weights from 2026-02-01 sum to 95, not 100 "
        "(people 40, process 40, technology 15)"
        for n in (2, 3, 4)
    ]
    good = tmp_path / "w.csv"
    good.write_text(
        "pillar,effective_from,weight\npeople,2026-02-01,30\nprocess,2026-02-01,50\ntechnology,2026-02-01,20\n"
    )
    code, out, err = run(url, "weights", "import", str(good))
    assert code == 0, err
    assert out.startswith("w.csv: 3 rows read, 3 inserted")
    assert "0 inserted" in run(url, "weights", "import", str(good))[1]
    eng = make_engine(application_url(url))
    with eng.connect() as c:
        (s,) = model.weight_sets(c)
        assert (s.weights, s.old, s.recorded_by) == (
            {"people": 30.0, "process": 50.0, "technology": 20.0},
            {"people": 50.0, "process": 30.0, "technology": 20.0},
            "cli-lead",
        )
    eng.dispose()


def test_save_refuses_an_invalid_record_even_without_the_page(app_conn: Connection) -> None:
    bad = model.Change("adoption_rate", "d1", 150.0, FEB, None, " ")
    with pytest.raises(ValueError, match="must be from 0 to 100; Say why"):
        model.save(app_conn, LEAD, [bad], model.tokens(app_conn, [bad.key]), grain="month")
