"""snapshot_pillars: the People, Process and Technology pages frozen with a snapshot

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-09 12:00:00

One row per snapshot, unit and pillar: the pillar page's model as JSON (cards with their targets
and where they come from, trend with the target in force in each period, breakdown by child unit,
league, the pillar's own views), for the snapshot's unit and its child units, so that drilling one
level down stays inside the snapshot. Never the people of a team (a snapshot is open to everyone
who may see its unit). Never changed nor deleted (refuse_history_change), visible with the
snapshot it belongs to, like snapshot_scores (0009). Snapshots made before this table have no rows.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from db.ddl import execute as ddl

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "snapshot_pillars",
        sa.Column("snapshot_id", sa.BigInteger(), nullable=False),
        sa.Column("org_unit_id", sa.String(), nullable=False),
        sa.Column("pillar", sa.String(), nullable=False),
        sa.Column("view", postgresql.JSONB(), nullable=False),
        sa.ForeignKeyConstraint(
            ["snapshot_id"], ["snapshots.id"], name=op.f("fk_snapshot_pillars_snapshot_id_snapshots")
        ),
        sa.PrimaryKeyConstraint("snapshot_id", "org_unit_id", "pillar", name=op.f("pk_snapshot_pillars")),
    )
    ddl(
        "CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION refuse_history_change()",
        trigger="snapshot_pillars_append_only",
        table="snapshot_pillars",
    )
    op.execute("ALTER TABLE snapshot_pillars ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE snapshot_pillars FORCE ROW LEVEL SECURITY")
    # The owner migrates and writes snapshots for the CLI: it sees and writes every row.
    op.execute("CREATE POLICY maintenance ON snapshot_pillars TO CURRENT_USER USING (true) WITH CHECK (true)")
    op.execute("GRANT SELECT, INSERT ON snapshot_pillars TO flywheel_app")
    op.execute("""
        CREATE POLICY viewer ON snapshot_pillars TO flywheel_app
        USING (snapshot_id IN (SELECT id FROM snapshots)) WITH CHECK (snapshot_id IN (SELECT id FROM snapshots))
    """)


def downgrade() -> None:
    op.drop_table("snapshot_pillars")
