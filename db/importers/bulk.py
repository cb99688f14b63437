"""The bulk path of a canonical fact file: its bytes COPYed into a text stage, checked and merged set-based in SQL.

It takes only files it can load with exactly the result of the precise importer (db.importers.canonical):
UTF-8, a header of the contract's names, cells in their strict form (no surrounding spaces, ASCII digits,
dates that exist and are plausible), people the database knows, no key twice. Anything else, or any doubt, rolls its
savepoint back and hands the file to the precise importer, which reports every bad row with its line.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from db.csvread import sniff_delimiter
from db.importers import batches
from db.importers.contract import CONTRACT_BY_FILE, Contract
from db.importers.read import Limits, Source, not_text
from db.importers.report import FileResult, ImportReport
from db.importers.write import deferred_constraints, raw, set_constraints

SOURCE = "canonical"
EARLIEST = date(2000, 1, 1)  # as db.importers.checks, which this module must not import (it loads pandas)
COPY_CHUNK = 8 << 20
# The column kinds whose strict form SQL checks exactly; a file with any other kind goes the precise way.
KINDS = frozenset({"text", "date", "count"})
# Tables with rules across the cells of a row (checks.ROW_RULES; a test keeps the two equal) stay precise.
ROW_RULE_TABLES = frozenset({"people", "data_quality", "feedback", "targets"})
# An id as the precise reader leaves it: its first and last characters printable ASCII, so never trimmed.


@dataclass
class Timings:
    """Seconds per stage of the last bulk import, for the bench."""

    stages: dict[str, float] = field(default_factory=dict)

    def mark(self, stage: str, since: float) -> float:
        now = time.perf_counter()
        self.stages[stage] = self.stages.get(stage, 0.0) + now - since
        return now


LAST = Timings()


def import_sources(
    conn: Connection,
    sources: Sequence[Source],
    *,
    imported_by: str | None = None,
    limits: Limits | None = None,
    today: date | None = None,
    warnings: list[str] | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Import canonical files: one fact file by the bulk path when it can, else (and on any doubt) precisely."""
    limits = limits or Limits.from_env()
    if len(sources) == 1:
        report = load(
            conn, sources[0], imported_by=imported_by, limits=limits, today=today, warnings=warnings, dry_run=dry_run
        )
        if report is not None:
            return report
    from db.importers.canonical import import_sources as precise  # pandas and pandera: loaded only when needed

    return precise(
        conn, sources, imported_by=imported_by, limits=limits, today=today, warnings=warnings, dry_run=dry_run
    )


def eligible(contract: Contract | None) -> bool:
    """Whether the bulk path can check every rule of this file."""
    return (
        contract is not None
        and not contract.history
        and contract.table.name not in ROW_RULE_TABLES
        and all(f.kind in KINDS and (f.event is None or f.event.when is None) for f in contract.fields)
        and all(f.kind != "text" or f.ref or f.name in contract.key for f in contract.fields)
    )


def load(
    conn: Connection,
    src: Source,
    *,
    imported_by: str | None,
    limits: Limits,
    today: date | None,
    warnings: list[str] | None,
    dry_run: bool,
) -> ImportReport | None:
    """Import one file by the bulk path; None (nothing written) when it must go the precise way."""
    LAST.stages.clear()
    t = time.perf_counter()
    started = datetime.now(UTC)
    contract = CONTRACT_BY_FILE.get(src.name.lower())
    if not eligible(contract) or src.size > limits.max_bytes:
        return None
    data = src.read()
    header = _header(data, contract)
    if header is None:
        return None
    columns, delimiter, body_at = header
    t = LAST.mark("read", t)
    today = today or date.today()
    names = deferred_constraints([contract.table])
    savepoint = conn.begin_nested()
    try:
        stage = _stage(conn, contract, columns, delimiter, data, body_at)
        t = LAST.mark("copy", t)
        checked = _check(conn, contract, stage, today)
        t = LAST.mark("check", t)
        if checked is None or not 0 < checked[0] <= limits.max_rows:
            savepoint.rollback()
            return None
        rows, lo, hi = checked
        result = FileResult(src.name, contract.table.name, src.sha256, rows_read=rows, encoding="utf-8")
        result.delimiter = delimiter
        seen = batches.seen_before(conn, {src.sha256: src.name})
        result.batch_id = batches.open_batch(conn, SOURCE, result, imported_by, started)
        counts = _merge(conn, contract, stage, result.batch_id, lo, hi)
        if counts is None:  # a key twice in the file: the precise importer names both lines
            savepoint.rollback()
            return None
        result.inserted, result.updated, result.date_min, result.date_max = counts
        result.unchanged = rows - result.inserted - result.updated
        t = LAST.mark("merge", t)
        with raw(conn).cursor() as cur:
            cur.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(stage)))
        batches.close_batch(conn, result)
        set_constraints(conn, names, "IMMEDIATE")
        t = LAST.mark("batch", t)
    except (DBAPIError, psycopg.Error):
        # A cell COPY could not take, a key twice among new rows, a row the database refused: the precise
        # importer finds and reports it (or writes the file, if the doubt was only ours).
        if savepoint.is_active:
            savepoint.rollback()
        return None
    except BaseException:
        if savepoint.is_active:
            savepoint.rollback()
        raise
    else:
        if dry_run:
            savepoint.rollback()
            result.batch_id = None
        else:
            savepoint.commit()
    finally:
        if not conn.invalidated:
            set_constraints(conn, names, "DEFERRED")
    found = [*(warnings or []), *seen]
    if warnings is not None:
        warnings[:] = found
    return ImportReport(
        files=[result],
        warnings=found,
        earliest_date=result.date_min,
        latest_date=result.date_max,
        full_refresh=False,
        source=SOURCE,
        dry_run=dry_run,
        seen_before=bool(seen),
    )


