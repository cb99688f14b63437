"""An independent pandas implementation of KPIS.md, written from the contract alone.

`compute(conn)` reads the raw tables with plain `SELECT *` queries and returns two DataFrames:

- kpis: kpi_id, org_unit_id, grain, period_start, numerator, denominator, value, target, status, partial
- scores: org_unit_id, grain, period_start, people, process, technology, index, partial

for every KPI x unit x grain x period of the data window. Dates are handled as integer day
ordinals (days since 1970-01-01; NaN for an empty date) so that arithmetic and joins stay simple.
Status is decided with exact rational numbers, as the contract asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select

from db import schema

TABLES = (
    "org_units",
    "people",
    "crm_activity",
    "courses",
    "training_completions",
    "meetings",
    "communications",
    "recognitions",
    "pulse_responses",
    "data_quality",
    "feedback",
    "targets",
    "pillar_weights",
)
DATE_COLUMNS = {
    "people": ("license_start", "license_end"),
    "crm_activity": ("date",),
    "training_completions": ("completed_on",),
    "meetings": ("scheduled_on",),
    "communications": ("sent_on",),
    "recognitions": ("date",),
    "pulse_responses": ("date",),
    "data_quality": ("measured_on",),
    "feedback": ("raised_on", "resolved_on"),
    "targets": ("effective_from",),
    "pillar_weights": ("effective_from",),
}

GRAINS = ("week", "month", "quarter")
K = {"week": 1, "month": 4, "quarter": 12}
PILLARS = ("people", "process", "technology")
DEFAULT_WEIGHTS = {"people": 50.0, "process": 30.0, "technology": 20.0}

# id -> (pillar, default target, how the value is formed from numerator and denominator)
CATALOGUE: dict[str, tuple[str, float, str]] = {
    "adoption_rate": ("people", 80.0, "pct"),
    "training_coverage": ("people", 90.0, "pct"),
    "new_hire_onboarding": ("people", 90.0, "pct"),
    "pulse_score": ("people", 4.0, "mean"),
    "recognition_rate": ("people", 5.0, "per100_30d"),
    "report_usage_in_meetings": ("process", 80.0, "pct"),
    "meeting_cadence": ("process", 90.0, "pct"),
    "communication_cadence": ("process", 4.0, "per_30d"),
    "coaching_with_crm": ("process", 75.0, "pct"),
    "sponsor_engagement": ("process", 100.0, "pct"),
    "engaged_users": ("technology", 60.0, "pct"),
    "data_quality": ("technology", 85.0, "pct"),
    "issue_resolution": ("technology", 90.0, "pct"),
}

MANAGEMENT_KINDS = ("weekly_status", "monthly_planning", "governance", "management_review")
CADENCE_KINDS = ("daily_standup", "weekly_status", "monthly_planning", "governance")
ADKAR = ("awareness", "desire", "knowledge", "ability", "reinforcement")
PULSE_MIN_PEOPLE = 5
ISSUE_SLA_DAYS = 5
ONBOARDING_DAYS = 30
AMBER = Fraction(9, 10)

KEYS = ["org_unit_id", "grain", "period_start"]


# ----------------------------------------------------------------------------- dates and periods


def ordinals(values: pd.Series) -> np.ndarray:
    """Dates as float day ordinals since 1970-01-01; NaN where empty."""
    stamps = pd.to_datetime(pd.Series(values, dtype=object), errors="raise")
    days = stamps.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype("int64").astype(float)
    days[stamps.isna().to_numpy()] = np.nan
    return days


def as_date(ordinal: int):
    return np.datetime64(int(ordinal), "D").astype(object)


def period_start(days: np.ndarray, grain: str) -> np.ndarray:
    """Start ordinal of the period of `grain` holding each day ordinal (ISO weeks start on Monday)."""
    days = np.asarray(days, dtype="int64")
    if grain == "week":
        return days - (days + 3) % 7  # 1970-01-01 was a Thursday (weekday 3, Monday = 0)
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype("int64")
    if grain == "quarter":
        months = months - months % 3  # month 0 is January 1970
    return months.astype("datetime64[M]").astype("datetime64[D]").astype("int64")


def next_period_start(start: int, grain: str) -> int:
    if grain == "week":
        return start + 7
    month = np.datetime64(int(start), "D").astype("datetime64[M]")
    step = 1 if grain == "month" else 3
    return int((month + step).astype("datetime64[D]").astype("int64"))


def data_window(t: dict[str, pd.DataFrame]) -> tuple[int, int] | None:
    """(first, last) day ordinal of the data window, or None with no event at all."""
    meetings, comms = t["meetings"], t["communications"]
    events = np.concatenate(
        [
            t["crm_activity"]["date"].to_numpy(),
            t["training_completions"]["completed_on"].to_numpy(),
            meetings.loc[meetings["status"] != "planned", "scheduled_on"].to_numpy(),
            comms.loc[comms["status"] == "sent", "sent_on"].to_numpy(),
            t["recognitions"]["date"].to_numpy(),
            t["pulse_responses"]["date"].to_numpy(),
            t["data_quality"]["measured_on"].to_numpy(),
            t["feedback"]["raised_on"].to_numpy(),
        ]
    ).astype(float)
    if events.size == 0:
        return None
    activity = t["crm_activity"]["date"].to_numpy().astype(float)
    first = activity.min() if activity.size else events.min()
    return int(first), int(events.max())


def periods_of(window: tuple[int, int] | None) -> pd.DataFrame:
    """Every period of each grain that overlaps the window, with its end, length, k and partial flag."""
    rows = []
    if window is not None:
        first, last = window
        for grain in GRAINS:
            start = int(period_start(np.array([first]), grain)[0])
            while start <= last:
                following = next_period_start(start, grain)
                end = following - 1
                rows.append((grain, start, end, end - start + 1, K[grain], start < first or end > last))
                start = following
    return pd.DataFrame(rows, columns=["grain", "period_start", "period_end", "days", "k", "partial"]).astype(
        {"period_start": "int64", "period_end": "int64", "days": "int64", "k": "int64", "partial": bool}
    )


def in_periods(df: pd.DataFrame, day_column: str, periods: pd.DataFrame) -> pd.DataFrame:
    """`df` once per grain, with the window period holding `day_column` (rows outside the window dropped)."""
    parts = []
    for grain in GRAINS:
        part = df.copy()
        part["grain"] = grain
        part["period_start"] = period_start(part[day_column].to_numpy(), grain) if len(part) else np.array([], "int64")
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out["period_start"] = out["period_start"].astype("int64")
    return out.merge(periods, on=["grain", "period_start"], how="inner")


# ----------------------------------------------------------------------------- the org tree


def ancestors_of(units: pd.DataFrame) -> dict[str, list[str]]:
    """Each unit's ancestors, nearest first (the unit itself excluded)."""
    parent = {u: (p if isinstance(p, str) else None) for u, p in zip(units["id"], units["parent_id"], strict=True)}
    out = {}
    for unit in parent:
        chain, p = [], parent[unit]
        while p is not None:
            chain.append(p)
            p = parent[p]
        out[unit] = chain
    return out


