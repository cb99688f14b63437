"""KPI values, targets, status, scores and refresh against numbers hand-computed from KPIS.md."""

# The fixture organisation and the exhaustive table of expected month/quarter values live in
# tests/fixture_org.py; every number there and here is derived by hand in a comment.

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import Connection, Row, insert, select

from db import schema
from metrics.refresh import refresh
from metrics.scope import Scope, company_scope
from metrics.scoring import kpi_rows, score_rows
from tests.fixture_org import (
    EXPECTED,
    FEB,
    JAN,
    MAR,
    MEETINGS,
    Q1,
    UNIT_IDS,
    d,
    load,
)

KPI_IDS = [
    "adoption_rate",
    "training_coverage",
    "new_hire_onboarding",
    "pulse_score",
    "recognition_rate",
    "report_usage_in_meetings",
    "meeting_cadence",
    "communication_cadence",
    "coaching_with_crm",
    "sponsor_engagement",
    "engaged_users",
    "data_quality",
    "issue_resolution",
]
ADDITIVE = [k for k in KPI_IDS if k != "sponsor_engagement"]  # v2: communication_cadence adds up too
# ISO weeks overlapping the window 2026-01-09 .. 2026-03-23: Mondays 01-05 .. 03-23.
WEEKS = [d("2026-01-05") + timedelta(weeks=i) for i in range(12)]

Key = tuple[str, str, str, date]


def close(got: float | None, want: float | None) -> bool:
    """Equal within KPIS.md's tolerance (relative 1e-6; absolute 1e-9 near 0), None only equal to None."""
    if want is None or got is None:
        return got is None and want is None
    return got == pytest.approx(want, rel=1e-6, abs=1e-9)


def values(conn: Connection) -> dict[Key, Row]:
    """Every kpi_values row keyed by (kpi, unit, grain, period_start)."""
    rows = conn.execute(select(schema.kpi_values)).all()
    return {(r.kpi_id, r.org_unit_id, r.grain, r.period_start): r for r in rows}


def one(conn: Connection, kpi: str, unit: str, grain: str, start: date) -> Row:
    """The scored kpi_rows row of one KPI, unit and period (read at call time)."""
    rows = kpi_rows(conn, company_scope(conn), unit=unit, grain=grain, period_from=start, period_to=start, kpi=kpi)
    assert len(rows) == 1, (kpi, unit, grain, start, rows)
    return rows[0]


def scores(conn: Connection, unit: str, grain: str, start: date) -> Row:
    """The score_rows row of one unit and period."""
    rows = [r for r in score_rows(conn, company_scope(conn), unit=unit, grain=grain) if r.period_start == start]
    assert len(rows) == 1, (unit, grain, start, rows)
    return rows[0]


def assert_row(row: Row, num: float, den: float, value: float | None) -> None:
    """Numerator, denominator (never None) and value of a KPI row."""
    assert row.numerator is not None and row.denominator is not None
    assert close(row.numerator, num), (row, num)
    assert close(row.denominator, den), (row, den)
    assert close(row.value, value), (row, value)


def snapshot(conn: Connection) -> dict[Key, tuple]:
    """kpi_values as comparable tuples."""
    return {k: (r.period_end, r.partial, r.numerator, r.denominator, r.value) for k, r in values(conn).items()}


def assert_same(a: dict[Key, tuple], b: dict[Key, tuple]) -> None:
    """Two kpi_values snapshots hold the same rows and numbers."""
    assert a.keys() == b.keys()
    for key in a:
        end_a, partial_a, *nums_a = a[key]
        end_b, partial_b, *nums_b = b[key]
        assert (end_a, partial_a) == (end_b, partial_b), key
        assert all(close(x, y) for x, y in zip(nums_a, nums_b, strict=True)), (key, a[key], b[key])


@pytest.fixture
def org(conn: Connection) -> Iterator[Connection]:
    """The fixture organisation, loaded and refreshed."""
    load(conn)
    refresh(conn)
    yield conn


# ---------------------------------------------------------------- periods and the data window


def test_periods_cover_the_window_with_partial_flags(org: Connection) -> None:
    """Window 01-09 (an all-zero activity row) .. 03-23 (integration activity); planned/unsent rows after it add nothing."""
    periods = {(g, s, r.period_end, r.partial) for (_, _, g, s), r in values(org).items()}
    weeks = {(s, e, p) for g, s, e, p in periods if g == "week"}
    months = {(s, e, p) for g, s, e, p in periods if g == "month"}
    quarters = {(s, e, p) for g, s, e, p in periods if g == "quarter"}
    # ISO weeks start on Monday and end on Sunday; only the first (starts 01-05 < 01-09) and the
    # last (ends 03-29 > 03-23) are partial. 01-05 exists only because the all-zero row of 01-09
    # counts; 03-23 only because the integration account's row counts.
    assert weeks == {(s, s + timedelta(days=6), s in (WEEKS[0], WEEKS[-1])) for s in WEEKS}
    assert all(s.weekday() == 0 for s, _, _ in weeks)
    # Jan starts before 01-09, Mar ends after 03-23; no April although a planned meeting (04-10)
    # and planned/cancelled communications (04-20, 04-25) exist.
    assert months == {
        (d("2026-01-01"), d("2026-01-31"), True),
        (d("2026-02-01"), d("2026-02-28"), False),
        (d("2026-03-01"), d("2026-03-31"), True),
    }
    assert quarters == {(d("2026-01-01"), d("2026-03-31"), True)}
    # Every KPI x unit x grain x period: 13 x 6 x (12 + 3 + 1).
    assert len(values(org)) == 13 * 6 * 16


def test_window_without_activity_runs_from_first_to_last_event(conn: Connection) -> None:
    """No crm_activity at all: the window starts on the earliest event (a held meeting 02-10) and ends on the last (a sent communication 02-20)."""
    conn.execute(insert(schema.org_units).values(id="X", name="Solo", parent_id=None, kind="company"))
    conn.execute(
        insert(schema.meetings).values(
            id="mx", org_unit_id="X", kind="governance", scheduled_on=d("2026-02-10"), status="held"
        )
    )
    conn.execute(
        insert(schema.communications).values(
            id="cx", audience_org_unit_id="X", channel="email", sent_on=d("2026-02-20"), status="sent"
        )
    )
    refresh(conn)
    got = values(conn)
    # Week 02-09..02-15 starts before 02-10, week 02-16..02-22 ends after 02-20: both partial,
    # as are Feb and Q1. 13 KPIs x 1 unit x 4 periods.
    assert {(g, s, r.partial) for (_, _, g, s), r in got.items()} == {
        ("week", d("2026-02-09"), True),
        ("week", d("2026-02-16"), True),
        ("month", d("2026-02-01"), True),
        ("quarter", d("2026-01-01"), True),
    }
    assert len(got) == 13 * 4
    # cx reaches nobody: X has no licensed user -> 0 of 0 -> no data.
    assert_row(got[("communication_cadence", "X", "month", d("2026-02-01"))], 0, 0, None)
    assert_row(got[("sponsor_engagement", "X", "month", d("2026-02-01"))], 0, 1, 0.0)  # mx, no sponsor
    assert_row(got[("adoption_rate", "X", "month", d("2026-02-01"))], 0, 0, None)
    # No licensed user: no pillar score and no index, although sponsor_engagement has a value.
    feb = scores(conn, "X", "month", d("2026-02-01"))
    assert (feb.licensed, feb.people, feb.process, feb.technology, feb.index) == (0, None, None, None, None)


