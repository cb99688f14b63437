"""Program communications: newsletters, town halls, division e-mails and department posts."""

from __future__ import annotations

import random
from datetime import date, timedelta

from seed.dates import add_months, month_starts, next_workday, nth_weekday, workdays
from seed.draw import chance, clamp
from seed.model import Org, Person
from seed.profiles import PLANNED_DAYS

TOPICS = (
    "pipeline hygiene",
    "the new sales dashboards",
    "mobile app tips",
    "forecast accuracy",
    "cleaning up duplicates",
    "case templates",
    "lead routing changes",
    "training dates",
    "what's new in this release",
    "a team success story",
    "logging calls in two clicks",
    "next steps on every opportunity",
)
# Spelled out rather than strftime("%B"), which follows the process locale.
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
TIPS = (
    "CRM tip: saved list views",
    "CRM tip: reports on your phone",
    "CRM tip: follow an account",
    "CRM tip: keyboard shortcuts",
    "CRM tip: activity reminders",
    "CRM tip: chatter for hand-overs",
)


def communications(org: Org, seed: int) -> list[tuple]:
    """Communication rows; the division that lost its sponsor hears less and less."""
    rng = random.Random(f"{seed}:comms")
    rows: list[tuple] = []
    audience = _audiences(org)

    def add(unit: str, channel: str, day: date, title: str, reach: float, status: str = "sent") -> None:
        if day > org.end:
            status = "planned"  # past the data's end nothing has been sent or called off yet
        recipients = opens = None
        if status == "sent":
            recipients = sum(1 for p in audience[unit] if p.licensed(day))
            opens = round(recipients * clamp(reach + rng.gauss(0, 0.04), 0.05, 0.95))
        rows.append((f"com-{len(rows) + 1:05d}", unit, channel, day, status, recipients, opens, title))

    horizon = org.end + timedelta(days=PLANNED_DAYS)
    for index, month in enumerate(month_starts(org.start, horizon)):
        t = org.progress(month)
        day = next_workday(nth_weekday(month, 1, 1))
        add(org.company, "newsletter", day, f"CRM newsletter – {MONTHS[month.month - 1]} {month.year}", 0.4 + 0.15 * t)
        # Besides the newsletter, one company-wide item a month: town hall, intranet tip, video.
        if month.month % 3 == 1:
            quarter = (month.month - 1) // 3 + 1
            add(
                org.company,
                "town_hall",
                next_workday(nth_weekday(month, 3, 2)),
                f"Q{quarter} {month.year} CRM town hall",
                0.6,
            )
        elif month.month % 3 == 2:
            status = "cancelled" if month.month == 8 else "sent"  # nobody reads the intranet in August
            add(org.company, "intranet", next_workday(nth_weekday(month, 0, 3)), TIPS[index % len(TIPS)], 0.3, status)
        else:
            add(
                org.company,
                "video",
                next_workday(nth_weekday(month, 4, 2)),
                f"Two-minute demo: {rng.choice(TOPICS)}",
                0.25,
            )
        for division in org.divisions:
            for n in (1, 3):
                day = next_workday(nth_weekday(month, 2, n))
                title = f"{org.names[division]}: CRM update – {rng.choice(TOPICS)}"
                if org.drag(division, day):
                    # Without a sponsor nobody signs the division e-mails: most are dropped, some cancelled.
                    draw = rng.random()
                    if draw < 0.15:
                        add(division, "email", day, title, 0.35)
                    elif draw < 0.35:
                        add(division, "email", day, title, 0.35, "cancelled")
                    continue
                add(division, "email", day, title, 0.5 + 0.1 * t)
            for dept in org.departments[division]:
                teams = org.teams_of.get(dept, [])
                quality = sum(tm.quality for tm in teams) / max(1, len(teams))
                odds = (0.25 + 0.6 * quality) * (0.25 if org.drag(division, month) else 1.0)
                if chance(rng, odds):
                    day = rng.choice(workdays(month + timedelta(days=7), month + timedelta(days=24)))
                    add(dept, "intranet", day, f"{org.names[dept]}: how we use the CRM – {rng.choice(TOPICS)}", 0.45)
    quarter = add_months(horizon, 1)
    while quarter.month not in (1, 4, 7, 10):
        quarter = add_months(quarter, 1)
    # The next town hall is already in the calendar.
    add(
        org.company,
        "town_hall",
        next_workday(nth_weekday(quarter, 3, 2)),
        f"Q{(quarter.month - 1) // 3 + 1} {quarter.year} CRM town hall",
        0.6,
    )
    return rows


def _audiences(org: Org) -> dict[str, list[Person]]:
    """The people each unit's communications reach (its whole subtree, integrations excluded)."""
    parent = {uid: p for uid, _, p, _ in org.units}
    audience: dict[str, list[Person]] = {uid: [] for uid, _, _, _ in org.units}
    for person in org.people:
        if person.is_integration:
            continue
        unit: str | None = person.unit
        while unit is not None:
            audience[unit].append(person)
            unit = parent[unit]
    return audience