def scope_pairs(ancestors: dict[str, list[str]]) -> pd.DataFrame:
    """(org_unit_id, member) for every member of scope(org_unit_id): the unit and its descendants."""
    rows = [(a, unit) for unit, chain in ancestors.items() for a in [unit, *chain]]
    return pd.DataFrame(rows, columns=["org_unit_id", "member"])


# ----------------------------------------------------------------------------- context


@dataclass
class Context:
    t: dict[str, pd.DataFrame]
    periods: pd.DataFrame
    ancestors: dict[str, list[str]]
    scope: pd.DataFrame  # org_unit_id, member
    grid: pd.DataFrame  # every org_unit_id x period
    staff: pd.DataFrame  # non-integration people: id, unit, role, license_start, license_end
    licensed: pd.DataFrame  # staff x period where the person is in L(., P)


def load_tables(conn: Connection) -> dict[str, pd.DataFrame]:
    t = {}
    for name in TABLES:
        df = pd.read_sql(select(schema.metadata.tables[name]), conn)
        for column in DATE_COLUMNS.get(name, ()):
            df[column] = ordinals(df[column])
        t[name] = df
    return t


def make_context(t: dict[str, pd.DataFrame]) -> Context:
    periods = periods_of(data_window(t))
    ancestors = ancestors_of(t["org_units"])
    scope = scope_pairs(ancestors)
    units = pd.DataFrame({"org_unit_id": t["org_units"]["id"]})
    grid = units.merge(periods, how="cross")
    people = t["people"]
    staff = people.loc[~people["is_integration"].astype(bool)].rename(
        columns={"id": "person_id", "org_unit_id": "unit"}
    )
    staff = staff[["person_id", "unit", "role", "license_start", "license_end"]].reset_index(drop=True)
    pp = staff.merge(periods, how="cross")
    is_licensed = (pp["license_start"] <= pp["period_end"]) & (
        pp["license_end"].isna() | (pp["license_end"] >= pp["period_end"])
    )
    licensed = pp.loc[is_licensed, ["person_id", "unit", "grain", "period_start", "period_end", "days", "k"]]
    return Context(t, periods, ancestors, scope, grid, staff, licensed.reset_index(drop=True))


