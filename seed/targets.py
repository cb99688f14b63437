"""Target overrides and pillar weights, as a program lead would have set them over the year."""

from __future__ import annotations

from datetime import timedelta

from seed.dates import add_months
from seed.model import Org

# The default mix of KPIS.md: People 50 %, Process 30 %, Technology 20 %.
WEIGHTS = (("people", 50.0), ("process", 30.0), ("technology", 20.0))


def targets(org: Org) -> list[tuple]:
    """A few unit-level targets: set, reviewed and one cleared again, for units in this profile."""
    start, lost, (wave_start, wave_end) = org.start, org.sponsor_lost_on, org.wave
    rows = [
        (
            "training_coverage",
            "customer-service",
            start,
            95.0,
            add_months(start, 6),
            "Case handling is audited: every agent must be certified",
        ),
        (
            "adoption_rate",
            "marketing",
            start,
            70.0,
            add_months(start, 6),
            "Marketing works mostly in the automation tool; interim target for the first half-year",
        ),
        (
            "adoption_rate",
            "marketing",
            add_months(start, 6),
            75.0,
            add_months(start, 12),
            "Half-year review: raised as campaign work moves into the CRM",
        ),
        (
            "new_hire_onboarding",
            "sales-north",
            wave_start,
            75.0,
            wave_end + timedelta(days=60),
            "Rollout wave: trainers are stretched, 75% within 30 days is realistic",
        ),
        (
            "new_hire_onboarding",
            "sales-north",
            add_months(wave_end, 3),
            None,
            None,
            "Wave onboarded; back to the company target",
        ),
        (
            "adoption_rate",
            org.lost_division,
            add_months(lost, 1),
            70.0,
            add_months(lost, 4),
            "Interim target until a new executive sponsor is named",
        ),
        (
            "recognition_rate",
            org.company,
            add_months(start, 3),
            6.0,
            add_months(start, 12),
            "Recognition budget doubled after the first quarter",
        ),
    ]
    return [row for row in rows if row[1] in org.names]


def pillar_weights(org: Org) -> list[tuple]:
    """The default weights, in force from the window's start."""
    return [(pillar, org.start, weight) for pillar, weight in WEIGHTS]
