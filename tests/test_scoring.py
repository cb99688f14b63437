"""Status decisions on exact numbers, whatever binary noise a computed value carries."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import insert

from db import schema
from metrics.scope import Scope
from metrics.scoring import kpi_rows


@pytest.mark.parametrize(
    ("value", "target", "status"),
    [
        (71.99999999999999, 80, "amber"),  # 72/80 = 0.9 exactly, computed with a last-bit error
        (79.99999999999999, 80, "green"),  # equals its target
        (71.99, 80, "red"),
        (0.1 + 0.2, 0.3, "green"),  # 0.30000000000000004 vs 0.3
        (0.0, 0.0, "green"),
    ],
)
def test_status_is_decided_as_with_exact_numbers(conn, value: float, target: float, status: str) -> None:
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
            numerator=1,
            denominator=1,
            value=value,
            partial=False,
        )
    )
    (row,) = kpi_rows(conn, Scope(("u",)))
    assert row.status == status
    assert row.attainment == pytest.approx(1.0 if target == 0 else min(value / target, 1.0), rel=1e-12)
