"""`make bench`: refresh time per profile, measured side by side in one run, as ratios."""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import time

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import seed as seeding
from db.engine import make_engine
from db.migrate import upgrade
from db.settings import embedded_url, normalise
from metrics.overview import overview
from metrics.periods import default_period, periods
from metrics.refresh import refresh, sync_catalogue
from metrics.scope import company_scope


def _server() -> str:
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    return normalise(url) if url else embedded_url()


def _timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def measure(profile: str, repeat: int) -> dict:
    server = make_url(_server())
    name = f"flywheel_bench_{secrets.token_hex(3)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')  # generated name
    eng = make_engine(server.set(database=name).render_as_string(hide_password=False), statement_timeout_ms=0)
    try:
        with eng.begin() as conn:
            upgrade(conn)
            sync_catalogue(conn)
            started = time.perf_counter()
            seeding.load(conn, profile)
            seed_s = time.perf_counter() - started
        with eng.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        with eng.connect() as conn:
            people = conn.execute(text("SELECT count(*) FROM people")).scalar_one()
            activity = conn.execute(text("SELECT count(*) FROM crm_activity")).scalar_one()

        def full_refresh():
            with eng.begin() as conn:
                return refresh(conn)

        refresh_s, result = _timed(full_refresh, repeat)
        with eng.connect() as conn:
            scope = company_scope(conn)
            period = default_period(periods(conn, "month"))
            page_s, _ = _timed(lambda: overview(conn, scope, scope.roots[0], "month", period.start), repeat)
        return {
            "profile": profile,
            "people": people,
            "activity": activity,
            "rows": result.rows,
            "seed_s": seed_s,
            "refresh_s": refresh_s,
            "overview_s": page_s,
        }
    finally:
        eng.dispose()
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench")
    parser.add_argument("--profiles", default="small,demo", help="comma-separated, smallest first")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    results = [measure(p, args.repeat) for p in args.profiles.split(",")]
    print(
        f"{'profile':8} {'people':>7} {'activity rows':>13} {'kpi rows':>9} {'seed s':>7} {'refresh s':>9} {'overview ms':>11}"
    )
    for r in results:
        print(
            f"{r['profile']:8} {r['people']:7,} {r['activity']:13,} {r['rows']:9,} {r['seed_s']:7.2f} "
            f"{r['refresh_s']:9.2f} {r['overview_s'] * 1000:11.0f}"
        )
    base = results[0]
    for r in results[1:]:
        data = (r["activity"] + r["rows"]) / (base["activity"] + base["rows"])
        cost = r["refresh_s"] / base["refresh_s"]
        print(
            f"{r['profile']} vs {base['profile']}: data x{data:.1f}, refresh time x{cost:.1f} "
            f"(time/data ratio {cost / data:.2f}; <= 1 means no worse than linear)"
        )


if __name__ == "__main__":
    main()
