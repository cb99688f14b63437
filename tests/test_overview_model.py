"""The Overview model on the seeded `small` organisation: decompositions that must add up."""

from __future__ import annotations

import pytest

import seed
from metrics.overview import overview
from metrics.periods import periods
from metrics.refresh import refresh
from metrics.scope import Scope, company_scope
from metrics.scoring import score_rows


@pytest.fixture
def small(conn):
    seed.load(conn, "small")
    refresh(conn)
    return conn


def test_why_it_moved_adds_up_to_the_index_change(small) -> None:
    scope = company_scope(small)
    months = periods(small, "month")
    checked = 0
    for unit in [scope.roots[0], "sales-south"]:
        scores = {r.period_start: r.index for r in score_rows(small, scope, unit=unit, grain="month")}
        for p in months[1:]:
            model = overview(small, scope, unit, "month", p.start)
            before = scores[model.previous.start]
            if scores[p.start] is None or before is None:
                continue
            assert model.movement.delta == pytest.approx(scores[p.start] - before, abs=1e-9)
            assert sum(model.movement.pillars.values()) == pytest.approx(model.movement.delta, abs=1e-9)
            assert sum(model.movement.kpis.values()) == pytest.approx(model.movement.delta, abs=1e-9)
            checked += 1
    assert checked >= 20


def test_needs_attention_lists_only_red_kpis_worst_first_with_red_or_amber_children(small) -> None:
    scope = company_scope(small)
    last = [p for p in periods(small, "month") if not p.partial][-1]
    model = overview(small, scope, scope.roots[0], "month", last.start)
    reds = model.scorecard[model.scorecard["status"] == "red"]
    assert [a["kpi_id"] for a in model.attention] == list(reds.sort_values("attainment")["kpi_id"])
    for item in model.attention:
        values = [c["value"] for c in item["children"]]
        assert values == sorted(values) and len(values) <= 3
        assert all(c["status"] in ("red", "amber") for c in item["children"])


def test_a_unit_outside_the_scope_gets_no_overview(small) -> None:
    last = periods(small, "month")[-1]
    assert overview(small, Scope(("sales-north",)), "sales-south", "month", last.start) is None


def test_periods_listed_for_the_filters_are_exactly_those_computed(small) -> None:
    for grain in ("week", "month", "quarter"):
        computed = small.exec_driver_sql(
            "SELECT DISTINCT period_start, period_end, partial FROM kpi_values WHERE grain = %s ORDER BY 1", (grain,)
        ).all()
        assert [(p.start, p.end, p.partial) for p in periods(small, grain)] == [tuple(r) for r in computed]
