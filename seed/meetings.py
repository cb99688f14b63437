"""Meetings: team cadences, coaching 1:1s, reviews and governance, plus a few planned weeks ahead."""

from __future__ import annotations

import random
from datetime import date, timedelta

from seed.dates import is_workday, month_starts, next_workday, nth_weekday, workdays
from seed.draw import clamp
from seed.model import Org, Team
from seed.profiles import PLANNED_DAYS

_REVIEW = {
    "sales-north": "Pipeline review",
    "sales-south": "Pipeline review",
    "customer-service": "Service review",
    "marketing": "Campaign review",
    "partner-channel": "Partner pipeline review",
    "enterprise-accounts": "Account plan review",
}


class _Book:
    """Collects meeting rows with sequential ids; anything after the data's end is still planned."""

    def __init__(self, org: Org, seed: int) -> None:
        self.org = org
        self.rng = random.Random(f"{seed}:meetings")
        self.rows: list[tuple] = []

    def add(
        self,
        unit: str,
        kind: str,
        day: date,
        held: float,
        report: float,
        title: str,
        sponsor: float = 0.0,
        person: str | None = None,
    ) -> None:
        rng = self.rng
        if day > self.org.end:
            status, used, present = "planned", False, False
        else:
            draw = rng.random()
            status = "held" if draw < held else "cancelled" if draw < held + (1 - held) * 0.65 else "missed"
            used = status == "held" and rng.random() < report
            present = status == "held" and rng.random() < sponsor
        self.rows.append((f"mtg-{len(self.rows) + 1:07d}", unit, kind, day, status, used, present, person, title))


def meetings(org: Org, seed: int) -> list[tuple]:
    """All meeting rows, from the window's start to a few weeks past its end."""
    book = _Book(org, seed)
    horizon = org.end + timedelta(days=PLANNED_DAYS)
    for team in org.teams:
        _team(book, team, horizon)
    for division in org.divisions:
        _division(book, division, horizon)
    t = org.progress
    for month in month_starts(org.start, horizon):
        day = next_workday(nth_weekday(month, 3, 3))
        if day <= horizon:
            book.add(
                org.company, "governance", day, 0.95, 0.7 + 0.2 * t(day), "CRM program steering committee", sponsor=0.95
            )
        if month.month in (1, 4, 7, 10):
            day = next_workday(nth_weekday(month, 1, 3))
            book.add(org.company, "management_review", day, 0.95, 0.75, "Executive CRM review")
    return book.rows


def _report(quality: float, progress: float, drag: int) -> float:
    """Chance a management meeting runs on CRM reports: the heart of the manager-practice story."""
    return clamp(0.08 + 0.72 * quality**1.3 + 0.14 * progress - 0.03 * drag, 0.02, 0.97)


def _team(book: _Book, team: Team, horizon: date) -> None:
    org, rng, q = book.org, book.rng, team.quality

    def held(day: date, base: float) -> float:
        # Summer holidays thin out team meetings.
        return base - (0.07 if day.month in (7, 8) else 0.0)

    def report(day: date) -> float:
        return _report(q, org.progress(day), org.drag(team.division, day))

    if team.standup:
        for day in workdays(org.start, horizon):
            book.add(team.id, "daily_standup", day, held(day, 0.8 + 0.17 * q), 0.2 * q, f"Daily stand-up – {team.name}")
    monday = org.start + timedelta(days=-org.start.weekday() % 7)
    while monday <= horizon:
        day = monday + timedelta(days=team.weekday)
        if is_workday(day) and org.start <= day <= horizon:
            book.add(
                team.id, "weekly_status", day, held(day, 0.76 + 0.2 * q), report(day), f"Weekly status – {team.name}"
            )
        monday += timedelta(days=7)
    for month in month_starts(org.start, horizon):
        day = next_workday(nth_weekday(month, team.weekday, 1))
        if day <= horizon:
            book.add(
                team.id,
                "monthly_planning",
                day,
                held(day, 0.8 + 0.18 * q),
                report(day),
                f"Monthly planning – {team.name}",
            )
    # Good managers coach every two weeks, poor ones every couple of months.
    interval = 14 + round((1 - q) * 56)
    for person in team.members:
        day = org.start + timedelta(days=rng.randint(0, interval))
        while day <= horizon:
            day = next_workday(day)
            if person.employed(day) and person.license_start is not None and day <= horizon:
                book.add(
                    team.id,
                    "coaching",
                    day,
                    0.82 + 0.12 * q,
                    clamp(0.15 + 0.72 * q + 0.12 * org.progress(day) - 0.03 * org.drag(team.division, day), 0.02, 0.97),
                    f"1:1 {person.name}",
                    person=person.id,
                )
            day += timedelta(days=interval + rng.randint(-3, 3))


def _division(book: _Book, division: str, horizon: date) -> None:
    org = book.org
    name = org.names[division]
    for month in month_starts(org.start, horizon):
        # The division steering committee meets every other Tuesday; without a sponsor a deputy chairs it.
        for day in (next_workday(nth_weekday(month, 1, 1)), next_workday(nth_weekday(month, 1, 3))):
            if day <= horizon:
                lost = org.drag(division, day) > 0
                book.add(
                    division,
                    "governance",
                    day,
                    0.8 if lost else 0.93,
                    0.3 if lost else 0.55 + 0.3 * org.progress(day),
                    f"{name} CRM steering committee",
                    sponsor=0.1 if lost else 0.9 + 0.08 * org.progress(day),
                )
        if month.month in (1, 4, 7, 10):
            day = next_workday(nth_weekday(month, 2, 2))
            book.add(division, "management_review", day, 0.9, 0.6, f"{name} quarterly business review")
        for dept in org.departments[division]:
            teams = org.teams_of.get(dept, [])
            quality = sum(t.quality for t in teams) / max(1, len(teams)) + 0.1
            day = next_workday(nth_weekday(month, 3, -1))
            if day > horizon or day < org.start:
                continue
            book.add(
                dept,
                "management_review",
                day,
                0.88,
                _report(quality, org.progress(day), org.drag(division, day)),
                f"{_REVIEW.get(division, 'Pipeline review')} – {org.names[dept]}",
            )
