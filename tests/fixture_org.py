"""A tiny hand-built organisation and the KPI values computed by hand from KPIS.md."""

# Org tree (T3 has no people):
#
#     C  company "Acme"
#     ├── D1 division "Sales"      own person p9 (manager), own data-quality row, own governance meetings
#     │   ├── T1 team "North"      p1 p2 p3 p4 p5
#     │   └── T2 team "South"      p6 p7 p8
#     └── D2 division "Service"    own people p10 p11 and the integration account p12
#         └── T3 team "Desk"       nobody
#
# Data window: the first crm_activity row is p1's all-zero row on Fri 2026-01-09 (start); the last
# event is the integration account's activity on Mon 2026-03-23 (end). A planned meeting
# (2026-04-10) and planned/cancelled communications (April) lie after it and must not extend it.
# Periods: ISO weeks 2026-01-05 … 2026-03-23 (12, first and last partial), months Jan (partial,
# 31 days), Feb (complete, 28 days), Mar (partial, 31 days), Q1 2026 (partial, 90 days).
#
# Licensed users L(U,P) (license_start <= end(P) and (no license_end or license_end >= end(P))):
# - p1, p2, p8, p9, p10: licensed since 2025-06-01, no end.
# - p3: license_end 2026-02-28 = end(Feb) -> licensed in Jan and Feb, not in Mar or Q1.
# - p4: license_start 2026-01-20 -> licensed in Jan (01-20 <= 01-31) and later.
# - p5: empty license_start -> never licensed (still counts for pulse, recognitions, issues).
# - p6: license_end 2026-02-27 < end(Feb) -> licensed in Jan only (and weeks ending <= 02-27).
# - p7: license_start 2026-02-05 -> licensed from Feb.
# - p11: license_start 2026-01-31 = end(Jan) -> licensed in Jan (01-31 <= 01-31) and later; in no
#   week before the one of 01-26..02-01.
# - p12: integration account: never counted anywhere.
# So for months: Jan T1 4 (p1-p4), T2 2 (p6 p8), D1 7, D2 2, C 9; Feb T1 4 (p1-p4), T2 2 (p7 p8),
# D1 7, D2 2, C 9; Mar and Q1 T1 3 (p1 p2 p4), T2 2 (p7 p8), D1 6, D2 2, C 8; T3 always 0.

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Connection, insert

from db import schema


def d(iso: str) -> date:
    """A date from its ISO string."""
    return date.fromisoformat(iso)


WINDOW_START = d("2026-01-09")
WINDOW_END = d("2026-03-23")

UNITS = [
    dict(id="C", name="Acme", parent_id=None, kind="company"),
    dict(id="D1", name="Sales", parent_id="C", kind="division"),
    dict(id="T1", name="North", parent_id="D1", kind="team"),
    dict(id="T2", name="South", parent_id="D1", kind="team"),
    dict(id="D2", name="Service", parent_id="C", kind="division"),
    dict(id="T3", name="Desk", parent_id="D2", kind="team"),
]
UNIT_IDS = [u["id"] for u in UNITS]


def _person(
    pid: str, unit: str, role: str, start: str | None, end: str | None = None, integration: bool = False
) -> dict:
    """A people row; dates as ISO strings, None for empty."""
    return dict(
        id=pid,
        name=pid.upper(),
        email=f"{pid}@acme.test",
        org_unit_id=unit,
        role=role,
        license_start=d(start) if start else None,
        license_end=d(end) if end else None,
        is_integration=integration,
    )


PEOPLE = [
    _person("p1", "T1", "rep", "2025-06-01"),
    _person("p2", "T1", "Rep", "2025-06-01"),
    _person("p3", "T1", "rep", "2025-06-01", "2026-02-28"),
    _person("p4", "T1", "REP", "2026-01-20"),
    _person("p5", "T1", "rep", None),
    _person("p6", "T2", "manager", "2025-06-01", "2026-02-27"),
    _person("p7", "T2", "rep", "2026-02-05"),
    _person("p8", "T2", "rep", "2025-06-01"),
    _person("p9", "D1", "Manager", "2025-06-01"),
    _person("p10", "D2", "service_agent", "2025-06-01"),
    _person("p11", "D2", "analyst", "2026-01-31"),  # boundary: license_start = end(Jan)
    _person("p12", "D2", "integration", "2026-01-25", integration=True),
]

# Required courses by role (required_for trimmed, case-insensitive): rep and manager need SALES,
# service_agent needs SERVICE, analyst and integration need nothing (always covered / onboarded).
COURSES = [
    dict(id="SALES", name="Selling with the CRM", kind="business_process", required_for=" Rep ; manager"),
    dict(id="SERVICE", name="Cases", kind="application", required_for="Service_Agent"),
    dict(id="OPT", name="Shortcuts", kind="remedial", required_for=None),
]

COMPLETIONS = [
    ("p1", "SALES", "2025-12-01"),  # before the window: still counts for coverage
    ("p2", "OPT", "2026-02-03"),  # not a required course: p2 is never covered
    ("p3", "SALES", "2026-02-20"),
    ("p4", "SALES", "2026-02-19"),  # exactly license_start + 30 (01-20 + 30 = 02-19): onboarded ...
    ("p4", "SALES", "2026-03-05"),  # ... and retaken later: the first completion counts
    ("p5", "SALES", "2026-01-20"),  # never licensed
    ("p6", "SALES", "2026-01-25"),
    ("p7", "SALES", "2026-03-08"),  # license_start + 31 (02-05 + 30 = 03-07): not onboarded
    ("p8", "SALES", "2026-01-20"),  # covered from January ...
    ("p8", "SALES", "2026-02-15"),  # ... the retake does not move that
    ("p9", "SALES", "2025-11-15"),
    ("p10", "OPT", "2026-01-16"),
    ("p10", "SERVICE", "2026-02-20"),
]

