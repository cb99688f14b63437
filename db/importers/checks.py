"""Validation: cell checks run by pandera over a frame of strings, row rules over the typed frame, cross-row checks.

Every check finds the failing cells with a vectorised pandas expression; pandera collects all failures at
once (lazy validation) and this module turns each into a RowError with the line, column, value and message.
"""

from __future__ import annotations

import math
import re
import warnings
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd
import pandera.pandas as pa
from sqlalchemy import Connection, select

from db import schema
from db.cells import cell
from db.importers.contract import NOUNS, Contract, Field
from db.importers.report import Errors

MAX_INT = 2_147_483_647  # PostgreSQL integer
# Plausible dates (DATA_CONTRACT.md): one row typed 2099 or 1899 would otherwise stretch the data window by decades.
EARLIEST = date(2000, 1, 1)
AHEAD_DAYS = 366
# A set of pillar weights sums to 100 up to the noise of adding three floats.
WEIGHT_SUM_TOLERANCE = 1e-9

_DATE = r"\d{4}-\d{2}-\d{2}"
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
_EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s.]+"
BOOLS = {"true": "true", "false": "false", "1": "true", "0": "false", "yes": "true", "no": "false"}
_ITEMS = frozenset("12345")


@dataclass(frozen=True)
class KpiRange:
    """A KPI's unit and the range its targets must lie in, from the `kpis` catalogue table."""

    unit: str
    min_target: float
    max_target: float | None


@dataclass(frozen=True)
class Context:
    """What the checks need besides the file: the day of the import and the KPI catalogue."""

    today: date
    kpis: Mapping[str, KpiRange] = field(default_factory=dict)

    @property
    def latest(self) -> date:
        return self.today + timedelta(days=AHEAD_DAYS)


def kpi_ranges(conn: Connection) -> dict[str, KpiRange]:
    """The catalogue as the database has it (synced from the registry on upgrade), in catalogue order."""
    k = schema.kpis
    rows = conn.execute(select(k.c.id, k.c.unit, k.c.min_target, k.c.max_target).order_by(k.c.position))
    return {r.id: KpiRange(r.unit, r.min_target, r.max_target) for r in rows}


def plausible_date_message(day: date, ctx: Context) -> str | None:
    """Why a date is implausible for any row (before 2000 or more than a year ahead), else None."""
    if day < EARLIEST:
        return f"{day} is before {EARLIEST}, the earliest date accepted"
    if day > ctx.latest:
        return f"{day} is more than a year ahead (the latest date accepted is {ctx.latest})"
    return None


# --- cell checks ---------------------------------------------------------------------------------------------


def _dates(s: pd.Series) -> pd.Series:
    """YYYY-MM-DD strings as datetimes, NaT where not a real date of that form."""
    ok = s.str.fullmatch(_DATE)
    return pd.to_datetime(s.where(ok), format="%Y-%m-%d", errors="coerce")


def _numbers(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s.where(s.str.fullmatch(_NUMBER)), errors="coerce")


def _cell_checks(f: Field, ctx: Context) -> list[pa.Check]:
    """The pandera checks of one column: each passes empty cells except `required`."""

    def check(name: str, ok: Callable[[pd.Series], pd.Series]) -> pa.Check:
        return pa.Check(lambda s: (s == "") | ok(s), name=name)

    checks = [pa.Check(lambda s: s != "", name="required")] if f.required else []
    lo, hi = pd.Timestamp(EARLIEST), pd.Timestamp(ctx.latest)
    match f.kind:
        case "text" | "roles":
            checks.append(check("nul", lambda s: ~s.str.contains("\x00", regex=False)))
        case "email":
            checks.append(check("email", lambda s: s.str.fullmatch(_EMAIL)))
        case "date":
            checks.append(check("date", lambda s: _dates(s).notna()))
            checks.append(check("plausible", lambda s: ~_dates(s).notna() | _dates(s).between(lo, hi)))
        case "bool":
            checks.append(check("bool", lambda s: s.str.lower().isin(BOOLS)))
        case "count":
            checks.append(
                check("count", lambda s: s.str.fullmatch(r"\d{1,10}") & (pd.to_numeric(s, errors="coerce") <= MAX_INT))
            )
        case "item":
            checks.append(check("item", lambda s: s.isin(_ITEMS)))
        case "number":
            checks.append(check("number", lambda s: s.str.fullmatch(_NUMBER)))
        case "score" | "percent":
            checks.append(check(f.kind, lambda s: _numbers(s).between(0, 100)))
        case "enum":
            lower = [c.lower() for c in f.choices]
            checks.append(check("enum", lambda s: s.str.lower().isin(lower)))
    return checks


