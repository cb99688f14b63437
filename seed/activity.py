"""Daily CRM activity: regular users work in the CRM most days; the others drop in now and then."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from seed.dates import days, is_workday, month_end
from seed.model import Org, Person

# Mean records created, records updated and reports viewed on an active day, by role.
ROLE_LOAD = {
    "rep": (3.0, 5.0, 1.0),
    "account_manager": (2.0, 7.0, 1.5),
    "sales_engineer": (1.0, 3.0, 1.0),
    "service_agent": (5.0, 10.0, 0.5),
    "marketing_specialist": (2.0, 3.0, 2.0),
    "manager": (0.8, 2.5, 3.0),
    "director": (0.2, 0.5, 4.0),
    "executive": (0.1, 0.2, 3.0),
    "program_lead": (1.0, 4.0, 6.0),
}
# The adoption model, on a probit scale: a person is a regular user in a month when
# BASE + RISE * progress + TEAM * (quality - 0.5) + trained/tenure/role/sponsor terms + noise > 0.
BASE, RISE, TEAM, DRAG = 0.12, 0.8, 1.7, 0.17
TRAINED, UNTRAINED = 0.2, -0.3
ROLE_SHIFT = {"marketing_specialist": -0.25, "manager": 0.3, "director": 0.2, "executive": 0.3, "program_lead": 2.0}
WEEKEND = 0.03  # chance a regular user logs in on a day off

Month = tuple[date, date, list[tuple[date, bool]]]  # first day, last day, (day, is working day)


class ActivityStream:
    """The `crm_activity` rows, regenerated on each iteration so that `large` never sits in memory."""

    def __init__(self, org: Org, seed: int) -> None:
        self.org = org
        self.seed = seed

    def __iter__(self) -> Iterator[tuple]:
        rng = random.Random(f"{self.seed}:activity")
        months = [(m, month_end(m), [(d, is_workday(d)) for d in days(m, month_end(m))]) for m in self.org.months]
        for person in self.org.people:
            if person.is_integration:
                yield from _bot(rng, person, self.org)
            elif person.license_start is not None:
                yield from self._human(rng, person, months)

    def _human(self, rng: random.Random, p: Person, months: list[Month]) -> Iterator[tuple]:
        org = self.org
        first_day, last_day = p.license_start, min(p.license_end or org.end, org.end)
        assert first_day is not None
        created, updated, reports = ROLE_LOAD.get(p.role, (1.0, 2.0, 1.0))
        if not p.worker:
            created, updated = created * 0.05, updated * 0.05
        if p.role == "manager":
            reports *= 0.4 + 1.4 * p.quality  # good managers run the business on CRM reports
        rates = (1 / created, 1 / updated, 1 / reports)
        vacations = {
            y: date(y, 7, 1) + timedelta(days=rng.randint(0, 48)) for y in range(org.start.year, org.end.year + 1)
        }
        for index, (first, last, month_days) in enumerate(months):
            if last < first_day or first > last_day:
                continue
            mu = BASE + RISE * index / (len(months) - 1) + TEAM * (p.quality - 0.5) + ROLE_SHIFT.get(p.role, 0.0)
            mu += TRAINED if p.trained_on is not None and p.trained_on <= last else UNTRAINED
            if first_day >= first:
                mu -= 0.5  # licensed this month: still finding their way around
            elif first_day >= first - timedelta(days=31):
                mu -= 0.2
            mu -= DRAG * org.drag(p.division, last)
            regular = mu + 0.84 * p.affinity + 0.55 * rng.gauss(0, 1) > 0
            open_days = [(d, w) for d, w in month_days if first_day <= d <= last_day]
            if regular:
                vacation = vacations[first.year]
                for d, work in open_days:
                    if vacation <= d < vacation + timedelta(days=14):
                        continue
                    if rng.random() < (p.pace if work else WEEKEND):
                        yield _row(rng, p.id, d, rates)
            else:
                workdays = [d for d, w in open_days if w]
                n = rng.choices((0, 1, 2, 3), (45, 25, 18, 12))[0]
                glance = (rates[0] * 4, rates[1] * 4, rates[2])  # a look-up, rarely an edit
                for d in sorted(rng.sample(workdays, min(n, len(workdays)))):
                    yield _row(rng, p.id, d, glance)


def _row(rng: random.Random, person_id: str, day: date, rates: tuple[float, float, float]) -> tuple:
    ev = rng.expovariate
    return (person_id, day, 1 + int(ev(0.8)), int(ev(rates[0])), int(ev(rates[1])), int(ev(rates[2])))


def _bot(rng: random.Random, p: Person, org: Org) -> Iterator[tuple]:
    """An integration account: thousands of API calls every day, weekends included."""
    scale = rng.uniform(0.3, 3.0)
    for d in days(org.start, org.end):
        load = scale * (1.0 if d.weekday() < 5 else 0.3)
        yield (
            p.id,
            d,
            round(rng.randint(40, 300) * load),
            round(rng.randint(150, 2500) * load),
            round(rng.randint(400, 6000) * load),
            rng.randint(0, 30),
        )
