"""Pillar pages' model (metrics.pillar) per profile: warm time on each, and large ÷ small.

    .venv/bin/python -m bench.pillar_bench [--profiles small,demo,large] [--rounds 5]

Each profile gets its own new database (seeded, refreshed, dropped afterwards: see bench/__main__.py).
The model of each pillar page (company, month, the default period) is then timed as the application
role under the company scope with person-level rows (an administrator's view), interleaved round by
round so that load from elsewhere on the machine hits every profile alike; median per profile.
Target: well under a second on demo, and large ÷ small at most 1.5 (page cost must not grow with the
raw data).
"""

from __future__ import annotations

import argparse
import statistics
import time
from contextlib import ExitStack

from bench.__main__ import _database, measure
from db.access import app_url
from db.engine import make_engine
from metrics.periods import default_period, periods
from metrics.pillar import pillar
from metrics.scope import company_scope

PILLARS = ("people", "process", "technology")
RATIO_TARGET = 1.5


def time_pillars(results: list[dict], rounds: int) -> None:
    engines = {r["profile"]: make_engine(app_url(r["url"])) for r in results}
    times: dict[tuple[str, str], list[float]] = {}
    try:
        setup = {}
        for profile, eng in engines.items():
            with eng.connect() as conn:
                scope = company_scope(conn)
                period = default_period(periods(conn, "month"))
                setup[profile] = (scope, period)
                for p in PILLARS:  # warm: plans and caches
                    pillar(conn, scope, p, scope.roots[0], "month", period.start)
        for _ in range(rounds):
            for profile, eng in engines.items():
                scope, period = setup[profile]
                with eng.connect() as conn:
                    for p in PILLARS:
                        started = time.perf_counter()
                        pillar(conn, scope, p, scope.roots[0], "month", period.start)
                        times.setdefault((profile, p), []).append(time.perf_counter() - started)
    finally:
        for eng in engines.values():
            eng.dispose()
    for r in results:
        r["pillars"] = {p: statistics.median(times[(r["profile"], p)]) for p in PILLARS}


def report(results: list[dict]) -> None:
    print(f"{'profile':<8} {'people':>8} {'activity':>10} {'refresh s':>10}  " + "  ".join(f"{p:>10}" for p in PILLARS))
    for r in results:
        print(
            f"{r['profile']:<8} {r['people']:>8,} {r['activity']:>10,} {r['refresh_s']:>10.2f}  "
            + "  ".join(f"{r['pillars'][p] * 1000:>8.0f}ms" for p in PILLARS)
        )
    small, large = results[0], results[-1]
    if small is not large:
        ratios = {p: large["pillars"][p] / small["pillars"][p] for p in PILLARS}
        verdict = "ok" if max(ratios.values()) <= RATIO_TARGET else f"over {RATIO_TARGET}"
        print(
            f"{large['profile']} ÷ {small['profile']}: "
            + ", ".join(f"{p} {v:.2f}" for p, v in ratios.items())
            + f" ({verdict})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profiles", default="small,demo,large", help="comma-separated, smallest first")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with ExitStack() as stack:
        results = []
        for profile in args.profiles.split(","):
            url = stack.enter_context(_database())
            results.append(measure(url, profile, repeat=1))
            print(f"seeded and refreshed {profile}", flush=True)
        time_pillars(results, args.rounds)
        report(results)


if __name__ == "__main__":
    main()
