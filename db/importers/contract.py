"""The canonical CSV contract (DATA_CONTRACT.md), generated from db/schema.py.

Columns, their order, which are required, keys, references and allowed values come from the tables;
what the schema cannot say (an e-mail, a list of roles, which dates record events) is added below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
)

from db import schema

Kind = Literal["text", "email", "date", "bool", "count", "item", "score", "number", "percent", "enum", "roles"]

# Columns the database keeps that no file carries: surrogate ids, who and when recorded, provenance.
NOT_IN_FILES = frozenset({"recorded_at", "recorded_by", "import_batch_id", "crm_username"})
# Not in the contract's column list of a table although the table has it.
NOT_IN_FILE = {"pillar_weights": frozenset({"reason"})}
# Tables whose ids a file may reference (the catalogue tables are checked by their own rules).
REFERENCE_TABLES = ("org_units", "people", "courses")
# What the schema cannot say about a column.
KINDS: dict[tuple[str, str], Kind] = {
    ("people", "email"): "email",
    ("courses", "required_for"): "roles",
    ("pillar_weights", "weight"): "percent",
}


@dataclass(frozen=True)
class Event:
    """A date that records something that happened, so it cannot lie after the day of the import."""

    # Only on rows whose `when[0]` column holds one of `when[1]` (a held meeting, a sent communication).
    when: tuple[str, tuple[str, ...]] | None = None
    hint: str = ""


EVENT = Event()
EVENTS: dict[tuple[str, str], Event] = {
    ("crm_activity", "date"): EVENT,
    ("training_completions", "completed_on"): EVENT,
    ("meetings", "scheduled_on"): Event(
        ("status", tuple(s for s in schema.MEETING_STATUSES if s != "planned")), "only a planned meeting may lie ahead"
    ),
    ("communications", "sent_on"): Event(("status", ("sent",)), "a communication not yet sent is planned"),
    ("recognitions", "date"): EVENT,
    ("pulse_responses", "date"): EVENT,
    ("data_quality", "measured_on"): EVENT,
    ("feedback", "raised_on"): EVENT,
    ("feedback", "resolved_on"): EVENT,
}


@dataclass(frozen=True)
class Field:
    """One column of a canonical file: how its cells are read and which table its value must name."""

    name: str
    kind: Kind = "text"
    required: bool = True
    choices: tuple[str, ...] = ()
    ref: str | None = None
    event: Event | None = None

    @property
    def empty(self) -> str | None:
        """The value of an empty optional cell, as the database reads it."""
        return {"bool": "false", "count": "0"}.get(self.kind)


@dataclass(frozen=True)
class Contract:
    """A canonical file: its table, columns (in contract order) and key."""

    table: Table
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    # A history (targets, weights): a row whose key's latest record differs is appended, nothing is ever updated.
    history: bool = False

    @property
    def file_name(self) -> str:
        return f"{self.table.name}.csv"

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def dates(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.kind == "date")

    def field(self, name: str) -> Field:
        return self.fields[self.names.index(name)]


_IN = re.compile(r"^(\w+) IN \((.*)\)$")


def choices_of(table: Table) -> dict[str, tuple[str, ...]]:
    """The allowed values of each column that a CHECK (column IN (...)) constraint restricts."""
    found: dict[str, tuple[str, ...]] = {}
    for c in table.constraints:
        if isinstance(c, CheckConstraint):
            m = _IN.match(str(c.sqltext))
            if m:
                found[m.group(1)] = tuple(re.findall(r"'([^']*)'", m.group(2)))
    return found


def _kind(table: Table, column: Column, choices: dict[str, tuple[str, ...]]) -> Kind:
    if (table.name, column.name) in KINDS:
        return KINDS[(table.name, column.name)]
    if column.name in choices:
        return "enum"
    t = column.type
    if isinstance(t, Date):
        return "date"
    if isinstance(t, Boolean):
        return "bool"
    if isinstance(t, SmallInteger):
        return "item"  # the ADKAR answers, 1 to 5 (their CHECK constraints)
    if isinstance(t, Integer):
        return "count"
    if isinstance(t, Numeric) and not isinstance(t, Float):
        return "score"
    if isinstance(t, Float):
        return "number"
    if isinstance(t, (String, Text)):
        return "text"
    raise TypeError(f"{table.name}.{column.name}: no CSV reading for {t!r}")


def _ref(column: Column) -> str | None:
    # A reference the database checks by trigger rather than by foreign key is named in the column's info.
    targets = [fk.target_fullname for fk in column.foreign_keys] + [column.info.get("references", "")]
    return next((t.split(".")[0] for t in targets if t.split(".")[0] in REFERENCE_TABLES), None)


def _key(table: Table) -> tuple[tuple[str, ...], bool]:
    pk = tuple(c.name for c in table.primary_key.columns)
    if pk == ("id",) and table.c.id.identity is not None:
        # A history: many records per natural key, indexed as ix_<table>_key.
        index = next(ix for ix in table.indexes if ix.name == f"ix_{table.name}_key")
        return tuple(c.name for c in index.columns), True
    return pk, False


def contract_for(table: Table) -> Contract:
    """The canonical file of `table`, read off the schema."""
    choices = choices_of(table)
    key, history = _key(table)
    skip = NOT_IN_FILES | NOT_IN_FILE.get(table.name, frozenset())
    fields = []
    for column in table.columns:
        if column.name in skip or (column.name == "id" and column.identity is not None):
            continue
        required = not column.nullable and column.server_default is None
        kind = _kind(table, column, choices)
        fields.append(
            Field(
                column.name,
                kind,
                required,
                choices.get(column.name, ()) if kind == "enum" else (),
                _ref(column),
                EVENTS.get((table.name, column.name)),
            )
        )
    return Contract(table, tuple(fields), key, history)


# In dependency order: the order of writing and of reporting.
CANONICAL_TABLES = (
    schema.org_units,
    schema.people,
    schema.courses,
    schema.crm_activity,
    schema.training_completions,
    schema.meetings,
    schema.communications,
    schema.recognitions,
    schema.pulse_responses,
    schema.data_quality,
    schema.feedback,
    schema.targets,
    schema.pillar_weights,
)
CONTRACTS: tuple[Contract, ...] = tuple(contract_for(t) for t in CANONICAL_TABLES)
CONTRACT_BY_FILE: dict[str, Contract] = {c.file_name: c for c in CONTRACTS}
NOUNS = {"org_units": "org unit", "people": "person", "courses": "course"}
