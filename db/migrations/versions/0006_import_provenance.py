"""import provenance: rows carry the batch that last wrote them; undo log; skipped rows counted

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 14:00:00

- every raw table gets import_batch_id (no foreign key: a per-row check would double the cost of a
  bulk import, and batches are never deleted);
- import_undo keeps the previous version of each row a batch updated, so the last batch of a
  source can be undone (inserted rows are deleted, updated rows restored);
- import_batches counts rows_skipped (left out on purpose by a vendor adapter) and may be 'undone'.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

RAW_TABLES = (
    "org_units",
    "people",
    "courses",
    "crm_activity",
    "training_completions",
    "meetings",
    "communications",
    "recognitions",
    "pulse_responses",
    "data_quality",
    "feedback",
    "targets",
    "pillar_weights",
)


def upgrade() -> None:
    for table in RAW_TABLES:
        op.add_column(table, sa.Column("import_batch_id", sa.Integer(), nullable=True))
    op.add_column("import_batches", sa.Column("rows_skipped", sa.Integer(), server_default="0", nullable=False))
    op.drop_constraint(op.f("ck_import_batches_status"), "import_batches", type_="check")
    op.create_check_constraint("status", "import_batches", "status IN ('running', 'succeeded', 'failed', 'undone')")
    op.create_table(
        "import_undo",
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(), nullable=False),
        sa.Column("row", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batches.id"], name=op.f("fk_import_undo_batch_id_import_batches")
        ),
    )
    op.create_index(op.f("ix_import_undo_batch_id"), "import_undo", ["batch_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_import_undo_batch_id"), table_name="import_undo")
    op.drop_table("import_undo")
    op.execute("UPDATE import_batches SET status = 'failed' WHERE status = 'undone'")
    op.drop_constraint(op.f("ck_import_batches_status"), "import_batches", type_="check")
    op.create_check_constraint("status", "import_batches", "status IN ('running', 'succeeded', 'failed')")
    op.drop_column("import_batches", "rows_skipped")
    for table in RAW_TABLES:
        op.drop_column(table, "import_batch_id")
