"""Recompute kpi_values: every KPI x org unit x grain x period of the data window."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, delete, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from db import schema
from metrics.pillar import refresh_units
from metrics.registry import KPIS, PILLARS, SQL_DIR

WINDOW_SQL = (SQL_DIR / "_window.sql").read_text()


@dataclass(frozen=True)
class RefreshResult:
    rows: int
    seconds: float
    window_start: date | None
    window_end: date | None
    recomputed_from: date | None


def statements(sql: str) -> list[str]:
    """Split a trusted .sql file into statements (each ends with ';' at the end of a line)."""
    return [s.strip() for s in re.split(r";\s*$", sql, flags=re.MULTILINE) if s.strip() and not _only_comments(s)]


def _only_comments(sql: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in sql.splitlines())


def sync_catalogue(conn: Connection) -> None:
    """Upsert the pillars and KPIs of the registry into their tables (nothing when they hold it already)."""
    pillars = [
        dict(id=p.id, title=p.title, default_weight=p.default_weight, position=position)
        for position, p in enumerate(PILLARS)
    ]
    kpis = [
        dict(
            id=k.id,
            pillar=k.pillar,
            title=k.title,
            unit=k.unit,
            default_target=k.default_target,
            min_target=k.min_target,
            max_target=k.max_target,
            position=position,
            min_respondents=k.min_respondents,
        )
        for position, k in enumerate(KPIS)
    ]
    for table, rows in ((schema.pillars, pillars), (schema.kpis, kpis)):
        # One read instead of a write per row on every refresh.
        held = [
            dict(r._mapping) for r in conn.execute(select(*(table.c[c] for c in rows[0])).order_by(table.c.position))
        ]
        if held == rows:
            continue
        for row in rows:
            stmt = pg_insert(table).values(**row)
            conn.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=dict(stmt.excluded)))


def data_window(conn: Connection) -> tuple[date | None, date | None]:
    """The data window of KPIS.md: first activity day (or first event) to the last event."""
    row = conn.execute(text(WINDOW_SQL)).one()
    return row.window_start, row.window_end


def pending(conn: Connection, *, lock: bool = False) -> tuple[bool, date | None]:
    """What raw-data writes made stale since the last refresh: (every period?, earliest date touched).

    Kept by triggers on the raw tables (migration 0002), so it survives imports made with
    --no-refresh, a crash, or a write from psql. `lock` holds it until the caller commits, so a
    concurrent import waits and then marks its own changes dirty again.
    """
    t = schema.refresh_pending
    query = select(t.c.dirty_all, t.c.dirty_from).where(t.c.id == 1)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:  # never expected; treat the unknown as everything
        conn.execute(pg_insert(t).values(id=1, dirty_all=True).on_conflict_do_nothing())
        return True, None
    return row.dirty_all, row.dirty_from


def refresh(conn: Connection, *, since: date | None = None, full: bool = False) -> RefreshResult:
    """Recompute kpi_values for what is stale: every period, or those ending on or after the
    earliest date any write touched (and on or after `since`, when given).

    Runs inside the caller's transaction, so readers see the old values until it commits. Any
    sequence of writes and refreshes ends with the same kpi_values as a full refresh.
    """
    started = time.perf_counter()
    sync_catalogue(conn)
    dirty_all, dirty_from = pending(conn, lock=True)
    window_start, window_end = data_window(conn)
    last = _last_window(conn)
    if full or dirty_all or last is None or window_start is None or last.window_start != window_start:
        recompute_from = window_start
    else:
        starts = [d for d in (since, dirty_from) if d is not None]
        if window_end != last.window_end:
            # The periods holding the old or the new window end change their partial flag; every one of
            # them ends on or after the earlier of the two ends (recomputing is by period end).
            starts.append(min(window_end, last.window_end))
        if not starts:
            return RefreshResult(0, time.perf_counter() - started, window_start, window_end, None)
        recompute_from = max(min(starts), window_start)

    if recompute_from is None:
        conn.execute(delete(schema.kpi_values))
        conn.execute(delete(schema.person_periods))
        refresh_units(conn, None)
        rows = 0
    else:
        conn.execute(delete(schema.kpi_values).where(schema.kpi_values.c.period_end >= recompute_from))
        # Periods that no longer overlap the window (data removed) must not linger.
        # (The period_end bound, implied by the start's, lets the delete use the index on period_end.)
        conn.execute(
            delete(schema.kpi_values).where(
                schema.kpi_values.c.period_end > window_end, schema.kpi_values.c.period_start > window_end
            )
        )
        params = {"window_start": window_start, "window_end": window_end, "recompute_from": recompute_from}
        for stmt in statements((SQL_DIR / "_prepare.sql").read_text()):
            conn.execute(text(stmt), params)
        conn.execute(
            insert(_kpi_table()),
            [
                {"kpi_id": k.id, "value_kind": k.value_kind, "rollup": k.rollup, "min_respondents": k.min_respondents}
                for k in KPIS
            ],
        )
        for k in KPIS:
            # k.sql is a file of this package, never user input; values travel as bound parameters.
            conn.execute(
                text("INSERT INTO _attached SELECT :kpi_id, q.* FROM (" + k.sql + ") AS q"),  # noqa: S608
                {"kpi_id": k.id, **params},
            )
        rows = 0
        for stmt in statements((SQL_DIR / "_rollup.sql").read_text()):
            rows = conn.execute(text(stmt)).rowcount  # the last statement is the INSERT
        refresh_units(conn, params)  # what the pillar pages read per unit, for the same periods
        if recompute_from == window_start:
            # The table was rewritten: without fresh statistics the next pages plan on the old ones
            # (measured: the Overview on `large` 3x slower until autovacuum got to it).
            conn.execute(text("ANALYZE kpi_values"))
            conn.execute(text("ANALYZE person_periods"))  # the pillar pages' quadrant: 1.9 s -> 0.2 s on large

    conn.execute(
        update(schema.refresh_pending).where(schema.refresh_pending.c.id == 1).values(dirty_all=False, dirty_from=None)
    )
    seconds = time.perf_counter() - started
    conn.execute(
        insert(schema.refreshes).values(
            finished_at=func.now(),
            window_start=window_start,
            window_end=window_end,
            rows_written=rows,
            seconds=seconds,
            full=recompute_from == window_start,
        )
    )
    return RefreshResult(rows, seconds, window_start, window_end, recompute_from)


def vacuum(engine) -> None:
    """After a full refresh, outside its transaction: reclaim the replaced rows now, rather than
    have autovacuum do it while the first pages are read (measured: the Overview on `large`
    2.3x slower while it ran)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(
            "VACUUM (ANALYZE) kpi_values, person_periods, unit_scores, unit_periods, unit_meeting_days,"
            " unit_coaching, source_freshness"
        )


def _kpi_table():
    from sqlalchemy import Column, Integer, MetaData, Table, Text

    return Table(
        "_kpi",
        MetaData(),
        Column("kpi_id", Text),
        Column("value_kind", Text),
        Column("rollup", Text),
        Column("min_respondents", Integer),
    )


def _last_window(conn: Connection):
    """The data window the last finished refresh saw (a row with window_start, window_end), or None."""
    return conn.execute(
        select(schema.refreshes.c.window_start, schema.refreshes.c.window_end)
        .where(schema.refreshes.c.finished_at.is_not(None))
        .order_by(schema.refreshes.c.id.desc())
        .limit(1)
    ).first()