def _header(data: bytes, contract: Contract) -> tuple[list[str], str, int] | None:
    """The columns in file order, the delimiter and where the rows start, if the file is plain UTF-8 CSV text
    starting with exactly the contract's header; else None."""
    if not_text(data):
        return None
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    end = data.find(b"\n", start)
    # COPY reads a line holding only \. as the end of the data: such a file is read precisely.
    if end < 0 or b"\\." in data:
        return None
    try:
        line = data[start:end].decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        return None
    delimiter = sniff_delimiter(line, contract.names)
    cells = [c.strip() for c in next(csv.reader([line], delimiter=delimiter), [])]
    if sorted(cells) != sorted(contract.names):
        return None
    return cells, delimiter, start


def _stage(conn: Connection, contract: Contract, columns: list[str], delimiter: str, data: bytes, at: int) -> str:
    """A temporary table of text columns filled by COPY straight from the file's bytes (header skipped)."""
    name = f"_bulk_{contract.table.name}"
    with raw(conn).cursor() as cur:
        cur.execute(
            sql.SQL("CREATE TEMPORARY TABLE {} ({}) ON COMMIT DROP").format(
                sql.Identifier(name), sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(c)) for c in columns)
            )
        )
        copy_sql = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv, HEADER true, DELIMITER {}, ENCODING 'UTF8')").format(
            sql.Identifier(name), sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Literal(delimiter)
        )
        view = memoryview(data)
        with cur.copy(copy_sql) as copy:
            for i in range(at, len(view), COPY_CHUNK):
                copy.write(view[i : i + COPY_CHUNK])
    return name


def _check(conn: Connection, contract: Contract, stage: str, today: date) -> tuple[int, date, date] | None:
    """Rows, earliest and latest date when every cell is in strict form and every date plausible; else None.

    Without a regular expression (most of a second per million rows): a date must survive the round trip
    through the date type unchanged and lie in range as text; a count holds no sign, and the cast of the
    merge refuses anything else that is not a whole number in range. A cast that fails makes the merge fail,
    which hands the file to the precise importer too; references are left to the database's own check.
    """
    checks: list[sql.Composable] = []
    counts: list[sql.Composable] = []
    for f in contract.fields:
        col = sql.SQL("s.{}").format(sql.Identifier(f.name))
        if f.kind == "text":
            # First and last characters printable ASCII: nothing the precise reader would trim.
            checks.append(
                sql.SQL("ascii({c}) BETWEEN 33 AND 126 AND ascii(right({c}, 1)) BETWEEN 33 AND 126").format(c=col)
            )
        elif f.kind == "date":
            latest = today if f.event is not None else today + timedelta(days=366)
            checks.append(
                sql.SQL(
                    "length({c}) = 10 AND to_char({c}::date, 'YYYY-MM-DD') = {c}"
                    ' AND {c} COLLATE "C" BETWEEN {lo} AND {hi}'
                ).format(c=col, lo=sql.Literal(EARLIEST.isoformat()), hi=sql.Literal(latest.isoformat()))
            )
        elif f.kind == "count":
            counts.append(col)
            if f.required:
                checks.append(sql.SQL("{} <> ''").format(col))
    if counts:
        signs = sql.SQL("concat({})").format(sql.SQL(", ").join(counts))
        checks.append(sql.SQL("strpos({s}, '+') = 0 AND strpos({s}, '-') = 0").format(s=signs))
    dates = [sql.SQL("s.{}").format(sql.Identifier(f.name)) for f in contract.fields if f.kind == "date"]
    query = sql.SQL(
        "SELECT count(*), count(*) FILTER (WHERE NOT coalesce({ok}, false)),"
        ' min(least({dates}) COLLATE "C"), max(greatest({dates}) COLLATE "C") FROM {stage} s'
    ).format(ok=sql.SQL(" AND ").join(checks), dates=sql.SQL(", ").join(dates), stage=sql.Identifier(stage))
    with raw(conn).cursor() as cur:
        rows, bad, lo, hi = cur.execute(query).fetchone()
    if bad or not rows:
        return None
    return rows, date.fromisoformat(lo), date.fromisoformat(hi)


