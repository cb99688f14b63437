"""A viewer's scope: the org subtrees it may see, whether person-level rows are shown, and itself."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from db import schema
from db.access import set_scope

# Roles that see the whole company, and roles that may see person-level rows inside their scope.
COMPANY_ROLES = ("sponsor", "lead", "admin")
PEOPLE_ROLES = ("manager", "lead", "admin")


@dataclass(frozen=True)
class Scope:
    """Hashable, so cached page queries can take it as an argument (and must)."""

    roots: tuple[str, ...]
    people: bool = False
    person: str | None = None  # the viewer's own person id: a person always sees its own rows

    def __post_init__(self) -> None:
        if not self.roots:
            raise ValueError("a scope needs at least one root unit")

    def apply(self, conn: Connection) -> None:
        """Make the database's row-level security enforce this scope for the current transaction."""
        set_scope(conn, self.roots, self.people, self.person)


def company_scope(conn: Connection, *, people: bool = True) -> Scope:
    """The whole company: every root of the org tree."""
    roots = tuple(conn.execute(select(schema.org_units.c.id).where(schema.org_units.c.parent_id.is_(None))).scalars())
    return Scope(roots or ("",), people=people)


def scope_for(conn: Connection, role: str, home_unit: str | None, person: str | None) -> Scope | None:
    """What a user of `role` sees (DESIGN.md "Who uses it"); None when it has nowhere to stand.

    Sponsors, leads and admins see the whole company; managers and members their home unit's
    subtree. Person-level rows only for managers, leads and admins; everyone sees itself.
    """
    people = role in PEOPLE_ROLES
    if role in COMPANY_ROLES:
        return Scope(company_scope(conn).roots, people=people, person=person)
    if home_unit is None:
        return None
    return Scope((home_unit,), people=people, person=person)