def test_partial_periods_are_flagged_in_scored_rows(org: Connection) -> None:
    """kpi_rows and score_rows carry the partial flag of their period."""
    assert one(org, "adoption_rate", "T1", "month", JAN[1]).partial is True
    assert one(org, "adoption_rate", "T1", "month", FEB[1]).partial is False
    assert one(org, "adoption_rate", "T1", "quarter", Q1[1]).partial is True
    assert scores(org, "T1", "week", WEEKS[-1]).partial is True
    assert scores(org, "T1", "week", WEEKS[-2]).partial is False


# ---------------------------------------------------------------- every KPI, by hand


@pytest.mark.parametrize("kpi", KPI_IDS)
def test_kpi_matches_hand_computed_values(org: Connection, kpi: str) -> None:
    """Every unit's Jan, Feb, Mar and Q1 numerator, denominator and value (table in fixture_org)."""
    got = values(org)
    expected = {key: row for key, row in EXPECTED.items() if key[0] == kpi}
    assert len(expected) == len(UNIT_IDS) * 4
    mismatches = []
    for (k, unit, (grain, start)), (num, den, value) in expected.items():
        row = got[(k, unit, grain, start)]
        if not (close(row.numerator, num) and close(row.denominator, den) and close(row.value, value)):
            mismatches.append(
                f"{unit} {grain} {start}: want {num}/{den}={value}, got {row.numerator}/{row.denominator}={row.value}"
            )
    assert not mismatches, "\n".join(mismatches)


def test_weekly_values_use_iso_weeks_and_seven_days(org: Connection) -> None:
    """Weeks: k(P) = 1, license end against end(P), days(P) = 7 even for a partial week."""
    got = values(org)
    w = {s.isoformat(): s for s in WEEKS}
    # Week 01-05..01-11 (partial): T1 licensed p1 p2 p3 (p4 from 01-20); p1's only row (01-09)
    # is all-zero -> 0 of 3 -> 0.0.
    assert_row(got[("adoption_rate", "T1", "week", w["2026-01-05"])], 0, 3, 0.0)
    # No communication that week: 0 reached each of the 3 licensed users -> 0 of 3 -> 0.0.
    assert_row(got[("communication_cadence", "T1", "week", w["2026-01-05"])], 0, 3, 0.0)
    # Week 02-02..02-08: T1 licensed p1-p4; active p1 (02-03), p2 (02-03..05), p4 (02-02) -> 75.0;
    # records: p1 2, p4 5 (p2 none, p3 starts 02-09) -> 50.0.
    assert_row(got[("adoption_rate", "T1", "week", w["2026-02-02"])], 3, 4, 75.0)
    assert_row(got[("engaged_users", "T1", "week", w["2026-02-02"])], 2, 4, 50.0)
    # T1's measurement in that week is 02-05 (70 of 100) -> 70.0.
    assert_row(got[("data_quality", "T1", "week", w["2026-02-02"])], 70, 100, 70.0)
    # Week 02-16..02-22: p6's license_end 02-27 >= 02-22 so T2 has p6 p7 p8; active p6, p8 -> 2/3.
    assert_row(got[("adoption_rate", "T2", "week", w["2026-02-16"])], 2, 3, 100 * 2 / 3)
    # Week 02-23..03-01: 02-27 < 03-01, p6 is out; p7 p8 idle -> 0 of 2.
    assert_row(got[("adoption_rate", "T2", "week", w["2026-02-23"])], 0, 2, 0.0)
    # Week 02-16..02-22, T1: recognitions r2 (p4 02-18), r3 (p5 02-20) over 4 licensed users:
    # 2/4*100*30/7 = 214.28...
    assert_row(got[("recognition_rate", "T1", "week", w["2026-02-16"])], 2, 4, 2 / 4 * 100 * 30 / 7)
    # Communications that week: c3 to T1 sent (c4 cancelled) reaches p1-p4 (p3's license ends
    # 02-28 >= 02-22) -> 4 of 4 users, 4 / 4 * 30 / 7 = 4.2857 (days(P) = 7).
    assert_row(got[("communication_cadence", "T1", "week", w["2026-02-16"])], 4, 4, 30 / 7)
    # New hires: p4's 02-19 falls in week 02-16 (SALES on 02-19, onboarded); p11's 03-02 in week
    # 03-02 (analyst, onboarded); the integration account's 02-24 would fall in week 02-23 but
    # never counts.
    assert_row(got[("new_hire_onboarding", "T1", "week", w["2026-02-16"])], 1, 1, 100.0)
    assert_row(got[("new_hire_onboarding", "D2", "week", w["2026-03-02"])], 1, 1, 100.0)
    assert_row(got[("new_hire_onboarding", "D2", "week", w["2026-02-23"])], 0, 0, None)
    # p7's 03-07 falls in week 03-02; SALES only on 03-08 -> 0 of 1.
    assert_row(got[("new_hire_onboarding", "T2", "week", w["2026-03-02"])], 0, 1, 0.0)
    # p11 (license_start 01-31) is licensed in week 01-26..02-01 (01-31 <= 02-01) but not in week
    # 01-19..01-25: D2 adoption 0 of 2 (p10 p11), then 0 of 1 (p10).
    assert_row(got[("adoption_rate", "D2", "week", w["2026-01-26"])], 0, 2, 0.0)
    assert_row(got[("adoption_rate", "D2", "week", w["2026-01-19"])], 0, 1, 0.0)
    # Last week 03-23..03-29 (partial): T1 licensed p1 p2 p4, none active -> 0.0.
    assert_row(got[("adoption_rate", "T1", "week", w["2026-03-23"])], 0, 3, 0.0)


def test_unit_without_people_has_no_data_except_sponsor_engagement(org: Connection) -> None:
    """T3 in January: every KPI is no data (0/0), communication_cadence included (nobody to reach)."""
    got = values(org)
    for kpi in KPI_IDS:
        assert_row(got[(kpi, "T3", "month", JAN[1])], 0, 0, None)
    # In Feb T3 still has no people: c1 (company-wide) reaches no licensed user of T3 -> 0/0; the
    # company's held governance m15 with the sponsor still counts for T3 -> 1/1.
    assert_row(got[("communication_cadence", "T3", "month", FEB[1])], 0, 0, None)
    assert_row(got[("sponsor_engagement", "T3", "month", FEB[1])], 1, 1, 100.0)
    assert one(org, "adoption_rate", "T3", "month", FEB[1]).status == "no_data"
    assert one(org, "communication_cadence", "T3", "month", FEB[1]).status == "no_data"


