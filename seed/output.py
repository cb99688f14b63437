"""Write a dataset: into PostgreSQL with COPY, or as one canonical CSV file per table."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from itertools import islice
from pathlib import Path

from psycopg import Cursor, sql
from sqlalchemy import Connection

from db.cells import cell
from metrics.refresh import sync_catalogue
from seed.generator import generate
from seed.tables import COLUMNS, TABLES

# Non-canonical columns the database keeps for edits: who recorded the seeded targets and weights.
RECORDED_BY = {"targets": "seed", "pillar_weights": "seed"}
# Rows per COPY statement, so that each statement stays far inside the server's statement timeout.
CHUNK = 500_000


def load(conn: Connection, profile: str, seed: int = 42) -> dict[str, int]:
    """COPY the dataset into the database inside the caller's transaction; rows written per table.

    The tables must not hold rows with the same keys (seed an empty database).
    """
    sync_catalogue(conn)  # targets and pillar_weights reference the KPI catalogue
    data = generate(profile, seed)
    raw = conn.connection.driver_connection
    with raw.cursor() as cur:
        return {table: _copy(cur, table, data.rows(table)) for table in TABLES}


def _copy(cur: Cursor, table: str, rows: Iterable[tuple]) -> int:
    tail = (RECORDED_BY[table],) if table in RECORDED_BY else ()
    columns = COLUMNS[table] + (("recorded_by",) if tail else ())
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    rows, total = iter(rows), 0
    while True:
        written = 0
        with cur.copy(statement) as copy:
            for row in islice(rows, CHUNK):
                copy.write_row(row + tail)
                written += 1
        total += written
        if written < CHUNK:
            return total


def write_csv(out_dir: Path | str, profile: str, seed: int = 42) -> dict[str, int]:
    """Write `<table>.csv` per canonical table into `out_dir`; data rows written per table."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data = generate(profile, seed)
    counts: dict[str, int] = {}
    for table in TABLES:
        with (out / f"{table}.csv").open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(COLUMNS[table])
            counts[table] = 0
            for row in data.rows(table):
                writer.writerow([cell(v) for v in row])
                counts[table] += 1
    return counts
