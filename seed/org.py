"""Build Acme Holdings: org units, teams, people, licences and CRM user ids."""

from __future__ import annotations

import random
import string
from datetime import date, timedelta

from seed.dates import ONE_DAY, add_months, next_workday, workdays
from seed.divisions import DIVISIONS, DivisionSpec
from seed.draw import chance, clamp
from seed.model import Org, Person, Team
from seed.names import DOMAIN, NameBook, slug
from seed.profiles import END, Profile

INTEGRATIONS = (
    ("Marketo Sync", "marketo"),
    ("ERP Order Feed", "erp"),
    ("Data Warehouse Export", "dwh"),
    ("Outlook Connector", "outlook"),
    ("Web-to-Lead Gateway", "webtolead"),
    ("Zendesk Bridge", "zendesk"),
    ("Billing Sync", "billing"),
    ("Partner Portal API", "partnerportal"),
)
LEADERS = ("manager", "director", "executive", "program_lead")  # never leave, never hired late
_B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def salesforce_id(n: int) -> str:
    """An 18-character Salesforce User id (prefix 005, with the case-safe checksum suffix)."""
    tail = ""
    for _ in range(5):
        n, r = divmod(n, 62)
        tail = _B62[r] + tail
    id15 = "005Wt00000" + tail
    suffix = "".join(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"[sum(1 << i for i, c in enumerate(id15[k : k + 5]) if c.isupper())]
        for k in (0, 5, 10)
    )
    return id15 + suffix


class _Builder:
    """Creates units and people in a fixed order, so ids follow the org chart."""

    def __init__(self, profile: Profile, seed: int) -> None:
        self.p = profile
        self.rng = random.Random(f"{seed}:org")
        self.book = NameBook(self.rng)
        self.start = profile.start
        self.units: list[tuple[str, str, str | None, str]] = []
        self.names: dict[str, str] = {}
        self.people: list[Person] = []
        self.teams: list[Team] = []

    def unit(self, name: str, parent: str | None, kind: str, unit_id: str | None = None) -> str:
        base = unit_id or slug(name)
        uid, n = base, 1
        while uid in self.names:
            n += 1
            uid = f"{base}-{n}"
        self.units.append((uid, name, parent, kind))
        self.names[uid] = name
        return uid

    def person(
        self, pool: str, unit: str, role: str, manager: Person | None, division: str | None, quality: float
    ) -> Person:
        name, email = self.book.person(pool)
        worker = role not in ("director", "executive") and chance(self.rng, 0.53 + 0.38 * quality)
        person = Person(
            id=f"E{100001 + len(self.people)}",
            name=name,
            email=email,
            unit=unit,
            role=role,
            manager_id=manager.id if manager else None,
            division=division,
            quality=quality,
            affinity=self.rng.gauss(0, 1),
            pace=clamp(self.rng.uniform(0.45, 0.85) + 0.12 * quality, 0.3, 0.97),
            worker=worker,
            joined=self.start - timedelta(days=400),
        )
        self.people.append(person)
        return person