def test_integration_account_never_counts(org: Connection) -> None:
    """p12 (D2) works every day, answers pulses, gets recognised, raises an issue, is a 'new hire': none of it counts."""
    got = values(org)
    # D2 licensed users are p10 and p11 only; p12's daily activity would make it adopted/engaged.
    assert_row(got[("adoption_rate", "D2", "month", FEB[1])], 1, 2, 50.0)  # p10 only
    assert_row(got[("engaged_users", "D2", "month", FEB[1])], 0, 2, 0.0)
    # r4 (p12) left out: r5 only -> 1/2*100*30/28.
    assert_row(got[("recognition_rate", "D2", "month", FEB[1])], 1, 2, 1 / 2 * 100 * 30 / 28)
    # f5 (p12) left out: f7 only.
    assert_row(got[("issue_resolution", "D2", "month", FEB[1])], 1, 1, 100.0)
    # p12's license_start + 30 = 02-24 is in Feb, but the cohort stays empty (p11's is 03-02).
    assert_row(got[("new_hire_onboarding", "D2", "month", FEB[1])], 0, 0, None)
    # Company pulse in Jan: p1 p2 p3 p10 = 4 people (p12's row would be a 5th) -> suppressed;
    # num 4.0 + 2.5 + 5.0 + 3.0 = 14.5 over 4 rows (p12's 5.0 left out).
    assert_row(got[("pulse_score", "C", "month", JAN[1])], 14.5, 4, None)


def test_pulse_suppression_stores_numerator_and_denominator(org: Connection) -> None:
    """T1 Feb: 5 rows from 4 people (p5's empty row ignored) -> value None, num 18.0, den 5, status no_data."""
    row = one(org, "pulse_score", "T1", "month", FEB[1])
    assert_row(row, 18.0, 5, None)  # 4.0 + 3.0 + 4.0 + 3.0 + 4.0
    assert row.status == "no_data"
    assert row.attainment is None
    # D1 Feb: 7 people -> shown: (18.0 + 8.8 + 2.0) / 8 = 3.6 (partial items averaged per row).
    assert_row(one(org, "pulse_score", "D1", "month", FEB[1]), 28.8, 8, 3.6)


def test_pulse_with_exactly_five_respondents_is_shown(org: Connection) -> None:
    """T1 Q1: rows from exactly 5 people (p1-p4 and the unlicensed p5) -> shown; T1 Feb's 4 -> suppressed."""
    # 11.5 (Jan) + 18.0 (Feb) + 2.0 (p5 03-11) = 31.5 over 9 rows -> 3.5; 3.5 / 4.0 = 0.875 -> red,
    # score 100 * (0.875 - 0.5) / 0.5 = 75.
    row = one(org, "pulse_score", "T1", "quarter", Q1[1])
    assert_row(row, 31.5, 9, 3.5)
    assert (row.status, row.score) == ("red", pytest.approx(75.0))
    feb = one(org, "pulse_score", "T1", "month", FEB[1])  # p1 p2 p3 p4 only
    assert (feb.value, feb.status, feb.score) == (None, "no_data", None)


# ---------------------------------------------------------------- what adds up


def _own_meetings(unit: str, kpi: str, start: date, end: date) -> tuple[int, int]:
    """(num, den) of the meeting KPIs over the meetings attached to `unit` itself."""
    mgmt = {"weekly_status", "monthly_planning", "governance", "management_review"}
    cadence = {"daily_standup", "weekly_status", "monthly_planning", "governance"}
    num = den = 0
    for _, u, kind, on, status, crm, _ in MEETINGS:
        if u != unit or not start <= d(on) <= end:
            continue
        if kpi == "report_usage_in_meetings" and kind in mgmt and status == "held":
            den, num = den + 1, num + crm
        elif kpi == "meeting_cadence" and kind in cadence and status in ("held", "cancelled", "missed"):
            den, num = den + 1, num + (status == "held")
        elif kpi == "coaching_with_crm" and kind == "coaching" and status == "held":
            den, num = den + 1, num + crm
    return num, den


def test_additive_kpis_add_up_over_children_and_own_rows(org: Connection) -> None:
    """For every additive KPI, grain and period: C = D1 + D2 + C's own meetings (C has no people or data-quality rows)."""
    got = values(org)
    for (kpi, unit, grain, start), row in got.items():
        if unit != "C" or kpi not in ADDITIVE:
            continue
        own_num, own_den = _own_meetings("C", kpi, start, row.period_end)
        d1, d2 = got[(kpi, "D1", grain, start)], got[(kpi, "D2", grain, start)]
        assert close(row.numerator, d1.numerator + d2.numerator + own_num), (kpi, grain, start)
        assert close(row.denominator, d1.denominator + d2.denominator + own_den), (kpi, grain, start)


# D1's own rows in Feb: person p9 (licensed, 4 activity days, 4 records, covered, one pulse row
# of mean 2.0, no recognition, no issue, reached by c1 (C) and c2 (D1)), governance m13 (held,
# CRM, sponsor) and m14 (held), data-quality row 02-15 (10 of 20).
D1_OWN_FEB = {
    "adoption_rate": (1, 1),
    "training_coverage": (1, 1),
    "new_hire_onboarding": (0, 0),
    "pulse_score": (2.0, 1),
    "recognition_rate": (0, 1),
    "report_usage_in_meetings": (1, 2),
    "meeting_cadence": (2, 2),
    "communication_cadence": (2, 1),  # c1 + c2 for the one user p9
    "coaching_with_crm": (0, 0),
    "engaged_users": (1, 1),
    "data_quality": (10, 20),
    "issue_resolution": (0, 0),
}


def test_division_adds_up_over_teams_and_own_rows(org: Connection) -> None:
    """D1 Feb = T1 + T2 + D1's own person, meetings and data-quality row, for every additive KPI."""
    got = values(org)
    for kpi in ADDITIVE:
        t1, t2, d1 = (got[(kpi, u, "month", FEB[1])] for u in ("T1", "T2", "D1"))
        own_num, own_den = D1_OWN_FEB[kpi]
        assert close(d1.numerator, t1.numerator + t2.numerator + own_num), kpi
        assert close(d1.denominator, t1.denominator + t2.denominator + own_den), kpi


