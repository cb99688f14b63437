"""application role, row-level security on person-level data and KPI values, sign-in columns, audit log

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 12:00:00

The dashboard connects as `flywheel_app` (no superuser, no BYPASSRLS, owns nothing). The migrating
role (the owner) keeps a policy that sees every row, for imports and refreshes. The viewer's scope
travels per transaction in three settings (set_config(..., true), so a pooled connection never
carries it into the next transaction); unset or empty settings mean: nothing is visible.
- flywheel.roots: JSON array of the org units whose subtrees the viewer sees;
- flywheel.people: 'true' when the viewer may see person-level rows inside those subtrees;
- flywheel.person: the viewer's own person id (a person always sees its own rows).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from db.ddl import execute as ddl
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Tables whose rows belong to a person: visible to the person, and to viewers allowed person-level
# rows whose scope holds the person's unit.
PERSON_TABLES = ("crm_activity", "training_completions", "pulse_responses", "recognitions", "feedback")
READABLE = (
    "org_units",
    "people",
    "crm_activity",
    "courses",
    "training_completions",
    "meetings",
    "communications",
    "recognitions",
    "pulse_responses",
    "data_quality",
    "feedback",
    "pillars",
    "kpis",
    "targets",
    "pillar_weights",
    "kpi_values",
    "import_batches",
    "refreshes",
    "refresh_pending",
    "org_closure",
)


def upgrade() -> None:
    op.add_column("kpis", sa.Column("min_respondents", sa.Integer(), server_default="0", nullable=False))
    op.add_column("users", sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False))
    op.add_column("users", sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("users", sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor", sa.String(), nullable=True),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("subject", sa.String(), nullable=True),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.execute("""
        CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION refuse_history_change()
    """)

    # The viewer's scope, read from the transaction's settings; anything unset reads as "nothing".
    op.execute("""
        CREATE FUNCTION viewer_roots() RETURNS text[] LANGUAGE sql STABLE AS $$
            SELECT coalesce(array(SELECT jsonb_array_elements_text(
                       nullif(current_setting('flywheel.roots', true), '')::jsonb)), '{}')
        $$
    """)
    op.execute("""
        CREATE FUNCTION viewer_units() RETURNS SETOF text LANGUAGE sql STABLE AS $$
            SELECT DISTINCT unit_id FROM org_closure WHERE ancestor_id = ANY(viewer_roots())
        $$
    """)
    # Aggregates may also be compared with the units above the scope (never their people).
    op.execute("""
        CREATE FUNCTION viewer_units_and_ancestors() RETURNS SETOF text LANGUAGE sql STABLE AS $$
            SELECT unit_id FROM org_closure WHERE ancestor_id = ANY(viewer_roots())
            UNION
            SELECT ancestor_id FROM org_closure WHERE unit_id = ANY(viewer_roots())
        $$
    """)
    op.execute("""
        CREATE FUNCTION viewer_sees_people() RETURNS boolean LANGUAGE sql STABLE AS $$
            SELECT coalesce(current_setting('flywheel.people', true) = 'true', false)
        $$
    """)
    op.execute("""
        CREATE FUNCTION viewer_person() RETURNS text LANGUAGE sql STABLE AS $$
            SELECT nullif(current_setting('flywheel.person', true), '')
        $$
    """)

    # The role is shared by every Flywheel database of the server: create it once, and tolerate
    # another database's migration doing the same at the same moment.
    op.execute("""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'flywheel_app') THEN
                CREATE ROLE flywheel_app NOLOGIN;
            END IF;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END $$
    """)
    op.execute("""
        DO $$
        BEGIN
            IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'flywheel_app'
                       AND (rolsuper OR rolbypassrls OR rolcreatedb OR rolcreaterole)) THEN
                ALTER ROLE flywheel_app NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
            END IF;
        END $$
    """)
    op.execute("GRANT USAGE ON SCHEMA public TO flywheel_app")
    ddl("GRANT SELECT ON {tables} TO flywheel_app", tables=READABLE)
    op.execute("GRANT SELECT, INSERT ON audit_log TO flywheel_app")
    op.execute(
        "GRANT SELECT, INSERT, UPDATE (name, role, home_unit_id, person_id, password_hash, active, "
        "failed_logins, last_failed_at, last_login_at) ON users TO flywheel_app"
    )

    for table in ("people", *PERSON_TABLES, "meetings", "kpi_values"):
        ddl("ALTER TABLE {table} ENABLE ROW LEVEL SECURITY", table=table)
        ddl("ALTER TABLE {table} FORCE ROW LEVEL SECURITY", table=table)
        # The owner migrates, imports and refreshes: it sees and writes every row.
        ddl("CREATE POLICY maintenance ON {table} TO CURRENT_USER USING (true) WITH CHECK (true)", table=table)
    op.execute("""
        CREATE POLICY viewer ON people FOR SELECT TO flywheel_app USING (
            id = viewer_person() OR (viewer_sees_people() AND org_unit_id IN (SELECT viewer_units()))
        )
    """)
    for table in PERSON_TABLES:
        # Visible exactly when its person is (the subquery is itself filtered by people's policy).
        ddl(
            "CREATE POLICY viewer ON {table} FOR SELECT TO flywheel_app USING (person_id IN (SELECT id FROM people))",
            table=table,
        )
    op.execute("""
        CREATE POLICY viewer ON meetings FOR SELECT TO flywheel_app USING (
            org_unit_id IN (SELECT viewer_units())
            AND (person_id IS NULL OR person_id IN (SELECT id FROM people))
        )
    """)
    # A suppressed value (too few respondents) is not shown to anyone, nor its base.
    op.execute("""
        CREATE POLICY viewer ON kpi_values FOR SELECT TO flywheel_app USING (
            org_unit_id IN (SELECT viewer_units_and_ancestors())
            AND NOT (value IS NULL AND denominator > 0
                     AND kpi_id IN (SELECT id FROM kpis WHERE min_respondents > 0))
        )
    """)


def downgrade() -> None:
    for table in ("people", *PERSON_TABLES, "meetings", "kpi_values"):
        ddl("DROP POLICY IF EXISTS viewer ON {table}", table=table)
        ddl("DROP POLICY IF EXISTS maintenance ON {table}", table=table)
        ddl("ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY", table=table)
        ddl("ALTER TABLE {table} DISABLE ROW LEVEL SECURITY", table=table)
    ddl("REVOKE ALL ON {tables} FROM flywheel_app", tables=[*READABLE, "audit_log", "users"])
    op.execute("REVOKE USAGE ON SCHEMA public FROM flywheel_app")
    for fn in ("viewer_person", "viewer_sees_people", "viewer_units_and_ancestors", "viewer_units"):
        ddl("DROP FUNCTION {fn}()", fn=fn)
    op.execute("DROP FUNCTION viewer_roots()")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_column("users", "last_login_at")
    op.drop_column("users", "last_failed_at")
    op.drop_column("users", "failed_logins")
    op.drop_column("kpis", "min_respondents")
    # The role is shared by every Flywheel database of this server: it stays.
