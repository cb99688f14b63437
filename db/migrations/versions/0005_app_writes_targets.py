"""the application role may add target and weight records (never change or delete them)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 13:00:00

Program leads edit targets and weights on the Targets page, as the application role. Both tables
are append-only histories (0002's trigger refuses UPDATE and DELETE for every role); the page
also checks the viewer's role. INSERT on an identity column needs no sequence privilege.
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("GRANT INSERT ON targets, pillar_weights TO flywheel_app")


def downgrade() -> None:
    op.execute("REVOKE INSERT ON targets, pillar_weights FROM flywheel_app")
