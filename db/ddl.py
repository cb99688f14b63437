"""DDL for migrations whose names vary (tables, roles, triggers): quoted by psycopg, never pasted."""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op
from psycopg import sql


def execute(template: str, **parts: str | Sequence[str] | sql.Composable) -> None:
    """Run `template` with its {placeholders} filled: a str is an identifier, a list of str a
    comma-separated list of identifiers, a psycopg Composable (a literal, a trusted fragment) as is."""

    def part(value: str | Sequence[str] | sql.Composable) -> sql.Composable:
        if isinstance(value, sql.Composable):
            return value
        if isinstance(value, str):
            return sql.Identifier(value)
        return sql.SQL(", ").join(sql.Identifier(v) for v in value)

    op.execute(sql.SQL(template).format(**{k: part(v) for k, v in parts.items()}).as_string())


def fragment(text: str) -> sql.Composable:
    """A constant SQL fragment of the migration itself (never data)."""
    return sql.SQL(text)
