"""The schema exists only through migrations, and they match db/schema.py."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text

from db.engine import make_engine
from db.migrate import alembic_config, current, upgrade
from db.schema import metadata


def test_migrations_match_the_schema(engine) -> None:
    with engine.begin() as conn:
        command.check(alembic_config(conn))  # raises when a model change lacks its migration
        assert current(conn) == "0016"


def test_downgrade_and_upgrade_again(fresh_database) -> None:
    eng = make_engine(fresh_database())
    with eng.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
        assert set(inspect(conn).get_table_names()) == {"alembic_version"}
    with eng.begin() as conn:
        upgrade(conn)
        assert set(metadata.tables) <= set(inspect(conn).get_table_names())
    eng.dispose()


def test_the_pillar_lists_are_filled_by_a_full_refresh_after_the_upgrade(fresh_database) -> None:
    # 0015 and 0016 add what the refresh keeps per period: an incremental refresh would leave the
    # periods it does not recompute without them.
    eng = make_engine(fresh_database())
    with eng.begin() as conn:
        command.downgrade(alembic_config(conn), "0014")
        conn.execute(text("UPDATE refresh_pending SET dirty_all = false"))
    with eng.begin() as conn:
        upgrade(conn)
        assert conn.execute(text("SELECT dirty_all FROM refresh_pending")).scalar_one() is True
    eng.dispose()