def _typed(f: Any) -> sql.Composable:
    col = sql.Identifier(f.name)
    if f.kind == "date":
        return sql.SQL("{}::date AS {}").format(col, col)
    if f.kind == "count":
        return sql.SQL("coalesce(nullif({}, ''), '0')::integer AS {}").format(col, col)
    return sql.SQL("{}::varchar AS {}").format(col, col)


def _merge(
    conn: Connection, contract: Contract, stage: str, batch_id: int, lo: date, hi: date
) -> tuple[int, int, date | None, date | None] | None:
    """Insert the new keys, update the rows that differ (their previous version kept for undo), leave equal
    ones alone: one statement. None when a key is in the file twice among the rows already in the table."""
    table = contract.table
    key = list(contract.key)
    cols = [f.name for f in contract.fields]
    nonkey = [c for c in cols if c not in key]
    date_key = next(c for c in key if table.c[c].type.python_type is date)
    ident = sql.Identifier
    t, s, m = ident(table.name), ident("s"), ident("m")

    def same_key(a: sql.Composable, b: sql.Composable) -> sql.Composable:
        return sql.SQL(" AND ").join(sql.SQL("{}.{} = {}.{}").format(a, ident(k), b, ident(k)) for k in key)

    def row(alias: sql.Composable, names: list[str]) -> sql.Composable:
        return sql.SQL("({})").format(sql.SQL(", ").join(sql.SQL("{}.{}").format(alias, ident(n)) for n in names))

    typed = sql.SQL(", ").join(_typed(f) for f in contract.fields)
    with raw(conn).cursor() as cur:
        overlap = sql.SQL("SELECT EXISTS (SELECT 1 FROM {} WHERE {} BETWEEN %(lo)s AND %(hi)s)").format(
            t, ident(date_key)
        )
        if not cur.execute(overlap, {"lo": lo, "hi": hi}).fetchone()[0]:
            # No row of the table lies within the file's dates, so every key is new: a plain INSERT, 1-2 s
            # quicker per million rows than the merge (no materialised rows, no anti-join). A key twice in
            # the file breaks the primary key, which hands the file to the precise importer.
            insert = sql.SQL("INSERT INTO {} ({}, import_batch_id) SELECT {}, %(batch)s FROM {}").format(
                t, sql.SQL(", ").join(map(ident, cols)), typed, ident(stage)
            )
            return cur.execute(insert, {"batch": batch_id}).rowcount, 0, lo, hi

    query = sql.SQL(
        "WITH s AS MATERIALIZED (SELECT {typed} FROM {stage}),"
        # The file's rows whose key is in the table, found by the key's date within the file's dates.
        " m AS MATERIALIZED (SELECT s.*, to_jsonb(a) AS prev, {old} IS DISTINCT FROM {new} AS differs"
        "   FROM s JOIN {t} a ON {join_a} WHERE a.{dk} BETWEEN %(lo)s AND %(hi)s),"
        " ins AS (INSERT INTO {t} ({cols}, import_batch_id)"
        "   SELECT {s_cols}, %(batch)s FROM s WHERE NOT EXISTS (SELECT 1 FROM m WHERE {join_m})"
        "   RETURNING {dk}),"
        " upd AS (UPDATE {t} a SET {sets}, import_batch_id = %(batch)s FROM m WHERE m.differs AND {join_am}"
        "   RETURNING a.{dk}),"
        " saved AS (INSERT INTO import_undo (batch_id, table_name, row)"
        "   SELECT %(batch)s, %(table)s, m.prev FROM m WHERE m.differs RETURNING 1)"
        " SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM upd),"
        "   least((SELECT min({dk}) FROM ins), (SELECT min({dk}) FROM upd)),"
        "   greatest((SELECT max({dk}) FROM ins), (SELECT max({dk}) FROM upd)),"
        "   (SELECT count(*) FROM m) - (SELECT count(*) FROM (SELECT DISTINCT {m_key} FROM m) k),"
        "   (SELECT count(*) FROM saved)"
    ).format(
        typed=typed,
        stage=ident(stage),
        old=row(ident("a"), nonkey),
        new=row(s, nonkey),
        t=t,
        join_a=same_key(ident("a"), s),
        dk=ident(date_key),
        cols=sql.SQL(", ").join(map(ident, cols)),
        s_cols=sql.SQL(", ").join(sql.SQL("s.{}").format(ident(c)) for c in cols),
        join_m=same_key(m, s),
        sets=sql.SQL(", ").join(sql.SQL("{} = m.{}").format(ident(c), ident(c)) for c in nonkey),
        join_am=same_key(ident("a"), m),
        m_key=sql.SQL(", ").join(sql.SQL("m.{}").format(ident(k)) for k in key),
    )
    with raw(conn).cursor() as cur:
        inserted, updated, first, last, twice, _saved = cur.execute(
            query, {"lo": lo, "hi": hi, "batch": batch_id, "table": table.name}
        ).fetchone()
    if twice:
        return None
    return inserted, updated, first, last
