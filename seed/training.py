"""Courses and training completions: well-run teams train their people, and train them early."""

from __future__ import annotations

import random
from datetime import date, timedelta

from seed.dates import next_workday
from seed.draw import chance, clamp
from seed.model import Org, Person

LMS = "https://lms.acme.example/courses/"
# (id, name, kind, required_for)
COURSES: tuple[tuple[str, str, str, str | None], ...] = (
    ("crm-basics", "CRM Basics", "application", "*"),
    ("opportunity-management", "Opportunity Management", "business_process", "rep;account_manager;sales_engineer"),
    ("case-handling", "Case Handling", "business_process", "service_agent"),
    ("campaigns-and-leads", "Campaigns and Leads", "business_process", "marketing_specialist"),
    ("dashboards-for-managers", "Dashboards for Managers", "application", "manager"),
    ("mobile-crm", "CRM on the Go (Mobile App)", "application", None),
    ("crm-refresher", "CRM Refresher: Back to Basics", "remedial", None),
    ("new-hire-onboarding", "Welcome to Acme: CRM Onboarding", "new_hire", None),
)


def course_rows() -> list[tuple]:
    """The canonical `courses` rows; external_id is the course's xAPI activity IRI."""
    return [(cid, name, kind, required, LMS + cid) for cid, name, kind, required in COURSES]


def required(role: str) -> list[str]:
    """Courses required for `role`, read from required_for as the KPIs read it."""
    role = role.strip().lower()
    return [
        cid
        for cid, _, _, req in COURSES
        if req and (req.strip() == "*" or role in {r.strip().lower() for r in req.split(";")})
    ]


def completions(org: Org, seed: int) -> list[tuple]:
    """Completion rows; also sets each person's `trained_on` (all required courses done)."""
    rng = random.Random(f"{seed}:training")
    rows: list[tuple] = []
    for person in org.people:
        if person.is_integration or person.license_start is None:
            continue
        done: dict[str, date] = {}
        if person.license_start >= org.start:
            _new_hire(rng, org, person, done)
        else:
            _existing(rng, org, person, done)
        if chance(rng, 0.12 + 0.2 * person.quality):
            done.setdefault("mobile-crm", _day(rng, max(org.start, person.license_start), 300))
        if person.affinity < -0.9 and chance(rng, 0.25 + 0.5 * person.quality):
            # Remedial training goes to people the data flags as inactive, from mid-window on.
            mid = max(org.start + (org.end - org.start) // 2, person.license_start)
            done["crm-refresher"] = _day(rng, mid, (org.end - mid).days)
        last = person.license_end or org.end
        for course, day in done.items():
            if day <= last:
                rows.append((person.id, course, day, _score(rng, course)))
        needed = required(person.role)
        if all(c in done and done[c] <= last for c in needed):
            person.trained_on = max((done[c] for c in needed), default=person.license_start)
    return rows


def _new_hire(rng: random.Random, org: Org, person: Person, done: dict[str, date]) -> None:
    """Prompt trainees finish within 30 days of the licence; others are late or never finish."""
    start = person.license_start
    assert start is not None
    prompt = chance(rng, 0.38 + 0.5 * person.quality + 0.1 * org.progress(start) - (0.12 if person.wave else 0.0))
    for course in required(person.role):
        if prompt or chance(rng, 0.3):
            done[course] = _day(rng, start + timedelta(days=1), 26)
        elif chance(rng, 0.8):
            done[course] = _day(rng, start + timedelta(days=33), 90)
    if chance(rng, 0.9):
        done["new-hire-onboarding"] = _day(rng, start, 8)


def _existing(rng: random.Random, org: Org, person: Person, done: dict[str, date]) -> None:
    """Staff licensed before the window: some trained at rollout, the program catches up others."""
    start = person.license_start
    assert start is not None
    q = person.quality
    for course in required(person.role):
        before = {"crm-basics": 0.7 + 0.22 * q, "dashboards-for-managers": 0.15 + 0.55 * q}.get(course, 0.36 + 0.3 * q)
        if chance(rng, before):
            done[course] = _day(rng, start + timedelta(days=2), 50)
        elif chance(rng, 0.5 + 0.45 * q):
            done[course] = _day(rng, org.start, (org.end - org.start).days - 10)


def _day(rng: random.Random, first: date, spread: int) -> date:
    """A working day within `spread` days from `first`."""
    return next_workday(first + timedelta(days=rng.randint(0, max(0, spread))))


def _score(rng: random.Random, course: str) -> int | None:
    """Most LMSs report a score; some courses are pass/fail without one."""
    if chance(rng, 0.08):
        return None
    mean = 72 if course == "crm-refresher" else 85
    return round(clamp(rng.gauss(mean, 8), 40, 100))
