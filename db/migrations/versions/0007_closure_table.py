"""org_closure becomes a table kept by a trigger; the viewer's roots are read once per query

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 15:00:00

Measured on the `large` profile (1,055 units) as the application role: the recursive view was
computed in full several times per query, and viewer_roots() was re-parsed for every closure row
inside the row-level security policy; together they doubled the Overview's cost from `small` to
`large`. The closure changes only when org_units does, so a statement-level trigger rebuilds it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from db.ddl import execute as ddl
from db.ddl import fragment

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

CLOSURE = """
    WITH RECURSIVE t (ancestor_id, unit_id, depth) AS (
        SELECT id, id, 0 FROM org_units
        UNION ALL
        SELECT u.parent_id, t.unit_id, t.depth + 1
        FROM t JOIN org_units u ON u.id = t.ancestor_id
        WHERE u.parent_id IS NOT NULL
    )
    SELECT ancestor_id, unit_id, depth FROM t
"""


def upgrade() -> None:
    op.execute("DROP VIEW org_closure")
    op.create_table(
        "org_closure",
        sa.Column("ancestor_id", sa.String(), nullable=False),
        sa.Column("unit_id", sa.String(), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("ancestor_id", "unit_id", name=op.f("pk_org_closure")),
    )
    op.create_index("ix_org_closure_unit_id", "org_closure", ["unit_id", "depth"])
    ddl("INSERT INTO org_closure {closure}", closure=fragment(CLOSURE))
    ddl(
        """
        CREATE FUNCTION rebuild_org_closure() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM org_closure;
            INSERT INTO org_closure {closure};
            RETURN NULL;
        END $$
        """,
        closure=fragment(CLOSURE),
    )
    op.execute("""
        CREATE TRIGGER org_units_closure AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON org_units
        FOR EACH STATEMENT EXECUTE FUNCTION rebuild_org_closure()
    """)
    op.execute("GRANT SELECT ON org_closure TO flywheel_app")
    _viewer_functions("(SELECT viewer_roots())::text[]")


def _viewer_functions(roots: str) -> None:
    ddl(
        """
        CREATE OR REPLACE FUNCTION viewer_units() RETURNS SETOF text LANGUAGE sql STABLE AS $$
            SELECT DISTINCT unit_id FROM org_closure WHERE ancestor_id = ANY({roots})
        $$
        """,
        roots=fragment(roots),
    )
    ddl(
        """
        CREATE OR REPLACE FUNCTION viewer_units_and_ancestors() RETURNS SETOF text LANGUAGE sql STABLE AS $$
            SELECT unit_id FROM org_closure WHERE ancestor_id = ANY({roots})
            UNION
            SELECT ancestor_id FROM org_closure WHERE unit_id = ANY({roots})
        $$
        """,
        roots=fragment(roots),
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER org_units_closure ON org_units")
    op.execute("DROP FUNCTION rebuild_org_closure()")
    op.execute("DROP TABLE org_closure")
    ddl("CREATE VIEW org_closure (ancestor_id, unit_id, depth) AS {closure}", closure=fragment(CLOSURE))
    op.execute("GRANT SELECT ON org_closure TO flywheel_app")
    _viewer_functions("viewer_roots()")
