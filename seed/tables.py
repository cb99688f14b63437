"""The canonical tables of DATA_CONTRACT.md and the generated dataset that fills them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

# Canonical columns per table, in load order (parents before children).
COLUMNS: dict[str, tuple[str, ...]] = {
    "org_units": ("id", "name", "parent_id", "kind"),
    "people": (
        "id",
        "name",
        "email",
        "org_unit_id",
        "role",
        "manager_id",
        "license_start",
        "license_end",
        "is_integration",
        "crm_user_id",
    ),
    "courses": ("id", "name", "kind", "required_for", "external_id"),
    "crm_activity": ("person_id", "date", "logins", "records_created", "records_updated", "reports_viewed"),
    "training_completions": ("person_id", "course_id", "completed_on", "score"),
    "meetings": (
        "id",
        "org_unit_id",
        "kind",
        "scheduled_on",
        "status",
        "crm_report_used",
        "sponsor_present",
        "person_id",
        "title",
    ),
    "communications": ("id", "audience_org_unit_id", "channel", "sent_on", "status", "recipients", "opens", "title"),
    "recognitions": ("id", "person_id", "date", "kind", "note"),
    "pulse_responses": ("person_id", "date", "awareness", "desire", "knowledge", "ability", "reinforcement", "comment"),
    "data_quality": ("org_unit_id", "measured_on", "records_checked", "records_complete"),
    "feedback": ("id", "person_id", "kind", "raised_on", "resolved_on", "summary"),
    "targets": ("kpi_id", "org_unit_id", "effective_from", "value", "review_on", "reason"),
    "pillar_weights": ("pillar", "effective_from", "weight"),
}
TABLES = tuple(COLUMNS)


@dataclass(frozen=True)
class Dataset:
    """Rows per canonical table, as tuples in COLUMNS order.

    Every table is a list except `crm_activity`, a re-iterable stream that regenerates its rows
    (identically) on each pass, so that the large profile never holds them all in memory.
    """

    profile: str
    seed: int
    tables: Mapping[str, Iterable[tuple]]
    story: Mapping[str, Any] = field(default_factory=dict)  # the hidden truths behind the data

    def rows(self, table: str) -> Iterator[tuple]:
        """The rows of `table`."""
        return iter(self.tables[table])

    def counts(self) -> dict[str, int]:
        """Rows per table (streams are counted by generating them)."""
        return {name: sum(1 for _ in rows) for name, rows in self.tables.items()}
