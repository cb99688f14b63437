"""The schema exists only through migrations, and they match db/schema.py."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

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