def build(profile: Profile, seed: int) -> Org:
    """The whole organisation for `profile`, deterministic in `seed`."""
    b = _Builder(profile, seed)
    specs = DIVISIONS[: profile.divisions]
    company = b.unit("Acme Holdings", None, "company", "acme")
    ceo = b.person("intl", company, "executive", None, None, 0.7)
    b.person("intl", company, "program_lead", ceo, None, 0.9)
    team_counts = _split(profile.teams, [s.weight for s in specs])
    overhead = 2 + len(specs) * (1 + profile.departments) + profile.integrations
    sizes = _team_sizes(b.rng, specs, team_counts, profile.people - overhead - profile.teams)
    departments: dict[str, list[str]] = {}
    directors: dict[str, Person] = {}
    for spec, n_teams, spec_sizes in zip(specs, team_counts, sizes, strict=True):
        division = b.unit(spec.name, company, "division", spec.id)
        director = directors[division] = b.person(spec.pool, division, "director", ceo, division, 0.6)
        departments[division] = []
        per_dept = _split(n_teams, [1.0] * profile.departments)
        for d_index, ((dept_name, prefix), count) in enumerate(zip(spec.departments, per_dept, strict=False)):
            dept = b.unit(dept_name, division, "department")
            departments[division].append(dept)
            head = b.person(spec.pool, dept, "manager", director, division, 0.6)
            for t_index in range(count):
                place = spec.places[(d_index * 5 + t_index) % len(spec.places)]
                _team(b, spec, dept, division, f"{prefix} {place}", head, spec_sizes.pop(0))
    for name, key in INTEGRATIONS[: profile.integrations]:
        bot = b.person("intl", company, "integration", None, None, 0.5)
        bot.name, bot.email, bot.is_integration, bot.worker = name, f"integration.{key}@{DOMAIN}", True, True
    sponsor_lost_on = add_months(b.start, profile.months // 2)
    wave = (add_months(b.start, profile.months // 2 - 2), add_months(b.start, profile.months // 2) - ONE_DAY)
    _licenses(b, wave)
    # The sponsor of the story leaves: its licence ends the day before the division is on its own,
    # and its department heads report to the CEO from then on.
    lost_division = "sales-south"
    lost_director = directors[lost_division]
    lost_director.license_end = sponsor_lost_on - ONE_DAY
    for person in b.people:
        if person.manager_id == lost_director.id:
            person.manager_id = ceo.id
    _crm_ids(b)
    return Org(
        start=b.start,
        end=END,
        units=b.units,
        teams=b.teams,
        people=b.people,
        divisions=list(departments),
        departments=departments,
        names=b.names,
        lost_division=lost_division,
        sponsor_lost_on=sponsor_lost_on,
        wave=wave,
    )


def _team(b: _Builder, spec: DivisionSpec, dept: str, division: str, name: str, head: Person, size: int) -> None:
    rng = b.rng
    quality = clamp(rng.betavariate(2.2, 2.2) + spec.quality, 0.03, 0.97)
    team_id = b.unit(name, dept, "team")
    standup = chance(rng, 0.1 + 0.55 * quality + (0.2 if spec.id == "customer-service" else 0.0))
    team = Team(team_id, name, dept, division, quality, standup, rng.randrange(4))
    team.manager = b.person(spec.pool, team_id, "manager", head, division, quality)
    roles, weights = zip(*spec.roles, strict=True)
    for _ in range(size):
        role = rng.choices(roles, weights)[0]
        team.members.append(b.person(spec.pool, team_id, role, team.manager, division, quality))
    b.teams.append(team)


def _split(total: int, weights: list[float]) -> list[int]:
    """`total` split in proportion to `weights` (largest remainder), each part at least 1."""
    raw = [total * w / sum(weights) for w in weights]
    parts = [max(1, int(r)) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (parts[i] - raw[i], i))
    for i in order[: max(0, total - sum(parts))]:
        parts[i] += 1
    return parts


def _team_sizes(
    rng: random.Random, specs: tuple[DivisionSpec, ...], counts: list[int], members: int
) -> list[list[int]]:
    """Members per team (manager excluded); a few tiny teams keep the pulse privacy rule visible."""
    tiny = [[chance(rng, 0.07) for _ in range(n)] for n in counts]
    raw = [[s.team_size * rng.uniform(0.6, 1.4) for _ in range(n)] for s, n in zip(specs, counts, strict=True)]
    tiny_sizes = [[rng.randint(2, 3) for _ in range(n)] for n in counts]
    left = members - sum(
        sz for ts, flags in zip(tiny_sizes, tiny, strict=True) for sz, f in zip(ts, flags, strict=True) if f
    )
    weight = sum(r for rs, flags in zip(raw, tiny, strict=True) for r, f in zip(rs, flags, strict=True) if not f)
    return [
        [ts if f else max(3, round(r / weight * left)) for r, f, ts in zip(rs, flags, tss, strict=True)]
        for rs, flags, tss in zip(raw, tiny, tiny_sizes, strict=True)
    ]


def _licenses(b: _Builder, wave: tuple[date, date]) -> None:
    """Licence dates: an earlier rollout by division, a mid-window wave, a trickle of hires, leavers."""
    rng, start, months = b.rng, b.start, b.p.months
    window_days, wave_days = workdays(start, END), workdays(*wave)
    rollout = {
        unit: start - timedelta(days=rng.randint(150, 260)) for unit, _, _, kind in b.units if kind == "division"
    }
    for person in b.people:
        first = rollout.get(person.division or "", start - timedelta(days=280))
        if person.is_integration:
            person.license_start = first - timedelta(days=30)
            continue
        leader = person.role in LEADERS
        if not leader:
            draw = rng.random()
            if draw < 0.015:
                continue  # never licensed: works without the CRM
            if draw < 0.015 + 0.105:
                person.wave = True
                _hire(person, rng.choice(wave_days))
                continue
            if draw < 0.12 + 0.0045 * months:
                _hire(person, rng.choice(window_days[:-10]))
                continue
        # Leaders are licensed first; everyone else over the following ten weeks.
        offset = rng.randint(0, 10) if leader else rng.randint(7, 85)
        person.license_start = next_workday(min(first + timedelta(days=offset), start - timedelta(days=20)))
        if not leader and chance(rng, 0.0055 * months):
            person.license_end = rng.choice(window_days[20:-5])  # a leaver: the licence ends on the last day


def _hire(person: Person, day: date) -> None:
    person.license_start = day
    person.joined = day


def _crm_ids(b: _Builder) -> None:
    licensed = [p for p in b.people if p.license_start is not None]
    for person, n in zip(licensed, b.rng.sample(range(62**5), len(licensed)), strict=True):
        person.crm_user_id = salesforce_id(n)