def rollup(ctx: Context, per_member: pd.DataFrame, unit_column: str = "unit", pairs: pd.DataFrame | None = None):
    """Sum `num` and `den` of rows keyed by a member unit into every unit whose scope holds it.

    Returns the full grid (every unit x period) with num and den, 0 where nothing was counted.
    """
    pairs = ctx.scope if pairs is None else pairs
    frame = per_member[[unit_column, "grain", "period_start", "num", "den"]]
    joined = frame.merge(pairs, left_on=unit_column, right_on="member", how="inner")
    summed = joined.groupby(KEYS, as_index=False)[["num", "den"]].sum()
    out = ctx.grid[KEYS].merge(summed, on=KEYS, how="left")
    out[["num", "den"]] = out[["num", "den"]].fillna(0)
    return out


def licensed_with(ctx: Context, per_person: pd.DataFrame, column: str) -> pd.DataFrame:
    """Licensed person-periods with a per person-period count (0 when the person has no row)."""
    out = ctx.licensed.merge(per_person, on=["person_id", "grain", "period_start"], how="left")
    out[column] = out[column].fillna(0)
    return out


# ----------------------------------------------------------------------------- courses


def required_courses(courses: pd.DataFrame, role: str) -> set[str]:
    """Courses whose required_for lists `role` or is `*` (trimmed, case-insensitive)."""
    want = str(role).strip().lower()
    out = set()
    for cid, req in zip(courses["id"], courses["required_for"], strict=True):
        if not isinstance(req, str) or not req.strip():
            continue
        entries = {r.strip().lower() for r in req.split(";")}
        if req.strip() == "*" or "*" in entries or want in entries:
            out.add(cid)
    return out


def trained_on(ctx: Context) -> pd.Series:
    """Per staff person: the day all their required courses were first completed.

    -inf for a role with no required course, +inf (NaN-free) when some course was never completed.
    """
    t = ctx.t
    first = t["training_completions"].groupby(["person_id", "course_id"])["completed_on"].min().to_dict()
    out = {}
    for pid, role in zip(ctx.staff["person_id"], ctx.staff["role"], strict=True):
        days = [first.get((pid, c), np.inf) for c in required_courses(t["courses"], role)]
        out[pid] = max(days) if days else -np.inf
    return pd.Series(out, dtype=float)


# ----------------------------------------------------------------------------- People


def activity_by_person_period(ctx: Context) -> pd.DataFrame:
    act = ctx.t["crm_activity"]
    total = act["logins"] + act["records_created"] + act["records_updated"] + act["reports_viewed"]
    act = act.assign(active=(total > 0).astype(int), work=act["records_created"] + act["records_updated"])
    act = in_periods(act, "date", ctx.periods)
    return act.groupby(["person_id", "grain", "period_start"], as_index=False).agg(
        active_days=("active", "sum"), work=("work", "sum")
    )


def kpi_adoption_rate(ctx: Context) -> pd.DataFrame:
    lic = licensed_with(
        ctx, activity_by_person_period(ctx)[["person_id", "grain", "period_start", "active_days"]], "active_days"
    )
    lic["num"] = (lic["active_days"] >= lic["k"]).astype(int)
    lic["den"] = 1
    return rollup(ctx, lic)


def kpi_training_coverage(ctx: Context) -> pd.DataFrame:
    lic = ctx.licensed.copy()
    lic["num"] = (lic["person_id"].map(trained_on(ctx)) <= lic["period_end"]).astype(int)
    lic["den"] = 1
    return rollup(ctx, lic)


def kpi_new_hire_onboarding(ctx: Context) -> pd.DataFrame:
    staff = ctx.staff.loc[ctx.staff["license_start"].notna()].copy()
    staff["due"] = staff["license_start"] + ONBOARDING_DAYS
    cohort = in_periods(staff, "due", ctx.periods)
    cohort["num"] = (cohort["person_id"].map(trained_on(ctx)) <= cohort["due"]).astype(int)
    cohort["den"] = 1
    return rollup(ctx, cohort)


