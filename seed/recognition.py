"""Recognitions: shout-outs, awards and incentives, given more often by well-run teams."""

from __future__ import annotations

import random

from seed.dates import month_end, workdays
from seed.draw import poisson
from seed.model import Org

NOTES = {
    "shout_out": (
        "Kept every opportunity up to date all month",
        "Logged every customer call in the CRM",
        "Helped the team clean up duplicate accounts",
        "Built the team's pipeline dashboard",
        "Walked new colleagues through the CRM",
        "Closed a deal straight from the forecast view",
        "Resolved a tricky case with a clear history in the CRM",
        None,
    ),
    "award": ("CRM champion of the month", "Best pipeline hygiene in the division", "Data quality star"),
    "incentive": ("Forecast accuracy bonus", "Spot bonus for data clean-up", "Team lunch for 100% logged visits"),
    "other": ("Thank-you card from the program lead", "Featured in the CRM newsletter", None),
}
KINDS, KIND_WEIGHTS = ("shout_out", "award", "incentive", "other"), (60, 12, 20, 8)


def recognitions(org: Org, seed: int) -> list[tuple]:
    """Recognition rows: a few per team per month, more where managers reinforce CRM use."""
    rng = random.Random(f"{seed}:recognitions")
    rows: list[tuple] = []
    for month in org.months:
        last = min(month_end(month), org.end)
        days = workdays(month, last)
        for team in org.teams:
            staff = [p for p in team.everyone if p.employed(month) and not p.is_integration]
            drag = org.drag(team.division, month)
            rate = (0.012 + 0.11 * team.quality) * (1 + 0.3 * org.progress(month)) * (0.7 if drag else 1.0)
            for _ in range(poisson(rng, len(staff) * rate)):
                person, day = rng.choice(staff), rng.choice(days)
                if person.employed(day):
                    kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
                    rows.append((person.id, day, kind, rng.choice(NOTES[kind])))
        if month.month in (3, 6, 9, 12) and days:
            # Each division names a quarterly CRM champion, usually from one of its best-run teams.
            for division in org.divisions:
                teams = [t for t in org.teams if t.division == division]
                team = rng.choices(teams, [t.quality**2 for t in teams])[0]
                staff = [p for p in team.members if p.employed(days[-1])]
                if staff:
                    rows.append(
                        (rng.choice(staff).id, days[-1], "award", f"{org.names[division]} CRM champion of the quarter")
                    )
    rows.sort(key=lambda r: (r[1], r[0]))
    return [(f"rec-{i:06d}", *row) for i, row in enumerate(rows, start=1)]
