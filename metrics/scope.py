"""A viewer's scope: the org subtrees it may see, and whether person-level rows are shown."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from db import schema


@dataclass(frozen=True)
class Scope:
    """Hashable, so cached page queries can take it as an argument."""

    roots: tuple[str, ...]
    people: bool = False

    def __post_init__(self) -> None:
        if not self.roots:
            raise ValueError("a scope needs at least one root unit")


def company_scope(conn: Connection, *, people: bool = True) -> Scope:
    """The whole company: every root of the org tree."""
    roots = tuple(conn.execute(select(schema.org_units.c.id).where(schema.org_units.c.parent_id.is_(None))).scalars())
    return Scope(roots or ("",), people=people)