def cell_message(f: Field, check: str, raw: str, ctx: Context) -> str:
    """The message of one failed cell check."""
    match check:
        case "required":
            return f"{f.name} is required"
        case "nul":
            return "contains a NUL character"
        case "email":
            return f"'{raw}' is not a valid e-mail"
        case "date":
            if not re.fullmatch(_DATE, raw):
                return f"'{raw}' is not a date in the form YYYY-MM-DD"
            return f"'{raw}' is not a valid date (YYYY-MM-DD)"
        case "plausible":
            return plausible_date_message(date.fromisoformat(raw), ctx) or "implausible date"
        case "bool":
            return f"'{raw}' is not a boolean (true/false, 1/0, yes/no)"
        case "count":
            if raw.isascii() and raw.isdigit():
                return f"'{raw}' is too large (at most {MAX_INT})"
            if raw.startswith("-") and raw[1:].isascii() and raw[1:].isdigit():
                return f"'{raw}' is negative: counts are whole numbers >= 0"
            return f"'{raw}' is not a whole number >= 0"
        case "item":
            return f"'{raw}' is not an answer from 1 to 5"
        case "number" | "score" | "percent":
            if not re.fullmatch(_NUMBER, raw):
                if _DECIMAL_COMMA.fullmatch(raw):
                    return f"'{raw}' is not a number: use a point as the decimal separator"
                return f"'{raw}' is not a number"
            if check == "score":
                return f"'{raw}' is out of range: a score is from 0 to 100"
            return f"'{raw}' is out of range: must be from 0 to 100"
        case "enum":
            return f"'{raw}' is not a valid {f.name}; expected one of: {', '.join(f.choices)}"
    return f"'{raw}' failed check {check}"


