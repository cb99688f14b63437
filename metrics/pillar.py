"""One pillar (People, Process or Technology) for a unit and period, as a scope may see it: a card
per KPI (value, target and where it comes from, delta, base, freshness), the KPI trends with the
target in force in each period, the breakdown by child unit (or, on a team, its people), the
league of teams, and the pillar's own views.

Every query takes the Scope (scope.apply sets row-level security for the transaction): person-level
views hold only the people the viewer may see, and are empty for viewers without person-level
access. SQL lives in metrics/sql/_pillar_*.sql; values travel as bound parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache

import pandas as pd
from sqlalchemy import Connection, TextClause, text

from metrics.periods import Period, periods
from metrics.registry import KPIS, PILLARS, SQL_DIR
from metrics.scope import Scope
from metrics.scoring import SCORES_SQL, kpi_rows, score_rows

TREND_PERIODS = 13
SMALL_BASE = 10  # a KPI whose denominator is below this is marked: 100 % of 2 people is not a trend
LEAGUE_SHOWN = 5
COACHING_SHOWN = 20  # teams with the lowest share of coaching on CRM data; the rest one drill away
PULSE_MIN_RESPONDENTS = 5
PULSE_ITEMS = ("awareness", "desire", "knowledge", "ability", "reinforcement")
K_SQL = "SELECT k FROM period_grid(:start, :end) WHERE grain = :grain AND period_start = :start"
# The table each KPI is computed from (its freshness is that table's latest date).
SOURCES = {
    "adoption_rate": "crm_activity",
    "training_coverage": "training_completions",
    "new_hire_onboarding": "training_completions",
    "pulse_score": "pulse_responses",
    "recognition_rate": "recognitions",
    "report_usage_in_meetings": "meetings",
    "meeting_cadence": "meetings",
    "communication_cadence": "communications",
    "coaching_with_crm": "meetings",
    "sponsor_engagement": "meetings",
    "engaged_users": "crm_activity",
    "data_quality": "data_quality",
    "issue_resolution": "feedback",
}


@cache
def _sql(name: str) -> str:
    """A package .sql file, read once per process (pages call it for every query)."""
    return (SQL_DIR / f"_pillar_{name}.sql").read_text()


BASIS_SQL = (SQL_DIR / "_unit_basis.sql").read_text()
LEAGUE_SQL = _sql("league").replace("__BASIS__", BASIS_SQL)
# Pillar scores of every unit in the periods the refresh recomputes (its _periods), as the owner.
UNIT_SCORES_SQL = (
    "INSERT INTO unit_scores (org_unit_id, grain, period_start, period_end, people, process, technology, basis)\n"
    "SELECT s.org_unit_id, s.grain, s.period_start, s.period_end, s.people, s.process, s.technology, :basis\n"
    "FROM (" + SCORES_SQL + ") AS s\n"  # noqa: S608 - package .sql files, values are bound
    "JOIN _periods p ON p.grain = s.grain AND p.period_start = s.period_start\n"
    "ORDER BY s.grain, s.period_start"  # the league reads one period's rows: keep them together
)


def refresh_units(conn: Connection, params: dict | None) -> None:
    """Recompute what the pillar pages read per unit for the periods the refresh recomputes (its
    working tables and params); None: there is no data, drop every row."""
    from metrics.refresh import statements  # the refresh calls this: import here, not at the top

    if params is None:
        for stmt in statements((SQL_DIR / "_unit_clear.sql").read_text()):
            conn.execute(text(stmt))
        return
    for stmt in statements((SQL_DIR / "_unit_periods.sql").read_text()):
        conn.execute(text(stmt), params)
    roots = list(conn.execute(text("SELECT id FROM org_units WHERE parent_id IS NULL")).scalars())
    # Each grain from its own first recomputed period: from the earliest of all, an incremental
    # refresh scored a quarter's weeks that it does not recompute.
    firsts = conn.execute(text("SELECT grain, min(period_start) FROM _periods GROUP BY grain ORDER BY grain")).all()
    basis = conn.execute(text(BASIS_SQL)).scalar_one()
    full = params["recompute_from"] == params["window_start"]
    if full:
        # Scoring every unit in every period: by hash joins, not one index probe of kpi_values per
        # unit (on `large`: 22-32 s by probes, 17 s by hash; a month's periods are faster by probes).
        conn.execute(text("SET LOCAL enable_nestloop = off"))
    for grain, first in firsts:
        conn.execute(
            text(UNIT_SCORES_SQL),
            {
                "basis": basis,
                "ancestors": False,
                "roots": roots,
                "unit": None,
                "parent": None,
                "grain": grain,
                "period_from": first,
                "period_to": None,
                "kpi": None,
            },
        )
    for name, shown in (("_unit_league.sql", LEAGUE_SHOWN), ("_unit_coaching_lowest.sql", COACHING_SHOWN)):
        for stmt in statements((SQL_DIR / name).read_text()):
            conn.execute(text(stmt), {**params, "basis": basis, "shown": shown})
    if full:
        conn.execute(text("SET LOCAL enable_nestloop = on"))
        for stmt in statements((SQL_DIR / "_unit_analyze.sql").read_text()):
            conn.execute(text(stmt))


@dataclass(frozen=True)
class UnitRef:
    id: str
    name: str
    kind: str
    in_scope: bool = True


@dataclass
class Card:
    """One KPI of the pillar in the period."""

    kpi_id: str
    title: str
    definition: str
    value: float | None
    target: float | None
    status: str
    score: float | None
    numerator: float | None
    denominator: float | None
    previous: float | None  # the value one period earlier
    delta: float | None
    target_source: str  # "own", "inherited", "default"
    target_unit: str | None  # the unit the target is set on (own or inherited)
    target_reason: str | None
    target_since: date | None
    source_table: str
    latest_data: date | None  # the latest date in the source table (scope and period's end)
    last_import: date | None
    parent_value: float | None = None
    company_value: float | None = None

    @property
    def small_base(self) -> bool:
        return self.value is not None and self.denominator is not None and self.denominator < SMALL_BASE


@dataclass
class PillarView:
    pillar: str
    title: str
    unit: UnitRef
    period: Period
    previous: Period | None
    k: int  # activity days that make a regular user in this period
    breadcrumb: list[UnitRef]  # from the top of the viewer's scope down to the unit, the unit last
    children: list[UnitRef]
    parent: UnitRef | None
    company: UnitRef | None
    score: float | None
    previous_score: float | None
    cards: list[Card]
    trend: pd.DataFrame  # kpi_id, period_start, partial, value, target, status, numerator, denominator
    breakdown: pd.DataFrame  # kpi_id, unit_id, name, value, target, status, numerator, denominator
    people: pd.DataFrame | None  # on a team: its licensed users (when the viewer may see them)
    league: pd.DataFrame  # top and bottom teams under the unit: unit_id, name, score, previous, change, rank, ranked
    views: dict[str, object] = field(default_factory=dict)

    @property
    def is_team(self) -> bool:
        return not self.children


def pillar(
    conn: Connection, scope: Scope, pillar_id: str, unit: str, grain: str, period_start: date
) -> PillarView | None:
    """The pillar page of `unit` in one period, as `scope` may see it; None when out of scope."""
    info = next(p for p in PILLARS if p.id == pillar_id)
    kpis = [k for k in KPIS if k.pillar == pillar_id]
    ids = {k.id for k in kpis}
    all_periods = periods(conn, grain)
    index = next((i for i, p in enumerate(all_periods) if p.start == period_start), None)
    if index is None:
        return None
    period = all_periods[index]
    previous = all_periods[index - 1] if index > 0 else None
    first = all_periods[max(0, index - TREND_PERIODS + 1)]

    rows = [r for r in kpi_rows(conn, scope, unit=unit, grain=grain, period_from=first.start, period_to=period.start)]
    if not rows:
        return None
    units = conn.execute(text(_sql("units")), {"unit": unit, "roots": list(scope.roots)}).all()
    chain = [UnitRef(u.id, u.name, u.kind, u.in_scope) for u in units if u.depth >= 0]  # top first
    children = [UnitRef(u.id, u.name, u.kind) for u in units if u.depth == -1 and u.in_scope]
    me = chain[-1]
    breadcrumb = [u for u in chain if u.in_scope]
    parent = chain[-2] if len(chain) > 1 else None
    company = chain[0] if len(chain) > 2 else None

    mine = [r for r in rows if r.kpi_id in ids]
    trend = pd.DataFrame(
        [
            {
                "kpi_id": r.kpi_id,
                "period_start": r.period_start,
                "partial": r.partial,
                "value": r.value,
                "target": r.target,
                "status": r.status,
                "numerator": r.numerator,
                "denominator": r.denominator,
            }
            for r in mine
        ],
        columns=["kpi_id", "period_start", "partial", "value", "target", "status", "numerator", "denominator"],
    )
    now = {r.kpi_id: r for r in mine if r.period_start == period.start}
    before = {r.kpi_id: r for r in mine if previous is not None and r.period_start == previous.start}
    score = next((r.pillar_score for r in now.values()), None)
    previous_score = next((r.pillar_score for r in before.values()), None)

    refs: dict[tuple[str, str], float | None] = {}
    for ref in filter(None, (parent, company)):
        for r in kpi_rows(
            conn, scope, unit=ref.id, grain=grain, period_from=period.start, period_to=period.start, ancestors=True
        ):
            refs[(r.kpi_id, ref.id)] = r.value

    sources = _target_sources(conn, unit, [k.id for k in kpis], period.end)
    fresh = _freshness(conn, scope, grain, period)
    cards = []
    for k in kpis:
        r = now.get(k.id)
        b = before.get(k.id)
        value = r.value if r is not None else None
        prev = b.value if b is not None else None
        src = sources.get(k.id)
        cards.append(
            Card(
                kpi_id=k.id,
                title=k.title,
                definition=k.definition,
                value=value,
                target=r.target if r is not None else None,
                status=r.status if r is not None else "no_data",
                score=r.score if r is not None else None,
                numerator=r.numerator if r is not None else None,
                denominator=r.denominator if r is not None else None,
                previous=prev,
                delta=value - prev if value is not None and prev is not None else None,
                target_source="default"
                if src is None or src.depth is None
                else "own"
                if src.depth == 0
                else "inherited",
                target_unit=src.source_name if src is not None else None,
                target_reason=src.reason if src is not None else None,
                target_since=src.effective_from if src is not None else None,
                source_table=SOURCES[k.id],
                latest_data=fresh.get(SOURCES[k.id]),
                last_import=fresh.get("import"),
                parent_value=refs.get((k.id, parent.id)) if parent else None,
                company_value=refs.get((k.id, company.id)) if company else None,
            )
        )

    names = {c.id: c.name for c in children}
    breakdown = pd.DataFrame(
        [
            {
                "kpi_id": r.kpi_id,
                "unit_id": r.org_unit_id,
                "name": names.get(r.org_unit_id, r.org_unit_id),
                "value": r.value,
                "target": r.target,
                "status": r.status,
                "numerator": r.numerator,
                "denominator": r.denominator,
            }
            for r in (
                kpi_rows(conn, scope, parent=unit, grain=grain, period_from=period.start, period_to=period.start)
                if children
                else []
            )
            if r.kpi_id in ids and r.org_unit_id in names
        ],
        columns=["kpi_id", "unit_id", "name", "value", "target", "status", "numerator", "denominator"],
    )

    scope.apply(conn)
    k_days = conn.execute(text(K_SQL), {"start": period.start, "end": period.end, "grain": grain}).scalar_one()
    params = {"unit": unit, "grain": grain, "start": period.start, "end": period.end, "k": k_days}
    people = None
    if not children and scope.people:
        people = pd.DataFrame(
            _rows(conn, text(_sql("people")), params),
            columns=["id", "name", "org_unit_id", "active_days", "records_worked", "trained", "regular", "engaged"],
        )
    league = _league(conn, scope, pillar_id, unit, grain, period, previous)
    view = PillarView(
        pillar_id,
        info.title,
        me,
        period,
        previous,
        int(k_days),
        breadcrumb,
        children,
        parent,
        company,
        score,
        previous_score,
        cards,
        trend,
        breakdown,
        people,
        league,
    )
    scope.apply(conn)
    if pillar_id == "people":
        view.views = _people_views(conn, scope, params, children, me)
    elif pillar_id == "process":
        view.views = _process_views(conn, params)
    else:
        view.views = _technology_views(conn, scope, params)
    return view


def _freshness(conn: Connection, scope: Scope, grain: str, period: Period) -> dict[str, date | None]:
    """Each source's latest date up to the period's end as the viewer may see it, and the last import."""
    scope.apply(conn)
    kept = conn.execute(text(_sql("freshness")), {"grain": grain, "start": period.start}).all()
    # Kept rows are readable only by viewers who see the whole company; one who sees its own rows
    # but no one else's reads them live (as does anyone when the refresh has not kept the period).
    if kept and (scope.people or scope.person is None):
        fresh: dict[str, date | None] = {s: None for s in SOURCES.values()}
        fresh.update({r.source: r.latest for r in kept if r.source != "meetings" or r.personal == scope.people})
        last = conn.execute(
            text("SELECT max(finished_at)::date FROM import_batches WHERE status = 'succeeded'")
        ).scalar_one()
        return {**fresh, "import": last}
    params = {"end": period.end, "people": scope.people or bool(scope.person)}
    return {r.source: r.latest for r in conn.execute(text(_sql("freshness_live")), params)}


def _rows(conn: Connection, sql: TextClause, params: dict) -> list[tuple]:
    """A query's rows as plain tuples (a frame from tuples builds faster than from a dict per row)."""
    return [tuple(r) for r in conn.execute(sql, params)]


