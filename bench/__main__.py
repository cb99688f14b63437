"""`make bench`: full refresh and Overview model time per profile, measured side by side in one run, as ratios.

Every profile gets its own new database (dropped afterwards); the Overview model is then timed on all
of them in interleaved rounds, as the owner and as the application role (row-level security).

`python -m bench --serve` adds the first page after `flywheel serve` starts against warm pages, in
headless Chromium on the demo profile.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

from sqlalchemy import create_engine, exc, text
from sqlalchemy.engine import make_url

import seed as seeding
from db.access import APP_ROLE
from db.engine import make_engine
from db.migrate import upgrade
from db.settings import embedded_url, normalise
from metrics.overview import overview
from metrics.periods import default_period, periods
from metrics.refresh import refresh, sync_catalogue, vacuum
from metrics.scope import company_scope

OVERVIEW_TARGET = 1.5  # Overview model time on the largest profile / on the smallest


def _server() -> str:
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    return normalise(url) if url else embedded_url()


def _timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


@contextmanager
def _database() -> Iterator[str]:
    """A new migrated database on the server, dropped afterwards."""
    server = make_url(_server())
    name = f"flywheel_bench_{secrets.token_hex(3)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')  # generated name
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        eng = make_engine(url, statement_timeout_ms=0)
        with eng.begin() as conn:
            upgrade(conn)
            sync_catalogue(conn)
        eng.dispose()
        yield url
    finally:
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def measure(url: str, profile: str, repeat: int) -> dict:
    """Seed `profile` and time `refresh --full` on it."""
    eng = make_engine(url, statement_timeout_ms=0)
    try:
        with eng.begin() as conn:
            started = time.perf_counter()
            seeding.load(conn, profile)
            seed_s = time.perf_counter() - started
        with eng.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        with eng.connect() as conn:
            people = conn.execute(text("SELECT count(*) FROM people")).scalar_one()
            activity = conn.execute(text("SELECT count(*) FROM crm_activity")).scalar_one()

        def full_refresh():  # what `flywheel refresh --full` runs
            with eng.begin() as conn:
                return refresh(conn, full=True)

        refresh_s, result = _timed(full_refresh, repeat)
        # What `flywheel refresh --full` does after its transaction: the reads below then neither
        # plan on stale statistics nor share the machine with autovacuum.
        vacuum(eng)
        return {
            "profile": profile,
            "url": url,
            "people": people,
            "activity": activity,
            "rows": result.rows,
            "seed_s": seed_s,
            "refresh_s": refresh_s,
        }
    finally:
        eng.dispose()


def time_overviews(results: list[dict], rounds: int) -> None:
    """The Overview model (company, month, default period) on every profile, interleaved round by
    round so that load from elsewhere on the machine hits all profiles alike; median per profile.

    Timed as the owner and as the application role under the company scope (row-level security
    applies, as for the app), each on one warm connection.
    """
    readers = []
    for r in results:
        eng = make_engine(r["url"])
        for role in ("owner", "app"):
            conn = eng.connect()
            scope = company_scope(conn)
            period = default_period(periods(conn, "month"))
            conn.rollback()
            conn.begin()
            if role == "app":
                try:
                    with conn.begin_nested():
                        conn.exec_driver_sql(f"SET LOCAL ROLE {APP_ROLE}")
                except exc.DBAPIError:  # no such role, or not allowed to take it: owner only
                    conn.rollback()
                    conn.close()
                    continue
                scope.apply(conn)
            readers.append(
                (r, role, eng, conn, lambda c=conn, s=scope, p=period: overview(c, s, s.roots[0], "month", p.start))
            )
    try:
        for *_, fn in readers:  # first call: plans, caches
            fn()
        times: dict[tuple[int, str], list[float]] = {}
        for _ in range(rounds):
            for r, role, _eng, _conn, fn in readers:
                started = time.perf_counter()
                fn()
                times.setdefault((id(r), role), []).append(time.perf_counter() - started)
        for r in results:
            for role in ("owner", "app"):
                if (id(r), role) in times:
                    r[f"overview_{role}_s"] = statistics.median(times[(id(r), role)])
    finally:
        for _r, _role, eng, conn, _fn in readers:
            conn.rollback()
            conn.close()
            eng.dispose()


def time_pack(results: list[dict]) -> None:
    """The meeting pack (PDF and CSV) of the company's latest complete month on demo: first build in
    this process, then the median of three warm builds."""
    from metrics.pack import build

    demo = next((r for r in results if r["profile"] == "demo"), None)
    if demo is None:
        return
    eng = make_engine(demo["url"])
    try:
        with eng.connect() as conn:
            scope = company_scope(conn)
            period = default_period(periods(conn, "month"))
            times = []
            for _ in range(4):
                started = time.perf_counter()
                build(conn, scope, unit=scope.roots[0], grain="month", period_start=period.start, actor="bench")
                times.append(time.perf_counter() - started)
                conn.rollback()  # the build's audit entry
    finally:
        eng.dispose()
    print(f"meeting pack on demo: first {times[0]:.2f} s, warm {statistics.median(times[1:]):.2f} s")


def report(results: list[dict]) -> None:
    app = all("overview_app_s" in r for r in results)
    print(
        f"{'profile':8} {'people':>7} {'activity rows':>13} {'kpi rows':>9} {'seed s':>7} "
        f"{'refresh --full s':>16} {'overview ms':>11}" + (f" {'as app role':>11}" if app else "")
    )
    for r in results:
        print(
            f"{r['profile']:8} {r['people']:7,} {r['activity']:13,} {r['rows']:9,} {r['seed_s']:7.2f} "
            f"{r['refresh_s']:16.2f} {r['overview_owner_s'] * 1000:11.0f}"
            + (f" {r['overview_app_s'] * 1000:11.0f}" if app else "")
        )
    base = results[0]
    for r in results[1:]:
        data = (r["activity"] + r["rows"]) / (base["activity"] + base["rows"])
        cost = r["refresh_s"] / base["refresh_s"]
        print(
            f"refresh --full {r['profile']} / {base['profile']}: data x{data:.1f}, time x{cost:.1f} "
            f"(time/data {cost / data:.2f}; <= 1 means no worse than linear)"
        )
    if len(results) > 1:
        big = results[-1]
        for role, label in (("owner", "as owner"), ("app", "as app role")):
            key = f"overview_{role}_s"
            if key not in big:
                continue
            ratio = big[key] / base[key]
            print(
                f"overview model {big['profile']} / {base['profile']} {label}: {big[key] * 1000:.0f} ms / "
                f"{base[key] * 1000:.0f} ms = {ratio:.2f} (target <= {OVERVIEW_TARGET}: "
                f"{'ok' if ratio <= OVERVIEW_TARGET else 'over'}; people x{big['people'] / base['people']:.0f})"
            )


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench")
    parser.add_argument("--profiles", default="small,demo,large", help="comma-separated, smallest first")
    parser.add_argument("--repeat", type=int, default=3, help="full refreshes per profile (median)")
    parser.add_argument("--rounds", type=int, default=15, help="Overview model runs per profile (median)")
    parser.add_argument(
        "--serve",
        action="store_true",
        help="also time the first Overview page after `flywheel serve` starts against warm pages (Chromium, demo)",
    )
    parser.add_argument("--serve-only", action="store_true", help="only the --serve section")
    args = parser.parse_args()
    profiles = [] if args.serve_only else args.profiles.split(",")
    with ExitStack() as stack:
        results = [measure(stack.enter_context(_database()), p, args.repeat) for p in profiles]
        if results:
            time_overviews(results, args.rounds)
            report(results)
            time_pack(results)
            from bench import pillar_bench  # it imports this module

            pillar_bench.time_pillars(results, 5)
            pillar_bench.report(results)
        if args.serve or args.serve_only:
            from bench import serve as serve_bench

            demo = next((r["url"] for r in results if r["profile"] == "demo"), None)
            if demo is None:
                demo = stack.enter_context(_database())
                measure(demo, "demo", 1)
            print()
            serve_bench.report(serve_bench.measure(demo))


if __name__ == "__main__":
    main()
