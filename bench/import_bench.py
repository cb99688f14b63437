"""Import throughput, measured in one run (`python -m bench.import_bench`):

1. a 1,000,000-row crm_activity.csv through `flywheel import canonical FILE --no-refresh` (the whole command:
   start-up, the file's bytes COPYed into a stage, checked in SQL, merged into the indexed table, the batch)
   / a bare `psql \\copy` of the same file into an unindexed table (target <= 1.5); with the import's stages
   and the floor, a `psql \\copy` straight into crm_activity with its key, index and triggers;
2. the incremental refresh after importing one new week of activity on the demo profile / `refresh --full`
   (target <= 0.1).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import seed as seeding
from db.engine import make_engine
from db.migrate import upgrade
from db.settings import embedded_url, normalise, plain
from metrics.refresh import refresh, sync_catalogue

IMPORT_TARGET = 1.5
REFRESH_TARGET = 0.1
ROOT = Path(__file__).resolve().parent.parent


def _server() -> str:
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    return normalise(url) if url else embedded_url()


def _database(name: str) -> str:
    server = make_url(_server())
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')  # generated name
    admin.dispose()
    url = server.set(database=name).render_as_string(hide_password=False)
    eng = make_engine(url, statement_timeout_ms=0)
    with eng.begin() as conn:
        upgrade(conn)
        sync_catalogue(conn)
        seeding.load(conn, "demo")
    with eng.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    eng.dispose()
    return url


def _drop(name: str) -> None:
    admin = create_engine(make_url(_server()), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def _write_activity(path: Path, people: list[str], start: date, days: int, rows: int) -> int:
    rnd = random.Random(7)
    written = 0
    with path.open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["person_id", "date", "logins", "records_created", "records_updated", "reports_viewed"])
        for d in range(days):
            day = (start + timedelta(days=d)).isoformat()
            for p in people:
                if written == rows:
                    return written
                w.writerow([p, day, rnd.randint(0, 5), rnd.randint(0, 9), rnd.randint(0, 20), rnd.randint(0, 3)])
                written += 1
    return written


def _timed(cmd: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:6])} failed: {done.stderr.strip()[-2000:]}")
    return time.perf_counter() - started


def _reset(eng) -> None:
    """Back to the demo data: the file's rows are new again for the next import or copy."""
    with eng.begin() as conn:
        conn.exec_driver_sql("DELETE FROM crm_activity WHERE date < '2025-01-01'")
        conn.exec_driver_sql("DELETE FROM import_undo")
        conn.exec_driver_sql("DROP TABLE IF EXISTS bench_bare")
    with eng.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE crm_activity")


def _stages(url: str, path: Path) -> str:
    """The import once in this process, second by second: where its time goes (Python start-up excluded)."""
    from db.canonical import import_files
    from db.importers import bulk

    eng = make_engine(url, statement_timeout_ms=0)
    started = time.perf_counter()
    with eng.connect() as conn:
        tx = conn.begin()
        import_files(conn, [path])
        stages = dict(bulk.LAST.stages)
        before_commit = time.perf_counter()
        tx.commit()
        stages["commit"] = time.perf_counter() - before_commit
    total = time.perf_counter() - started
    eng.dispose()
    return ", ".join(f"{k} {v:.2f}" for k, v in stages.items()) + f" (in all {total:.2f} s)"


