"""Import batches: one per file imported (source, file, SHA-256, counts, who, when, status), and undoing the last."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import sql as pg_sql
from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.exc import DBAPIError

from db import audit, schema
from db.importers.report import SHOWN_ERRORS, FileResult, ImportFailed
from db.importers.write import db_message, deferred_constraints, raw, set_constraints

# Sources whose tables are histories (append-only): a batch of them cannot be taken back, only superseded.
HISTORY_TABLES = frozenset({"targets", "pillar_weights"})


class UndoRefused(Exception):
    """The batch cannot be undone; the message says why."""


def open_batch(conn: Connection, source: str, result: FileResult, imported_by: str | None, started: datetime) -> int:
    """A 'running' batch row in the import's own transaction: if the import dies, it goes with it."""
    b = schema.import_batches
    batch = conn.execute(
        insert(b)
        .values(
            source=source,
            file_name=result.file_name,
            sha256=result.sha256,
            rows_read=result.rows_read,
            status="running",
            imported_by=imported_by,
            started_at=started,
            details=result.details(),
        )
        .returning(b.c.id)
    ).scalar_one()
    # In the import's transaction: the audit entry stands exactly when the import does.
    audit.record(conn, imported_by, "import", result.file_name, source=source, batch=batch, sha256=result.sha256)
    return batch


def close_batch(conn: Connection, result: FileResult) -> None:
    b = schema.import_batches
    conn.execute(
        update(b)
        .where(b.c.id == result.batch_id)
        .values(
            rows_read=result.rows_read,
            rows_inserted=result.inserted,
            rows_updated=result.updated,
            rows_unchanged=result.unchanged,
            rows_skipped=result.skipped,
            rows_rejected=0,
            status="succeeded",
            finished_at=func.clock_timestamp(),
            details=result.details(),
        )
    )


def record_failure(
    conn: Connection, failure: ImportFailed, *, imported_by: str | None = None, source: str | None = None
) -> list[int]:
    """Record one 'failed' import_batches row per file of a failed import; call it in a transaction of its own."""
    ids = []
    for f in failure.files:
        audit.record(
            conn, imported_by, "import.failed", f.file_name, source=source or failure.source, errors=failure.error_count
        )
        errors = [e for e in failure.errors if e.file == f.file_name]
        message = "\n".join(str(e) for e in errors[:SHOWN_ERRORS]) or str(failure).splitlines()[0]
        ids.append(
            conn.execute(
                insert(schema.import_batches)
                .values(
                    source=source or failure.source,
                    file_name=f.file_name,
                    sha256=f.sha256,
                    rows_read=f.rows_read,
                    rows_rejected=f.rejected,
                    rows_skipped=f.skipped,
                    status="failed",
                    message=message,
                    imported_by=imported_by,
                    finished_at=func.clock_timestamp(),
                    details={
                        **f.details(),
                        "error_count": failure.error_count,
                        "errors": [e.as_dict() for e in errors[:1000]],
                    },
                )
                .returning(schema.import_batches.c.id)
            ).scalar_one()
        )
    return ids


def seen_before(conn: Connection, shas: Mapping[str, str]) -> list[str]:
    """Recognise files already imported, by SHA-256: one warning per file (sha -> file name)."""
    t = schema.import_batches
    rows = conn.execute(
        select(t.c.sha256, func.max(t.c.id), func.max(t.c.finished_at))
        .where(t.c.sha256.in_(list(shas)), t.c.status == "succeeded")
        .group_by(t.c.sha256)
    )
    return [
        f"{shas[sha]}: the same file was imported before (batch {bid}{f', {when:%Y-%m-%d %H:%M}' if when else ''})"
        for sha, bid, when in rows
    ]


def history(conn: Connection, *, source: str | None = None, limit: int = 50) -> list[Any]:
    """The newest batches first, for the import history."""
    b = schema.import_batches
    q = select(b).order_by(b.c.id.desc()).limit(limit)
    if source is not None:
        q = q.where(b.c.source == source)
    return list(conn.execute(q))


@dataclass(frozen=True)
class UndoResult:
    batch_ids: list[int]
    deleted: int
    restored: int


def last_import(conn: Connection, source: str) -> list[Any]:
    """The batches of the last succeeded import of `source` (a canonical folder is one batch per file)."""
    b = schema.import_batches
    last = conn.execute(
        select(b.c.started_at).where(b.c.source == source, b.c.status == "succeeded").order_by(b.c.id.desc()).limit(1)
    ).scalar()
    if last is None:
        return []
    return list(
        conn.execute(
            select(b).where(b.c.source == source, b.c.status == "succeeded", b.c.started_at == last).order_by(b.c.id)
        )
    )


def undo_last(conn: Connection, source: str, *, actor: str | None = None) -> UndoResult:
    """Undo the last import of `source` in the caller's transaction: delete the rows it inserted and restore
    the rows it updated. Refused for histories, and when a later import has since rewritten any of its rows."""
    batches = last_import(conn, source)
    if not batches:
        raise UndoRefused(f"no import of {source} to undo")
    by_table: dict[str, list[int]] = {}
    for b in batches:
        table = (b.details or {}).get("table")
        if table in HISTORY_TABLES and b.rows_inserted:
            raise UndoRefused(
                f"batch {b.id} ({b.file_name}) added {table} records: a history is never edited, "
                "import the previous values again to supersede them"
            )
        if table and (b.rows_inserted or b.rows_updated):
            by_table.setdefault(table, []).append(b.id)
    order = [t.name for t in schema.RAW_TABLES]
    deleted = restored = 0
    tables = [schema.metadata.tables[name] for name in order if name in by_table]
    names = deferred_constraints(tables)
    try:
        with conn.begin_nested():
            for table in reversed(tables):
                ids = by_table[table.name]
                written = sum(b.rows_inserted + b.rows_updated for b in batches if b.id in ids)
                still = conn.scalar(select(func.count()).select_from(table).where(table.c.import_batch_id.in_(ids)))
                if still != written:
                    raise UndoRefused(
                        f"{written - still:,} of the {written:,} {table.name} rows this import wrote were changed "
                        "since by a later import: undo that one first"
                    )
                deleted += conn.execute(delete(table).where(table.c.import_batch_id.in_(ids))).rowcount
                restored += _restore(conn, table.name, ids)
            set_constraints(conn, names, "IMMEDIATE")
    except DBAPIError as exc:
        raise UndoRefused(f"the database refused the undo: {db_message(exc)}") from exc
    finally:
        if not conn.invalidated:
            set_constraints(conn, names, "DEFERRED")
    b = schema.import_batches
    conn.execute(
        update(b)
        .where(b.c.id.in_([x.id for x in batches]))
        .values(status="undone", message=f"undone by {actor or 'unknown'}")
    )
    return UndoResult([x.id for x in batches], deleted - restored, restored)


def _restore(conn: Connection, table: str, batch_ids: Sequence[int]) -> int:
    """Put back the versions of the rows these batches updated (their own earlier batch id included)."""
    stmt = pg_sql.SQL(
        "INSERT INTO {t} SELECT (jsonb_populate_record(NULL::{t}, u.row)).* FROM import_undo u "
        "WHERE u.batch_id = ANY(%s) AND u.table_name = %s"
    ).format(t=pg_sql.Identifier(table))
    with raw(conn).cursor() as cur:
        cur.execute(stmt, (list(batch_ids), table))
        return cur.rowcount
