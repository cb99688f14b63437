"""The generated organisation in memory: people and teams with their hidden story traits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from seed.dates import month_starts


@dataclass(eq=False)
class Person:
    """A row of `people` plus the traits that drive its generated behaviour."""

    id: str
    name: str
    email: str | None
    unit: str
    role: str
    manager_id: str | None
    division: str | None
    quality: float  # manager practice of the person's team
    affinity: float  # persistent liking for the CRM, standard normal
    pace: float  # share of working days a regular user is in the CRM
    worker: bool  # creates and updates records rather than only looking
    joined: date
    license_start: date | None = None
    license_end: date | None = None
    is_integration: bool = False
    crm_user_id: str | None = None
    wave: bool = False  # licensed in the mid-window rollout wave
    trained_on: date | None = None  # the day its last required course was done

    def row(self) -> tuple:
        """The canonical `people` row."""
        return (
            self.id,
            self.name,
            self.email,
            self.unit,
            self.role,
            self.manager_id,
            self.license_start,
            self.license_end,
            self.is_integration,
            self.crm_user_id,
        )

    def employed(self, day: date) -> bool:
        """At Acme on `day` (a licence end is when people leave)."""
        return self.joined <= day and (self.license_end is None or day <= self.license_end)

    def licensed(self, day: date) -> bool:
        """Holds a CRM licence on `day`."""
        return (
            self.license_start is not None
            and self.license_start <= day
            and (self.license_end is None or day <= self.license_end)
        )


@dataclass(eq=False)
class Team:
    """A team and its hidden manager practice (0 = poor, 1 = exemplary)."""

    id: str
    name: str
    department: str
    division: str
    quality: float
    standup: bool  # holds a daily stand-up
    weekday: int  # day of its weekly status meeting
    manager: Person | None = None
    members: list[Person] = field(default_factory=list)

    @property
    def everyone(self) -> list[Person]:
        """Manager first, then members."""
        return ([self.manager] if self.manager else []) + self.members


@dataclass
class Org:
    """Acme Holdings over the data window."""

    start: date
    end: date
    units: list[tuple[str, str, str | None, str]]
    teams: list[Team]
    people: list[Person]
    divisions: list[str]
    departments: dict[str, list[str]]  # division id -> department ids
    names: dict[str, str]  # unit id -> name
    lost_division: str  # the division whose sponsor leaves
    sponsor_lost_on: date
    wave: tuple[date, date]
    company: str = "acme"
    teams_of: dict[str, list[Team]] = field(default_factory=dict)  # department id -> teams

    def __post_init__(self) -> None:
        for team in self.teams:
            self.teams_of.setdefault(team.department, []).append(team)

    @property
    def months(self) -> list[date]:
        """First days of the window's months."""
        return month_starts(self.start, self.end)

    def progress(self, day: date) -> float:
        """How far `day` is into the window: 0 at the start, 1 at the end."""
        return max(0.0, min(1.0, (day - self.start).days / (self.end - self.start).days))

    def drag(self, division: str | None, day: date) -> int:
        """Months the division has been without its sponsor on `day` (1 in the month it left).

        Capped at 6: in the 24-month profile the slide levels off instead of emptying the division.
        """
        if division != self.lost_division or day < self.sponsor_lost_on:
            return 0
        return min(6, (day.year - self.sponsor_lost_on.year) * 12 + day.month - self.sponsor_lost_on.month + 1)