def test_communication_cadence_is_per_licensed_user(org: Connection) -> None:
    """A company-wide send counts once per user, a division's only for its users: C's value is the average user's."""
    got = values(org)
    c, d1, d2 = (got[("communication_cadence", u, "month", FEB[1])] for u in ("C", "D1", "D2"))
    # Feb: T1 users (4) get c1 c2 c3, T2 users (2) and p9 get c1 c2, D2 users (2) get c1:
    # D1 = 4*3 + 2*2 + 2 = 18 over 7; D2 = 2*1 = 2 over 2; C = 18 + 2 = 20 over 9.
    assert_row(d1, 18, 7, 18 / 7 * 30 / 28)  # 2.755
    assert_row(d2, 2, 2, 30 / 28)  # 1.071
    assert_row(c, 20, 9, 20 / 9 * 30 / 28)  # 2.381: not the 3 distinct sends (3.214), nor 3+1
    # Adds up now: C's num and den are D1's + D2's (C has no people of its own).
    assert (c.numerator, c.denominator) == (d1.numerator + d2.numerator, d1.denominator + d2.denominator)


def test_sponsor_engagement_counts_ancestors_and_does_not_add_up(org: Connection) -> None:
    """sponsor_engagement counts ancestors' governance meetings once, not summed over children."""
    got = values(org)
    s = {u: got[("sponsor_engagement", u, "month", FEB[1])] for u in ("D1", "T1", "T2")}
    # Each sees m13 m14 (D1) + m15 (C): 3, while T1 + T2 + own would be 3 + 3 + 2.
    assert [s[u].denominator for u in ("D1", "T1", "T2")] == [3, 3, 3]


# ---------------------------------------------------------------- targets


def test_targets_inherit_from_parent_and_grandparent(org: Connection) -> None:
    """Adoption target 60 set on C reaches T1 (grandparent); engaged 50 and data quality 80 set on D1 reach T2."""
    for unit in UNIT_IDS:
        assert one(org, "adoption_rate", unit, "month", FEB[1]).target == 60.0
    assert one(org, "engaged_users", "T2", "month", FEB[1]).target == 50.0  # parent D1
    assert one(org, "data_quality", "T1", "month", FEB[1]).target == 80.0  # parent D1
    assert one(org, "data_quality", "D2", "month", FEB[1]).target == 85.0  # default: not under D1
    assert one(org, "data_quality", "C", "month", FEB[1]).target == 85.0  # a parent's target never flows up
    assert one(org, "recognition_rate", "T1", "month", FEB[1]).target == 5.0  # default


def test_target_effective_mid_period_applies_to_that_period(org: Connection) -> None:
    """training_coverage 70 on D1 from 02-15 applies to periods ending on/after 02-15, default 90 before."""
    for unit in ("D1", "T1", "T2"):
        assert one(org, "training_coverage", unit, "month", JAN[1]).target == 90.0  # ends 01-31
        assert one(org, "training_coverage", unit, "month", FEB[1]).target == 70.0  # ends 02-28 >= 02-15
        assert one(org, "training_coverage", unit, "quarter", Q1[1]).target == 70.0
    assert one(org, "training_coverage", "T1", "week", d("2026-02-02")).target == 90.0  # ends 02-08
    assert one(org, "training_coverage", "T1", "week", d("2026-02-09")).target == 70.0  # ends 02-15
    assert one(org, "training_coverage", "D2", "month", FEB[1]).target == 90.0


def test_cleared_target_falls_back_to_inheritance(org: Connection) -> None:
    """T1's own engaged target 40 is cleared from 03-01: from then T1 inherits D1's 50."""
    assert one(org, "engaged_users", "T1", "month", JAN[1]).target == 40.0
    assert one(org, "engaged_users", "T1", "month", FEB[1]).target == 40.0
    assert one(org, "engaged_users", "T1", "month", MAR[1]).target == 50.0
    assert one(org, "engaged_users", "T1", "quarter", Q1[1]).target == 50.0
    assert one(org, "engaged_users", "T1", "week", d("2026-02-16")).target == 40.0  # ends 02-22
    assert one(org, "engaged_users", "T1", "week", d("2026-02-23")).target == 50.0  # ends 03-01


def test_back_dated_target_rescores_past_periods_at_read_time(org: Connection) -> None:
    """A target row added later with an old effective_from changes past targets and statuses without a refresh."""
    row = one(org, "adoption_rate", "T1", "month", FEB[1])
    assert (row.value, row.target, row.status) == (50.0, 60.0, "red")  # 50/60 = 0.833
    org.execute(
        insert(schema.targets).values(
            kpi_id="adoption_rate", org_unit_id="T1", value=50.0, effective_from=d("2025-12-01")
        )
    )
    row = one(org, "adoption_rate", "T1", "month", FEB[1])
    assert (row.target, row.status, row.attainment) == (50.0, "green", pytest.approx(1.0))  # 50 >= 50
    assert one(org, "adoption_rate", "T1", "month", JAN[1]).target == 50.0
    assert one(org, "adoption_rate", "T2", "month", FEB[1]).target == 60.0  # a child's row does not spread
    # A back-dated clearing from 02-10: Feb inherits C's 60 again, Jan keeps 50.
    org.execute(
        insert(schema.targets).values(
            kpi_id="adoption_rate", org_unit_id="T1", value=None, effective_from=d("2026-02-10")
        )
    )
    assert one(org, "adoption_rate", "T1", "month", FEB[1]).target == 60.0
    assert one(org, "adoption_rate", "T1", "month", JAN[1]).target == 50.0


def test_same_day_target_rows_the_one_recorded_last_wins(org: Connection) -> None:
    """T1's coaching target has two rows on 2026-01-01, 50 then 100 (a correction): 100 is in force."""
    r = one(org, "coaching_with_crm", "T1", "month", FEB[1])
    # 50.0 (1 of 2) vs 100, not vs 50 (which would be green, score 100): exactly half -> red, score 0.
    assert (r.value, r.target, r.status) == (50.0, 100.0, "red")
    assert r.score == pytest.approx(0.0, abs=1e-9)
    # A third row on the same day, recorded now, wins: 50 / 60 = 0.8333 -> score
    # 100 * (0.8333 - 0.5) / 0.5 = 66.67.
    _add_target(org, "coaching_with_crm", "T1", 60.0, "2026-01-01")
    r = one(org, "coaching_with_crm", "T1", "month", FEB[1])
    assert (r.target, r.score) == (60.0, pytest.approx(200 / 3))
    # A clearing on the same day, recorded last: T1 inherits; D1 and C have no coaching row ->
    # default 75: 50 / 75 = 2/3 -> score 100 * (2/3 - 0.5) / 0.5 = 33.33.
    _add_target(org, "coaching_with_crm", "T1", None, "2026-01-01")
    r = one(org, "coaching_with_crm", "T1", "month", FEB[1])
    assert (r.target, r.score) == (75.0, pytest.approx(100 / 3))
    # Recorded last but effective earlier (12-31 < 01-01): the later effective_from still wins.
    _add_target(org, "coaching_with_crm", "T1", 90.0, "2025-12-31")
    assert one(org, "coaching_with_crm", "T1", "month", FEB[1]).target == 75.0


