"""What kept a pillar page's cost growing with the organisation: coaching ranked per view, the
company shortcut missing on meetings and people, and org_units without an index on parent_id

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 08:00:00

- unit_coaching_lowest: the Process page lists the teams with the lowest share of coaching on CRM
  data; it summed and ranked every team of the subtree on each view (989 teams, 4 ms at company
  level on `large` against 1 on `small`). The refresh keeps each unit's twenty lowest (units with
  children; a team reads its own rows), twice: with the sessions that name a person (for viewers
  allowed person-level rows) and without.
- meetings and people: the whole-company shortcut of 0014 (viewer_sees_company()) before the unit
  list, which was built on every query (1,055 units on `large`). The rows admitted are the same.
- org_units(parent_id): a unit's children by index, not by a scan of every unit.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

MEETINGS = "org_unit_id IN (SELECT viewer_units()) AND (person_id IS NULL OR person_id IN (SELECT id FROM people))"
PEOPLE = "id = viewer_person() OR (viewer_sees_people() AND org_unit_id IN (SELECT viewer_units()))"
MEETINGS_NEW = """((SELECT viewer_sees_company()) OR org_unit_id IN (SELECT viewer_units()))
    AND (person_id IS NULL OR person_id IN (SELECT id FROM people))"""
PEOPLE_NEW = """id = viewer_person()
    OR (viewer_sees_people() AND ((SELECT viewer_sees_company()) OR org_unit_id IN (SELECT viewer_units())))"""


def _policies(meetings: str, people: str) -> None:
    # Constant conditions of this file, never data.
    op.execute("DROP POLICY viewer ON meetings")
    op.execute("CREATE POLICY viewer ON meetings FOR SELECT TO flywheel_app USING (" + meetings + ")")
    op.execute("DROP POLICY viewer ON people")
    op.execute("CREATE POLICY viewer ON people FOR SELECT TO flywheel_app USING (" + people + ")")


def upgrade() -> None:
    op.create_table(
        "unit_coaching_lowest",
        sa.Column("org_unit_id", sa.String(), nullable=False),
        sa.Column("grain", sa.String(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("people", sa.Boolean(), nullable=False),
        sa.Column("pos", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(), nullable=False),
        sa.Column("sessions", sa.BigInteger(), nullable=False),
        sa.Column("with_crm", sa.BigInteger(), nullable=False),
        sa.Column("teams", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "org_unit_id", "grain", "period_start", "people", "pos", name=op.f("pk_unit_coaching_lowest")
        ),
    )
    op.execute("ALTER TABLE unit_coaching_lowest ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE unit_coaching_lowest FORCE ROW LEVEL SECURITY")
    # The owner refreshes: it sees and writes every row.
    op.execute("CREATE POLICY maintenance ON unit_coaching_lowest TO CURRENT_USER USING (true) WITH CHECK (true)")
    op.execute("GRANT SELECT ON unit_coaching_lowest TO flywheel_app")
    op.execute("""
        CREATE POLICY viewer ON unit_coaching_lowest FOR SELECT TO flywheel_app USING (
            ((SELECT viewer_sees_company()) OR org_unit_id IN (SELECT viewer_units()))
            AND (NOT people OR viewer_sees_people())
        )
    """)
    _policies(MEETINGS_NEW, PEOPLE_NEW)
    op.create_index("ix_org_units_parent_id", "org_units", ["parent_id"])
    # The next refresh is a full one, so that every period has its lists (until then pages sum live).
    op.execute("UPDATE refresh_pending SET dirty_all = true, changed_at = now() WHERE id = 1")


def downgrade() -> None:
    op.drop_index("ix_org_units_parent_id", "org_units")
    _policies(MEETINGS, PEOPLE)
    op.drop_table("unit_coaching_lowest")
