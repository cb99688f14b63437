"""unit_scores by period: the league reads one period's rows of every team

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 18:30:00

The league of a pillar page reads the pillar scores of every team under a unit in two periods. By
the primary key (unit first) that was one probe per team (25 ms for 1,000 teams on `large`); by
period, one index range (2 ms).
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_unit_scores_period", "unit_scores", ["grain", "period_start"])


def downgrade() -> None:
    op.drop_index("ix_unit_scores_period", "unit_scores")
