"""The implementation's `flywheel kpis` and `flywheel scores` rows equal the independent oracle's.

Seeds the `small` profile into a fresh database, refreshes everything, and compares every
KPI x unit x grain x period row (and every score row) with tests/oracle.py, which implements
KPIS.md from the raw tables with pandas. Numbers agree within a relative tolerance of 1e-6.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date

import pytest
from sqlalchemy import create_engine, text

import seed
from metrics.refresh import refresh
from metrics.scope import company_scope
from metrics.scoring import kpi_rows, score_rows
from tests import oracle

KPI_NUMBERS = ("numerator", "denominator", "value", "target")
KPI_EXACT = ("status", "partial")
SCORE_NUMBERS = ("people", "process", "technology", "index")
SCORE_EXACT = ("partial",)
REL_TOL = 1e-6
ABS_TOL = 1e-9  # only so that 0 and a rounding residue such as 1e-14 compare equal
SHOWN = 20


def _day(value: object) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _number(value: object) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def _index(records, key_columns, columns) -> dict[tuple, dict]:
    out = {}
    for r in records:
        key = tuple(_day(r[c]) if c == "period_start" else r[c] for c in key_columns)
        assert key not in out, f"duplicate row {key}"
        out[key] = {c: r[c] for c in columns}
    return out


def _compare(name, got, want, numbers, exact, group_by) -> list[str]:
    """Differences between implementation rows `got` and oracle rows `want`, as readable lines."""
    problems: dict[str, list[str]] = defaultdict(list)
    for key in sorted(want.keys() - got.keys()):
        problems[group_by(key)].append(f"missing from implementation: {key}")
    for key in sorted(got.keys() - want.keys()):
        problems[group_by(key)].append(f"extra in implementation: {key}")
    for key in sorted(want.keys() & got.keys()):
        g, w = got[key], want[key]
        bad = [c for c in numbers if not _same(_number(g[c]), _number(w[c]))]
        bad += [c for c in exact if g[c] != w[c]]
        if bad:
            detail = ", ".join(f"{c}: impl={g[c]!r} oracle={w[c]!r}" for c in bad)
            problems[group_by(key)].append(f"{key}: {detail}")
    lines, shown = [], 0
    total = sum(len(v) for v in problems.values())
    if total:
        lines.append(f"{name}: {total} mismatching rows of {len(want)} (oracle) / {len(got)} (implementation)")
        lines += [f"  {group}: {len(v)}" for group, v in sorted(problems.items())]
        for group, items in sorted(problems.items()):
            for item in items[: max(1, SHOWN - shown)]:
                if shown >= SHOWN:
                    break
                lines.append(f"  [{group}] {item}")
                shown += 1
    return lines


PCT_KPIS = tuple(k for k, (_, _, kind) in oracle.CATALOGUE.items() if kind == "pct")


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _edit(conn) -> None:
    """Writes the seed never makes, each aimed at one rule of KPIS.md the seed leaves untested."""
    # Roles and required_for are trimmed and compared case-insensitively.
    conn.execute(text("UPDATE people SET role = ' REP ' WHERE id = 'E100006'"))
    conn.execute(text("UPDATE people SET role = 'Manager ' WHERE id = 'E100005'"))
    conn.execute(
        text(
            "INSERT INTO courses (id, name, kind, required_for) "
            "VALUES ('compliance', 'Compliance', 'remedial', ' Sales_Engineer ; MANAGER ')"
        )
    )
    conn.execute(
        text(
            "INSERT INTO training_completions (person_id, course_id, completed_on) "
            "SELECT id, 'compliance', DATE '2026-04-15' FROM people WHERE role IN ('manager', 'Manager ')"
        )
    )
    kpis, _ = oracle.compute(conn)
    months = kpis.loc[(kpis["grain"] == "month") & kpis["kpi_id"].isin(PCT_KPIS) & (kpis["numerator"] > 0)]
    months = months.loc[~months["org_unit_id"].isin(["acme", "sales-south"])]
    num, den = months["numerator"].astype(int), months["denominator"].astype(int)
    # value / target exactly 0.9 (amber) and value = target (green), for one month only: a target
    # set on the month's first day and cleared on the next month's (the unit inherits again).
    amber = months.loc[((1000 * num) % (9 * den) == 0) & (100 * num <= 90 * den)].iloc[0]
    months = months.loc[months["kpi_id"] != amber["kpi_id"]]
    green = months.loc[((100 * num) % den == 0)].iloc[0]
    rows = [
        (
            amber["kpi_id"],
            amber["org_unit_id"],
            amber["period_start"],
            1000 * amber["numerator"] / (9 * amber["denominator"]),
        ),
        (amber["kpi_id"], amber["org_unit_id"], _next_month(amber["period_start"]), None),
        (green["kpi_id"], green["org_unit_id"], green["period_start"], 100 * green["numerator"] / green["denominator"]),
        (green["kpi_id"], green["org_unit_id"], _next_month(green["period_start"]), None),
        # A correction: same key and effective_from, recorded later, wins.
        ("adoption_rate", "acme", date(2025, 11, 1), 85.0),
        ("adoption_rate", "acme", date(2025, 11, 1), 82.0),
        ("adoption_rate", "sales-south", date(2026, 6, 1), 65.0),  # corrects the seed's 70
        # Back-dated, then cleared: the team inherits its division's target from then on.
        ("engaged_users", "enterprise-oslo", date(2020, 1, 1), 50.0),
        ("engaged_users", "sales-north", date(2026, 5, 1), 55.0),
        ("engaged_users", "enterprise-oslo", date(2026, 4, 1), None),
        ("recognition_rate", "mid-market-lyon", date(2026, 1, 1), 0.0),  # a target of 0 is always met
        ("pulse_score", "sales-north", date(2026, 2, 11), 3.5),  # mid-month: weeks and months differ
        ("meeting_cadence", "acme", date(2027, 1, 1), 50.0),  # after the window: never in force
    ]
    conn.execute(
        text("INSERT INTO targets (kpi_id, org_unit_id, effective_from, value) VALUES (:k, :u, :d, :v)"),
        [dict(k=k, u=u, d=d, v=v) for k, u, d, v in rows],
    )
    weights = [
        (date(2026, 3, 1), (60.0, 25.0, 15.0)),
        (date(2026, 3, 1), (40.0, 40.0, 20.0)),  # the same day again, recorded later: wins
        (date(2026, 9, 16), (34.0, 33.0, 33.0)),  # mid-month, on a Wednesday
    ]
    conn.execute(
        text("INSERT INTO pillar_weights (pillar, effective_from, weight) VALUES (:p, :d, :w)"),
        [dict(p=p, d=d, w=w) for d, ws in weights for p, w in zip(oracle.PILLARS, ws, strict=True)],
    )


@pytest.fixture(params=["seed", "edited"])
def seeded(request, fresh_database):
    """The `small` profile, refreshed; `edited` adds target, weight, role and course edits."""
    engine = create_engine(fresh_database())
    with engine.begin() as conn:
        seed.load(conn, "small")
    if request.param == "edited":
        with engine.begin() as conn:
            _edit(conn)
    with engine.begin() as conn:
        refresh(conn, full=True)
    yield engine, request.param
    engine.dispose()


def test_kpis_and_scores_match_the_oracle(seeded):
    engine, scenario = seeded
    with engine.connect() as conn:
        scope = company_scope(conn)
        impl_kpis = [r._mapping for r in kpi_rows(conn, scope)]
        impl_scores = [r._mapping for r in score_rows(conn, scope)]
        want_kpis, want_scores = oracle.compute(conn)

    kpi_keys = ("kpi_id", "org_unit_id", "grain", "period_start")
    score_keys = ("org_unit_id", "grain", "period_start")
    columns = KPI_NUMBERS + KPI_EXACT
    got = _index(impl_kpis, kpi_keys, columns)
    want = _index(want_kpis.to_dict("records"), kpi_keys, columns)
    assert want, "the oracle found no rows: is the seed loaded?"
    if scenario == "edited":  # the edits reached the lines they aim at
        lines = [(r["value"] * 10 == r["target"] * 9, r["value"] == r["target"] > 0) for r in want.values()]
        assert any(a for a, _ in lines) and any(g for _, g in lines), "no row exactly on the amber or green line"
    report = _compare("kpis", got, want, KPI_NUMBERS, KPI_EXACT, group_by=lambda k: k[0])

    columns = SCORE_NUMBERS + SCORE_EXACT
    got = _index(impl_scores, score_keys, columns)
    want = _index(want_scores.to_dict("records"), score_keys, columns)
    report += _compare("scores", got, want, SCORE_NUMBERS, SCORE_EXACT, group_by=lambda k: k[1])

    if report:
        pytest.fail("\n".join(report), pytrace=False)
