"""The monthly ADKAR pulse: a sample of each team answers; well-run teams feel better about the CRM."""

from __future__ import annotations

import random
from datetime import date, timedelta

from seed.dates import workdays
from seed.draw import chance, clamp
from seed.model import Org, Person

ITEMS = ("awareness", "desire", "knowledge", "ability", "reinforcement")
# How each ADKAR item sits relative to a person's overall mood: awareness is easy, reinforcement is not.
OFFSETS = (0.4, 0.05, -0.1, -0.2, -0.3)
PRAISE = (
    "The new dashboards save me an hour a week.",
    "Our manager shows the pipeline report every Monday; it helps.",
    "Mobile app works well on customer visits.",
    "Training was short and useful.",
)
GRIPES = (
    "Too many mandatory fields on opportunities.",
    "I still keep my own spreadsheet, the CRM is slow.",
    "Nobody looks at what we enter.",
    "Not sure why we are doing this.",
    "I never got the training invite.",
    "Search does not find accounts by city.",
)


def pulses(org: Org, seed: int) -> list[tuple]:
    """Pulse rows; tiny teams stay under the five-respondent privacy limit."""
    rng = random.Random(f"{seed}:pulse")
    rows: list[tuple] = []
    for month in org.months:
        window = workdays(month + timedelta(days=7), month + timedelta(days=15))
        progress = org.progress(month)
        for team in org.teams:
            respond = 0.22 + 0.4 * team.quality
            for person in team.everyone:
                day = rng.choice(window)
                if person.employed(day) and chance(rng, respond):
                    mood = 2.75 + 1.4 * team.quality + 0.6 * progress - 0.12 * org.drag(team.division, day)
                    rows.append((person.id, day, *_answers(rng, person, mood + 0.25 * person.affinity, day)))
    return rows


def _answers(rng: random.Random, person: Person, mood: float, day: date) -> tuple:
    trained = 0.25 if person.trained_on is not None and person.trained_on <= day else 0.0
    items: list[int | None] = []
    for item, offset in zip(ITEMS, OFFSETS, strict=True):
        lift = trained if item in ("knowledge", "ability") else 0.0
        value = round(clamp(rng.gauss(mood + offset + lift, 0.75), 1, 5))
        items.append(None if chance(rng, 0.04) else value)
    if chance(rng, 0.005):
        items = [None] * len(ITEMS)  # opened the survey, answered nothing
    comment = None
    if chance(rng, 0.07) or not any(items):
        answered = [v for v in items if v is not None]
        comment = rng.choice(PRAISE if answered and sum(answered) / len(answered) >= 3.5 else GRIPES)
    return (*items, comment)