def throughput(url: str, rows: int, rounds: int) -> None:
    eng = make_engine(url, statement_timeout_ms=0)
    with eng.connect() as conn:
        people = list(conn.scalars(text("SELECT id FROM people ORDER BY id")))
    columns = "person_id, date, logins, records_created, records_updated, reports_viewed"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "crm_activity.csv"
        days = -(-rows // len(people))
        n = _write_activity(path, people, date(2019, 1, 1), days, rows)
        env = {**os.environ, "DATABASE_URL": url}
        psql = ["psql", "-q", "-v", "ON_ERROR_STOP=1", plain(url)]
        copy = f"FROM '{path}' WITH (FORMAT csv, HEADER true)"
        copies, imports, floors = [], [], []
        for _ in range(rounds):  # interleaved, so that load from elsewhere hits all three alike
            _reset(eng)
            with eng.begin() as conn:
                conn.exec_driver_sql(
                    "CREATE TABLE bench_bare (person_id varchar, date date, logins int, records_created int, "
                    "records_updated int, reports_viewed int)"
                )
            copies.append(_timed([*psql, "-c", f"\\copy bench_bare {copy}"], env))
            _reset(eng)
            # The floor of any import that keeps the table's key: the same bytes straight into the real table,
            # its primary key, date index and triggers (no check of the cells, no merge, no batch).
            floors.append(_timed([*psql, "-c", f"\\copy crm_activity ({columns}) {copy}"], env))
            _reset(eng)
            flywheel = [sys.executable, "-m", "cli", "import", "canonical", str(path), "--no-refresh"]
            imports.append(_timed(flywheel, env))
        _reset(eng)
        stages = _stages(url, path)
        _reset(eng)
    copy_s, import_s, floor_s = min(copies), min(imports), min(floors)
    ratio = import_s / copy_s
    print(
        f"{n:,}-row crm_activity.csv: flywheel import {import_s:.2f} s, psql \\copy into an unindexed table {copy_s:.2f} s"
    )
    print(
        f"  all rounds: import {', '.join(f'{t:.2f}' for t in imports)}; copy {', '.join(f'{t:.2f}' for t in copies)}"
    )
    print(f"  the import's stages in seconds: {stages}")
    print(
        f"  floor: psql \\copy into crm_activity itself (its key, date index, triggers) {floor_s:.2f} s "
        f"= {floor_s / copy_s:.2f} x the unindexed copy (all rounds: {', '.join(f'{t:.2f}' for t in floors)})"
    )
    print(f"import / copy = {ratio:.2f} (target <= {IMPORT_TARGET}: {'ok' if ratio <= IMPORT_TARGET else 'over'})")
    eng.dispose()


def incremental(url: str, rounds: int = 5) -> None:
    """Round by round on demo: `refresh --full`, then one new week of activity imported and `refresh`; medians."""
    from db.canonical import import_files

    eng = make_engine(url, statement_timeout_ms=0)
    with eng.begin() as conn:
        refresh(conn, full=True)
        people = list(conn.scalars(text("SELECT id FROM people WHERE NOT is_integration ORDER BY id")))
        last = conn.execute(text("SELECT max(date) FROM crm_activity")).scalar()
    fulls, parts, rows, since = [], [], 0, None
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(rounds):
            started = time.perf_counter()
            with eng.begin() as conn:
                rows = refresh(conn, full=True).rows
            fulls.append(time.perf_counter() - started)
            path = Path(tmp) / "crm_activity.csv"
            _write_activity(path, people, last + timedelta(days=1), 7, len(people) * 7)
            last += timedelta(days=7)
            with eng.begin() as conn:
                import_files(conn, [path], today=last + timedelta(days=1))
            started = time.perf_counter()
            with eng.begin() as conn:
                since = refresh(conn).recomputed_from
            parts.append(time.perf_counter() - started)
    full_s, part_s = statistics.median(fulls), statistics.median(parts)
    ratio = part_s / full_s
    print(
        f"demo: refresh after one new week ({len(people) * 7:,} rows, periods from {since}) "
        f"{part_s:.2f} s, refresh --full {full_s:.2f} s ({rows:,} rows); medians of {rounds} rounds"
    )
    print(
        f"  all rounds: incremental {', '.join(f'{t:.2f}' for t in parts)}; full {', '.join(f'{t:.2f}' for t in fulls)}"
    )
    print(
        f"incremental / full = {ratio:.3f} (target <= {REFRESH_TARGET}: {'ok' if ratio <= REFRESH_TARGET else 'over'})"
    )
    eng.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench.import_bench")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    name = f"flywheel_bench_import_{secrets.token_hex(3)}"
    try:
        url = _database(name)
        throughput(url, args.rows, args.rounds)
        incremental(url)
    finally:
        _drop(name)


if __name__ == "__main__":
    main()
