"""My team, the self-check: a team's KPIs against target, its parent and the company; the viewer's
own status; and the next step for each red KPI."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from sqlalchemy import Connection, text

from metrics.periods import Period, periods
from metrics.registry import BY_ID, KPIS
from metrics.scope import Scope
from metrics.scoring import kpi_rows, score_rows

TREND_PERIODS = 13
SEVERITY = {"red": 0, "amber": 1, "no_data": 2, "green": 3}

UNIT_SQL = """
SELECT c.ancestor_id AS id, u.name, c.depth
FROM org_closure c JOIN org_units u ON u.id = c.ancestor_id
WHERE c.unit_id = :unit
ORDER BY c.depth
"""
ME_SQL = """
SELECT p.id, p.name, p.role, is_licensed(p.license_start, p.license_end, :end) AS licensed, p.license_start
FROM people p WHERE p.id = :person
"""
COURSES_SQL = """
SELECT c.id, c.name,
       (SELECT min(tc.completed_on) FROM training_completions tc
        WHERE tc.person_id = :person AND tc.course_id = c.id AND tc.completed_on <= :end) AS done_on
FROM courses c
WHERE is_required(c.required_for, :role)
ORDER BY c.name
"""
ACTIVE_DAYS_SQL = """
SELECT count(*) FILTER (WHERE is_active_day(logins, records_created, records_updated, reports_viewed))
FROM crm_activity WHERE person_id = :person AND date BETWEEN :start AND :end
"""
LAST_PULSE_SQL = """
SELECT date, (coalesce(awareness, 0) + coalesce(desire, 0) + coalesce(knowledge, 0) + coalesce(ability, 0)
              + coalesce(reinforcement, 0))::double precision
             / nullif(num_nonnulls(awareness, desire, knowledge, ability, reinforcement), 0) AS score
FROM pulse_responses WHERE person_id = :person AND date <= :end
ORDER BY date DESC LIMIT 1
"""
# Licensed users of the unit's subtree at the period's end who miss a required course. Row-level
# security leaves only what the viewer may see: everyone for a manager, itself for a member.
UNTRAINED_SQL = """
SELECT p.id, p.name, string_agg(c.name, ', ' ORDER BY c.name) AS detail
FROM people p
JOIN courses c ON is_required(c.required_for, p.role)
WHERE p.org_unit_id IN (SELECT unit_id FROM org_closure WHERE ancestor_id = :unit)
  AND NOT p.is_integration AND is_licensed(p.license_start, p.license_end, :end)
  AND NOT EXISTS (SELECT 1 FROM training_completions tc
                  WHERE tc.person_id = p.id AND tc.course_id = c.id AND tc.completed_on <= :end)
GROUP BY p.id, p.name
ORDER BY p.name
"""
# Licensed users with fewer than k(P) activity days in the period.
IRREGULAR_SQL = """
SELECT p.id, p.name, count(a.date) FILTER (
           WHERE is_active_day(a.logins, a.records_created, a.records_updated, a.reports_viewed)) AS days
FROM people p
LEFT JOIN crm_activity a ON a.person_id = p.id AND a.date BETWEEN :start AND :end
WHERE p.org_unit_id IN (SELECT unit_id FROM org_closure WHERE ancestor_id = :unit)
  AND NOT p.is_integration AND is_licensed(p.license_start, p.license_end, :end)
GROUP BY p.id, p.name
HAVING count(a.date) FILTER (
           WHERE is_active_day(a.logins, a.records_created, a.records_updated, a.reports_viewed)) < :k
ORDER BY days, p.name
"""
K_SQL = "SELECT k FROM period_grid(:start, :end) WHERE grain = :grain AND period_start = :start"


@dataclass
class Course:
    id: str
    name: str
    done_on: date | None


@dataclass
class Me:
    """The viewer's own status in the period."""

    person_id: str
    name: str
    licensed: bool
    courses: list[Course]
    active_days: int
    regular_days: int  # k(P): the activity days that make a regular user
    last_pulse: tuple[date, float] | None

    @property
    def missing(self) -> list[Course]:
        return [c for c in self.courses if c.done_on is None]


@dataclass
class Step:
    """The next concrete step for a red KPI, with the people it concerns when the viewer may see them."""

    kpi_id: str
    title: str
    text: str
    people: list[tuple[str, str]] = field(default_factory=list)  # (name, what is missing)


@dataclass
class MyTeam:
    unit_id: str
    unit_name: str
    parent: tuple[str, str] | None  # (id, name)
    company: tuple[str, str] | None
    period: Period
    kpis: pd.DataFrame  # one row per KPI, red first: team, parent and company values
    trend: pd.DataFrame  # period_start, partial, people, process, technology, index
    me: Me | None
    steps: list[Step]