def failures(schema_: pa.DataFrameSchema, frame: pd.DataFrame) -> pd.DataFrame:
    """Every failed check of a lazy validation: columns index, column, check, failure_case (empty when valid)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            schema_.validate(frame, lazy=True)
        except pa.errors.SchemaErrors as exc:
            fc = exc.failure_cases
            return fc[fc["index"].notna()][["index", "column", "check", "failure_case"]]
    return pd.DataFrame({"index": [], "column": [], "check": [], "failure_case": []})


def check_cells(frame: pd.DataFrame, fields: list[Field], ctx: Context) -> pd.DataFrame:
    """Run the cell checks of `fields` (the columns of `frame`) with pandera; the failures, one per bad cell."""
    columns = {f.name: pa.Column(str, _cell_checks(f, ctx), nullable=False) for f in fields}
    found = failures(pa.DataFrameSchema(columns, coerce=False), frame)
    # A cell fails at most one check: the first in check order (a bad date is not also implausible).
    order = {(f.name, c.name): i for f in fields for i, c in enumerate(_cell_checks(f, ctx))}
    found = found.assign(rank=[order.get((c, k), 99) for c, k in zip(found["column"], found["check"], strict=True)])
    found = found.sort_values(["index", "rank"]).drop_duplicates(["index", "column"])
    return found[["index", "column", "check", "failure_case"]]


# --- from strings to database values -------------------------------------------------------------------------


def to_db(s: pd.Series, f: Field) -> pd.Series:
    """Checked cells as the text the database reads (None for NULL): booleans and enums spelled one way."""
    empty = s == ""
    match f.kind:
        case "bool":
            return s.str.lower().map(BOOLS).where(~empty, "false")
        case "count":
            return s.where(~empty, "0")
        case "enum":
            by_lower = {c.lower(): c for c in f.choices}
            return s.str.lower().map(by_lower).where(~empty, None)
        case "roles":
            # Stored normalised; the metrics split on ';' and trim anyway.
            return s.map(lambda v: ";".join(r for r in (p.strip() for p in v.split(";")) if r) or None)
    return s.where(~empty, None)


def typed(s: pd.Series, f: Field) -> pd.Series:
    """Checked database text as Python-comparable values for the row rules (NaN / NaT for NULL)."""
    match f.kind:
        case "date":
            return pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
        case "count" | "item" | "number" | "score" | "percent":
            return pd.to_numeric(s, errors="coerce")
    return s


# --- row rules: several cells of one row -------------------------------------------------------------------


@dataclass(frozen=True)
class RowRule:
    """A rule over cells of one row, run by pandera as a wide check on the typed frame."""

    name: str
    column: str  # where the error is reported
    needs: tuple[str, ...]
    fails: Callable[[pd.DataFrame, Context], pd.Series]  # True where the row breaks the rule
    message: Callable[[pd.Series, Context], str]


def _day(v: object) -> str:
    return pd.Timestamp(v).date().isoformat()


def _kpi_unknown(d: pd.DataFrame, ctx: Context) -> pd.Series:
    return d["kpi_id"].notna() & ~d["kpi_id"].isin(list(ctx.kpis))


def _kpi_out_of_range(d: pd.DataFrame, ctx: Context) -> pd.Series:
    lo = d["kpi_id"].map(lambda k: ctx.kpis[k].min_target if k in ctx.kpis else math.nan)
    hi = d["kpi_id"].map(lambda k: (ctx.kpis[k].max_target or math.inf) if k in ctx.kpis else math.nan)
    return d["value"].notna() & lo.notna() & ((d["value"] < lo) | (d["value"] > hi))


def _unknown_kpi_message(r: pd.Series, ctx: Context) -> str:
    known = ", ".join(ctx.kpis) or "none, the KPI catalogue is empty (run `flywheel db upgrade`)"
    return f"unknown KPI '{r['kpi_id']}'; known: {known}"


def _range_message(r: pd.Series, ctx: Context) -> str:
    k = ctx.kpis[r["kpi_id"]]
    allowed = f">= {k.min_target:g}" if k.max_target is None else f"from {k.min_target:g} to {k.max_target:g}"
    return f"{r['value']:g} is out of range for {r['kpi_id']} ({k.unit}): must be {allowed}"


ROW_RULES: dict[str, tuple[RowRule, ...]] = {
    "people": (
        RowRule(
            "license_end_needs_start",
            "license_end",
            ("license_start", "license_end"),
            lambda d, ctx: d["license_end"].notna() & d["license_start__empty"],
            lambda r, ctx: "license_end needs a license_start",
        ),
        RowRule(
            "license_end_before_start",
            "license_end",
            ("license_start", "license_end"),
            lambda d, ctx: d["license_end"] < d["license_start"],
            lambda r, ctx: f"license_end {_day(r['license_end'])} is before license_start {_day(r['license_start'])}",
        ),
    ),
    "data_quality": (
        RowRule(
            "complete_le_checked",
            "records_complete",
            ("records_checked", "records_complete"),
            lambda d, ctx: d["records_complete"] > d["records_checked"],
            lambda r, ctx: (
                f"records_complete {r['records_complete']:g} is more than records_checked {r['records_checked']:g}"
            ),
        ),
    ),
    "feedback": (
        RowRule(
            "resolved_after_raised",
            "resolved_on",
            ("raised_on", "resolved_on"),
            lambda d, ctx: d["resolved_on"] < d["raised_on"],
            lambda r, ctx: f"resolved_on {_day(r['resolved_on'])} is before raised_on {_day(r['raised_on'])}",
        ),
    ),
    "targets": (
        RowRule("kpi_known", "kpi_id", ("kpi_id",), _kpi_unknown, _unknown_kpi_message),
        RowRule("kpi_range", "value", ("kpi_id", "value"), _kpi_out_of_range, _range_message),
    ),
}


def event_rules(contract: Contract, present: set[str]) -> list[RowRule]:
    """An event dated after the day of the import is an error (only when its deciding column is there too)."""
    rules = []
    for f in contract.fields:
        ev = f.event
        if ev is None or f.name not in present:
            continue
        hint = f": {ev.hint}" if ev.hint else ""
        if ev.when is None:
            fails = _after_today(f.name)
        elif ev.when[0] in present:
            fails = _after_today(f.name, ev.when)
        else:
            continue  # without its status column the row's own header error says enough
        rules.append(
            RowRule(
                f"event:{f.name}",
                f.name,
                (f.name,),
                fails,
                lambda r, ctx, hint=hint: f"event dated after today ({ctx.today}){hint}",
            )
        )
    return rules


def _after_today(name: str, when: tuple[str, tuple[str, ...]] | None = None):
    def fails(d: pd.DataFrame, ctx: Context) -> pd.Series:
        late = d[name] > pd.Timestamp(ctx.today)
        return late & d[when[0]].isin(when[1]) if when else late

    return fails


def check_rows(frame: pd.DataFrame, rules: list[RowRule], ctx: Context) -> list[tuple[int, RowRule]]:
    """Run the row rules with pandera; (row index, rule) for every row that breaks one."""
    if not rules or frame.empty:
        return []
    by_name = {r.name: r for r in rules}
    checks = [pa.Check(lambda d, r=r: ~r.fails(d, ctx).fillna(False).astype(bool), name=r.name) for r in rules]
    found = failures(pa.DataFrameSchema(checks=checks), frame)
    # A wide check reports each failing row once per column: one error per row and rule.
    found = found.drop_duplicates(["index", "check"]).sort_values("index", kind="stable")
    return [(int(i), by_name[c]) for i, c in zip(found["index"], found["check"], strict=True)]


# --- cross-row checks -----------------------------------------------------------------------------------------


def check_keys(name: str, contract: Contract, frame: pd.DataFrame, lines, bad: pd.Series, errors: Errors) -> None:
    """The same key twice in one file is an error on every line that has it."""
    key = list(contract.key)
    ok = frame[key].notna().all(axis=1) & ~bad
    rows = frame.loc[ok, key]
    dup = rows.duplicated(keep=False)
    if not dup.any():
        return
    label = key[0] if len(key) == 1 else f"({', '.join(key)})"
    first: dict[tuple, int] = {}
    reported: set[tuple] = set()
    for i, values in zip(rows.index[dup], rows[dup].itertuples(index=False, name=None), strict=True):
        line = int(lines[i])
        prev = first.setdefault(values, line)
        if prev == line:
            continue
        shown = ", ".join(map(str, values))
        if values not in reported:
            reported.add(values)
            errors.add(name, prev, label, shown, f"duplicate key {label} = {shown}: also on line {line}")
        errors.add(name, line, label, shown, f"duplicate key {label} = {shown}: also on line {prev}")


def where(line: int | None) -> str:
    return "in the database" if line is None else f"line {line}"


def check_references(
    name: str,
    frame: pd.DataFrame,
    lines,
    column: str,
    ref: str,
    ids: set[str],
    in_import: bool,
    errors: Errors,
) -> None:
    """Every referenced id exists in the database or anywhere in this import, whatever the row order."""
    values = frame[column]
    unknown = values.notna() & ~values.isin(ids)
    if not unknown.any():
        return
    place = f"{ref}.csv nor in the database" if in_import else f"the database (and no {ref}.csv in this import)"
    for i, value in values[unknown].items():
        errors.add(name, int(lines[i]), column, value, f"unknown {NOUNS[ref]} '{value}': not in {place}")


def check_tree(conn: Connection, name: str, frame: pd.DataFrame, lines, errors: Errors) -> None:
    """Across database and import, org units form one tree: exactly one root and no cycle."""
    t = schema.org_units
    parent: dict[str, str | None] = dict(conn.execute(select(t.c.id, t.c.parent_id)).all())
    line_of: dict[str, int] = {}
    for i, unit, par in zip(frame.index, frame["id"], frame["parent_id"], strict=True):
        if isinstance(unit, str):
            parent[unit], line_of[unit] = (par if isinstance(par, str) else None), int(lines[i])
    roots = [u for u, par in parent.items() if par is None]
    if not roots:
        errors.add(name, None, "parent_id", None, "no unit is without a parent_id: exactly one root unit is needed")
    elif len(roots) > 1:
        for u in roots:
            if u in line_of:
                others = ", ".join(f"'{o}' ({where(line_of.get(o))})" for o in roots if o != u)
                errors.add(
                    name,
                    line_of[u],
                    "parent_id",
                    "",
                    f"unit '{u}' has no parent, nor has {others}: exactly one root unit is allowed",
                )
    state: dict[str, bool] = {}  # False while on the current walk, True once known to reach a root or a dead end
    for start in line_of:
        path, u = [], start
        while u is not None and u in parent and u not in state:
            state[u] = False
            path.append(u)
            u = parent[u]
        if u is not None and state.get(u) is False:
            cycle = path[path.index(u) :]
            shown = " → ".join([*cycle, u])
            for x in cycle:
                if x in line_of:
                    errors.add(
                        name, line_of[x], "parent_id", parent[x], f"unit '{x}' is in a cycle of parents: {shown}"
                    )
        for x in path:
            state[x] = True


def check_unique(
    conn: Connection,
    name: str,
    table,
    frame: pd.DataFrame,
    lines,
    column: str,
    errors: Errors,
    norm: Callable[[str], str],
    label: str,
) -> None:
    """A unique column stays unique once the file's rows replace the database rows with the same id."""
    final: dict[str, tuple[str | None, int | None]] = {
        i: (v, None) for i, v in conn.execute(select(table.c.id, table.c[column]).where(table.c[column].is_not(None)))
    }
    for i, ident, v in zip(frame.index, frame["id"], frame[column], strict=True):
        if isinstance(ident, str):
            final[ident] = (v if isinstance(v, str) else None, int(lines[i]))
    owners: dict[str, list[tuple[str, str, int | None]]] = defaultdict(list)
    for ident, (v, line) in final.items():
        if v is not None:
            owners[norm(v)].append((ident, v, line))
    for same in owners.values():
        if len(same) < 2:
            continue
        for ident, v, line in same:
            if line is not None:
                others = ", ".join(f"'{o}' ({where(ol)})" for o, _, ol in same if o != ident)
                errors.add(name, line, column, v, f"{label} '{v}' is also used by {others}")