def _add_target(conn: Connection, kpi: str, unit: str, value: float | None, on: str) -> None:
    """Record one more target row (the id is generated: the newest record)."""
    conn.execute(insert(schema.targets).values(kpi_id=kpi, org_unit_id=unit, value=value, effective_from=d(on)))


# ---------------------------------------------------------------- status, attainment and KPI score


def test_status_boundaries(org: Connection) -> None:
    """Equal is green, exactly 0.9 is amber, just below is red, target 0 gives attainment 1."""
    r = one(org, "data_quality", "T2", "month", FEB[1])  # 72 vs 80 (from D1): 72/80 = 0.9 exactly
    assert (r.value, r.target, r.status) == (72.0, 80.0, "amber")
    assert r.attainment == pytest.approx(0.9, rel=1e-9)
    r = one(org, "data_quality", "D1", "month", FEB[1])  # 136/170 = 80.0 vs 80 -> equal
    assert (r.status, r.attainment) == ("green", pytest.approx(1.0))
    r = one(org, "pulse_score", "D1", "month", FEB[1])  # 28.8/8 = 3.6 vs default 4.0 -> exactly 0.9
    assert r.target == 4.0 and r.status == "amber"
    assert r.attainment == pytest.approx(0.9, rel=1e-9)
    r = one(org, "data_quality", "C", "month", FEB[1])  # 80 vs default 85: 0.941 -> amber
    assert (r.status, r.attainment) == ("amber", pytest.approx(80 / 85, rel=1e-9))
    r = one(org, "data_quality", "D2", "month", JAN[1])  # 75 vs 85: 0.882 -> red
    assert (r.status, r.attainment) == ("red", pytest.approx(75 / 85, rel=1e-9))
    r = one(org, "issue_resolution", "T2", "month", FEB[1])  # 0.0 vs target 0 -> green, a = 1
    assert (r.value, r.target, r.status, r.attainment) == (0.0, 0.0, "green", pytest.approx(1.0))
    r = one(org, "issue_resolution", "T2", "month", MAR[1])  # no issue due -> no data
    assert (r.value, r.status, r.attainment) == (None, "no_data", None)
    r = one(org, "recognition_rate", "T1", "month", FEB[1])  # 80.36 vs 5 -> attainment capped at 1
    assert (r.status, r.attainment) == ("green", pytest.approx(1.0))
    # Just below 0.9: T2's own target 80.01 from 02-01 -> 72/80.01 = 0.89989 -> red, and its
    # score 100 * (0.89989 - 0.5) / 0.5 = 79.98 is below the amber line's 80.
    _add_target(org, "data_quality", "T2", 80.01, "2026-02-01")
    r = one(org, "data_quality", "T2", "month", FEB[1])
    assert (r.target, r.status) == (80.01, "red")
    assert r.attainment == pytest.approx(72 / 80.01, rel=1e-9)
    assert r.score == pytest.approx(100 * (72 / 80.01 - 0.5) / 0.5, rel=1e-9) and r.score < 80
    # D2 in March: 36/40 = 90.0 vs its own 100 -> 0.9 exactly -> amber, score 80.
    _add_target(org, "data_quality", "D2", 100.0, "2026-03-01")
    r = one(org, "data_quality", "D2", "month", MAR[1])
    assert (r.value, r.target, r.status) == (90.0, 100.0, "amber")
    assert r.score == pytest.approx(80.0, rel=1e-9)


# (kpi, unit, period, value, target, status, score): s = 100 * clamp((value / target - 0.5) / 0.5, 0, 1).
SCORE_CASES = [
    ("coaching_with_crm", "T1", FEB, 50.0, 100.0, "red", 0.0),  # 50/100 = 0.5 exactly -> 0
    ("sponsor_engagement", "T1", Q1, 50.0, 100.0, "red", 0.0),  # 2 of m13 m14 m15 m22 = 0.5 -> 0
    ("recognition_rate", "T1", MAR, 0.0, 5.0, "red", 0.0),  # 0 < half -> clamped to 0
    ("data_quality", "T2", FEB, 72.0, 80.0, "amber", 80.0),  # 0.9: (0.9 - 0.5) / 0.5 = 0.8 -> 80
    ("pulse_score", "D1", FEB, 3.6, 4.0, "amber", 80.0),  # 3.6/4 = 0.9 -> 80
    ("data_quality", "C", FEB, 80.0, 85.0, "amber", 100 * (80 / 85 - 0.5) / 0.5),  # 0.941 -> 88.24
    ("adoption_rate", "T1", FEB, 50.0, 60.0, "red", 100 * (50 / 60 - 0.5) / 0.5),  # 0.833 -> 66.67 (not 83.3)
    ("meeting_cadence", "T1", FEB, 60.0, 90.0, "red", 100 * (60 / 90 - 0.5) / 0.5),  # 0.667 -> 33.33
    ("data_quality", "D1", FEB, 80.0, 80.0, "green", 100.0),  # at target -> 100
    ("recognition_rate", "T1", FEB, 3 / 4 * 100 * 30 / 28, 5.0, "green", 100.0),  # 80.36 = 16x -> clamped 100
    ("issue_resolution", "T2", FEB, 0.0, 0.0, "green", 100.0),  # target 0 -> 100
    ("issue_resolution", "T2", MAR, None, 0.0, "no_data", None),  # no data -> no score
    ("pulse_score", "T1", FEB, None, 4.0, "no_data", None),  # suppressed -> no score
]


@pytest.mark.parametrize(("kpi", "unit", "period", "value", "target", "status", "score"), SCORE_CASES)
def test_kpi_score(
    org: Connection,
    kpi: str,
    unit: str,
    period: tuple[str, date],
    value: float | None,
    target: float,
    status: str,
    score: float | None,
) -> None:
    """KPI score at half its target (0), at 0.9 (80, amber), at and above target (100), none without data."""
    r = one(org, kpi, unit, period[0], period[1])
    assert close(r.value, value)
    assert r.target == pytest.approx(target)
    assert r.status == status
    assert close(r.score, score), (r.score, score)