def my_team(conn: Connection, scope: Scope, unit: str, grain: str, period_start: date) -> MyTeam | None:
    """The self-check of `unit` in one period, as `scope` may see it; None when out of scope."""
    all_periods = periods(conn, grain)
    index = next((i for i, p in enumerate(all_periods) if p.start == period_start), None)
    if index is None:
        return None
    period = all_periods[index]
    first = all_periods[max(0, index - TREND_PERIODS + 1)]
    rows = kpi_rows(conn, scope, unit=unit, grain=grain, period_from=period.start, period_to=period.start)
    if not rows:
        return None
    chain = conn.execute(text(UNIT_SQL), {"unit": unit}).all()
    names = {r.id: r.name for r in chain}
    parent = (chain[1].id, chain[1].name) if len(chain) > 1 else None
    company = (chain[-1].id, chain[-1].name) if len(chain) > 2 else None
    compared = _compare(rows, parent, company, grain, period, conn, scope)
    trend = pd.DataFrame(
        [
            r._asdict()
            for r in score_rows(conn, scope, unit=unit, grain=grain, period_from=first.start, period_to=period.start)
        ]
    )
    k = conn.execute(text(K_SQL), {"start": period.start, "end": period.end, "grain": grain}).scalar_one()
    me = _me(conn, scope, period, k)
    steps = _steps(conn, scope, unit, period, k, compared)
    return MyTeam(unit, names.get(unit, unit), parent, company, period, compared, trend, me, steps)


def _compare(rows, parent, company, grain: str, period: Period, conn: Connection, scope: Scope) -> pd.DataFrame:
    """One row per KPI: the team's value, target and status, and the parent's and company's values."""
    others: dict[tuple[str, str], float | None] = {}
    for ref in filter(None, (parent, company)):
        for r in kpi_rows(
            conn, scope, unit=ref[0], grain=grain, period_from=period.start, period_to=period.start, ancestors=True
        ):
            others[(r.kpi_id, ref[0])] = r.value
    out = []
    for r in rows:
        k = BY_ID[r.kpi_id]
        out.append(
            {
                "kpi_id": k.id,
                "pillar": k.pillar,
                "title": k.title,
                "value": r.value,
                "target": r.target,
                "status": r.status,
                "score": r.score,
                "numerator": r.numerator,
                "denominator": r.denominator,
                "parent_value": others.get((k.id, parent[0])) if parent else None,
                "company_value": others.get((k.id, company[0])) if company else None,
            }
        )
    # A suppressed value is hidden from the viewer entirely: its KPI shows as no data.
    shown = {o["kpi_id"] for o in out}
    out += [
        {
            "kpi_id": k.id,
            "pillar": k.pillar,
            "title": k.title,
            "value": None,
            "target": None,
            "status": "no_data",
            "score": None,
            "numerator": None,
            "denominator": None,
            "parent_value": None,
            "company_value": None,
        }
        for k in KPIS
        if k.id not in shown
    ]
    order = {k.id: i for i, k in enumerate(KPIS)}
    out.sort(key=lambda o: (SEVERITY[o["status"]], order[o["kpi_id"]]))
    return pd.DataFrame(out)


def _me(conn: Connection, scope: Scope, period: Period, k: int) -> Me | None:
    if scope.person is None:
        return None
    scope.apply(conn)
    row = conn.execute(text(ME_SQL), {"person": scope.person, "end": period.end}).first()
    if row is None:
        return None
    courses = [
        Course(c.id, c.name, c.done_on)
        for c in conn.execute(text(COURSES_SQL), {"person": row.id, "role": row.role, "end": period.end})
    ]
    days = conn.execute(
        text(ACTIVE_DAYS_SQL), {"person": row.id, "start": period.start, "end": period.end}
    ).scalar_one()
    pulse = conn.execute(text(LAST_PULSE_SQL), {"person": row.id, "end": period.end}).first()
    return Me(
        row.id,
        row.name,
        bool(row.licensed),
        courses,
        int(days),
        k,
        (pulse.date, float(pulse.score)) if pulse and pulse.score is not None else None,
    )


def _steps(conn: Connection, scope: Scope, unit: str, period: Period, k: int, kpis: pd.DataFrame) -> list[Step]:
    params = {"unit": unit, "start": period.start, "end": period.end, "k": k}
    scope.apply(conn)  # the people listed are those row-level security lets the viewer see
    steps = []
    for r in kpis[kpis["status"] == "red"].itertuples():
        kpi = BY_ID[r.kpi_id]
        step = Step(kpi.id, kpi.title, kpi.playbook)
        if kpi.id == "training_coverage":
            step.people = [(p.name, f"missing {p.detail}") for p in conn.execute(text(UNTRAINED_SQL), params)]
        elif kpi.id in ("adoption_rate",):
            step.people = [
                (p.name, f"{p.days} of {k} activity days") for p in conn.execute(text(IRREGULAR_SQL), params)
            ]
        steps.append(step)
    return steps
