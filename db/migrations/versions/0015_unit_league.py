"""unit_league: each unit's league of teams, ranked by the refresh

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 07:40:00

A pillar page's league ranked every team under the unit on every view: on `large`, 1,000 teams at
company level (3.9 ms against 0.9 on `small`), so its cost grew with the organisation. The refresh
now ranks them once per unit with two teams or more, grain, period and pillar, and keeps the top
and bottom five with their rank, how many were ranked, the previous period's score and the basis
they were scored with (a page whose basis differs ranks live, as before). Visible to viewers who
see the unit: its teams are theirs too. The next refresh is a full one, so that every period has
its leagues (until then pages rank live).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unit_league",
        sa.Column("org_unit_id", sa.String(), nullable=False),
        sa.Column("grain", sa.String(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("pillar", sa.String(), nullable=False),
        sa.Column("pos", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("previous", sa.Float(), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("ranked", sa.Integer(), nullable=False),
        sa.Column("basis", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint(
            "org_unit_id", "grain", "period_start", "pillar", "pos", name=op.f("pk_unit_league")
        ),
    )
    op.execute("ALTER TABLE unit_league ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE unit_league FORCE ROW LEVEL SECURITY")
    # The owner refreshes: it sees and writes every row.
    op.execute("CREATE POLICY maintenance ON unit_league TO CURRENT_USER USING (true) WITH CHECK (true)")
    op.execute("GRANT SELECT ON unit_league TO flywheel_app")
    op.execute("""
        CREATE POLICY viewer ON unit_league FOR SELECT TO flywheel_app USING (
            (SELECT viewer_sees_company()) OR org_unit_id IN (SELECT viewer_units())
        )
    """)
    op.execute("UPDATE refresh_pending SET dirty_all = true, changed_at = now() WHERE id = 1")


def downgrade() -> None:
    op.drop_table("unit_league")
