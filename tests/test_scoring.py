"""Status and KPI score decisions on exact numbers, whatever binary noise a computed value carries."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import insert

from db import schema
from metrics.scope import Scope
from metrics.scoring import kpi_rows, score_rows


# (value, target, status, score); score s = 100 * clamp((value / target - 0.5) / 0.5, 0, 1).
@pytest.mark.parametrize(
    ("value", "target", "status", "score"),
    [
        (71.99999999999999, 80, "amber", 80.0),  # 72/80 = 0.9 exactly, computed with a last-bit error -> 80
        (79.99999999999999, 80, "green", 100.0),  # equals its target -> 100
        (71.99, 80, "red", 100 * (71.99 / 80 - 0.5) / 0.5),  # 0.899875 -> 79.975, under the amber line's 80
        (0.1 + 0.2, 0.3, "green", 100.0),  # 0.30000000000000004 vs 0.3
        (0.0, 0.0, "green", 100.0),  # target 0 -> 100
        (70.0, 80, "red", 75.0),  # KPIS.md worked example: 0.875 -> (0.875 - 0.5) / 0.5 = 0.75
        (40.0, 80, "red", 0.0),  # exactly half its target -> 0
        (20.0, 80, "red", 0.0),  # a quarter: clamped to 0, never negative
        (100.0, 80, "green", 100.0),  # above target: clamped to 100 (not 125)
        (5.0, 0.0, "green", 100.0),  # target 0, value above it -> 100
        (None, 80, "no_data", None),  # no data -> no score
    ],
)
def test_status_and_score_are_decided_as_with_exact_numbers(
    conn, value: float | None, target: float, status: str, score: float | None
) -> None:
    conn.execute(insert(schema.org_units).values(id="u", name="U", kind="team"))
    conn.execute(
        insert(schema.targets).values(
            kpi_id="adoption_rate", org_unit_id="u", effective_from=date(2026, 1, 1), value=target
        )
    )
    conn.execute(
        insert(schema.kpi_values).values(
            kpi_id="adoption_rate",
            org_unit_id="u",
            grain="month",
            period_start=date(2026, 3, 1),
            period_end=date(2026, 3, 31),
            numerator=0 if value is None else 1,
            denominator=0 if value is None else 1,
            value=value,
            partial=False,
        )
    )
    (row,) = kpi_rows(conn, Scope(("u",)))
    assert row.status == status
    if value is None:
        assert (row.attainment, row.score) == (None, None)
        return
    assert row.attainment == pytest.approx(1.0 if target == 0 else min(value / target, 1.0), rel=1e-12)
    assert row.score == pytest.approx(score, rel=1e-9, abs=1e-9)
    assert 0.0 <= row.score <= 100.0


def _kpi_value(kpi: str, num: float, den: float, value: float | None) -> dict:
    return dict(
        kpi_id=kpi,
        org_unit_id="u",
        grain="month",
        period_start=date(2026, 3, 1),
        period_end=date(2026, 3, 31),
        numerator=num,
        denominator=den,
        value=value,
        partial=False,
    )


def test_pillars_without_a_score_are_left_out_of_the_index(conn) -> None:
    """Index = sum w_p * score_p / sum w_p over pillars with a score; a KPI without data scores nothing.

    After a refresh every unit with licensed users has data in all three pillars (adoption_rate,
    communication_cadence and engaged_users all divide by |L(U,P)|), so stored rows are written here.
    """
    conn.execute(insert(schema.org_units).values(id="u", name="U", kind="team"))
    conn.execute(
        insert(schema.people),
        [
            dict(id=p, name=p, org_unit_id="u", role="rep", license_start=date(2025, 1, 1), is_integration=False)
            for p in ("a", "b")
        ],
    )
    conn.execute(
        insert(schema.kpi_values),
        [
            _kpi_value("adoption_rate", 1, 2, 50.0),  # 50 / 80 = 0.625 -> s 25
            _kpi_value("training_coverage", 2, 2, 100.0),  # 100 / 90 -> s 100
            _kpi_value("pulse_score", 9.0, 3, None),  # suppressed: no score
            _kpi_value("meeting_cadence", 0, 0, None),  # process: no KPI with data
            _kpi_value("coaching_with_crm", 0, 0, None),
        ],
    )
    scored = {r.kpi_id: r for r in kpi_rows(conn, Scope(("u",)))}
    assert (scored["pulse_score"].score, scored["meeting_cadence"].score) == (None, None)
    assert (scored["pulse_score"].attainment, scored["meeting_cadence"].attainment) == (None, None)
    (row,) = score_rows(conn, Scope(("u",)))
    # people = (25 + 100) / 2 = 62.5 (pulse left out); process None; technology None (no rows);
    # index = 50 * 62.5 / 50 = 62.5 (weights renormalised over the one pillar with a score).
    assert row.licensed == 2
    assert row.people == pytest.approx(62.5)
    assert (row.process, row.technology) == (None, None)
    assert row.index == pytest.approx(62.5)