def _target_sources(conn: Connection, unit: str, kpis: list[str], day: date) -> dict:
    return {r.kpi_id: r for r in conn.execute(text(_sql("targets")), {"unit": unit, "kpis": kpis, "day": day})}


def _league(
    conn: Connection, scope: Scope, pillar_id: str, unit: str, grain: str, period: Period, previous: Period | None
) -> pd.DataFrame:
    """The teams under the unit ranked on the pillar score, best first, with their change: the top
    and bottom LEAGUE_SHOWN of them, and in `ranked` how many teams were ranked."""
    columns = ["unit_id", "name", "score", "previous", "change", "rank", "ranked"]
    scope.apply(conn)
    start = previous.start if previous is not None else period.start
    params = {"unit": unit, "grain": grain, "start": period.start, "pillar": pillar_id}
    ranked = conn.execute(text(LEAGUE_SQL), params).all()
    if ranked:  # ranked by the refresh with the targets and weights in force now
        return pd.DataFrame(dict(zip(columns, list(zip(*ranked, strict=True)), strict=True)))
    # Targets or weights changed since the refresh ranked this period (or it did not): score live.
    teams = {r.id: r.name for r in conn.execute(text(_sql("teams")), {"unit": unit})}
    if len(teams) < 2:
        return pd.DataFrame(columns=columns)
    scores: dict[str, dict[date, float | None]] = {}
    # The teams lie inside the viewer's scope (under a unit it sees): scoring them as the roots of a
    # narrower scope reads their rows only, instead of every unit's.
    teams_only = Scope(tuple(sorted(teams)), people=False)
    for r in score_rows(conn, teams_only, grain=grain, period_from=start, period_to=period.start):
        if r.org_unit_id in teams:
            scores.setdefault(r.org_unit_id, {})[r.period_start] = getattr(r, pillar_id)
    rows = []
    for uid, by in scores.items():
        now = by.get(period.start)
        if now is None:
            continue
        prev = by.get(previous.start) if previous is not None else None
        rows.append(
            {
                "unit_id": uid,
                "name": teams[uid],
                "score": now,
                "previous": prev,
                "change": now - prev if prev is not None else None,
            }
        )
    out = pd.DataFrame(rows, columns=columns[:-2])
    if out.empty:
        return pd.DataFrame(columns=columns)
    out = out.sort_values(["score", "name"], ascending=[False, True], kind="stable").reset_index(drop=True)
    out["rank"] = out["score"].rank(method="min", ascending=False).astype(int)
    out["ranked"] = len(out)
    ends = (out.index < LEAGUE_SHOWN) | (out.index >= len(out) - LEAGUE_SHOWN)
    return out[ends].reset_index(drop=True)