# T1 in February (targets: adoption 60 from C, coverage 70 from D1, engaged 40 own, data quality
# 80 from D1, coaching 100 own (the later of two 01-01 rows), the rest default).
# (value, target, attainment a = min(value / target, 1), status, score s = 100 * clamp(2a - 1)):
T1_FEB = {
    "adoption_rate": (50.0, 60.0, 50 / 60, "red", 200 / 3),  # 2/4; a 0.833 -> s 66.67
    "training_coverage": (75.0, 70.0, 1.0, "green", 100.0),  # 3/4
    "new_hire_onboarding": (100.0, 90.0, 1.0, "green", 100.0),  # p4
    "pulse_score": (None, 4.0, None, "no_data", None),  # suppressed: 4 people
    "recognition_rate": (3 / 4 * 100 * 30 / 28, 5.0, 1.0, "green", 100.0),  # 80.36
    "report_usage_in_meetings": (200 / 3, 80.0, 5 / 6, "red", 200 / 3),  # 2/3 -> a 0.833 -> s 66.67
    "meeting_cadence": (60.0, 90.0, 60 / 90, "red", 100 / 3),  # 3/5 -> a 0.667 -> s 33.33
    "communication_cadence": (90 / 28, 4.0, 90 / 112, "red", 100 * 68 / 112),  # 3.214 -> a 0.804 -> s 60.71
    "coaching_with_crm": (50.0, 100.0, 0.5, "red", 0.0),  # 1/2 -> a 0.5 -> s 0
    "sponsor_engagement": (200 / 3, 100.0, 2 / 3, "red", 100 / 3),  # 2/3 -> s 33.33
    "engaged_users": (75.0, 40.0, 1.0, "green", 100.0),  # 3/4
    "data_quality": (90.0, 80.0, 1.0, "green", 100.0),
    "issue_resolution": (50.0, 90.0, 50 / 90, "red", 100 / 9),  # 1/2 -> a 0.556 -> s 11.11
}
# Pillar scores = mean s over KPIs with data (pulse left out):
T1_FEB_PEOPLE = (200 / 3 + 100 + 100 + 100) / 4  # 91.667
T1_FEB_PROCESS = (200 / 3 + 100 / 3 + 100 * 68 / 112 + 0 + 100 / 3) / 5  # 194.048 / 5 = 38.810
T1_FEB_TECH = (100 + 100 + 100 / 9) / 3  # 70.370
# T1 in March (targets: adoption 60, coverage 70, engaged 50 after the clearing, data quality 80):
# people: adoption 66.7/60 -> 100; coverage 66.7/70 = 20/21 -> s 100 * (40/21 - 1) = 90.48
# (amber); recognition 0/5 -> 0; onboarding and pulse (p5 alone) no data.
# process: report 0/80 -> 0; cadence 100/90 -> 100; communication (30/31)/4 = 0.242 -> 0;
# sponsor 0/1 -> 0; coaching no data.
# technology: engaged 33.3/50 = 2/3 -> 33.33; data quality 75/80 = 0.9375 -> 87.5; issues 100/90 -> 100.
T1_MAR_PEOPLE = (100 + 100 * (40 / 21 - 1) + 0) / 3  # 63.492
T1_MAR_PROCESS = (0 + 100 + 0 + 0) / 4  # 25.0
T1_MAR_TECH = (100 / 3 + 87.5 + 100) / 3  # 73.611
# T1 in January (targets: adoption 60, coverage 90 (D1's 70 only from 02-15), engaged 40 own):
# people: adoption 50/60 -> 66.67; coverage 25/90 = 0.278 -> 0; recognition 0 -> 0;
# onboarding, pulse (3 people) no data. process: report 100/80 -> 100; cadence 100/90 -> 100;
# communication 0/4 -> 0; coaching, sponsor no data. technology: engaged 25/40 = 0.625 -> 25;
# issues 0/90 -> 0; data quality no data.
T1_JAN_PEOPLE = (200 / 3 + 0 + 0) / 3  # 22.222
T1_JAN_PROCESS = (100 + 100 + 0) / 3  # 66.667
T1_JAN_TECH = (25 + 0) / 2  # 12.5


def test_attainment_status_and_score_of_every_kpi_for_a_team(org: Connection) -> None:
    """T1 Feb: value, resolved target, attainment, status and score of all 13 KPIs."""
    for kpi, (value, target, attainment, status, score) in T1_FEB.items():
        r = one(org, kpi, "T1", "month", FEB[1])
        assert close(r.value, value), kpi
        assert r.target == pytest.approx(target), kpi
        assert close(r.attainment, attainment), kpi
        assert r.status == status, kpi
        assert close(r.score, score), (kpi, r.score, score)
        assert r.pillar == ("people" if kpi in KPI_IDS[:5] else "process" if kpi in KPI_IDS[5:10] else "technology")
    mar = {k: one(org, k, "T1", "month", MAR[1]).status for k in ("training_coverage", "data_quality", "engaged_users")}
    assert mar == {"training_coverage": "amber", "data_quality": "amber", "engaged_users": "red"}


# ---------------------------------------------------------------- pillar scores and index


def test_pillar_scores_and_index_with_default_weights(org: Connection) -> None:
    """No pillar_weights rows: index = (50 people + 30 process + 20 technology) / 100."""
    feb = scores(org, "T1", "month", FEB[1])
    assert close(feb.people, T1_FEB_PEOPLE)
    assert close(feb.process, T1_FEB_PROCESS)
    assert close(feb.technology, T1_FEB_TECH)
    # (50 * 91.667 + 30 * 38.810 + 20 * 70.370) / 100 = 45.833 + 11.643 + 14.074 = 71.550
    assert close(feb.index, (50 * T1_FEB_PEOPLE + 30 * T1_FEB_PROCESS + 20 * T1_FEB_TECH) / 100)
    mar = scores(org, "T1", "month", MAR[1])
    assert close(mar.people, T1_MAR_PEOPLE)
    assert close(mar.process, T1_MAR_PROCESS)
    assert close(mar.technology, T1_MAR_TECH)
    # (50 * 63.492 + 30 * 25 + 20 * 73.611) / 100 = 31.746 + 7.5 + 14.722 = 53.968
    assert close(mar.index, (50 * T1_MAR_PEOPLE + 30 * T1_MAR_PROCESS + 20 * T1_MAR_TECH) / 100)
    jan = scores(org, "T1", "month", JAN[1])
    assert close(jan.people, T1_JAN_PEOPLE)
    assert close(jan.process, T1_JAN_PROCESS)
    assert close(jan.technology, T1_JAN_TECH)
    # (50 * 22.222 + 30 * 66.667 + 20 * 12.5) / 100 = 11.111 + 20 + 2.5 = 33.611
    assert close(jan.index, (50 * T1_JAN_PEOPLE + 30 * T1_JAN_PROCESS + 20 * T1_JAN_TECH) / 100)


