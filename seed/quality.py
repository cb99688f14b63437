"""Weekly data-quality checks per team: completeness of key CRM records."""

from __future__ import annotations

import random
from datetime import timedelta

from seed.dates import ONE_DAY, is_workday
from seed.draw import clamp
from seed.model import Org


def data_quality(org: Org, seed: int) -> list[tuple]:
    """One row per team per week (measured on Friday), better where managers care about the data."""
    rng = random.Random(f"{seed}:quality")
    rows: list[tuple] = []
    first_friday = org.start + timedelta(days=(4 - org.start.weekday()) % 7)
    for team in org.teams:
        base = len(team.everyone) * rng.uniform(8, 16)
        friday = first_friday
        while friday <= org.end:
            day = friday
            while not is_workday(day):
                day -= ONE_DAY
            if day >= org.start:
                checked = int(clamp(base * rng.uniform(0.85, 1.15), 50, 500))
                rate = 0.64 + 0.25 * team.quality + 0.08 * org.progress(day) - 0.01 * org.drag(team.division, day)
                complete = round(checked * clamp(rate + rng.gauss(0, 0.03), 0.3, 1.0))
                rows.append((team.id, day, checked, min(checked, complete)))
            friday += timedelta(days=7)
    return rows