def kpi_pulse_score(ctx: Context) -> pd.DataFrame:
    """num = sum of row means, den = rows; also `people` (distinct respondents) and exact `num60` = 60 * num."""
    pulse = ctx.t["pulse_responses"].merge(ctx.staff[["person_id", "unit"]], on="person_id", how="inner")
    items = pulse[list(ADKAR)].astype(float)
    pulse = pulse.assign(n=items.notna().sum(axis=1), total=items.sum(axis=1, skipna=True))
    pulse = pulse.loc[pulse["n"] > 0]
    pulse = pulse.assign(num60=(pulse["total"] * 60 / pulse["n"]).round().astype("int64"))
    rows = in_periods(pulse, "date", ctx.periods)
    per_unit = rows.groupby(["unit", "grain", "period_start"], as_index=False).agg(
        num60=("num60", "sum"), den=("num60", "size"), people=("person_id", "nunique")
    )
    # A person belongs to one unit, so distinct respondents add up over member units.
    out = rollup(ctx, per_unit.rename(columns={"num60": "num"}))
    respondents = rollup(ctx, per_unit[["unit", "grain", "period_start"]].assign(num=per_unit["people"], den=0))["num"]
    out["num60"] = out["num"].astype("int64")
    out["num"] = out["num60"] / 60.0
    out["people"] = respondents.to_numpy()
    return out


def kpi_recognition_rate(ctx: Context) -> pd.DataFrame:
    rec = ctx.t["recognitions"].merge(ctx.staff[["person_id", "unit"]], on="person_id", how="inner")
    rec = in_periods(rec, "date", ctx.periods).assign(num=1, den=0)
    return rollup_with_licensed_den(ctx, rec)


def rollup_with_licensed_den(ctx: Context, events: pd.DataFrame) -> pd.DataFrame:
    """num from `events` (num per row, keyed by `unit`), den = |L(U,P)|."""
    lic = ctx.licensed.assign(num=0, den=1)
    both = pd.concat(
        [events[["unit", "grain", "period_start", "num", "den"]], lic[["unit", "grain", "period_start", "num", "den"]]]
    )
    return rollup(ctx, both)


# ----------------------------------------------------------------------------- Process


def meetings_in_periods(ctx: Context) -> pd.DataFrame:
    return in_periods(ctx.t["meetings"].rename(columns={"org_unit_id": "unit"}), "scheduled_on", ctx.periods)


def _meeting_share(ctx: Context, kinds, statuses, hit, pairs=None) -> pd.DataFrame:
    """den = meetings of `kinds` with a status in `statuses`, in P; num = those for which `hit(row)`."""
    m = meetings_in_periods(ctx)
    m = m.loc[m["kind"].isin(kinds) & m["status"].isin(statuses)].copy()
    m["den"] = 1
    m["num"] = hit(m).astype(bool).astype(int)
    return rollup(ctx, m, pairs=pairs)


def kpi_report_usage_in_meetings(ctx: Context) -> pd.DataFrame:
    return _meeting_share(ctx, MANAGEMENT_KINDS, ("held",), lambda m: m["crm_report_used"])


def kpi_meeting_cadence(ctx: Context) -> pd.DataFrame:
    return _meeting_share(ctx, CADENCE_KINDS, ("held", "cancelled", "missed"), lambda m: m["status"] == "held")


def kpi_communication_cadence(ctx: Context) -> pd.DataFrame:
    comms = ctx.t["communications"]
    comms = comms.loc[comms["status"] == "sent"]
    comms = in_periods(comms, "sent_on", ctx.periods)
    per_audience = comms.groupby(["audience_org_unit_id", "grain", "period_start"], as_index=False).size()
    # A communication to unit A reaches everyone whose unit is A or below A (A is the unit or an ancestor).
    reach = per_audience.merge(ctx.scope, left_on="audience_org_unit_id", right_on="org_unit_id", how="inner")
    reach = reach.groupby(["member", "grain", "period_start"], as_index=False)["size"].sum()
    reach = reach.rename(columns={"member": "unit", "size": "reached"})
    lic = ctx.licensed.merge(reach, on=["unit", "grain", "period_start"], how="left")
    lic["num"] = lic["reached"].fillna(0)
    lic["den"] = 1
    return rollup(ctx, lic)


def kpi_coaching_with_crm(ctx: Context) -> pd.DataFrame:
    return _meeting_share(ctx, ("coaching",), ("held",), lambda m: m["crm_report_used"])