def test_company_scores_with_default_weights(org: Connection) -> None:
    """C in Feb (targets: adoption 60 own, every other KPI its default: C is not under D1)."""
    # people: adoption 5/9 = 55.56 / 60 = 0.9259 -> s 85.19; coverage 7/9 = 77.78 / 90 = 0.8642
    # -> 72.84; onboarding 1/1 -> 100; pulse 32.8/9 = 3.644 / 4 = 0.9111 -> 82.22;
    # recognition 47.62 / 5 -> 100. Mean 440.25 / 5 = 88.05.
    people = (
        100 * (2 * (500 / 9) / 60 - 1) + 100 * (2 * (700 / 9) / 90 - 1) + 100 + 100 * (2 * (32.8 / 9) / 4 - 1) + 100
    ) / 5
    # process: report 5/7 = 71.43 / 80 = 0.8929 -> 78.57; cadence 8/11 = 72.73 / 90 = 0.8081 ->
    # 61.62; communication 20/9*30/28 = 2.381 / 4 = 0.5952 -> 19.05; coaching 2/3 = 66.67 / 75 =
    # 0.8889 -> 77.78; sponsor 2/3 (m13 m14 m15) -> 33.33. Mean 270.35 / 5 = 54.07.
    process = (
        100 * (2 * (500 / 7) / 80 - 1)
        + 100 * (2 * (800 / 11) / 90 - 1)
        + 100 * (2 * (20 / 9 * 30 / 28) / 4 - 1)
        + 100 * (2 * (200 / 3) / 75 - 1)
        + 100 * (2 * (200 / 3) / 100 - 1)
    ) / 5
    # technology: engaged 5/9 = 55.56 / 60 -> 85.19; data quality 80 / 85 = 0.9412 -> 88.24;
    # issues 2/4 = 50 / 90 -> 11.11. Mean 184.53 / 3 = 61.51.
    technology = (100 * (2 * (500 / 9) / 60 - 1) + 100 * (2 * 80 / 85 - 1) + 100 * (2 * 50 / 90 - 1)) / 3
    feb = scores(org, "C", "month", FEB[1])
    assert close(feb.people, people) and close(feb.process, process) and close(feb.technology, technology)
    # (50 * 88.05 + 30 * 54.07 + 20 * 61.51) / 100 = 44.02 + 16.22 + 12.30 = 72.55
    assert close(feb.index, (50 * people + 30 * process + 20 * technology) / 100)


def _add_weights(conn: Connection, on: str, people: float, process: float, technology: float) -> None:
    """Record one set of three pillar weights with one effective_from."""
    conn.execute(
        insert(schema.pillar_weights),
        [
            dict(pillar=p, effective_from=d(on), weight=w, reason="test")
            for p, w in (("people", people), ("process", process), ("technology", technology))
        ],
    )


def test_index_uses_the_weights_in_force_at_period_end(org: Connection) -> None:
    """Weights 60/20/20 from 2025-01-01 and 40/40/20 from 2026-02-28 (Feb's last day): Jan uses the old set, Feb and Mar the new."""
    _add_weights(org, "2025-01-01", 60.0, 20.0, 20.0)
    _add_weights(org, "2026-02-28", 40.0, 40.0, 20.0)
    refresh(org)
    jan = scores(org, "T1", "month", JAN[1])
    # (60 * 22.222 + 20 * 66.667 + 20 * 12.5) / 100 = 13.333 + 13.333 + 2.5 = 29.167
    assert close(jan.index, (60 * T1_JAN_PEOPLE + 20 * T1_JAN_PROCESS + 20 * T1_JAN_TECH) / 100)
    feb = scores(org, "T1", "month", FEB[1])
    assert close(feb.people, T1_FEB_PEOPLE)  # weights never change pillar scores
    # effective_from 02-28 = end(Feb): in force for Feb.
    # (40 * 91.667 + 40 * 38.810 + 20 * 70.370) / 100 = 36.667 + 15.524 + 14.074 = 66.265
    assert close(feb.index, (40 * T1_FEB_PEOPLE + 40 * T1_FEB_PROCESS + 20 * T1_FEB_TECH) / 100)
    mar = scores(org, "T1", "month", MAR[1])
    # (40 * 63.492 + 40 * 25 + 20 * 73.611) / 100 = 25.397 + 10 + 14.722 = 50.119
    assert close(mar.index, (40 * T1_MAR_PEOPLE + 40 * T1_MAR_PROCESS + 20 * T1_MAR_TECH) / 100)


def test_weight_set_recorded_last_wins_on_the_same_day(org: Connection) -> None:
    """A second set on 2026-02-28 (a correction, 20/40/40) replaces the first (40/40/20) from Feb on."""
    _add_weights(org, "2025-01-01", 60.0, 20.0, 20.0)
    _add_weights(org, "2026-02-28", 40.0, 40.0, 20.0)
    _add_weights(org, "2026-02-28", 20.0, 40.0, 40.0)
    refresh(org)
    # (20 * 91.667 + 40 * 38.810 + 40 * 70.370) / 100 = 18.333 + 15.524 + 28.148 = 62.005
    feb = scores(org, "T1", "month", FEB[1])
    assert close(feb.index, (20 * T1_FEB_PEOPLE + 40 * T1_FEB_PROCESS + 40 * T1_FEB_TECH) / 100)
    jan = scores(org, "T1", "month", JAN[1])  # still 60/20/20: 29.167
    assert close(jan.index, (60 * T1_JAN_PEOPLE + 20 * T1_JAN_PROCESS + 20 * T1_JAN_TECH) / 100)


def test_unit_without_licensed_users_has_no_scores(org: Connection) -> None:
    """T3 has nobody licensed: people, process, technology and index are None in every period, although sponsor_engagement has a value."""
    for grain, start in (JAN, FEB, MAR, Q1):
        row = scores(org, "T3", grain, start)
        assert (row.licensed, row.people, row.process, row.technology, row.index) == (0, None, None, None, None)
    # Its KPI values are still computed: Feb sponsor_engagement 1/1 (m15 on C) -> 100, score 100.
    r = one(org, "sponsor_engagement", "T3", "month", FEB[1])
    assert (r.value, r.status) == (100.0, "green")
    assert close(r.score, 100.0)


# Licensed users |L(U,P)| (fixture header): Jan/Feb C 9, D1 7, T1 4, T2 2, D2 2; Mar/Q1 C 8, D1 6,
# T1 3, T2 2, D2 2; T3 0.
LICENSED = {
    "C": (9, 9, 8, 8),
    "D1": (7, 7, 6, 6),
    "T1": (4, 4, 3, 3),
    "T2": (2, 2, 2, 2),
    "D2": (2, 2, 2, 2),
    "T3": (0, 0, 0, 0),
}


def test_score_rows_carry_licensed_users(org: Connection) -> None:
    """score_rows.licensed = |L(U,P)|, license boundaries included."""
    for unit, counts in LICENSED.items():
        got = tuple(scores(org, unit, g, s).licensed for g, s in (JAN, FEB, MAR, Q1))
        assert got == counts, unit
    # Weeks: T1 01-05..01-11 p1 p2 p3 (p4 from 01-20) -> 3; D2 01-19..01-25 p10 only -> 1,
    # 01-26..02-01 p10 and p11 (license_start 01-31 <= 02-01) -> 2.
    assert scores(org, "T1", "week", d("2026-01-05")).licensed == 3
    assert scores(org, "D2", "week", d("2026-01-19")).licensed == 1
    assert scores(org, "D2", "week", d("2026-01-26")).licensed == 2
    row = scores(org, "T1", "month", FEB[1])
    assert (row.org_unit_id, row.grain, row.period_start, row.period_end, row.partial) == (
        "T1",
        "month",
        FEB[1],
        d("2026-02-28"),
        False,
    )