QUADRANT = ("trained_active", "trained_inactive", "untrained_active", "neither")
MIX = ("active_users", "logins", "records_created", "records_updated", "reports_viewed")
AGES = {
    "0–5 days": "issues_0_5",
    "6–15 days": "issues_6_15",
    "16–30 days": "issues_16_30",
    "over 30 days": "issues_over_30",
}


def counts(conn: Connection, params: dict) -> dict:
    """What the refresh counted from person-level rows for the unit (and, for training x usage, its
    children) in the period, as the viewer may see it: zeros and no units when it may not."""
    rows = {r.org_unit_id: r for r in conn.execute(text(_sql("counts")), params)}
    own = rows.get(params["unit"])

    def get(column: str) -> int:
        return getattr(own, column) if own is not None else 0

    def mean(item: str) -> float | None:
        n = get(f"{item}_n")
        return get(f"{item}_sum") / n if n else None

    return {
        # Units without licensed users have no quadrant row.
        "quadrant": [
            (u, *(getattr(r, c) for c in QUADRANT)) for u, r in rows.items() if any(getattr(r, c) for c in QUADRANT)
        ],
        "funnel": {"new_users": get("new_users"), "trained": get("onboarded"), "active": get("onboarded_active")},
        "pulse": {"respondents": get("respondents"), **{i: mean(i) for i in PULSE_ITEMS}},
        "activity_mix": {c: get(c) for c in MIX},
        "open_issues": {age: get(column) for age, column in AGES.items()},
    }


