"""targets and weights as append-only histories; dirty-period tracking; shared SQL rules

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 11:00:00

- targets and pillar_weights get a surrogate id (the order they were recorded in) and lose their
  natural primary key: a key may now hold several records, the one recorded last wins.
  Both refuse UPDATE and DELETE: an edit adds a record.
- refresh_pending holds what raw-data writes made stale (the earliest touched date, or all),
  maintained by statement-level triggers, so no sequence of imports and refreshes leaves
  kpi_values behind a full refresh.
- org_closure, weights_at() and period_grid() are the one definition of the org tree closure,
  the pillar weights in force, and the periods with their partial flag.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from psycopg import sql

from db.ddl import execute as ddl
from db.ddl import fragment

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Raw tables and the date column of each row's earliest effect; None: any change moves every period.
DIRTY_SOURCES = {
    "org_units": None,
    "people": None,
    "courses": None,
    "crm_activity": "date",
    "training_completions": "completed_on",
    "meetings": "scheduled_on",
    "communications": "sent_on",
    "recognitions": "date",
    "pulse_responses": "date",
    "data_quality": "measured_on",
    "feedback": "raised_on",
}


def upgrade() -> None:
    for table in ("targets", "pillar_weights"):
        op.drop_constraint(f"pk_{table}", table, type_="primary")
        op.add_column(table, sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False))
        op.create_primary_key(f"pk_{table}", table, ["id"])
    op.create_index("ix_targets_key", "targets", ["kpi_id", "org_unit_id", "effective_from"])
    op.add_column("pillar_weights", sa.Column("reason", sa.Text(), nullable=True))
    op.create_index("ix_pillar_weights_key", "pillar_weights", ["pillar", "effective_from"])

    op.execute("""
        CREATE FUNCTION refuse_history_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is a history: add a record instead of changing one', TG_TABLE_NAME
                USING ERRCODE = 'check_violation';
        END $$
    """)
    for table in ("targets", "pillar_weights"):
        ddl(
            "CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION refuse_history_change()",
            trigger=f"{table}_append_only",
            table=table,
        )

    op.create_table(
        "refresh_pending",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("dirty_from", sa.Date(), nullable=True),
        sa.Column("dirty_all", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("id = 1", name=op.f("ck_refresh_pending_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_pending")),
    )
    # KPI definitions changed with this revision: every stored value must be recomputed.
    op.execute("INSERT INTO refresh_pending (id, dirty_all, changed_at) VALUES (1, true, now())")
    op.execute("""
        CREATE FUNCTION mark_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            earliest date;
            touched boolean;
        BEGIN
            IF TG_OP = 'TRUNCATE' THEN  -- no transition tables: every period may move
                UPDATE refresh_pending SET dirty_all = true, changed_at = now() WHERE id = 1;
                RETURN NULL;
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                EXECUTE 'SELECT EXISTS (SELECT 1 FROM new_rows)' INTO touched;
            ELSE
                EXECUTE 'SELECT EXISTS (SELECT 1 FROM old_rows)' INTO touched;
            END IF;
            IF NOT touched THEN
                RETURN NULL;
            END IF;
            IF TG_NARGS = 0 THEN
                UPDATE refresh_pending SET dirty_all = true, changed_at = now() WHERE id = 1;
                RETURN NULL;
            END IF;
            IF TG_OP = 'INSERT' THEN
                EXECUTE format('SELECT min(%I) FROM new_rows', TG_ARGV[0]) INTO earliest;
            ELSIF TG_OP = 'DELETE' THEN
                EXECUTE format('SELECT min(%I) FROM old_rows', TG_ARGV[0]) INTO earliest;
            ELSE
                EXECUTE format('SELECT least((SELECT min(%1$I) FROM new_rows), (SELECT min(%1$I) FROM old_rows))',
                               TG_ARGV[0]) INTO earliest;
            END IF;
            UPDATE refresh_pending
               SET dirty_from = least(dirty_from, earliest), changed_at = now()
             WHERE id = 1;
            RETURN NULL;
        END $$
    """)
    for table, column in DIRTY_SOURCES.items():
        args = sql.Literal(column) if column else fragment("")
        for event, transition in (
            ("insert", "REFERENCING NEW TABLE AS new_rows"),
            ("update", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("delete", "REFERENCING OLD TABLE AS old_rows"),
            ("truncate", ""),
        ):
            ddl(
                "CREATE TRIGGER {trigger} AFTER {event} ON {table} {transition}"
                " FOR EACH STATEMENT EXECUTE FUNCTION mark_dirty({args})",
                trigger=f"{table}_dirty_{event}",
                event=fragment(event.upper()),
                table=table,
                transition=fragment(transition),
                args=args if event != "truncate" else fragment(""),
            )

    # Every unit with each of its ancestors, itself included (depth 0).
    op.execute("""
        CREATE VIEW org_closure (ancestor_id, unit_id, depth) AS
        WITH RECURSIVE t (ancestor_id, unit_id, depth) AS (
            SELECT id, id, 0 FROM org_units
            UNION ALL
            SELECT u.parent_id, t.unit_id, t.depth + 1
            FROM t JOIN org_units u ON u.id = t.ancestor_id
            WHERE u.parent_id IS NOT NULL
        )
        SELECT ancestor_id, unit_id, depth FROM t
    """)
    # Per pillar, the weight in force on a day: the latest effective_from <= that day (the record
    # saved last among equals), else the pillar's default.
    op.execute("""
        CREATE FUNCTION weights_at(day date) RETURNS TABLE (pillar text, weight double precision)
        LANGUAGE sql STABLE AS $$
            SELECT p.id::text,
                   coalesce((SELECT w.weight FROM pillar_weights w
                             WHERE w.pillar = p.id AND w.effective_from <= day
                             ORDER BY w.effective_from DESC, w.id DESC LIMIT 1),
                            p.default_weight)
            FROM pillars p
        $$
    """)
    # Every period of each grain that overlaps [window_start, window_end], with days(P), k(P) and
    # the partial flag (the period starts before the window or ends after it).
    op.execute("""
        CREATE FUNCTION period_grid(window_start date, window_end date)
        RETURNS TABLE (grain text, period_start date, period_end date, days integer, k integer, partial boolean)
        LANGUAGE sql IMMUTABLE AS $$
            SELECT g.grain, s::date, (s + g.step)::date - 1, (s + g.step)::date - s::date, g.k,
                   s::date < window_start OR (s + g.step)::date - 1 > window_end
            FROM (VALUES ('week', interval '1 week', 1),
                         ('month', interval '1 month', 4),
                         ('quarter', interval '3 months', 12)) AS g (grain, step, k)
            CROSS JOIN LATERAL generate_series(date_trunc(g.grain, window_start::timestamp),
                                               window_end::timestamp, g.step) AS s
        $$
    """)


def downgrade() -> None:
    op.execute("DROP FUNCTION period_grid(date, date)")
    op.execute("DROP FUNCTION weights_at(date)")
    op.execute("DROP VIEW org_closure")
    for table in DIRTY_SOURCES:
        for event in ("insert", "update", "delete", "truncate"):
            ddl("DROP TRIGGER {trigger} ON {table}", trigger=f"{table}_dirty_{event}", table=table)
    op.execute("DROP FUNCTION mark_dirty()")
    op.drop_table("refresh_pending")
    for table in ("targets", "pillar_weights"):
        ddl("DROP TRIGGER {trigger} ON {table}", trigger=f"{table}_append_only", table=table)
    op.execute("DROP FUNCTION refuse_history_change()")
    # The natural keys come back: keep the record saved last of each key.
    op.execute("""
        DELETE FROM targets t USING targets n
        WHERE n.kpi_id = t.kpi_id AND n.org_unit_id = t.org_unit_id
          AND n.effective_from = t.effective_from AND n.id > t.id
    """)
    op.execute("""
        DELETE FROM pillar_weights t USING pillar_weights n
        WHERE n.pillar = t.pillar AND n.effective_from = t.effective_from AND n.id > t.id
    """)
    op.drop_index("ix_pillar_weights_key", table_name="pillar_weights")
    op.drop_column("pillar_weights", "reason")
    op.drop_index("ix_targets_key", table_name="targets")
    for table, key in (("targets", ("kpi_id", "org_unit_id", "effective_from")), ("pillar_weights", ("pillar", "effective_from"))):
        op.drop_constraint(f"pk_{table}", table, type_="primary")
        op.drop_column(table, "id")
        op.create_primary_key(f"pk_{table}", table, list(key))