def test_license_start_on_the_last_day_of_a_period_counts_in_that_period(org: Connection) -> None:
    """p11's license_start 2026-01-31 = end(Jan): licensed in January (D2 has 2 users, not 1)."""
    got = values(org)
    # D2 Jan: p10 p11; coverage p11 (analyst, nothing required) of 2 -> 50.0; adoption 0 of 2.
    assert_row(got[("training_coverage", "D2", "month", JAN[1])], 1, 2, 50.0)
    assert_row(got[("adoption_rate", "D2", "month", JAN[1])], 0, 2, 0.0)


def test_onboarding_deadline_is_license_start_plus_30_days_inclusive(org: Connection) -> None:
    """p4 completes SALES on 01-20 + 30 = 02-19 (onboarded); p7 on 02-05 + 31 = 03-08 (not)."""
    got = values(org)
    assert_row(got[("new_hire_onboarding", "T1", "month", FEB[1])], 1, 1, 100.0)  # p4
    assert_row(got[("new_hire_onboarding", "T2", "month", MAR[1])], 0, 1, 0.0)  # p7


# ---------------------------------------------------------------- scope


def test_scope_limits_rows_to_the_subtree(org: Connection) -> None:
    """Scope(roots=('D1',)) sees D1, T1 and T2 only; Scope(('T3',)) only T3."""
    sales = Scope(roots=("D1",), people=False)
    rows = kpi_rows(org, sales)
    assert {r.org_unit_id for r in rows} == {"D1", "T1", "T2"}
    assert len(rows) == 13 * 3 * 16
    assert {r.org_unit_id for r in score_rows(org, sales)} == {"D1", "T1", "T2"}
    assert kpi_rows(org, sales, unit="D2") == []
    assert score_rows(org, sales, unit="C") == []
    desk = Scope(roots=("T3",))
    assert {r.org_unit_id for r in kpi_rows(org, desk, grain="month")} == {"T3"}
    # The scoped rows carry the same numbers as the company view.
    scoped = kpi_rows(org, sales, unit="T1", grain="month", period_from=FEB[1], period_to=FEB[1], kpi="adoption_rate")
    assert [(r.numerator, r.denominator, r.value) for r in scoped] == [(2, 4, 50.0)]


# ---------------------------------------------------------------- refresh


def test_refresh_twice_gives_the_same_result(org: Connection) -> None:
    """A second full refresh rewrites exactly the same rows."""
    first = snapshot(org)
    refresh(org)
    assert_same(first, snapshot(org))


def test_refresh_since_after_new_data_equals_full_refresh(org: Connection) -> None:
    """p2 completes SALES on 03-10 (inside the window): refresh(since=03-10) == full refresh."""
    org.execute(
        insert(schema.training_completions).values(person_id="p2", course_id="SALES", completed_on=d("2026-03-10"))
    )
    refresh(org, since=d("2026-03-10"))
    partial_refresh = snapshot(org)
    # T1 Mar coverage: p1 p2 p4 all covered now -> 3/3; Feb unchanged (03-10 > 02-28): 3/4.
    assert partial_refresh[("training_coverage", "T1", "month", MAR[1])][2:] == (3, 3, 100.0)
    assert partial_refresh[("training_coverage", "T1", "month", FEB[1])][2:] == (3, 4, 75.0)
    refresh(org)
    assert_same(partial_refresh, snapshot(org))


def test_refresh_since_that_moves_the_window_end_equals_full_refresh(org: Connection) -> None:
    """p2 is active on 03-31: the window ends 03-31, partial flags of earlier periods flip, and since=03-31 still matches a full refresh."""
    org.execute(insert(schema.crm_activity).values(person_id="p2", date=d("2026-03-31"), logins=1))
    refresh(org, since=d("2026-03-31"))
    partial_refresh = snapshot(org)
    # New week 03-30..04-05 (partial); week 03-23..03-29 and March are now complete; Q1 still
    # partial (starts before 01-09). 13 KPIs x 6 units x (13 + 3 + 1) rows.
    assert len(partial_refresh) == 13 * 6 * 17
    assert partial_refresh[("adoption_rate", "T1", "week", d("2026-03-30"))][:2] == (d("2026-04-05"), True)
    assert partial_refresh[("adoption_rate", "T1", "week", d("2026-03-23"))][1] is False
    assert partial_refresh[("adoption_rate", "T1", "month", MAR[1])][1] is False
    assert partial_refresh[("adoption_rate", "T1", "quarter", Q1[1])][1] is True
    # Week 03-30: T1 licensed p1 p2 p4, p2 active on 03-31 -> 1/3.
    assert partial_refresh[("adoption_rate", "T1", "week", d("2026-03-30"))][2:] == (1, 3, pytest.approx(100 / 3))
    refresh(org)
    assert_same(partial_refresh, snapshot(org))


# ---------------------------------------------------------------- required courses


def test_star_course_is_required_for_every_role(org: Connection) -> None:
    """A course required_for '*' applies to all roles, analysts included; completions after the deadline do not onboard."""
    org.execute(insert(schema.courses).values(id="ALL", name="CRM basics", kind="application", required_for="*"))
    org.execute(
        insert(schema.training_completions),
        [
            dict(person_id="p1", course_id="ALL", completed_on=d("2026-01-10")),
            dict(person_id="p11", course_id="ALL", completed_on=d("2026-02-01")),
        ],
    )
    refresh(org)
    got = values(org)
    # T1 Feb: p1 has SALES and ALL; p2 nothing; p3 and p4 lack ALL -> 1/4.
    assert_row(got[("training_coverage", "T1", "month", FEB[1])], 1, 4, 25.0)
    # T2 Jan: p6 and p8 lack ALL -> 0/2.
    assert_row(got[("training_coverage", "T2", "month", JAN[1])], 0, 2, 0.0)
    # D2 Jan: p10 lacks SERVICE and ALL, p11 (analyst) lacks ALL until 02-01 -> 0/2; Feb: p11 -> 1/2.
    assert_row(got[("training_coverage", "D2", "month", JAN[1])], 0, 2, 0.0)
    assert_row(got[("training_coverage", "D2", "month", FEB[1])], 1, 2, 50.0)
    # New hires: p11 (deadline 03-02, Mar) did ALL on 02-01 -> onboarded; p4 (Feb) never did ALL -> not.
    assert_row(got[("new_hire_onboarding", "D2", "month", MAR[1])], 1, 1, 100.0)
    assert_row(got[("new_hire_onboarding", "T1", "month", FEB[1])], 0, 1, 0.0)
