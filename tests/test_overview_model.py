"""The Overview model on the seeded `small` organisation: decompositions that must add up."""

from __future__ import annotations

import pytest

import seed
from metrics.overview import band, overview
from metrics.periods import periods
from metrics.refresh import refresh
from metrics.registry import BY_ID, PILLARS
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
    checked = with_data_changes = without_data_changes = 0
    for unit in [scope.roots[0], "sales-south"]:
        scores = {r.period_start: r.index for r in score_rows(small, scope, unit=unit, grain="month")}
        for p in months[1:]:
            model = overview(small, scope, unit, "month", p.start)
            before = scores[model.previous.start]
            if scores[p.start] is None or before is None:
                continue
            m = model.movement
            assert m.delta == pytest.approx(scores[p.start] - before, abs=1e-9)
            assert sum(m.pillars.values()) == pytest.approx(m.delta, abs=1e-9)
            assert sum(m.kpis.values()) == pytest.approx(m.delta, abs=1e-9)
            # As shown: the KPIs that moved plus what data changes (and weights) added, per pillar.
            for pillar in PILLARS:
                moved = sum(v for k, v in m.moved.items() if BY_ID[k].pillar == pillar.id)
                assert moved + m.rest[pillar.id] == pytest.approx(m.pillars[pillar.id], abs=1e-9)
            if not m.data_changed and _same_weights(small, model):
                # No KPI gained or lost data and the weights stayed: the KPIs' moves are all of it.
                assert all(r == pytest.approx(0.0, abs=1e-9) for r in m.rest.values())
                without_data_changes += 1
            assert not set(m.moved) & set(m.data_changed)
            with_data_changes += bool(m.data_changed)
            checked += 1
    assert checked >= 20
    assert with_data_changes >= 1 and without_data_changes >= 1


def _same_weights(conn, model) -> bool:
    from metrics.overview import _weights

    w = _weights(conn, [model.period.end, model.previous.end])
    return w[model.period.end] == w[model.previous.end]


def test_a_kpi_that_gains_or_loses_data_is_named_apart_from_those_that_moved(small) -> None:
    scope = company_scope(small)
    for p in periods(small, "month")[1:]:
        model = overview(small, scope, scope.roots[0], "month", p.start)
        card = model.scorecard.set_index("kpi_id")
        for k, how in model.movement.data_changed.items():
            has_now = card.loc[k, "value"] is not None and card.loc[k, "value"] == card.loc[k, "value"]
            assert has_now == (how == "gained")
            assert model.movement.kpi_deltas[k] is None
        for k in model.movement.moved:
            assert model.movement.kpi_deltas[k] is not None


def test_needs_attention_lists_only_red_kpis_worst_first_with_ties_kept_whole(small) -> None:
    scope = company_scope(small)
    last = [p for p in periods(small, "month") if not p.partial][-1]
    for unit in (scope.roots[0], "sales-north"):
        model = overview(small, scope, unit, "month", last.start)
        reds = model.scorecard[model.scorecard["status"] == "red"]
        assert [a["kpi_id"] for a in model.attention] == list(reds.sort_values("attainment", kind="stable")["kpi_id"])
        for item in model.attention:
            groups = item["children"]
            values = [g["value"] for g in groups]
            assert values == sorted(values)
            assert len({round(v, 9) for v in values}) == len(values)  # one group per value
            assert sum(len(g["units"]) for g in groups[:-1]) < 3 if groups else True
            assert all(g["status"] in ("red", "amber") for g in groups)


def test_status_band_is_green_only_when_every_kpi_with_data_is_on_target() -> None:
    assert band(["green", "green", "no_data"]) == "green"
    assert band(["green", "amber", "no_data"]) == "amber"
    assert band(["green", "amber", "red"]) == "red"
    assert band(["no_data", "no_data"]) == "no_data"


def test_a_unit_outside_the_scope_gets_no_overview(small) -> None:
    last = periods(small, "month")[-1]
    assert overview(small, Scope(("sales-north",)), "sales-south", "month", last.start) is None


def test_periods_listed_for_the_filters_are_exactly_those_computed(small) -> None:
    for grain in ("week", "month", "quarter"):
        computed = small.exec_driver_sql(
            "SELECT DISTINCT period_start, period_end, partial FROM kpi_values WHERE grain = %s ORDER BY 1", (grain,)
        ).all()
        assert [(p.start, p.end, p.partial) for p in periods(small, grain)] == [tuple(r) for r in computed]