def check_weight_sets(name: str, frame: pd.DataFrame, lines, errors: Errors) -> None:
    """The rows of one effective_from are exactly the three pillars and sum to 100: weights are saved as a set."""
    on: dict[date, list[tuple[int, str | None, float | None]]] = defaultdict(list)
    for i, pillar, eff, weight in zip(
        frame.index, frame["pillar"], frame["effective_from"], frame["weight"], strict=True
    ):
        if pd.notna(eff):
            on[eff.date()].append(
                (int(lines[i]), pillar if isinstance(pillar, str) else None, None if pd.isna(weight) else float(weight))
            )
    for day, rows in sorted(on.items()):
        pillars = [pl for _, pl, _ in rows]
        weights = [w for _, _, w in rows]
        if None in pillars or None in weights or len(set(pillars)) < len(pillars):
            continue  # an unreadable cell or a duplicate key has its own error; a set check would only add noise
        missing = [pl for pl in schema.PILLARS if pl not in pillars]
        if missing:
            for line, pillar, _ in rows:
                errors.add(
                    name,
                    line,
                    "pillar",
                    pillar,
                    f"the weights from {day} are not a full set: {', '.join(missing)} missing "
                    f"(weights are saved as {', '.join(schema.PILLARS)} together)",
                )
            continue
        total = math.fsum(weights)
        if abs(total - 100) > WEIGHT_SUM_TOLERANCE:
            parts = ", ".join(f"{pl} {cell(w)}" for _, pl, w in sorted(rows, key=lambda r: schema.PILLARS.index(r[1])))
            for line, _, weight in rows:
                errors.add(
                    name,
                    line,
                    "weight",
                    cell(weight),
                    f"the weights from {day} sum to {cell(total)}, not 100 ({parts})",
                )
