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
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

APP_ROLE = "flywheel_app"
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
    op.execute(f"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                CREATE ROLE {APP_ROLE} NOLOGIN;
            END IF;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END $$
    """)
    op.execute(f"""
        DO $$
        BEGIN
            IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}'
                       AND (rolsuper OR rolbypassrls OR rolcreatedb OR rolcreaterole)) THEN
                ALTER ROLE {APP_ROLE} NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
            END IF;
        END $$
    """)
    op.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT SELECT ON {', '.join(READABLE)} TO {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT ON audit_log TO {APP_ROLE}")
    op.execute(
        f"GRANT SELECT, INSERT, UPDATE (name, role, home_unit_id, person_id, password_hash, active, "
        f"failed_logins, last_failed_at, last_login_at) ON users TO {APP_ROLE}"
    )

    for table in ("people", *PERSON_TABLES, "meetings", "kpi_values"):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        # The owner migrates, imports and refreshes: it sees and writes every row.
        op.execute(f"""
            DO $$ BEGIN
                EXECUTE format('CREATE POLICY maintenance ON {table} TO %I USING (true) WITH CHECK (true)',
                               current_user);
            END $$
        """)
    op.execute(f"""
        CREATE POLICY viewer ON people FOR SELECT TO {APP_ROLE} USING (
            id = viewer_person() OR (viewer_sees_people() AND org_unit_id IN (SELECT viewer_units()))
        )
    """)
    for table in PERSON_TABLES:
        # Visible exactly when its person is (the subquery is itself filtered by people's policy).
        op.execute(f"""
            CREATE POLICY viewer ON {table} FOR SELECT TO {APP_ROLE} USING (person_id IN (SELECT id FROM people))
        """)
    op.execute(f"""
        CREATE POLICY viewer ON meetings FOR SELECT TO {APP_ROLE} USING (
            org_unit_id IN (SELECT viewer_units())
            AND (person_id IS NULL OR person_id IN (SELECT id FROM people))
        )
    """)
    # A suppressed value (too few respondents) is not shown to anyone, nor its base.
    op.execute(f"""
        CREATE POLICY viewer ON kpi_values FOR SELECT TO {APP_ROLE} USING (
            org_unit_id IN (SELECT viewer_units_and_ancestors())
            AND NOT (value IS NULL AND denominator > 0
                     AND kpi_id IN (SELECT id FROM kpis WHERE min_respondents > 0))
        )
    """)


def downgrade() -> None:
    for table in ("people", *PERSON_TABLES, "meetings", "kpi_values"):
        op.execute(f"DROP POLICY IF EXISTS viewer ON {table}")
        op.execute(f"DROP POLICY IF EXISTS maintenance ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute(f"REVOKE ALL ON {', '.join(READABLE)}, audit_log, users FROM {APP_ROLE}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {APP_ROLE}")
    for fn in ("viewer_person()", "viewer_sees_people()", "viewer_units_and_ancestors()", "viewer_units()"):
        op.execute(f"DROP FUNCTION {fn}")
    op.execute("DROP FUNCTION viewer_roots()")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_column("users", "last_login_at")
    op.drop_column("users", "last_failed_at")
    op.drop_column("users", "failed_logins")
    op.drop_column("kpis", "min_respondents")
    # The role is shared by every Flywheel database of this server: it stays.
