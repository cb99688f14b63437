"""A whole-company viewer's row check in one step on the aggregate tables

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 19:00:00

The viewer policies of kpi_values and the unit aggregates admit a row when its unit is in the
viewer's list of units, and that list is built on every query: for a viewer who sees the whole
company (sponsors, leads, administrators), every unit of the tree, 1,055 on `large`, for each card
of a page. viewer_sees_company() answers once per query whether the viewer's roots hold every root
of the tree; when they do the list is never built. The rows admitted are the same.
"""

from __future__ import annotations

from alembic import op

from db.ddl import execute as ddl
from db.ddl import fragment

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# (SELECT viewer_sees_company()) is evaluated once per query; the unit list after OR is built only
# when it is false. OLD: the conditions of migrations 0003 and 0011, for the downgrade.
NEW = {
    "kpi_values": """((SELECT viewer_sees_company()) OR org_unit_id IN (SELECT viewer_units_and_ancestors()))
        AND NOT (value IS NULL AND denominator > 0 AND kpi_id IN (SELECT id FROM kpis WHERE min_respondents > 0))""",
    "unit_scores": "(SELECT viewer_sees_company()) OR org_unit_id IN (SELECT viewer_units_and_ancestors())",
    "unit_periods": "viewer_sees_people() AND ((SELECT viewer_sees_company()) OR org_unit_id IN (SELECT viewer_units()))",
    "unit_meeting_days": """((SELECT viewer_sees_company()) OR org_unit_id IN (SELECT viewer_units()))
        AND (NOT personal OR viewer_sees_people())""",
    "unit_coaching": """((SELECT viewer_sees_company()) OR org_unit_id IN (SELECT viewer_units()))
        AND (NOT personal OR viewer_sees_people())""",
}
OLD = {
    "kpi_values": """org_unit_id IN (SELECT viewer_units_and_ancestors())
        AND NOT (value IS NULL AND denominator > 0 AND kpi_id IN (SELECT id FROM kpis WHERE min_respondents > 0))""",
    "unit_scores": "org_unit_id IN (SELECT viewer_units_and_ancestors())",
    "unit_periods": "viewer_sees_people() AND org_unit_id IN (SELECT viewer_units())",
    "unit_meeting_days": "org_unit_id IN (SELECT viewer_units()) AND (NOT personal OR viewer_sees_people())",
    "unit_coaching": "org_unit_id IN (SELECT viewer_units()) AND (NOT personal OR viewer_sees_people())",
}


def _policies(using: dict[str, str]) -> None:
    for table, condition in using.items():
        ddl("DROP POLICY viewer ON {table}", table=table)
        ddl(
            "CREATE POLICY viewer ON {table} FOR SELECT TO flywheel_app USING ({condition})",
            table=table,
            condition=fragment(condition),
        )


def upgrade() -> None:
    op.execute("""
        CREATE FUNCTION viewer_sees_company() RETURNS boolean LANGUAGE sql STABLE AS $$
            SELECT EXISTS (SELECT 1 FROM org_units WHERE parent_id IS NULL)
               AND NOT EXISTS (SELECT 1 FROM org_units WHERE parent_id IS NULL AND id <> ALL (viewer_roots()))
        $$
    """)
    _policies(NEW)


def downgrade() -> None:
    _policies(OLD)
    op.execute("DROP FUNCTION viewer_sees_company()")
