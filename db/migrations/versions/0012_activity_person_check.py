"""crm_activity.person_id -> people.id checked per statement instead of per row

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 19:00:00

The foreign key queued one check per inserted row, run at commit: 3.5-5 s of a 1,000,000-row
import. The same rule, set-based:
- after an INSERT or UPDATE of crm_activity, one statement-level trigger looks the statement's
  distinct people up in `people` (an anti-join over the transition table) and raises
  foreign_key_violation naming the first unknown one. It locks those people FOR KEY SHARE, as the
  foreign key did, so that no concurrent transaction deletes one before this one commits.
- deleting a person, or changing its id, is refused while crm_activity still names it: a
  deferred constraint trigger (NO ACTION, checked at commit like the foreign key, so an undo may
  delete a row and put it back), found by crm_activity's primary key; TRUNCATE people is refused
  while crm_activity has rows (the foreign key refused it outright).
The functions run as their owner, as a foreign key's checks do: row security must not hide the
people a row names.
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

FK = "fk_crm_activity_person_id_people"


def upgrade() -> None:
    op.drop_constraint(FK, "crm_activity", type_="foreignkey")
    op.execute("""
        CREATE FUNCTION crm_activity_person_known() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        DECLARE
            missing text;
        BEGIN
            -- The people named, locked as a foreign key locks them: a concurrent DELETE waits for this
            -- transaction, and one that committed first leaves its row out of the lock and the check.
            PERFORM 1 FROM people p WHERE p.id IN (SELECT DISTINCT n.person_id FROM new_rows n) FOR KEY SHARE OF p;
            SELECT n.person_id INTO missing
              FROM (SELECT DISTINCT person_id FROM new_rows) n
             WHERE NOT EXISTS (SELECT 1 FROM people p WHERE p.id = n.person_id)
             LIMIT 1;
            IF FOUND THEN
                RAISE EXCEPTION 'insert or update on table "crm_activity" violates foreign key constraint "%"',
                                'fk_crm_activity_person_id_people'
                      USING ERRCODE = 'foreign_key_violation',
                            DETAIL = format('Key (person_id)=(%s) is not present in table "people".', missing),
                            TABLE = 'crm_activity', CONSTRAINT = 'fk_crm_activity_person_id_people';
            END IF;
            RETURN NULL;
        END $$
    """)
    op.execute(
        "CREATE TRIGGER crm_activity_person_insert AFTER INSERT ON crm_activity "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION crm_activity_person_known()"
    )
    op.execute(
        "CREATE TRIGGER crm_activity_person_update AFTER UPDATE ON crm_activity "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION crm_activity_person_known()"
    )
    op.execute("""
        CREATE FUNCTION people_activity_kept() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        BEGIN
            IF TG_OP = 'TRUNCATE' THEN
                IF EXISTS (SELECT 1 FROM crm_activity) THEN
                    RAISE EXCEPTION 'cannot truncate a table referenced in a foreign key constraint'
                          USING ERRCODE = 'feature_not_supported',
                                DETAIL = 'Table "crm_activity" references "people".',
                                HINT = 'Truncate table "crm_activity" at the same time.';
                END IF;
                RETURN NULL;
            END IF;
            -- Put back in the same transaction (an undo deletes a row and restores its previous version).
            IF EXISTS (SELECT 1 FROM people WHERE id = OLD.id) THEN
                RETURN NULL;
            END IF;
            IF EXISTS (SELECT 1 FROM crm_activity WHERE person_id = OLD.id) THEN
                RAISE EXCEPTION 'update or delete on table "people" violates foreign key constraint "%" on table "crm_activity"',
                                'fk_crm_activity_person_id_people'
                      USING ERRCODE = 'foreign_key_violation',
                            DETAIL = format('Key (id)=(%s) is still referenced from table "crm_activity".', OLD.id),
                            TABLE = 'people', CONSTRAINT = 'fk_crm_activity_person_id_people';
            END IF;
            RETURN NULL;
        END $$
    """)
    op.execute(
        "CREATE CONSTRAINT TRIGGER fk_crm_activity_person_id_people AFTER DELETE OR UPDATE OF id ON people "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
        "EXECUTE FUNCTION people_activity_kept()"
    )
    op.execute(
        "CREATE TRIGGER people_truncate_activity AFTER TRUNCATE ON people "
        "FOR EACH STATEMENT EXECUTE FUNCTION people_activity_kept()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER people_truncate_activity ON people")
    op.execute("DROP TRIGGER fk_crm_activity_person_id_people ON people")
    op.execute("DROP FUNCTION people_activity_kept()")
    op.execute("DROP TRIGGER crm_activity_person_update ON crm_activity")
    op.execute("DROP TRIGGER crm_activity_person_insert ON crm_activity")
    op.execute("DROP FUNCTION crm_activity_person_known()")
    op.create_foreign_key(FK, "crm_activity", "people", ["person_id"], ["id"], deferrable=True, initially="DEFERRED")
