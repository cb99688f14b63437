"""person_periods: the person x period facts of the refresh, kept under row-level security

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 16:00:00

The refresh builds, per licensed user and period, its activity days, records worked and whether
it had completed every required course by the period's end (the working table _licensed) and used
to drop it at commit. The pillar pages need exactly these facts per person (training x usage
quadrant, engaged vs logged-in users, a team's people): keeping them saves recomputing them from
raw activity on every page. A row belongs to a person, so it is visible exactly when that person
is (the people policy of migration 0003); the owner writes every row. One row per licensed user,
grain and period (the refresh guarantees it; no key is kept, to keep the refresh cheap).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person_periods",
        sa.Column("person_id", sa.String(), nullable=False),
        sa.Column("org_unit_id", sa.String(), nullable=False),
        sa.Column("grain", sa.String(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("active_days", sa.Integer(), nullable=False),
        sa.Column("records_worked", sa.BigInteger(), nullable=False),
        sa.Column("trained", sa.Boolean(), nullable=False),
    )
    # One narrow index and no primary key: each full refresh rewrites every row, and on the demo
    # data a composite text index tripled the cost of that write. A page reads one period at a time.
    op.create_index("ix_person_periods_period_start", "person_periods", ["period_start"])
    op.execute("ALTER TABLE person_periods ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE person_periods FORCE ROW LEVEL SECURITY")
    op.execute("""
        DO $$ BEGIN
            EXECUTE format('CREATE POLICY maintenance ON person_periods TO %I USING (true) WITH CHECK (true)',
                           current_user);
        END $$
    """)
    op.execute("""
        CREATE POLICY viewer ON person_periods FOR SELECT TO flywheel_app USING (person_id IN (SELECT id FROM people))
    """)
    op.execute("GRANT SELECT ON person_periods TO flywheel_app")


def downgrade() -> None:
    op.execute("DROP TABLE person_periods")
