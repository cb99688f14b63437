"""unit aggregates of the refresh for the pillar pages, under row-level security

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 18:00:00

The pillar pages summed raw rows on every view (activity, meetings, pulse answers, issues) and
scored every team for the league, so their cost grew with the data (large / small up to 37x).
The refresh now computes, for the periods it recomputes, what they show per unit (its subtree
summed), grain and period; a page reads by key.
- unit_scores: pillar scores per unit and period, scored with the targets and weights of the
  refresh (`basis` names them; a page whose basis differs scores live). Aggregates, visible like
  kpi_values (the scope's units and the units above them).
- unit_periods: counts from person-level rows (training x usage, activity mix, onboarding
  funnel, pulse item sums, open issues by age): visible only to viewers allowed person-level rows,
  for the units of their scope.
- unit_meeting_days / unit_coaching: meetings per day, kind and status (subtree) and held coaching
  per unit (its own). A meeting naming a person is `personal`: visible to viewers allowed
  person-level rows, like the meeting itself.
- source_freshness: the latest date of each source table up to a period's end, whole tables;
  only a viewer who sees the whole company (and, for person-level tables, its people) reads it.
Indexes on the date columns of the sources let the refresh find those dates by key.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from db.ddl import execute as ddl

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TABLES = ("unit_scores", "unit_periods", "unit_meeting_days", "unit_coaching", "source_freshness")
DATE_INDEXES = {
    "training_completions": "completed_on",
    "pulse_responses": "date",
    "recognitions": "date",
    "feedback": "raised_on",
    "data_quality": "measured_on",
}


def _period(*columns: sa.Column) -> list[sa.Column]:
    return [
        sa.Column("org_unit_id", sa.String(), nullable=False),
        sa.Column("grain", sa.String(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        *columns,
    ]


def _count(name: str) -> sa.Column:
    return sa.Column(name, sa.BigInteger(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "unit_scores",
        *_period(
            sa.Column("people", sa.Float(), nullable=True),
            sa.Column("process", sa.Float(), nullable=True),
            sa.Column("technology", sa.Float(), nullable=True),
            sa.Column("basis", sa.String(), nullable=False),
        ),
        sa.PrimaryKeyConstraint("org_unit_id", "grain", "period_start", name=op.f("pk_unit_scores")),
    )
    op.create_table(
        "unit_periods",
        *_period(
            *(
                _count(c)
                for c in (
                    "trained_active",
                    "trained_inactive",
                    "untrained_active",
                    "neither",
                    "active_users",
                    "logins",
                    "records_created",
                    "records_updated",
                    "reports_viewed",
                    "new_users",
                    "onboarded",
                    "onboarded_active",
                    "respondents",
                    "awareness_sum",
                    "awareness_n",
                    "desire_sum",
                    "desire_n",
                    "knowledge_sum",
                    "knowledge_n",
                    "ability_sum",
                    "ability_n",
                    "reinforcement_sum",
                    "reinforcement_n",
                    "issues_0_5",
                    "issues_6_15",
                    "issues_16_30",
                    "issues_over_30",
                )
            )
        ),
        sa.PrimaryKeyConstraint("org_unit_id", "grain", "period_start", name=op.f("pk_unit_periods")),
    )
    op.create_table(
        "unit_meeting_days",
        sa.Column("org_unit_id", sa.String(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("personal", sa.Boolean(), nullable=False),
        _count("meetings"),
        _count("with_report"),
        _count("with_sponsor"),
    )
    op.create_index("ix_unit_meeting_days_unit_day", "unit_meeting_days", ["org_unit_id", "day"])
    op.create_table(
        "unit_coaching",
        *_period(sa.Column("personal", sa.Boolean(), nullable=False), _count("sessions"), _count("with_crm")),
    )
    op.create_index("ix_unit_coaching_period", "unit_coaching", ["grain", "period_start"])
    op.create_table(
        "source_freshness",
        sa.Column("grain", sa.String(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("personal", sa.Boolean(), nullable=False),
        sa.Column("latest", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("grain", "period_start", "source", "personal", name=op.f("pk_source_freshness")),
    )
    for table, column in DATE_INDEXES.items():
        op.create_index(f"ix_{table}_{column}", table, [column])
    op.create_index("ix_meetings_kind_scheduled_on", "meetings", ["kind", "scheduled_on"])

    for table in TABLES:
        ddl("ALTER TABLE {table} ENABLE ROW LEVEL SECURITY", table=table)
        ddl("ALTER TABLE {table} FORCE ROW LEVEL SECURITY", table=table)
        # The owner refreshes: it sees and writes every row.
        ddl("CREATE POLICY maintenance ON {table} TO CURRENT_USER USING (true) WITH CHECK (true)", table=table)
        ddl("GRANT SELECT ON {table} TO flywheel_app", table=table)
    op.execute("""
        CREATE POLICY viewer ON unit_scores FOR SELECT TO flywheel_app USING (
            org_unit_id IN (SELECT viewer_units_and_ancestors())
        )
    """)
    op.execute("""
        CREATE POLICY viewer ON unit_periods FOR SELECT TO flywheel_app USING (
            viewer_sees_people() AND org_unit_id IN (SELECT viewer_units())
        )
    """)
    for table in ("unit_meeting_days", "unit_coaching"):
        ddl(
            "CREATE POLICY viewer ON {table} FOR SELECT TO flywheel_app USING ("
            " org_unit_id IN (SELECT viewer_units()) AND (NOT personal OR viewer_sees_people()))",
            table=table,
        )
    # Whole tables: for a viewer whose roots hold every root of the org tree (the whole company).
    op.execute("""
        CREATE POLICY viewer ON source_freshness FOR SELECT TO flywheel_app USING (
            NOT EXISTS (SELECT 1 FROM org_units WHERE parent_id IS NULL AND id <> ALL (viewer_roots()))
            AND (NOT personal OR viewer_sees_people())
        )
    """)


def downgrade() -> None:
    op.drop_index("ix_meetings_kind_scheduled_on", "meetings")
    for table, column in DATE_INDEXES.items():
        op.drop_index(f"ix_{table}_{column}", table)
    for table in reversed(TABLES):
        ddl("DROP TABLE {table}", table=table)