# crm_activity: (person, dates, (logins, records_created, records_updated, reports_viewed)).
_ZERO = (0, 0, 0, 0)
ACTIVITY: list[tuple[str, list[str], tuple[int, int, int, int]]] = [
    ("p1", ["2026-01-09"], _ZERO),  # all-zero: not an activity day, but starts the window
    ("p1", ["2026-01-15", "2026-01-16", "2026-01-20", "2026-01-22"], (1, 1, 0, 0)),
    ("p1", ["2026-02-03", "2026-02-05", "2026-02-10", "2026-02-12"], (1, 1, 0, 0)),
    ("p1", ["2026-03-03", "2026-03-05", "2026-03-10", "2026-03-12"], (1, 1, 0, 0)),
    ("p2", ["2026-01-27", "2026-01-28", "2026-01-29"], (1, 0, 0, 0)),  # 3 days: k(P) is never prorated
    ("p2", ["2026-02-03", "2026-02-04", "2026-02-05"], (1, 0, 0, 0)),
    ("p2", ["2026-02-06"], _ZERO),  # a 4th row in Feb, but all-zero: still 3 activity days
    ("p2", ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05"], (0, 0, 0, 2)),  # reports only
    ("p3", ["2026-02-09", "2026-02-10", "2026-02-11", "2026-02-12"], (1, 0, 1, 0)),
    ("p3", ["2026-03-02"], (1, 0, 0, 0)),  # no longer licensed in March
    ("p4", ["2026-01-21", "2026-01-22", "2026-01-23", "2026-01-26"], (1, 0, 0, 0)),
    ("p4", ["2026-02-02"], (1, 5, 0, 0)),
    ("p5", ["2026-02-02", "2026-02-03", "2026-02-04", "2026-02-05"], (1, 1, 0, 0)),  # never licensed
    ("p6", ["2026-01-19", "2026-01-20", "2026-01-21", "2026-01-22"], (1, 1, 0, 0)),
    ("p6", ["2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19"], (1, 1, 0, 0)),  # unlicensed for Feb
    ("p7", ["2026-02-10", "2026-02-11", "2026-02-12", "2026-02-13"], (1, 0, 2, 0)),
    ("p7", ["2026-03-09"], (1, 0, 0, 0)),
    ("p8", ["2026-02-16", "2026-02-17"], (1, 0, 0, 0)),
    ("p8", ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06"], (1, 1, 0, 0)),
    ("p9", ["2026-01-15", "2026-01-16", "2026-01-19", "2026-01-20"], (1, 0, 0, 1)),
    ("p9", ["2026-02-02", "2026-02-09", "2026-02-16", "2026-02-23"], (1, 1, 0, 0)),
    ("p9", ["2026-03-02", "2026-03-09", "2026-03-16", "2026-03-17"], (1, 1, 0, 0)),
    ("p10", ["2026-02-02", "2026-02-03", "2026-02-04", "2026-02-05"], (1, 0, 0, 0)),
    # The integration account works every day from 01-15 to 03-23 (it ends the window).
    ("p12", [(d("2026-01-15") + timedelta(days=i)).isoformat() for i in range(68)], (30, 50, 20, 5)),
]

# Meetings: (id, unit, kind, scheduled_on, status, crm_report_used, sponsor_present).
MEETINGS = [
    ("m1", "T1", "weekly_status", "2026-02-02", "held", True, False),
    ("m2", "T1", "weekly_status", "2026-02-09", "held", False, False),
    ("m3", "T1", "weekly_status", "2026-02-16", "cancelled", False, False),
    ("m4", "T1", "weekly_status", "2026-02-23", "missed", False, False),
    ("m5", "T1", "daily_standup", "2026-02-03", "held", False, False),
    ("m6", "T1", "weekly_status", "2026-02-27", "planned", False, False),
    ("m7", "T1", "coaching", "2026-02-10", "held", True, False),
    ("m8", "T1", "coaching", "2026-02-17", "held", False, False),
    ("m9", "T1", "coaching", "2026-02-24", "cancelled", True, False),
    ("m10", "T1", "management_review", "2026-02-12", "held", True, False),
    ("m11", "T2", "monthly_planning", "2026-02-04", "held", True, False),
    ("m12", "T2", "daily_standup", "2026-02-11", "held", False, False),
    ("m13", "D1", "governance", "2026-02-05", "held", True, True),
    ("m14", "D1", "governance", "2026-02-19", "held", False, False),
    ("m15", "C", "governance", "2026-02-26", "held", True, True),
    ("m16", "C", "governance", "2026-02-12", "missed", False, False),
    ("m17", "C", "governance", "2026-04-10", "planned", False, False),  # after the window; does not extend it
    ("m18", "D2", "coaching", "2026-02-06", "held", True, False),
    ("m19", "T1", "weekly_status", "2026-01-26", "held", True, False),
    ("m20", "T2", "daily_standup", "2026-01-15", "cancelled", False, False),
    ("m21", "T1", "weekly_status", "2026-03-02", "held", False, False),
    ("m22", "C", "governance", "2026-03-16", "held", False, False),
    ("m23", "T1", "weekly_status", "2026-03-20", "planned", False, False),
]

# Communications: (id, audience unit, sent_on, status).
COMMUNICATIONS = [
    ("c1", "C", "2026-02-02", "sent"),
    ("c2", "D1", "2026-02-09", "sent"),
    ("c3", "T1", "2026-02-16", "sent"),
    ("c4", "T1", "2026-02-20", "cancelled"),
    ("c5", "D2", "2026-02-23", "planned"),
    ("c6", "T2", "2026-01-20", "sent"),
    ("c7", "C", "2026-03-05", "sent"),
    ("c8", "C", "2026-04-20", "planned"),  # after the window; does not extend it
    ("c9", "C", "2026-04-25", "cancelled"),  # idem
]

# Recognitions: (id, person, date, kind).
RECOGNITIONS = [
    ("r1", "p1", "2026-02-05", "award"),
    ("r2", "p4", "2026-02-18", "shout_out"),
    ("r3", "p5", "2026-02-20", "other"),  # unlicensed, but a person in scope: counts in num
    ("r4", "p12", "2026-02-10", "incentive"),  # integration: never counted
    ("r5", "p10", "2026-02-25", "award"),
    ("r6", "p9", "2026-01-28", "incentive"),
]

# Pulse rows: (person, date, awareness, desire, knowledge, ability, reinforcement); row mean after #.
PULSE = [
    ("p1", "2026-01-20", 4, 4, 4, 4, 4),  # 4.0
    ("p2", "2026-01-20", 2, 3, None, None, None),  # (2+3)/2 = 2.5
    ("p3", "2026-01-21", 5, None, None, None, None),  # 5.0
    ("p10", "2026-01-21", 3, 3, 3, 3, 3),  # 3.0
    ("p12", "2026-01-21", 5, 5, 5, 5, 5),  # integration: ignored (and not a 5th person for C)
    ("p1", "2026-02-10", 5, 5, 4, 4, 2),  # 20/5 = 4.0
    ("p2", "2026-02-10", 3, 3, 3, 3, 3),  # 3.0
    ("p3", "2026-02-11", 4, None, None, None, None),  # 4.0
    ("p4", "2026-02-11", 2, 4, None, None, None),  # 3.0
    ("p5", "2026-02-12", None, None, None, None, None),  # no item: ignored everywhere
    ("p6", "2026-02-12", 5, 5, 5, 5, 5),  # 5.0
    ("p8", "2026-02-13", 4, 4, 4, 4, 3),  # 19/5 = 3.8
    ("p9", "2026-02-13", 1, 2, 3, None, None),  # 6/3 = 2.0
    ("p1", "2026-02-24", 4, 4, 4, 4, 4),  # 4.0 (p1's second row in Feb)
    ("p10", "2026-02-16", 4, 4, 4, 4, 4),  # 4.0
    ("p12", "2026-02-16", 1, 1, 1, 1, 1),  # integration: ignored
    # p5 (never licensed, still a person in scope) answers in March: T1's 5th distinct respondent
    # of Q1 (p1-p4 and p5), so T1 Q1 is shown while T1 Feb (p1-p4, 4 people) is suppressed.
    ("p5", "2026-03-11", 2, 2, 2, 2, 2),  # 2.0
]

# Data quality: (unit, measured_on, records_checked, records_complete).
DATA_QUALITY = [
    ("T1", "2026-02-05", 100, 70),
    ("T1", "2026-02-25", 100, 90),  # T1's latest in Feb
    ("T1", "2026-03-03", 80, 60),
    ("T2", "2026-02-10", 50, 36),
    ("D1", "2026-02-15", 20, 10),
    ("D2", "2026-01-20", 40, 30),
    ("D2", "2026-03-10", 40, 36),
]

# Feedback: (id, person, kind, raised_on, resolved_on); deadline = raised_on + 5 days.
FEEDBACK = [
    ("f1", "p1", "issue", "2026-02-02", "2026-02-07"),  # deadline 02-07 (Feb), resolved on it: in SLA
    ("f2", "p2", "issue", "2026-02-10", "2026-02-16"),  # deadline 02-15 (Feb): late
    ("f3", "p3", "issue", "2026-02-25", "2026-02-26"),  # deadline 03-02 (Mar): in SLA
    ("f4", "p8", "issue", "2026-02-12", None),  # deadline 02-17 (Feb): unresolved
    ("f5", "p12", "issue", "2026-02-03", "2026-02-04"),  # integration: never counted
    ("f6", "p5", "idea", "2026-02-05", None),  # not an issue
    ("f7", "p10", "issue", "2026-01-27", "2026-01-28"),  # deadline 02-01 (Feb): in SLA
    ("f8", "p5", "issue", "2026-01-10", "2026-01-20"),  # deadline 01-15 (Jan): late
]

# Targets: (kpi, unit, value, effective_from), inserted one statement per row in this order, so
# a later row has a higher id (recorded later). Pillar weights: none (defaults 50/30/20).
TARGETS = [
    ("adoption_rate", "C", 60.0, "2025-01-01"),  # inherited by D1, D2 and (grandparent) T1, T2
    ("training_coverage", "D1", 70.0, "2026-02-15"),  # mid-Feb: applies to Feb (<= 02-28), not Jan
    ("engaged_users", "D1", 50.0, "2025-01-01"),
    ("engaged_users", "T1", 40.0, "2026-01-01"),
    ("engaged_users", "T1", None, "2026-03-01"),  # cleared: T1 inherits D1's 50 from March
    ("data_quality", "D1", 80.0, "2026-01-01"),
    ("issue_resolution", "T2", 0.0, "2026-01-01"),
    # Two rows with the same effective_from: the one recorded last (100) wins over 50. T1's
    # coaching in Feb and Q1 is 50.0, so it sits exactly at half its target: score 0, not 100.
    ("coaching_with_crm", "T1", 50.0, "2026-01-01"),
    ("coaching_with_crm", "T1", 100.0, "2026-01-01"),
]


def load(conn: Connection) -> None:
    """Insert the whole fixture organisation."""
    conn.execute(insert(schema.org_units), UNITS)
    conn.execute(insert(schema.people), PEOPLE)
    conn.execute(insert(schema.courses), COURSES)
    conn.execute(
        insert(schema.training_completions),
        [dict(person_id=p, course_id=c, completed_on=d(on)) for p, c, on in COMPLETIONS],
    )
    conn.execute(
        insert(schema.crm_activity),
        [
            dict(person_id=p, date=d(day), logins=n[0], records_created=n[1], records_updated=n[2], reports_viewed=n[3])
            for p, days, n in ACTIVITY
            for day in days
        ],
    )
    conn.execute(
        insert(schema.meetings),
        [
            dict(id=i, org_unit_id=u, kind=k, scheduled_on=d(on), status=s, crm_report_used=crm, sponsor_present=sp)
            for i, u, k, on, s, crm, sp in MEETINGS
        ],
    )
    conn.execute(
        insert(schema.communications),
        [
            dict(id=i, audience_org_unit_id=u, channel="email", sent_on=d(on), status=s)
            for i, u, on, s in COMMUNICATIONS
        ],
    )
    conn.execute(
        insert(schema.recognitions),
        [dict(id=i, person_id=p, date=d(on), kind=k) for i, p, on, k in RECOGNITIONS],
    )
    conn.execute(
        insert(schema.pulse_responses),
        [
            dict(person_id=p, date=d(on), awareness=a, desire=de, knowledge=k, ability=ab, reinforcement=r)
            for p, on, a, de, k, ab, r in PULSE
        ],
    )
    conn.execute(
        insert(schema.data_quality),
        [
            dict(org_unit_id=u, measured_on=d(on), records_checked=ch, records_complete=co)
            for u, on, ch, co in DATA_QUALITY
        ],
    )
    conn.execute(
        insert(schema.feedback),
        [
            dict(id=i, person_id=p, kind=k, raised_on=d(r), resolved_on=d(res) if res else None)
            for i, p, k, r, res in FEEDBACK
        ],
    )
    for k, u, v, on in TARGETS:  # one statement each: the id (identity) follows the list order
        conn.execute(insert(schema.targets).values(kpi_id=k, org_unit_id=u, value=v, effective_from=d(on)))


# Periods checked exhaustively: (grain, period_start).
JAN = ("month", d("2026-01-01"))  # 31 days, partial (starts before 01-09)
FEB = ("month", d("2026-02-01"))  # 28 days, complete
MAR = ("month", d("2026-03-01"))  # 31 days, partial (ends after 03-23)
Q1 = ("quarter", d("2026-01-01"))  # 90 days, partial


def pct(num: float, den: float) -> float | None:
    """100 * num / den, None when den is 0 (written out so the table below stays readable)."""
    return None if den == 0 else 100 * num / den


def rec(num: float, den: float, days: int) -> float | None:
    """Recognitions per 100 licensed users per 30 days: num / den * 100 * 30 / days(P)."""
    return None if den == 0 else num / den * 100 * 30 / days


# EXPECTED[(kpi, unit, period)] = (numerator, denominator, value). Every number is derived by
# hand in the comment on its line; pct/rec only spell out the KPIS.md formula.
Expected = dict[tuple[str, str, tuple[str, date]], tuple[float, float, float | None]]
EXPECTED: Expected = {}


def _put(kpi: str, unit: str, rows: dict[tuple[str, date], tuple[float, float, float | None]]) -> None:
    for period, row in rows.items():
        EXPECTED[(kpi, unit, period)] = row


# --- adoption_rate: licensed users with >= k(P) activity days (k = 4 a month, 12 a quarter).
# Activity days per month: p1 4/4/4 (01-09 is all-zero), p2 3/3/4 (02-06 all-zero), p3 0/4/-,
# p4 4/1/0, p6 4/(unlicensed)/-, p7 -/4/1, p8 0/2/5, p9 4/4/4, p10 0/4/0, p11 0/0/0.
# Q1 (k 12, licensed p1 p2 p4 p7 p8 p9 p10 p11): p1 12, p2 10, p4 5, p7 5, p8 7, p9 12, p10 4.
_put(
    "adoption_rate",
    "T1",
    {
        JAN: (2, 4, pct(2, 4)),  # p1, p4 of p1-p4 -> 50.0
        FEB: (2, 4, pct(2, 4)),  # p1, p3 (p2 3 days, p4 1) -> 50.0
        MAR: (2, 3, pct(2, 3)),  # p1, p2 of p1 p2 p4 -> 66.67
        Q1: (1, 3, pct(1, 3)),
    },
)  # p1 (12 days) -> 33.33
_put(
    "adoption_rate",
    "T2",
    {
        JAN: (1, 2, pct(1, 2)),  # p6 of p6 p8 -> 50.0
        FEB: (1, 2, pct(1, 2)),  # p7 of p7 p8 -> 50.0
        MAR: (1, 2, pct(1, 2)),  # p8 (5 days) -> 50.0
        Q1: (0, 2, pct(0, 2)),
    },
)  # p7 5, p8 7 days -> 0.0
_put(
    "adoption_rate",
    "D1",
    {
        JAN: (4, 7, pct(4, 7)),  # T1 2 + T2 1 + p9 -> 4/7
        FEB: (4, 7, pct(4, 7)),  # 2 + 1 + p9
        MAR: (4, 6, pct(4, 6)),  # 2 + 1 + p9
        Q1: (2, 6, pct(2, 6)),
    },
)  # p1 + p9 (12 days)
_put(
    "adoption_rate",
    "D2",
    {
        JAN: (0, 2, pct(0, 2)),  # p10 p11 idle; p12 is integration
        FEB: (1, 2, pct(1, 2)),  # p10 4 days -> 50.0
        MAR: (0, 2, pct(0, 2)),
        Q1: (0, 2, pct(0, 2)),
    },
)  # p10 4 days < 12
_put("adoption_rate", "T3", {p: (0, 0, None) for p in (JAN, FEB, MAR, Q1)})  # nobody -> no data
_put(
    "adoption_rate",
    "C",
    {
        JAN: (4, 9, pct(4, 9)),  # D1 4 + D2 0
        FEB: (5, 9, pct(5, 9)),  # 4 + 1
        MAR: (4, 8, pct(4, 8)),  # 4 + 0 -> 50.0
        Q1: (2, 8, pct(2, 8)),
    },
)  # 2 + 0 -> 25.0

# --- training_coverage: licensed users with every required course completed by end(P).
# Covered from: p1 always, p2 never, p3 02-20, p4 02-19, p6 01-25, p7 03-08, p8 01-20 (first of
# two completions), p9 always, p10 02-20 (SERVICE matches 'Service_Agent'), p11 always (analyst:
# no required course).
_put(
    "training_coverage",
    "T1",
    {
        JAN: (1, 4, pct(1, 4)),  # p1 -> 25.0
        FEB: (3, 4, pct(3, 4)),  # p1 p3 p4 -> 75.0
        MAR: (2, 3, pct(2, 3)),  # p1 p4 of p1 p2 p4
        Q1: (2, 3, pct(2, 3)),
    },
)
_put(
    "training_coverage",
    "T2",
    {
        JAN: (2, 2, pct(2, 2)),  # p6 (manager), p8 -> 100.0
        FEB: (1, 2, pct(1, 2)),  # p8; p7 only on 03-08 -> 50.0
        MAR: (2, 2, pct(2, 2)),  # p7 p8
        Q1: (2, 2, pct(2, 2)),
    },
)
_put(
    "training_coverage",
    "D1",
    {
        JAN: (4, 7, pct(4, 7)),  # 1 + 2 + p9
        FEB: (5, 7, pct(5, 7)),  # 3 + 1 + p9
        MAR: (5, 6, pct(5, 6)),  # 2 + 2 + p9
        Q1: (5, 6, pct(5, 6)),
    },
)
_put(
    "training_coverage",
    "D2",
    {
        JAN: (1, 2, pct(1, 2)),  # p11 (licensed 01-31 = end(Jan)); p10 not before 02-20 -> 50.0
        FEB: (2, 2, pct(2, 2)),
        MAR: (2, 2, pct(2, 2)),
        Q1: (2, 2, pct(2, 2)),
    },
)
_put("training_coverage", "T3", {p: (0, 0, None) for p in (JAN, FEB, MAR, Q1)})
_put(
    "training_coverage",
    "C",
    {
        JAN: (5, 9, pct(5, 9)),  # 4 + 1
        FEB: (7, 9, pct(7, 9)),  # 5 + 2
        MAR: (7, 8, pct(7, 8)),  # 5 + 2 -> 87.5
        Q1: (7, 8, pct(7, 8)),
    },
)

# --- new_hire_onboarding: cohort = license_start + 30 days in P. p4: 01-20 + 30 = 02-19 (Feb),
# SALES on 02-19 = exactly license_start + 30 -> onboarded (the 03-05 retake does not matter).
# p7: 02-05 + 30 = 03-07 (Mar), SALES on 03-08 = license_start + 31 -> not onboarded. p11:
# 01-31 + 30 = 03-02 (Mar), analyst -> onboarded. p12's 01-25 + 30 = 02-24 (Feb) never counts
# (integration); everyone else's +30 is 2025-07-01, outside every period.
_put("new_hire_onboarding", "T1", {JAN: (0, 0, None), FEB: (1, 1, pct(1, 1)), MAR: (0, 0, None), Q1: (1, 1, pct(1, 1))})
_put("new_hire_onboarding", "T2", {JAN: (0, 0, None), FEB: (0, 0, None), MAR: (0, 1, pct(0, 1)), Q1: (0, 1, pct(0, 1))})
_put(
    "new_hire_onboarding",
    "D1",
    {JAN: (0, 0, None), FEB: (1, 1, pct(1, 1)), MAR: (0, 1, pct(0, 1)), Q1: (1, 2, pct(1, 2))},
)  # p4 yes, p7 no -> 50.0
_put(
    "new_hire_onboarding",
    "D2",
    {
        JAN: (0, 0, None),
        FEB: (0, 0, None),  # p12's 02-24 only: integration -> empty cohort
        MAR: (1, 1, pct(1, 1)),  # p11 (03-02)
        Q1: (1, 1, pct(1, 1)),
    },
)
_put("new_hire_onboarding", "T3", {p: (0, 0, None) for p in (JAN, FEB, MAR, Q1)})
_put(
    "new_hire_onboarding",
    "C",
    {
        JAN: (0, 0, None),
        FEB: (1, 1, pct(1, 1)),  # p4
        MAR: (1, 2, pct(1, 2)),  # p11 yes, p7 no -> 50.0
        Q1: (2, 3, pct(2, 3)),
    },
)  # p4, p11 of p4 p7 p11

# --- pulse_score: num = sum of row means, den = rows; NULL under 5 distinct people. Row means
# are listed in PULSE. Rows with no item (p5 02-12) and integration rows (p12) are ignored.
# Boundary: T1 Q1 has exactly 5 distinct respondents (shown), T1 Feb 4 (suppressed).
_put(
    "pulse_score",
    "T1",
    {
        JAN: (11.5, 3, None),  # 4.0 + 2.5 + 5.0; 3 people -> suppressed
        FEB: (18.0, 5, None),  # 4.0+3.0+4.0+3.0+4.0; 5 rows but 4 people -> suppressed
        MAR: (2.0, 1, None),  # p5's 03-11 row; 1 person -> suppressed
        Q1: (31.5, 9, 31.5 / 9),
    },
)  # 11.5 + 18.0 + 2.0; p1 p2 p3 p4 p5 = exactly 5 people -> shown: 3.5
_put(
    "pulse_score",
    "T2",
    {
        JAN: (0, 0, None),
        FEB: (8.8, 2, None),  # 5.0 + 3.8; 2 people
        MAR: (0, 0, None),
        Q1: (8.8, 2, None),
    },
)
_put(
    "pulse_score",
    "D1",
    {
        JAN: (11.5, 3, None),
        FEB: (28.8, 8, 28.8 / 8),  # 18.0 + 8.8 + 2.0 (p9); 7 people -> 3.6
        MAR: (2.0, 1, None),  # p5
        Q1: (42.3, 12, 42.3 / 12),
    },
)  # 11.5 + 28.8 + 2.0; p1-p6, p8, p9 = 8 people -> 3.525
_put(
    "pulse_score",
    "D2",
    {
        JAN: (3.0, 1, None),  # p10 only; p12 ignored
        FEB: (4.0, 1, None),
        MAR: (0, 0, None),
        Q1: (7.0, 2, None),
    },
)
_put("pulse_score", "T3", {p: (0, 0, None) for p in (JAN, FEB, MAR, Q1)})
_put(
    "pulse_score",
    "C",
    {
        JAN: (14.5, 4, None),  # 11.5 + 3.0; p1 p2 p3 p10 = 4 people (p12 not a 5th)
        FEB: (32.8, 9, 32.8 / 9),  # 28.8 + 4.0; 8 people -> 3.6444...
        MAR: (2.0, 1, None),  # p5
        Q1: (49.3, 14, 49.3 / 14),
    },
)  # 42.3 + 7.0; 9 people (D1's 8 + p10) -> 3.5214...

# --- recognition_rate: num = recognitions of people in scope (licensed or not, not integration);
# den = |L|; value = num / den * 100 * 30 / days(P). r6 p9 Jan; r1 p1, r2 p4, r3 p5, r5 p10 Feb.
_put(
    "recognition_rate",
    "T1",
    {
        JAN: (0, 4, rec(0, 4, 31)),  # 0.0
        FEB: (3, 4, rec(3, 4, 28)),  # r1 r2 r3: 3/4*100*30/28 = 80.357...
        MAR: (0, 3, rec(0, 3, 31)),
        Q1: (3, 3, rec(3, 3, 90)),
    },
)  # 3/3*100*30/90 = 33.33
_put("recognition_rate", "T2", {JAN: (0, 2, 0.0), FEB: (0, 2, 0.0), MAR: (0, 2, 0.0), Q1: (0, 2, 0.0)})
_put(
    "recognition_rate",
    "D1",
    {
        JAN: (1, 7, rec(1, 7, 31)),  # r6: 1/7*100*30/31 = 13.82...
        FEB: (3, 7, rec(3, 7, 28)),  # 45.92...
        MAR: (0, 6, 0.0),
        Q1: (4, 6, rec(4, 6, 90)),
    },
)  # 22.22...
_put(
    "recognition_rate",
    "D2",
    {
        JAN: (0, 2, 0.0),
        FEB: (1, 2, rec(1, 2, 28)),  # r5 (r4 is integration's) -> 53.57...
        MAR: (0, 2, 0.0),
        Q1: (1, 2, rec(1, 2, 90)),
    },
)  # 16.67
_put("recognition_rate", "T3", {p: (0, 0, None) for p in (JAN, FEB, MAR, Q1)})
_put(
    "recognition_rate",
    "C",
    {
        JAN: (1, 9, rec(1, 9, 31)),  # 10.75...
        FEB: (4, 9, rec(4, 9, 28)),  # 47.62...
        MAR: (0, 8, 0.0),
        Q1: (5, 8, rec(5, 8, 90)),
    },
)  # 20.83...

# --- report_usage_in_meetings: held management meetings (weekly_status, monthly_planning,
# governance, management_review), num = crm_report_used. Held ones: Jan m19(T1, crm); Feb m1(T1,
# crm) m2(T1) m10(T1, crm) m11(T2, crm) m13(D1, crm) m14(D1) m15(C, crm); Mar m21(T1) m22(C).
_put(
    "report_usage_in_meetings",
    "T1",
    {JAN: (1, 1, 100.0), FEB: (2, 3, pct(2, 3)), MAR: (0, 1, 0.0), Q1: (3, 5, pct(3, 5))},
)  # m19 m1 m10 of m19 m1 m2 m10 m21
_put("report_usage_in_meetings", "T2", {JAN: (0, 0, None), FEB: (1, 1, 100.0), MAR: (0, 0, None), Q1: (1, 1, 100.0)})
_put(
    "report_usage_in_meetings",
    "D1",
    {
        JAN: (1, 1, 100.0),
        FEB: (4, 6, pct(4, 6)),  # T1 2/3 + T2 1/1 + own m13 1/2
        MAR: (0, 1, 0.0),
        Q1: (5, 8, pct(5, 8)),
    },
)  # 3/5 + 1/1 + 1/2
_put("report_usage_in_meetings", "D2", {p: (0, 0, None) for p in (JAN, FEB, MAR, Q1)})  # m18 is coaching
_put("report_usage_in_meetings", "T3", {p: (0, 0, None) for p in (JAN, FEB, MAR, Q1)})
_put(
    "report_usage_in_meetings",
    "C",
    {
        JAN: (1, 1, 100.0),
        FEB: (5, 7, pct(5, 7)),  # D1 4/6 + m15 1/1 (m16 missed)
        MAR: (0, 2, 0.0),  # m21, m22
        Q1: (6, 10, 60.0),
    },
)  # 5/8 + m15, m22 -> 6/10

# --- meeting_cadence: cadence kinds (daily_standup, weekly_status, monthly_planning, governance)
# with status held/cancelled/missed (planned m6, m23, m17 excluded); num = held.
_put(
    "meeting_cadence",
    "T1",
    {
        JAN: (1, 1, 100.0),  # m19
        FEB: (3, 5, 60.0),  # m1 m2 m5 held; m3 cancelled, m4 missed
        MAR: (1, 1, 100.0),  # m21 (m23 planned)
        Q1: (5, 7, pct(5, 7)),
    },
)
_put(
    "meeting_cadence",
    "T2",
    {
        JAN: (0, 1, 0.0),  # m20 cancelled
        FEB: (2, 2, 100.0),  # m11 m12
        MAR: (0, 0, None),
        Q1: (2, 3, pct(2, 3)),
    },
)
_put(
    "meeting_cadence",
    "D1",
    {
        JAN: (1, 2, 50.0),
        FEB: (7, 9, pct(7, 9)),  # 3/5 + 2/2 + own m13 m14 2/2
        MAR: (1, 1, 100.0),
        Q1: (9, 12, 75.0),
    },
)  # 5/7 + 2/3 + 2/2
_put("meeting_cadence", "D2", {p: (0, 0, None) for p in (JAN, FEB, MAR, Q1)})
_put("meeting_cadence", "T3", {p: (0, 0, None) for p in (JAN, FEB, MAR, Q1)})
_put(
    "meeting_cadence",
    "C",
    {
        JAN: (1, 2, 50.0),
        FEB: (8, 11, pct(8, 11)),  # 7/9 + m15 held, m16 missed
        MAR: (2, 2, 100.0),  # m21 + m22
        Q1: (11, 15, pct(11, 15)),
    },
)  # 9/12 + m15 m16 m22

# --- communication_cadence: per licensed user, the sent communications in P whose audience is
# the user's unit or an ancestor of it; num = sum over L(U,P), den = |L(U,P)|,
# value = num / den * 30 / days(P). Sent: c6 T2 01-20; c1 C 02-02, c2 D1 02-09, c3 T1 02-16;
# c7 C 03-05 (c4 cancelled, c5/c8 planned, c9 cancelled). Reaching one user, Jan/Feb/Mar/Q1:
# a T1 user 0/3 (c1 c2 c3)/1 (c7)/4; a T2 user 1 (c6)/2 (c1 c2)/1/4; p9 (D1) 0/2 (c1 c2)/1/3;
# a D2 user 0/1 (c1)/1/2. Licensed counts are in the header.
_put(
    "communication_cadence",
    "T1",
    {
        JAN: (0, 4, 0.0),  # 4 users x 0
        FEB: (12, 4, 12 / 4 * 30 / 28),  # 4 x 3 -> 3.214...
        MAR: (3, 3, 3 / 3 * 30 / 31),  # 3 x 1 -> 0.9677...
        Q1: (12, 3, 12 / 3 * 30 / 90),  # 3 x 4 -> 1.333...
    },
)
_put(
    "communication_cadence",
    "T2",
    {
        JAN: (2, 2, 2 / 2 * 30 / 31),  # p6 p8 x 1 (c6)
        FEB: (4, 2, 4 / 2 * 30 / 28),  # p7 p8 x 2
        MAR: (2, 2, 2 / 2 * 30 / 31),
        Q1: (8, 2, 8 / 2 * 30 / 90),  # p7 p8 x 4 (c6 reached T2 before p7's license: still in P)
    },
)
_put(
    "communication_cadence",
    "D1",
    {
        JAN: (2, 7, 2 / 7 * 30 / 31),  # T1 0 + T2 2 + p9 0
        FEB: (18, 7, 18 / 7 * 30 / 28),  # 12 + 4 + p9 2 (c3 reaches T1 users only) -> 2.755...
        MAR: (6, 6, 6 / 6 * 30 / 31),  # 3 + 2 + 1
        Q1: (23, 6, 23 / 6 * 30 / 90),  # 12 + 8 + 3 -> 1.2777...
    },
)
_put(
    "communication_cadence",
    "D2",
    {
        JAN: (0, 2, 0.0),  # p10 p11 x 0
        FEB: (2, 2, 2 / 2 * 30 / 28),  # x 1 (c1; c5 planned)
        MAR: (2, 2, 2 / 2 * 30 / 31),  # x 1 (c7)
        Q1: (4, 2, 4 / 2 * 30 / 90),  # x 2
    },
)
_put("communication_cadence", "T3", {p: (0, 0, None) for p in (JAN, FEB, MAR, Q1)})  # nobody: no data
_put(
    "communication_cadence",
    "C",
    {
        JAN: (2, 9, 2 / 9 * 30 / 31),  # D1 2 + D2 0
        FEB: (20, 9, 20 / 9 * 30 / 28),  # 18 + 2 -> 2.381..., the average user's, not 3 sends
        MAR: (8, 8, 8 / 8 * 30 / 31),  # 6 + 2
        Q1: (27, 8, 27 / 8 * 30 / 90),  # 23 + 4 -> 1.125
    },
)

# --- coaching_with_crm: held coaching meetings, num = crm_report_used. Feb: m7 (T1, crm),
# m8 (T1), m18 (D2, crm); m9 is cancelled.
_put("coaching_with_crm", "T1", {JAN: (0, 0, None), FEB: (1, 2, 50.0), MAR: (0, 0, None), Q1: (1, 2, 50.0)})
_put("coaching_with_crm", "T2", {p: (0, 0, None) for p in (JAN, FEB, MAR, Q1)})
_put("coaching_with_crm", "D1", {JAN: (0, 0, None), FEB: (1, 2, 50.0), MAR: (0, 0, None), Q1: (1, 2, 50.0)})
_put("coaching_with_crm", "D2", {JAN: (0, 0, None), FEB: (1, 1, 100.0), MAR: (0, 0, None), Q1: (1, 1, 100.0)})
_put("coaching_with_crm", "T3", {p: (0, 0, None) for p in (JAN, FEB, MAR, Q1)})
_put("coaching_with_crm", "C", {JAN: (0, 0, None), FEB: (2, 3, pct(2, 3)), MAR: (0, 0, None), Q1: (2, 3, pct(2, 3))})

# --- sponsor_engagement: held governance meetings in scope(U) ∪ ancestors(U), num = sponsor
# present. Held: m13 D1 (sponsor), m14 D1, m15 C (sponsor) in Feb; m22 C in Mar. None in Jan.
_SE_SALES = {JAN: (0, 0, None), FEB: (2, 3, pct(2, 3)), MAR: (0, 1, 0.0), Q1: (2, 4, 50.0)}  # m13 m14 m15 (+m22)
_SE_SERVICE = {JAN: (0, 0, None), FEB: (1, 1, 100.0), MAR: (0, 1, 0.0), Q1: (1, 2, 50.0)}  # m15 (+m22) only
for _u in ("C", "D1", "T1", "T2"):
    _put("sponsor_engagement", _u, _SE_SALES)  # D1's den 3 is not T1 3 + T2 3 + own 2
for _u in ("D2", "T3"):
    _put("sponsor_engagement", _u, _SE_SERVICE)

# --- engaged_users: licensed users with records_created + records_updated over P >= k(P).
# Per month: p1 4/4/4, p2 0/0/0, p3 0/4/-, p4 0/5/0, p6 4/-/-, p7 -/8/0, p8 0/0/5, p9 0/4/4,
# p10 0/0/0. Q1 (k 12): p1 12, p4 5, p7 8, p8 5, p9 8.
_put(
    "engaged_users",
    "T1",
    {
        JAN: (1, 4, 25.0),  # p1
        FEB: (3, 4, 75.0),  # p1 p3 p4
        MAR: (1, 3, pct(1, 3)),  # p1
        Q1: (1, 3, pct(1, 3)),
    },
)  # p1 (12 >= 12)
_put(
    "engaged_users",
    "T2",
    {
        JAN: (1, 2, 50.0),  # p6
        FEB: (1, 2, 50.0),  # p7
        MAR: (1, 2, 50.0),  # p8
        Q1: (0, 2, 0.0),
    },
)
_put(
    "engaged_users",
    "D1",
    {
        JAN: (2, 7, pct(2, 7)),  # 1 + 1 + p9 (reports only) 0
        FEB: (5, 7, pct(5, 7)),  # 3 + 1 + p9
        MAR: (3, 6, 50.0),  # 1 + 1 + p9
        Q1: (1, 6, pct(1, 6)),
    },
)  # p1 only (p9 8 < 12)
_put("engaged_users", "D2", {p: (0, 2, 0.0) for p in (JAN, FEB, MAR, Q1)})  # p10 logins only; not p12
_put("engaged_users", "T3", {p: (0, 0, None) for p in (JAN, FEB, MAR, Q1)})
_put("engaged_users", "C", {JAN: (2, 9, pct(2, 9)), FEB: (5, 9, pct(5, 9)), MAR: (3, 8, 37.5), Q1: (1, 8, 12.5)})

# --- data_quality: per unit of scope(U), its latest measurement in P; sum complete / sum checked.
_put(
    "data_quality",
    "T1",
    {
        JAN: (0, 0, None),
        FEB: (90, 100, 90.0),  # 02-25 row, not 02-05's 70/100
        MAR: (60, 80, 75.0),
        Q1: (60, 80, 75.0),
    },
)  # latest in Q1 is 03-03
_put("data_quality", "T2", {JAN: (0, 0, None), FEB: (36, 50, 72.0), MAR: (0, 0, None), Q1: (36, 50, 72.0)})
_put(
    "data_quality",
    "D1",
    {
        JAN: (0, 0, None),
        FEB: (136, 170, 80.0),  # 90 + 36 + 10 / 100 + 50 + 20
        MAR: (60, 80, 75.0),
        Q1: (106, 150, pct(106, 150)),
    },
)  # 60 + 36 + 10 / 80 + 50 + 20
_put(
    "data_quality", "D2", {JAN: (30, 40, 75.0), FEB: (0, 0, None), MAR: (36, 40, 90.0), Q1: (36, 40, 90.0)}
)  # latest in Q1 is 03-10
_put("data_quality", "T3", {p: (0, 0, None) for p in (JAN, FEB, MAR, Q1)})
_put(
    "data_quality",
    "C",
    {
        JAN: (30, 40, 75.0),
        FEB: (136, 170, 80.0),
        MAR: (96, 120, 80.0),  # 60 + 36 / 80 + 40
        Q1: (142, 190, pct(142, 190)),
    },
)  # 106 + 36 / 150 + 40

# --- issue_resolution: issues of people in scope whose raised_on + 5 falls in P; num = resolved
# by then. Jan: f8 (T1, late). Feb: f1 (T1, ok), f2 (T1, late), f4 (T2, open), f7 (D2, ok).
# Mar: f3 (T1, ok). f5 (integration) and f6 (idea) never count.
_put("issue_resolution", "T1", {JAN: (0, 1, 0.0), FEB: (1, 2, 50.0), MAR: (1, 1, 100.0), Q1: (2, 4, 50.0)})
_put("issue_resolution", "T2", {JAN: (0, 0, None), FEB: (0, 1, 0.0), MAR: (0, 0, None), Q1: (0, 1, 0.0)})
_put("issue_resolution", "D1", {JAN: (0, 1, 0.0), FEB: (1, 3, pct(1, 3)), MAR: (1, 1, 100.0), Q1: (2, 5, 40.0)})
_put("issue_resolution", "D2", {JAN: (0, 0, None), FEB: (1, 1, 100.0), MAR: (0, 0, None), Q1: (1, 1, 100.0)})
_put("issue_resolution", "T3", {p: (0, 0, None) for p in (JAN, FEB, MAR, Q1)})
_put("issue_resolution", "C", {JAN: (0, 1, 0.0), FEB: (2, 4, 50.0), MAR: (1, 1, 100.0), Q1: (3, 6, 50.0)})