def kpi_sponsor_engagement(ctx: Context) -> pd.DataFrame:
    up = [(unit, a) for unit, chain in ctx.ancestors.items() for a in chain]
    pairs = pd.concat([ctx.scope, pd.DataFrame(up, columns=["org_unit_id", "member"])], ignore_index=True)
    return _meeting_share(ctx, ("governance",), ("held",), lambda m: m["sponsor_present"], pairs=pairs)


# ----------------------------------------------------------------------------- Technology


def kpi_engaged_users(ctx: Context) -> pd.DataFrame:
    lic = licensed_with(ctx, activity_by_person_period(ctx)[["person_id", "grain", "period_start", "work"]], "work")
    lic["num"] = (lic["work"] >= lic["k"]).astype(int)
    lic["den"] = 1
    return rollup(ctx, lic)


def kpi_data_quality(ctx: Context) -> pd.DataFrame:
    dq = in_periods(ctx.t["data_quality"].rename(columns={"org_unit_id": "unit"}), "measured_on", ctx.periods)
    dq = dq.sort_values("measured_on").groupby(["unit", "grain", "period_start"], as_index=False).tail(1)
    dq = dq.assign(num=dq["records_complete"], den=dq["records_checked"])
    return rollup(ctx, dq)


def kpi_issue_resolution(ctx: Context) -> pd.DataFrame:
    fb = ctx.t["feedback"]
    fb = fb.loc[fb["kind"] == "issue"].merge(ctx.staff[["person_id", "unit"]], on="person_id", how="inner")
    fb = fb.assign(deadline=fb["raised_on"] + ISSUE_SLA_DAYS)
    fb = in_periods(fb, "deadline", ctx.periods)
    fb["num"] = (fb["resolved_on"].notna() & (fb["resolved_on"] <= fb["deadline"])).astype(int)
    fb["den"] = 1
    return rollup(ctx, fb)


KPI_FUNCTIONS = {
    "adoption_rate": kpi_adoption_rate,
    "training_coverage": kpi_training_coverage,
    "new_hire_onboarding": kpi_new_hire_onboarding,
    "pulse_score": kpi_pulse_score,
    "recognition_rate": kpi_recognition_rate,
    "report_usage_in_meetings": kpi_report_usage_in_meetings,
    "meeting_cadence": kpi_meeting_cadence,
    "communication_cadence": kpi_communication_cadence,
    "coaching_with_crm": kpi_coaching_with_crm,
    "sponsor_engagement": kpi_sponsor_engagement,
    "engaged_users": kpi_engaged_users,
    "data_quality": kpi_data_quality,
    "issue_resolution": kpi_issue_resolution,
}


# ----------------------------------------------------------------------------- values


def exact_value(kpi: str, row) -> Fraction | None:
    """The KPI value as an exact rational number, None when there is no data."""
    den = int(row.den)
    if den == 0:
        return None
    kind = CATALOGUE[kpi][2]
    if kind == "mean":
        if row.people < PULSE_MIN_PEOPLE:
            return None
        return Fraction(int(row.num60), 60 * den)
    num = Fraction(int(round(row.num)))
    if kind == "pct":
        return 100 * num / den
    if kind == "per100_30d":
        return num * 100 * 30 / (den * int(row.days))
    if kind == "per_30d":
        return num * 30 / (den * int(row.days))
    raise ValueError(kind)


def float_value(kpi: str, row) -> float | None:
    """The value in double precision, computed as the contract writes the formula."""
    den = float(row.den)
    if den == 0:
        return None
    kind = CATALOGUE[kpi][2]
    if kind == "mean":
        return None if row.people < PULSE_MIN_PEOPLE else float(row.num) / den
    if kind == "pct":
        return 100.0 * float(row.num) / den
    if kind == "per100_30d":
        return float(row.num) / den * 100.0 * 30.0 / float(row.days)
    return float(row.num) / den * 30.0 / float(row.days)


# ----------------------------------------------------------------------------- targets and weights


def latest_rows(df: pd.DataFrame, key_columns: list[str]) -> dict[tuple, list[tuple[float, float | None]]]:
    """Per key: [(effective_from, value)] in (effective_from, id) order, so the last row <= a day wins."""
    out: dict[tuple, list] = {}
    ordered = df.sort_values(["effective_from", "id"])
    value_column = "value" if "value" in df.columns else "weight"
    for row in ordered.itertuples(index=False):
        key = tuple(getattr(row, c) for c in key_columns)
        value = getattr(row, value_column)
        out.setdefault(key, []).append((row.effective_from, None if pd.isna(value) else float(value)))
    return out


