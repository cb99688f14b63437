"""Seed profiles: how big the demo organisation is and how long its history runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from seed.dates import add_months

# Fixed, never "today": the demo must look the same on every machine and every day.
END = date(2026, 10, 31)
# Planned meetings (and communications) are scheduled this many days past END.
PLANNED_DAYS = 28


@dataclass(frozen=True)
class Profile:
    """Size and length of one demo organisation."""

    name: str
    people: int  # approximate headcount, integrations included
    divisions: int
    departments: int  # per division
    teams: int
    months: int
    integrations: int

    @property
    def start(self) -> date:
        """First day of the data window (a month start)."""
        return add_months(date(END.year, END.month, 1), 1 - self.months)


PROFILES: dict[str, Profile] = {
    "small": Profile("small", people=200, divisions=2, departments=2, teams=10, months=12, integrations=3),
    "demo": Profile("demo", people=2000, divisions=4, departments=3, teams=100, months=12, integrations=5),
    "large": Profile("large", people=20000, divisions=6, departments=8, teams=1000, months=24, integrations=8),
}


def profile(name: str) -> Profile:
    """The profile called `name`, or a ValueError listing the known ones."""
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown seed profile {name!r}; choose one of {', '.join(PROFILES)}") from None
