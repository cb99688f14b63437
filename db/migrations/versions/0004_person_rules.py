"""one SQL definition of the person rules: licensed on a day, courses a role requires, an activity day

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 12:30:00

The refresh and the person-level pages (My team, drill-downs to people) call the same functions.
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # KPIS.md "Licensed users": licensed on `day` when license_start <= day and the license has not
    # ended before it (license_end is the last licensed day). No license_start: never licensed.
    op.execute("""
        CREATE FUNCTION is_licensed(license_start date, license_end date, day date) RETURNS boolean
        LANGUAGE sql IMMUTABLE AS $$
            SELECT license_start IS NOT NULL AND license_start <= day AND (license_end IS NULL OR license_end >= day)
        $$
    """)
    # A course is required for a role when its required_for lists the role (trimmed, any case) or '*'.
    op.execute("""
        CREATE FUNCTION is_required(required_for text, role text) RETURNS boolean
        LANGUAGE sql IMMUTABLE AS $$
            SELECT EXISTS (
                SELECT 1 FROM unnest(string_to_array(required_for, ';')) AS r (role)
                WHERE btrim(r.role) = '*' OR lower(btrim(r.role)) = lower(btrim(is_required.role))
            )
        $$
    """)
    # An activity day: a crm_activity row with any login, record created or updated, or report viewed.
    op.execute("""
        CREATE FUNCTION is_active_day(logins integer, records_created integer, records_updated integer,
                                      reports_viewed integer) RETURNS boolean
        LANGUAGE sql IMMUTABLE AS $$
            SELECT logins + records_created + records_updated + reports_viewed > 0
        $$
    """)


def downgrade() -> None:
    op.execute("DROP FUNCTION is_active_day(integer, integer, integer, integer)")
    op.execute("DROP FUNCTION is_required(text, text)")
    op.execute("DROP FUNCTION is_licensed(date, date, date)")