def _people_views(conn: Connection, scope: Scope, params: dict, children: list[UnitRef], me: UnitRef) -> dict:
    names = {c.id: c.name for c in children}
    kept = counts(conn, params)
    quadrant = pd.DataFrame(kept["quadrant"], columns=["unit_id", *QUADRANT])
    quadrant["name"] = [names.get(u, me.name) for u in quadrant["unit_id"]]
    quadrant["is_total"] = quadrant["unit_id"] == me.id
    funnel = kept["funnel"]
    pulse = kept["pulse"]
    if pulse["respondents"] < PULSE_MIN_RESPONDENTS:
        profile = None  # suppressed: fewer than 5 people answered (their number is not shown either)
    else:
        profile = {i: pulse[i] for i in PULSE_ITEMS}
    return {
        "quadrant": quadrant.sort_values(["is_total", "name"], ascending=[False, True]).reset_index(drop=True),
        "funnel": funnel,
        "pulse": profile,
        "barrier": min(profile, key=lambda i: (profile[i] is None, profile[i] or 0)) if profile else None,
        "sees_people": scope.people,
    }


def _process_views(conn: Connection, params: dict) -> dict:
    meetings = pd.DataFrame(
        _rows(conn, text(_sql("meetings")), params),
        columns=["day", "kind", "status", "meetings", "with_report", "with_sponsor"],
    )
    held = meetings[meetings["status"] == "held"]
    by_kind = (
        held.groupby("kind", as_index=False)[["meetings", "with_report"]].sum()
        if not held.empty
        else pd.DataFrame(columns=["kind", "meetings", "with_report"])
    )
    if not by_kind.empty:
        by_kind["share"] = 100.0 * by_kind["with_report"] / by_kind["meetings"]
    return {
        "meetings": meetings,
        "report_use": by_kind,
        "governance": pd.DataFrame(
            _rows(conn, text(_sql("governance")), params),
            columns=["day", "unit", "status", "sponsor_present", "crm_report_used", "title"],
        ),
        "communications": pd.DataFrame(
            _rows(conn, text(_sql("communications")), params),
            columns=["day", "channel", "status", "communications", "recipients", "opens"],
        ),
        "coaching": pd.DataFrame(
            _rows(conn, text(_sql("coaching_kept")), params)
            or _rows(conn, text(_sql("coaching")), {**params, "shown": COACHING_SHOWN}),
            columns=["unit", "sessions", "with_crm", "teams"],
        ),
    }


def _technology_views(conn: Connection, scope: Scope, params: dict) -> dict:
    if not scope.people:  # counted from person-level rows: none for this viewer, and zeros would read as news
        return {"activity_mix": None}
    kept = counts(conn, params)
    issues = kept["open_issues"]
    return {
        "activity_mix": kept["activity_mix"],
        "open_issues": pd.DataFrame({"age": list(issues), "issues": [int(n) for n in issues.values()]}),
    }