def in_force(history: list[tuple[float, float | None]], day: int) -> tuple[bool, float | None]:
    """(found, value) of the last row with effective_from <= day."""
    found, value = False, None
    for effective_from, v in history:
        if effective_from <= day:
            found, value = True, v
        else:
            break
    return found, value


def target_for(targets, ancestors, kpi: str, unit: str, day: int) -> float:
    for u in [unit, *ancestors[unit]]:
        found, value = in_force(targets.get((kpi, u), []), day)
        if found and value is not None:
            return value
    return CATALOGUE[kpi][1]


def weights_at(weights, day: int) -> dict[str, float]:
    out = {}
    for pillar in PILLARS:
        found, value = in_force(weights.get((pillar,), []), day)
        out[pillar] = value if found and value is not None else DEFAULT_WEIGHTS[pillar]
    return out


# ----------------------------------------------------------------------------- status and scores


def status_of(value: Fraction | None, target: float) -> str:
    if value is None:
        return "no_data"
    t = Fraction(repr(float(target)))  # the decimal the target was written as
    if t == 0 or value >= t:
        return "green"
    return "amber" if value / t >= AMBER else "red"


def kpi_score(value: float | None, target: float) -> float | None:
    if value is None:
        return None
    if target == 0:
        return 100.0
    return 100.0 * min(max((value / target - 0.5) / 0.5, 0.0), 1.0)


def kpi_table(ctx: Context) -> pd.DataFrame:
    targets = latest_rows(ctx.t["targets"], ["kpi_id", "org_unit_id"])
    rows = []
    for kpi, fn in KPI_FUNCTIONS.items():
        frame = fn(ctx).merge(ctx.grid, on=KEYS, how="left")
        if "people" not in frame.columns:
            frame["people"] = 0
            frame["num60"] = 0
        for r in frame.itertuples(index=False):
            target = target_for(targets, ctx.ancestors, kpi, r.org_unit_id, int(r.period_end))
            exact = exact_value(kpi, r)
            rows.append(
                {
                    "kpi_id": kpi,
                    "org_unit_id": r.org_unit_id,
                    "grain": r.grain,
                    "period_start": as_date(r.period_start),
                    "period_end": int(r.period_end),
                    "numerator": float(r.num),
                    "denominator": float(r.den),
                    "value": float_value(kpi, r),
                    "target": target,
                    "status": status_of(exact, target),
                    "partial": bool(r.partial),
                }
            )
    columns = ["kpi_id", *KEYS, "period_end", "numerator", "denominator", "value", "target", "status", "partial"]
    return pd.DataFrame(rows, columns=columns)


def score_table(ctx: Context, kpis: pd.DataFrame) -> pd.DataFrame:
    weights = latest_rows(ctx.t["pillar_weights"], ["pillar"])
    licensed = kpis.loc[kpis["kpi_id"] == "adoption_rate"].set_index(["org_unit_id", "grain", "period_start"])[
        "denominator"
    ]
    kpis = kpis.assign(
        pillar=kpis["kpi_id"].map(lambda k: CATALOGUE[k][0]),
        score=[kpi_score(v, t) for v, t in zip(kpis["value"], kpis["target"], strict=True)],
    )
    rows = []
    for (unit, grain, start), group in kpis.groupby(["org_unit_id", "grain", "period_start"], sort=False):
        first = group.iloc[0]
        out = {"org_unit_id": unit, "grain": grain, "period_start": start}
        pillars = dict.fromkeys(PILLARS)
        if licensed[(unit, grain, start)] > 0:
            for pillar in PILLARS:
                scores = [s for s in group.loc[group["pillar"] == pillar, "score"] if s is not None and not pd.isna(s)]
                pillars[pillar] = sum(scores) / len(scores) if scores else None
        w = weights_at(weights, int(first["period_end"]))
        present = [p for p in PILLARS if pillars[p] is not None]
        total = sum(w[p] for p in present)
        index = sum(w[p] * pillars[p] for p in present) / total if present and total > 0 else None
        out.update(pillars)
        out["index"] = index
        out["partial"] = bool(first["partial"])
        rows.append(out)
    return pd.DataFrame(rows, columns=["org_unit_id", "grain", "period_start", *PILLARS, "index", "partial"])


def compute(conn: Connection) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(kpis, scores) for every KPI x unit x grain x period of the data window, from the raw tables."""
    ctx = make_context(load_tables(conn))
    kpis = kpi_table(ctx)
    scores = score_table(ctx, kpis)
    return kpis.drop(columns=["period_end"]), scores
