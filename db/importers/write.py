"""Writing: COPY checked rows into a temporary stage, then one statement per table that upserts, updates or appends.

The writer can set a subset of columns: login history writes only `logins` (a new row gets the other counts'
defaults), a calendar never overwrites what someone logged on the Meetings page. Every written row carries
its batch; the previous version of every updated row goes to import_undo, so the batch can be undone.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from psycopg import sql as pg_sql
from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    Connection,
    MetaData,
    Select,
    String,
    Table,
    and_,
    func,
    insert,
    literal,
    literal_column,
    not_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert

from db import schema

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class Counts:
    inserted: int = 0
    updated: int = 0
    lo: date | None = None  # earliest date written or replaced
    hi: date | None = None


def raw(conn: Connection) -> Any:
    """The psycopg connection under `conn`, in the same transaction."""
    return conn.connection.dbapi_connection


def stage(conn: Connection, table: Table, columns: Sequence[str], frame: pd.DataFrame) -> Table:
    """A temporary table with `columns` of `table`, filled by COPY from `frame` (text cells, None for NULL)."""
    st = Table(
        f"_stage_{table.name}",
        MetaData(),
        *(Column(n, table.c[n].type) for n in columns),
        prefixes=["TEMPORARY"],
        postgresql_on_commit="DROP",
    )
    st.drop(conn, checkfirst=True)
    st.create(conn)
    copy_sql = pg_sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(
        pg_sql.Identifier(st.name), pg_sql.SQL(", ").join(map(pg_sql.Identifier, columns))
    )
    data = _csv_bytes(frame[list(columns)])
    with raw(conn).cursor() as cur, cur.copy(copy_sql) as copy:
        view = memoryview(data)
        for start in range(0, len(view), 8 << 20):
            copy.write(view[start : start + (8 << 20)])
    return st


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    """Text cells as CSV for COPY: NULL unquoted and empty, any other value quoted where needed."""
    import pyarrow as pa  # here: the bulk path writes without it
    from pyarrow import csv as pacsv

    arrays = {str(c): pa.array(frame[c].astype(object).where(frame[c].notna(), None), type=pa.string()) for c in frame}
    out = io.BytesIO()
    pacsv.write_csv(
        pa.table(arrays),
        out,
        write_options=pacsv.WriteOptions(include_header=False, quoting_style="needed", batch_size=1 << 16),
    )
    return out.getvalue()


def _least(cols: list[ColumnElement[Any]]) -> ColumnElement[Any]:
    return cols[0] if len(cols) == 1 else func.least(*cols)


def _greatest(cols: list[ColumnElement[Any]]) -> ColumnElement[Any]:
    return cols[0] if len(cols) == 1 else func.greatest(*cols)


def _dates(table: Table, names: Sequence[str]) -> list[str]:
    return [n for n in names if n in table.c and table.c[n].type.python_type is date]


def upsert(
    conn: Connection,
    table: Table,
    st: Table,
    key: Sequence[str],
    *,
    batch_id: int,
    update_columns: Sequence[str] | None = None,
    mode: Literal["upsert", "update"] = "upsert",
    first_with_parent: bool = False,
) -> Counts:
    """Write the stage into `table` by `key` in one statement: insert new keys (unless mode is 'update'), set
    `update_columns` (default: every staged non-key column) where they differ, leave equal rows alone."""
    names = [c.name for c in st.columns]
    changing = list(update_columns) if update_columns is not None else [n for n in names if n not in key]
    stmt = _upsert(table, st, key, names, changing, batch_id, first_with_parent) if mode == "upsert" else None
    if mode == "update":
        stmt = _update(table, st, key, changing, batch_id)
    row = conn.execute(stmt).one()
    return Counts(row.inserted, row.updated, row.lo, row.hi)


def _join(table: Table, st: Table, key: Sequence[str]):
    return and_(*(table.c[k] == st.c[k] for k in key))


def _differs(left: Table, right, changing: Sequence[str]) -> ColumnElement[bool]:
    """(left's columns) IS DISTINCT FROM (right's); right is a table or the EXCLUDED pseudo-row of an upsert."""
    cols = getattr(right, "c", right)
    return tuple_(*(left.c[n] for n in changing)).is_distinct_from(tuple_(*(cols[n] for n in changing)))


def _old_rows(table: Table, st: Table, key: Sequence[str], changing: Sequence[str], batch_id: int):
    """The rows this write will change, as they are now (every CTE reads the table before the write), kept for undo."""
    old = select(table).select_from(table.join(st, _join(table, st, key))).where(_differs(table, st, changing))
    old = old.cte("old")
    saved = (
        insert(schema.import_undo)
        .from_select(
            ["batch_id", "table_name", "row"],
            select(literal(batch_id), literal(table.name, String()), func.to_jsonb(old.table_valued())),
        )
        .returning(literal_column("1").label("one"))
        .cte("saved")
    )
    return old, saved


def _upsert(
    table: Table,
    st: Table,
    key: Sequence[str],
    names: list[str],
    changing: list[str],
    batch_id: int,
    first_with_parent: bool,
) -> Select[Any]:
    rows = select(*(st.c[n] for n in names), literal(batch_id).label("import_batch_id"))
    if first_with_parent:
        # Units with a parent first: the old root gets its parent before the new root arrives, so the single-root
        # unique index (checked row by row) never sees two roots.
        rows = rows.order_by(st.c.parent_id.is_(None))
    ins = pg_insert(table).from_select([*names, "import_batch_id"], rows)
    if changing:
        ins = ins.on_conflict_do_update(
            index_elements=[table.c[k] for k in key],
            set_={**{n: ins.excluded[n] for n in changing}, "import_batch_id": ins.excluded.import_batch_id},
            where=_differs(table, ins.excluded, changing),
        )
    else:
        ins = ins.on_conflict_do_nothing(index_elements=[table.c[k] for k in key])
    dates = _dates(table, names)
    # xmax is 0 only on a freshly inserted row version; an updated one carries this transaction's id.
    returning: list[ColumnElement[Any]] = [literal_column("(xmax = 0)", Boolean).label("inserted")]
    if dates:
        returning += [
            _least([table.c[d] for d in dates]).label("lo"),
            _greatest([table.c[d] for d in dates]).label("hi"),
        ]
    up = ins.returning(*returning).cte("up")
    old, saved = _old_rows(table, st, key, changing or list(key), batch_id)
    lo = [select(func.min(up.c.lo)).scalar_subquery()] if dates else []
    hi = [select(func.max(up.c.hi)).scalar_subquery()] if dates else []
    replaced = [d for d in dates if d in changing]
    if replaced:
        # The values an update overwrites are touched too.
        lo.append(select(func.min(_least([old.c[d] for d in replaced]))).scalar_subquery())
        hi.append(select(func.max(_greatest([old.c[d] for d in replaced]))).scalar_subquery())
    return select(
        select(func.count()).select_from(up).where(up.c.inserted).scalar_subquery().label("inserted"),
        select(func.count()).select_from(up).where(not_(up.c.inserted)).scalar_subquery().label("updated"),
        (_least(lo) if lo else literal(None)).label("lo"),
        (_greatest(hi) if hi else literal(None)).label("hi"),
        select(func.count()).select_from(saved).scalar_subquery().label("saved"),
    )


def _update(table: Table, st: Table, key: Sequence[str], changing: list[str], batch_id: int) -> Select[Any]:
    """Only rows whose key exists are changed: an adapter never creates people."""
    upd = (
        update(table)
        .values({**{n: st.c[n] for n in changing}, "import_batch_id": batch_id})
        .where(_join(table, st, key), _differs(table, st, changing))
    )
    dates = _dates(table, changing)
    returning: list[ColumnElement[Any]] = [literal(1).label("one")]
    if dates:
        returning += [
            _least([table.c[d] for d in dates]).label("lo"),
            _greatest([table.c[d] for d in dates]).label("hi"),
        ]
    up = upd.returning(*returning).cte("up")
    _old, saved = _old_rows(table, st, key, changing, batch_id)
    return select(
        literal(0).label("inserted"),
        select(func.count()).select_from(up).scalar_subquery().label("updated"),
        (select(func.min(up.c.lo)).scalar_subquery() if dates else literal(None)).label("lo"),
        (select(func.max(up.c.hi)).scalar_subquery() if dates else literal(None)).label("hi"),
        select(func.count()).select_from(saved).scalar_subquery().label("saved"),
    )


def append(
    conn: Connection, table: Table, st: Table, key: Sequence[str], *, batch_id: int, recorded_by: str | None
) -> Counts:
    """A history file: a row is appended unless its key's latest record says the same; never an UPDATE."""
    names = [c.name for c in st.columns]
    nonkey = [n for n in names if n not in key]
    latest = table.alias("latest")
    # Correlated by hand: nested inside EXISTS inside INSERT ... SELECT, automatic correlation does not reach the stage.
    newest_id = (
        select(func.max(table.c.id)).where(*(table.c[k] == st.c[k] for k in key)).correlate(st).scalar_subquery()
    )
    same_as_latest = (
        select(literal(1))
        .select_from(latest)
        .where(
            latest.c.id == newest_id,
            tuple_(*(latest.c[n] for n in nonkey)).is_not_distinct_from(tuple_(*(st.c[n] for n in nonkey))),
        )
        .correlate(st)
    )
    rows = select(
        *(st.c[n] for n in names),
        literal(recorded_by, String()).label("recorded_by"),
        literal(batch_id).label("import_batch_id"),
    ).where(not_(same_as_latest.exists()))
    dates = _dates(table, names)
    ins = insert(table).from_select([*names, "recorded_by", "import_batch_id"], rows)
    up = ins.returning(
        _least([table.c[d] for d in dates]).label("lo"), _greatest([table.c[d] for d in dates]).label("hi")
    )
    up = up.cte("up")
    row = conn.execute(
        select(
            select(func.count()).select_from(up).scalar_subquery().label("inserted"),
            select(func.min(up.c.lo)).scalar_subquery().label("lo"),
            select(func.max(up.c.hi)).scalar_subquery().label("hi"),
        )
    ).one()
    return Counts(row.inserted, 0, row.lo, row.hi)


def set_constraints(conn: Connection, names: Sequence[str], mode: Literal["IMMEDIATE", "DEFERRED"]) -> None:
    if names:
        stmt = pg_sql.SQL("SET CONSTRAINTS {} " + mode).format(
            pg_sql.SQL(", ").join(map(pg_sql.Identifier, sorted(set(names))))
        )
        conn.exec_driver_sql(stmt.as_string(raw(conn)))


# Deferred checks kept by constraint triggers instead of foreign keys (migration 0012), by the table they guard.
TRIGGER_CONSTRAINTS = {"people": ("fk_crm_activity_person_id_people",)}


def deferred_constraints(tables: Sequence[Table]) -> list[str]:
    names = [
        fk.name for t in tables for fk in t.foreign_key_constraints if fk.deferrable and fk.initially == "DEFERRED"
    ]
    return names + [n for t in tables for n in TRIGGER_CONSTRAINTS.get(t.name, ())]


def db_message(exc: Exception) -> str:
    orig = getattr(exc, "orig", exc)
    diag = getattr(orig, "diag", None)
    if diag is not None and diag.message_primary:
        return diag.message_primary + (f" ({diag.message_detail})" if diag.message_detail else "")
    return str(orig).splitlines()[0]
