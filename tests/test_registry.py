"""The registry matches the KPI table of KPIS.md, and each entry has its SQL and its words."""

from __future__ import annotations

import pytest

from metrics.registry import KPIS, PILLARS, SQL_DIR

# id: (pillar, default target), copied from the table in KPIS.md.
CONTRACT = {
    "adoption_rate": ("people", 80),
    "training_coverage": ("people", 90),
    "new_hire_onboarding": ("people", 90),
    "pulse_score": ("people", 4.0),
    "recognition_rate": ("people", 5),
    "report_usage_in_meetings": ("process", 80),
    "meeting_cadence": ("process", 90),
    "communication_cadence": ("process", 4),
    "coaching_with_crm": ("process", 75),
    "sponsor_engagement": ("process", 100),
    "engaged_users": ("technology", 60),
    "data_quality": ("technology", 85),
    "issue_resolution": ("technology", 90),
}


def test_registry_holds_exactly_the_contract_kpis_in_order() -> None:
    assert {k.id: (k.pillar, k.default_target) for k in KPIS} == CONTRACT
    assert [k.id for k in KPIS] == list(CONTRACT)
    assert {p.id: p.default_weight for p in PILLARS} == {"people": 50, "process": 30, "technology": 20}


@pytest.mark.parametrize("kpi", KPIS, ids=lambda k: k.id)
def test_every_kpi_has_its_sql_and_a_definition(kpi) -> None:
    sql = (SQL_DIR / f"{kpi.id}.sql").read_text()
    assert sql.startswith("-- ")
    assert "numerator" in sql and "denominator" in sql and "respondents" in sql
    assert len(kpi.definition) > 40 and kpi.title and kpi.numerator_label and kpi.denominator_label
    assert kpi.min_target <= kpi.default_target <= (kpi.max_target if kpi.max_target is not None else float("inf"))


def test_no_sql_file_without_a_registry_entry() -> None:
    files = {p.stem for p in SQL_DIR.glob("*.sql") if not p.stem.startswith("_")}
    assert files == set(CONTRACT)
