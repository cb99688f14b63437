"""meeting mode: frozen snapshots, owned actions with a kept history, meetings logged in the app

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 12:00:00

- snapshots / snapshot_kpis / snapshot_scores: an as-of copy of what the Overview shows for a unit
  and period. Never changed nor deleted (0002's refuse_history_change), so later data, target or
  weight changes cannot alter what a meeting saw. Aggregates only; a viewer sees the snapshots of
  the units in its scope, and a suppressed pulse keeps its base hidden (as in kpi_values).
- actions / action_events: an action is created once (immutable); its status lives in the
  append-only event history (open, done, reopened ...). An action names a person as its owner: the
  row is visible to viewers whose scope holds the action's unit; the owner's name comes from
  `people`, whose own policy decides whether the viewer may see that person.
- meeting_logs: who logged which meeting in the app (append-only). The logged meeting itself is a
  `meetings` row with an id starting with 'app-', which no calendar import produces.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from db.ddl import execute as ddl
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TABLES = ("snapshots", "snapshot_kpis", "snapshot_scores", "actions", "action_events", "meeting_logs")


def upgrade() -> None:
    op.create_table(
        "snapshots",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("org_unit_id", sa.String(), nullable=False),
        sa.Column("grain", sa.String(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("refresh_id", sa.Integer(), nullable=True),
        sa.Column("weights", postgresql.JSONB(), nullable=False),
        sa.Column("model", postgresql.JSONB(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("created_by", sa.String(), nullable=True),
        sa.CheckConstraint("length(btrim(name)) > 0", name=op.f("ck_snapshots_named")),
        sa.ForeignKeyConstraint(["org_unit_id"], ["org_units.id"], name=op.f("fk_snapshots_org_unit_id_org_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snapshots")),
    )
    op.create_index("ix_snapshots_unit", "snapshots", ["org_unit_id", "created_at"])
    op.create_table(
        "snapshot_kpis",
        sa.Column("snapshot_id", sa.BigInteger(), nullable=False),
        sa.Column("kpi_id", sa.String(), nullable=False),
        sa.Column("org_unit_id", sa.String(), nullable=False),
        sa.Column("grain", sa.String(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("numerator", sa.Float(), nullable=False),
        sa.Column("denominator", sa.Float(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("attainment", sa.Float(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("partial", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["snapshot_id"], ["snapshots.id"], name=op.f("fk_snapshot_kpis_snapshot_id_snapshots")),
        sa.PrimaryKeyConstraint("snapshot_id", "kpi_id", "org_unit_id", "period_start", name=op.f("pk_snapshot_kpis")),
    )
    op.create_table(
        "snapshot_scores",
        sa.Column("snapshot_id", sa.BigInteger(), nullable=False),
        sa.Column("org_unit_id", sa.String(), nullable=False),
        sa.Column("grain", sa.String(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("people", sa.Float(), nullable=True),
        sa.Column("process", sa.Float(), nullable=True),
        sa.Column("technology", sa.Float(), nullable=True),
        sa.Column("index", sa.Float(), nullable=True),
        sa.Column("partial", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["snapshot_id"], ["snapshots.id"], name=op.f("fk_snapshot_scores_snapshot_id_snapshots")
        ),
        sa.PrimaryKeyConstraint("snapshot_id", "org_unit_id", "period_start", name=op.f("pk_snapshot_scores")),
    )
    op.create_table(
        "actions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("owner_person_id", sa.String(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("kpi_id", sa.String(), nullable=False),
        sa.Column("org_unit_id", sa.String(), nullable=False),
        sa.Column("snapshot_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("created_by", sa.String(), nullable=True),
        sa.CheckConstraint("length(btrim(title)) > 0", name=op.f("ck_actions_titled")),
        sa.ForeignKeyConstraint(["owner_person_id"], ["people.id"], name=op.f("fk_actions_owner_person_id_people")),
        sa.ForeignKeyConstraint(["kpi_id"], ["kpis.id"], name=op.f("fk_actions_kpi_id_kpis")),
        sa.ForeignKeyConstraint(["org_unit_id"], ["org_units.id"], name=op.f("fk_actions_org_unit_id_org_units")),
        sa.ForeignKeyConstraint(["snapshot_id"], ["snapshots.id"], name=op.f("fk_actions_snapshot_id_snapshots")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actions")),
    )
    op.create_index("ix_actions_unit", "actions", ["org_unit_id"])
    op.create_table(
        "action_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("action_id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("clock_timestamp()"), nullable=False),
        sa.Column("actor", sa.String(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'done')", name=op.f("ck_action_events_status")),
        sa.ForeignKeyConstraint(["action_id"], ["actions.id"], name=op.f("fk_action_events_action_id_actions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_events")),
    )
    op.create_index("ix_action_events_action", "action_events", ["action_id", "id"])
    op.create_table(
        "meeting_logs",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("meeting_id", sa.String(), nullable=False),
        sa.Column("org_unit_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("crm_report_used", sa.Boolean(), nullable=False),
        sa.Column("sponsor_present", sa.Boolean(), nullable=False),
        sa.Column("snapshot_id", sa.BigInteger(), nullable=True),
        sa.Column("logged_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("logged_by", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_logs")),
    )

    for table in TABLES:
        ddl(
            "CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION refuse_history_change()",
            trigger=f"{table}_append_only",
            table=table,
        )
        ddl("ALTER TABLE {table} ENABLE ROW LEVEL SECURITY", table=table)
        ddl("ALTER TABLE {table} FORCE ROW LEVEL SECURITY", table=table)
        # The owner migrates and writes snapshots for the CLI: it sees and writes every row.
        ddl("CREATE POLICY maintenance ON {table} TO CURRENT_USER USING (true) WITH CHECK (true)", table=table)

    op.execute("GRANT SELECT, INSERT ON snapshots, snapshot_kpis, snapshot_scores TO flywheel_app")
    op.execute("GRANT SELECT, INSERT ON actions, action_events TO flywheel_app")
    op.execute("GRANT SELECT ON meeting_logs TO flywheel_app")

    op.execute("""
        CREATE POLICY viewer ON snapshots TO flywheel_app
        USING (org_unit_id IN (SELECT viewer_units())) WITH CHECK (org_unit_id IN (SELECT viewer_units()))
    """)
    op.execute("""
        CREATE POLICY viewer ON snapshot_scores TO flywheel_app
        USING (snapshot_id IN (SELECT id FROM snapshots)) WITH CHECK (snapshot_id IN (SELECT id FROM snapshots))
    """)
    # A suppressed value (too few respondents) is not shown to anyone, nor its base.
    op.execute("""
        CREATE POLICY viewer ON snapshot_kpis TO flywheel_app
        USING (
            snapshot_id IN (SELECT id FROM snapshots)
            AND NOT (value IS NULL AND denominator > 0
                     AND kpi_id IN (SELECT id FROM kpis WHERE min_respondents > 0))
        )
        WITH CHECK (snapshot_id IN (SELECT id FROM snapshots))
    """)
    op.execute("""
        CREATE POLICY viewer ON actions TO flywheel_app
        USING (org_unit_id IN (SELECT viewer_units())) WITH CHECK (org_unit_id IN (SELECT viewer_units()))
    """)
    op.execute("""
        CREATE POLICY viewer ON action_events TO flywheel_app
        USING (action_id IN (SELECT id FROM actions)) WITH CHECK (action_id IN (SELECT id FROM actions))
    """)
    op.execute(
        "CREATE POLICY viewer ON meeting_logs FOR SELECT TO flywheel_app USING (org_unit_id IN (SELECT viewer_units()))"
    )


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
