"""The refresh's unit aggregates (migration 0011) against the live queries the pillar pages ran
before them, on the fixture organisation: every unit, grain and period; and an incremental refresh
after writes leaves them as a full refresh does."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Connection, select, text

from db import schema
from db.engine import make_engine
from metrics import pillar as pillar_module
from metrics.periods import periods
from metrics.pillar import PULSE_ITEMS, counts, pillar
from metrics.refresh import refresh
from metrics.scope import Scope
from metrics.scoring import score_rows
from tests.conftest import application_url, create_database, fixture_org_database
from tests.fixture_org import load

ADMIN = Scope(("C",), people=True)
FEB = date(2026, 2, 1)
UNIT_TABLES = ("unit_scores", "unit_periods", "unit_meeting_days", "unit_coaching", "source_freshness", "unit_league")
FLOATS = ("unit_scores", "unit_league")
UNITS = ("C", "D1", "D2", "T1", "T2", "T3")

# The pillar pages' queries before the refresh kept their results (raw rows summed per page view).
LIVE_QUADRANT = """
SELECT c.ancestor_id AS unit_id,
       count(*) FILTER (WHERE pp.trained AND pp.active_days >= CAST(:k AS integer)) AS trained_active,
       count(*) FILTER (WHERE pp.trained AND pp.active_days < CAST(:k AS integer)) AS trained_inactive,
       count(*) FILTER (WHERE NOT pp.trained AND pp.active_days >= CAST(:k AS integer)) AS untrained_active,
       count(*) FILTER (WHERE NOT pp.trained AND pp.active_days < CAST(:k AS integer)) AS neither
FROM person_periods pp
JOIN org_closure c ON c.unit_id = pp.org_unit_id
JOIN org_units u ON u.id = c.ancestor_id
WHERE pp.grain = :grain AND pp.period_start = :start
  AND (u.id = :unit OR u.parent_id = :unit)
GROUP BY c.ancestor_id
"""
LIVE_FUNNEL = """
WITH cohort AS (
    SELECT p.id, p.role, p.license_start
    FROM people p
    WHERE NOT p.is_integration
      AND p.license_start + 30 BETWEEN :start AND :end
      AND p.org_unit_id IN (SELECT unit_id FROM org_closure WHERE ancestor_id = :unit)
),
onboarded AS (
    SELECT c.id FROM cohort c
    WHERE NOT EXISTS (
        SELECT 1 FROM courses co
        WHERE is_required(co.required_for, c.role)
          AND NOT EXISTS (SELECT 1 FROM training_completions tc
                          WHERE tc.person_id = c.id AND tc.course_id = co.id
                            AND tc.completed_on <= c.license_start + 30))
)
SELECT (SELECT count(*) FROM cohort) AS new_users,
       (SELECT count(*) FROM onboarded) AS trained,
       (SELECT count(*) FROM onboarded o
        JOIN person_periods pp ON pp.person_id = o.id AND pp.grain = :grain AND pp.period_start = :start
        WHERE pp.active_days >= CAST(:k AS integer)) AS active
"""
LIVE_PULSE = """
SELECT count(DISTINCT r.person_id) AS respondents,
       avg(r.awareness)::double precision AS awareness, avg(r.desire)::double precision AS desire,
       avg(r.knowledge)::double precision AS knowledge, avg(r.ability)::double precision AS ability,
       avg(r.reinforcement)::double precision AS reinforcement
FROM pulse_responses r
JOIN people p ON p.id = r.person_id
WHERE NOT p.is_integration
  AND r.date BETWEEN :start AND :end
  AND num_nonnulls(r.awareness, r.desire, r.knowledge, r.ability, r.reinforcement) > 0
  AND p.org_unit_id IN (SELECT unit_id FROM org_closure WHERE ancestor_id = :unit)
"""
LIVE_ACTIVITY_MIX = """
WITH active AS (
    SELECT pp.person_id FROM person_periods pp
    WHERE pp.grain = :grain AND pp.period_start = :start AND pp.active_days > 0
      AND pp.org_unit_id IN (SELECT unit_id FROM org_closure WHERE ancestor_id = :unit)
)
SELECT (SELECT count(*) FROM active) AS active_users,
       coalesce(sum(a.logins), 0) AS logins, coalesce(sum(a.records_created), 0) AS records_created,
       coalesce(sum(a.records_updated), 0) AS records_updated, coalesce(sum(a.reports_viewed), 0) AS reports_viewed
FROM crm_activity a
WHERE a.person_id IN (SELECT person_id FROM active) AND a.date BETWEEN :start AND :end
"""
LIVE_ISSUES = """
SELECT CASE WHEN :end - f.raised_on <= 5 THEN '0–5 days'
            WHEN :end - f.raised_on <= 15 THEN '6–15 days'
            WHEN :end - f.raised_on <= 30 THEN '16–30 days'
            ELSE 'over 30 days' END AS age,
       count(*) AS issues
FROM feedback f
JOIN people p ON p.id = f.person_id
WHERE f.kind = 'issue' AND NOT p.is_integration
  AND f.raised_on <= :end AND (f.resolved_on IS NULL OR f.resolved_on > :end)
  AND p.org_unit_id IN (SELECT unit_id FROM org_closure WHERE ancestor_id = :unit)
GROUP BY 1
"""
LIVE_MEETINGS = """
SELECT m.scheduled_on AS day, m.kind, m.status, count(*) AS meetings,
       count(*) FILTER (WHERE m.crm_report_used) AS with_report,
       count(*) FILTER (WHERE m.sponsor_present) AS with_sponsor
FROM meetings m
WHERE m.scheduled_on BETWEEN :start AND :end
  AND m.org_unit_id IN (SELECT unit_id FROM org_closure WHERE ancestor_id = :unit)
GROUP BY m.scheduled_on, m.kind, m.status
ORDER BY m.scheduled_on, m.kind, m.status
"""
LIVE_COACHING = """
SELECT u.name AS unit, count(*) AS sessions, count(*) FILTER (WHERE m.crm_report_used) AS with_crm,
       count(*) OVER () AS teams
FROM meetings m
JOIN org_units u ON u.id = m.org_unit_id
WHERE m.kind = 'coaching' AND m.status = 'held' AND m.scheduled_on BETWEEN :start AND :end
  AND m.org_unit_id IN (SELECT unit_id FROM org_closure WHERE ancestor_id = :unit)
GROUP BY u.id, u.name
ORDER BY count(*) FILTER (WHERE m.crm_report_used)::double precision / count(*), u.name
"""


@pytest.fixture(scope="module")
def owner() -> Iterator[str]:
    yield fixture_org_database()


def _periods(conn: Connection) -> list:
    return conn.execute(
        text(
            "SELECT g.grain, g.period_start, g.period_end, g.k FROM refreshes r,"
            " period_grid(r.window_start, r.window_end) g WHERE r.id = (SELECT max(id) FROM refreshes)"
        )
    ).all()


def _live(conn: Connection, sql: str, unit: str, p) -> list[tuple]:
    params = {"unit": unit, "grain": p.grain, "start": p.period_start, "end": p.period_end, "k": p.k, "shown": 10_000}
    return [tuple(r) for r in conn.execute(text(sql), params)]


def _kept(conn: Connection, name: str, unit: str, p) -> list[tuple]:
    from metrics.pillar import _sql

    params = {"unit": unit, "grain": p.grain, "start": p.period_start, "end": p.period_end, "k": p.k, "shown": 10_000}
    return [tuple(r) for r in conn.execute(text(_sql(name)), params)]


def _counts(conn: Connection, unit: str, p) -> dict:
    return counts(conn, {"unit": unit, "grain": p.grain, "start": p.period_start})


def test_kept_aggregates_equal_the_live_queries(owner: str) -> None:
    eng = make_engine(owner)
    with eng.connect() as conn:
        grid = _periods(conn)
        assert len(grid) == 12 + 3 + 1  # weeks, months, the quarter
        checked = 0
        for p in grid:
            for unit in UNITS:
                kept = _counts(conn, unit, p)
                assert sorted(kept["quadrant"]) == sorted(_live(conn, LIVE_QUADRANT, unit, p))
                assert [tuple(kept["funnel"].values())] == _live(conn, LIVE_FUNNEL, unit, p)
                assert [tuple(kept["activity_mix"].values())] == _live(conn, LIVE_ACTIVITY_MIX, unit, p)
                live_pulse = _live(conn, LIVE_PULSE, unit, p)[0]
                assert kept["pulse"]["respondents"] == live_pulse[0]
                assert [kept["pulse"][i] for i in PULSE_ITEMS] == pytest.approx(list(live_pulse[1:]), nan_ok=True)
                live_issues = dict(_live(conn, LIVE_ISSUES, unit, p))
                assert {a: n for a, n in kept["open_issues"].items() if n} == live_issues
                assert _kept(conn, "meetings", unit, p) == _live(conn, LIVE_MEETINGS, unit, p)
                assert _kept(conn, "coaching", unit, p) == _live(conn, LIVE_COACHING, unit, p)
                checked += 1
        # Not vacuous: the fixture's February has data in each view.
        feb = next(p for p in grid if p.grain == "month" and p.period_start == FEB)
        assert _counts(conn, "C", feb)["quadrant"] and _kept(conn, "coaching", "C", feb)
        assert _counts(conn, "C", feb)["activity_mix"]["active_users"] == 8
    eng.dispose()
    assert checked == 16 * 6


def test_kept_scores_equal_live_scoring(owner: str) -> None:
    eng = make_engine(owner)
    with eng.connect() as conn:
        kept = {
            (r.org_unit_id, r.grain, r.period_start): (r.people, r.process, r.technology)
            for r in conn.execute(text("SELECT * FROM unit_scores"))
        }
        live = {
            (r.org_unit_id, r.grain, r.period_start): (r.people, r.process, r.technology)
            for r in score_rows(conn, ADMIN)
        }
    eng.dispose()
    assert kept.keys() == live.keys() and len(kept) == 16 * 6
    for key, scores in live.items():
        assert kept[key] == pytest.approx(scores, nan_ok=True), key
    assert any(s[0] is not None for s in kept.values())


def _league(url: str) -> dict[str, float]:
    app = make_engine(application_url(url))
    with app.connect() as c:
        view = pillar(c, ADMIN, "people", "C", "month", FEB)
    app.dispose()
    return dict(zip(view.league["unit_id"], view.league["score"], strict=True))


def _live_people(conn: Connection) -> dict[str, float | None]:
    return {r.org_unit_id: r.people for r in score_rows(conn, ADMIN, grain="month", period_from=FEB, period_to=FEB)}


def _kept_people(conn: Connection) -> dict[str, float | None]:
    rows = conn.execute(text("SELECT org_unit_id, people FROM unit_scores WHERE grain = 'month' AND period_start = :s"),
                        {"s": FEB})  # fmt: skip
    return dict(rows.all())


def _raise_t1_target(conn: Connection) -> None:
    """T1's adoption rate 3/4 = 75 % meets the inherited 60; against 95, from January, it scores lower."""
    conn.execute(
        text(
            "INSERT INTO targets (kpi_id, org_unit_id, value, effective_from, reason, recorded_by)"
            " VALUES ('adoption_rate', 'T1', 95, '2026-01-01', 'test', 'test')"
        )
    )


def test_a_target_change_scores_the_league_live_until_the_next_refresh() -> None:
    url = fixture_org_database()
    eng = make_engine(url)
    assert _league(url) == pytest.approx({u: _kept_people(eng.connect())[u] for u in ("T1", "T2")})
    with eng.begin() as conn:
        _raise_t1_target(conn)
    with eng.connect() as conn:
        live, kept = _live_people(conn), _kept_people(conn)
    assert live["T1"] < kept["T1"]  # the kept score is stale now
    assert _league(url) == pytest.approx({"T1": live["T1"], "T2": live["T2"]})
    with eng.begin() as conn:
        refresh(conn, full=True)
    with eng.connect() as conn:
        assert _kept_people(conn)["T1"] == pytest.approx(live["T1"])
    assert _league(url) == pytest.approx({"T1": live["T1"], "T2": live["T2"]})
    eng.dispose()


def _tables(conn: Connection) -> dict[str, list[tuple]]:
    out = {}
    for table in UNIT_TABLES:
        rows = [tuple(r) for r in conn.execute(select(schema.metadata.tables[table]))]
        out[table] = sorted(rows, key=repr)
    return out


def test_an_incremental_refresh_leaves_what_a_full_refresh_does() -> None:
    url = fixture_org_database()
    eng = make_engine(url)
    jan = {"s": date(2026, 1, 1)}
    stamp = "SELECT xmin::text FROM unit_periods WHERE org_unit_id = 'C' AND grain = 'month' AND period_start = :s"
    with eng.connect() as conn:
        before = conn.execute(text(stamp), jan).scalar_one()
    with eng.begin() as conn:
        # March writes: activity, a pulse answer, a held coaching session with CRM data, an issue resolved.
        conn.execute(
            text("INSERT INTO crm_activity (person_id, date, logins, reports_viewed) VALUES ('p2', '2026-03-10', 3, 2)")
        )
        conn.execute(
            text("INSERT INTO pulse_responses (person_id, date, awareness, ability) VALUES ('p8', '2026-03-11', 2, 5)")
        )
        conn.execute(
            text(
                "INSERT INTO meetings (id, org_unit_id, kind, scheduled_on, status, crm_report_used, person_id)"
                " VALUES ('mx', 'T2', 'coaching', '2026-03-12', 'held', true, 'p7')"
            )
        )
        conn.execute(
            text("UPDATE feedback SET resolved_on = '2026-03-13' WHERE kind = 'issue' AND resolved_on IS NULL")
        )
        result = refresh(conn)
        assert result.recomputed_from is not None and result.recomputed_from > date(2026, 2, 1)
        incremental = _tables(conn)
    with eng.connect() as conn:
        assert conn.execute(text(stamp), jan).scalar_one() == before  # January was not recomputed
    with eng.begin() as conn:
        refresh(conn, full=True)
        full = _tables(conn)
    eng.dispose()
    assert incremental.keys() == full.keys()
    for table in UNIT_TABLES:
        assert len(incremental[table]) == len(full[table]), table
        for a, b in zip(incremental[table], full[table], strict=True):
            assert a == pytest.approx(b) if table in FLOATS else a == b, (table, a, b)
    mar = [r for r in full["unit_coaching"] if r[0] == "T2" and r[1] == "month" and r[2] == date(2026, 3, 1)]
    assert mar and sum(r[5] for r in mar) >= 1  # the new session is counted


def _visible(url: str, scope: Scope) -> dict[str, set]:
    app = make_engine(application_url(url))
    with app.connect() as conn:
        scope.apply(conn)
        seen = {
            "unit_scores": set(conn.execute(text("SELECT DISTINCT org_unit_id FROM unit_scores")).scalars()),
            "unit_periods": set(conn.execute(text("SELECT DISTINCT org_unit_id FROM unit_periods")).scalars()),
            "unit_coaching": set(
                conn.execute(text("SELECT DISTINCT org_unit_id || ':' || personal FROM unit_coaching")).scalars()
            ),
            "unit_meeting_days": set(
                conn.execute(text("SELECT DISTINCT org_unit_id || ':' || personal FROM unit_meeting_days")).scalars()
            ),
            "source_freshness": set(
                conn.execute(text("SELECT DISTINCT source || ':' || personal FROM source_freshness")).scalars()
            ),
            "unit_league": set(conn.execute(text("SELECT DISTINCT org_unit_id FROM unit_league")).scalars()),
            "unit_coaching_lowest": set(
                conn.execute(text("SELECT DISTINCT org_unit_id || ':' || people FROM unit_coaching_lowest")).scalars()
            ),
        }
    app.dispose()
    return seen


def test_row_level_security_on_the_unit_aggregates() -> None:
    owner = create_database()
    eng = make_engine(owner)
    with eng.begin() as conn:
        load(conn)
        # A coaching session naming the person coached: shown only with person-level rows.
        conn.execute(
            text(
                "INSERT INTO meetings (id, org_unit_id, kind, scheduled_on, status, crm_report_used, person_id)"
                " VALUES ('mx', 'T1', 'coaching', '2026-02-12', 'held', true, 'p2')"
            )
        )
        refresh(conn, full=True)
    eng.dispose()
    admin = _visible(owner, ADMIN)
    assert admin["unit_periods"] == set(UNITS) - {"T3"}  # T3 has nobody: no row
    assert admin["unit_league"] == {"C", "D1"}  # D2 holds one team: no league
    assert {"C:true", "C:false", "D1:true", "D1:false"} <= admin["unit_coaching_lowest"]
    assert "T1:true" in admin["unit_coaching"] and "D1:false" in admin["unit_meeting_days"]
    assert "crm_activity:true" in admin["source_freshness"] and "meetings:false" in admin["source_freshness"]
    sponsor = _visible(owner, Scope(("C",), people=False))
    # Aggregates of scores like kpi_values; nothing counted from person-level rows; meetings naming
    # nobody; whole-table dates of the unit-level sources only.
    assert sponsor["unit_scores"] == set(UNITS)
    assert sponsor["unit_league"] == {"C", "D1"}
    assert sponsor["unit_coaching_lowest"] and all(v.endswith(":false") for v in sponsor["unit_coaching_lowest"])
    assert sponsor["unit_periods"] == set()
    assert all(v.endswith(":false") for v in sponsor["unit_coaching"] | sponsor["unit_meeting_days"])
    assert sponsor["source_freshness"] == {"meetings:false", "communications:false", "data_quality:false"}
    manager = _visible(owner, Scope(("T1",), people=True, person="p1"))
    assert manager["unit_scores"] == {"T1", "D1", "C"}  # its team and, to compare, the units above
    assert manager["unit_periods"] == {"T1"}
    assert {v.split(":")[0] for v in manager["unit_coaching"] | manager["unit_meeting_days"]} <= {"T1"}
    assert manager["source_freshness"] == set()  # not the whole company: read live
    assert manager["unit_league"] == set()  # the leagues above its team rank teams it may not see
    assert manager["unit_coaching_lowest"] == set()
    assert _visible(owner, Scope(("D1",), people=False))["unit_league"] == {"D1"}


TEAMS = {"C": ("T1", "T2", "T3"), "D1": ("T1", "T2"), "D2": ("T3",), "T1": ("T1",)}


def _ranked(
    live: dict, names: dict, teams: tuple, pillar_id: str, grain: str, start: date, before: date | None, shown: int
) -> list[tuple]:
    """The league by hand: the teams' scores best first (ties by name), rank shared by ties, the top
    and bottom `shown`; none for fewer than two teams."""
    if len(teams) < 2:
        return []
    rows = []
    for t in teams:
        score = getattr(live.get((t, grain, start)), pillar_id, None)
        if score is None:
            continue
        prev = getattr(live.get((t, grain, before)), pillar_id, None) if before else None
        rows.append((t, names[t], score, prev, score - prev if prev is not None else None))
    rows.sort(key=lambda r: (-r[2], r[1]))
    out = []
    for pos, r in enumerate(rows, start=1):
        rank = 1 + sum(1 for o in rows if o[2] > r[2])
        if pos <= shown or pos > len(rows) - shown:
            out.append((*r, rank, len(rows)))
    return out


def _plain(rows: list[tuple]) -> list[tuple]:
    """Rows comparable across sources: floats to 9 places, NaN as None, numpy numbers as Python's."""

    def one(v):
        if v is None or (isinstance(v, float) and v != v):
            return None
        return round(float(v), 9) if isinstance(v, float) else v.item() if hasattr(v, "item") else v

    return [tuple(one(v) for v in r) for r in rows]


def test_the_refresh_ranks_each_league_as_the_live_scores_rank(monkeypatch: pytest.MonkeyPatch) -> None:
    # One team shown at each end: C's three teams lose the middle one.
    monkeypatch.setattr(pillar_module, "LEAGUE_SHOWN", 1)
    url = create_database()
    eng, app = make_engine(url), make_engine(application_url(url))
    with eng.begin() as conn:
        load(conn)
        # T3 had nobody: a licensed user there, active in February, gives C a third team to rank.
        conn.execute(
            text(
                "INSERT INTO people (id, name, email, org_unit_id, role, license_start, is_integration)"
                " VALUES ('p30', 'P30', 'p30@acme.test', 'T3', 'rep', '2025-06-01', false)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO crm_activity (person_id, date, logins, records_created)"
                " SELECT 'p30', d, 1, 1 FROM generate_series(date '2026-02-02', date '2026-02-20', interval '1 day') AS d"
            )
        )
        refresh(conn, full=True)
    with eng.connect() as conn:
        names = dict(conn.execute(text("SELECT id, name FROM org_units")).all())
        live = {(r.org_unit_id, r.grain, r.period_start): r for r in score_rows(conn, ADMIN)}
        stored = conn.execute(text("SELECT count(*) FROM unit_league")).scalar_one()
    compared = cut = 0
    with app.connect() as conn:
        for grain in ("week", "month", "quarter"):
            grid = periods(conn, grain)
            for i, period in enumerate(grid):
                before = grid[i - 1] if i else None
                for unit, teams in TEAMS.items():
                    for pillar_id in ("people", "process", "technology"):
                        got = pillar_module._league(conn, ADMIN, pillar_id, unit, grain, period, before)
                        want = _ranked(live, names, teams, pillar_id, grain, period.start, before and before.start, 1)
                        rows = [tuple(r) for r in got.itertuples(index=False)]
                        assert _plain(rows) == _plain(want), (unit, grain, period.start, pillar_id)
                        compared += bool(want)
                        cut += len(want) == 2 and want[-1][-1] == 3
    eng.dispose()
    app.dispose()
    assert compared > 50 and cut > 20  # not vacuous: leagues with rows, and C's cut to its two ends
    assert stored > 0


def test_the_league_and_coaching_are_read_from_the_refresh_not_ranked_per_view() -> None:
    url = fixture_org_database()
    eng = make_engine(url)
    with eng.begin() as conn:
        # A score no live ranking gives: the page shows what the refresh kept.
        conn.execute(text("UPDATE unit_league SET score = 42.5 WHERE org_unit_id = 'C' AND team_id = 'T1'"
                          " AND grain = 'month' AND period_start = :s AND pillar = 'people'"), {"s": FEB})  # fmt: skip
        conn.execute(text("UPDATE unit_coaching_lowest SET sessions = 999 WHERE org_unit_id = 'C'"
                          " AND grain = 'month' AND period_start = :s"), {"s": FEB})  # fmt: skip
    eng.dispose()
    assert _league(url)["T1"] == 42.5
    app = make_engine(application_url(url))
    with app.connect() as c:
        coaching = pillar(c, ADMIN, "process", "C", "month", FEB).views["coaching"]
    app.dispose()
    assert not coaching.empty and set(coaching["sessions"]) == {999}


def test_a_league_whose_previous_period_was_scored_before_a_target_change_is_ranked_live() -> None:
    url = fixture_org_database()
    eng = make_engine(url)
    with eng.begin() as conn:
        _raise_t1_target(conn)
        # Only March is rescored with the new target: February's kept scores are the old ones.
        refresh(conn, since=date(2026, 3, 1))
    with eng.connect() as conn:
        live = _live_people(conn)
        kept = {r.team_id: r.basis for r in conn.execute(text(
            "SELECT team_id, basis FROM unit_league WHERE org_unit_id = 'D1' AND grain = 'month'"
            " AND period_start = '2026-03-01' AND pillar = 'people'"))}  # fmt: skip
    eng.dispose()
    assert kept and set(kept.values()) == {""}  # ranked against stale February scores: not used
    app = make_engine(application_url(url))
    with app.connect() as c:
        grid = periods(c, "month")
        view = pillar(c, ADMIN, "people", "D1", "month", grid[-1].start)
    app.dispose()
    assert grid[-1].start == date(2026, 3, 1)
    previous = dict(zip(view.league["unit_id"], view.league["previous"], strict=True))
    assert previous["T1"] == pytest.approx(live["T1"])  # February scored live against 95


def test_the_refresh_keeps_each_units_lowest_coaching_teams_as_the_page_summed_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # One team kept per unit: C's and D1's leagues of two teams lose one.
    monkeypatch.setattr(pillar_module, "COACHING_SHOWN", 1)
    url = create_database()
    eng = make_engine(url)
    with eng.begin() as conn:
        load(conn)
        # A session naming the person coached (counted only with person-level rows), in a team of
        # its own so that with and without it the teams differ.
        conn.execute(
            text(
                "INSERT INTO meetings (id, org_unit_id, kind, scheduled_on, status, crm_report_used, person_id)"
                " VALUES ('mx', 'T2', 'coaching', '2026-02-12', 'held', false, 'p7'),"
                " ('my', 'T1', 'coaching', '2026-02-13', 'held', true, NULL)"
            )
        )
        refresh(conn, full=True)
    eng.dispose()
    app = make_engine(application_url(url))
    compared = differ = 0
    with app.connect() as conn:
        grid = _periods(conn)
        for people in (True, False):
            Scope(("C",), people=people).apply(conn)
            for p in grid:
                params = {"unit": None, "grain": p.grain, "start": p.period_start, "end": p.period_end, "shown": 1}
                for unit in ("C", "D1"):
                    params["unit"] = unit
                    kept = [tuple(r) for r in conn.execute(text(pillar_module._sql("coaching_kept")), params)]
                    live = [tuple(r) for r in conn.execute(text(pillar_module._sql("coaching")), params)]
                    assert kept == live, (people, unit, p)
                    compared += bool(live)
                if p.grain == "month" and p.period_start == FEB:
                    differ += 1
                    seen = conn.execute(text(pillar_module._sql("coaching_kept")), {**params, "unit": "D1"}).one()
                    # T1: 1 of 1 with CRM data; T2 without p7's session: none; with it, 0 of 1.
                    assert (seen.unit, seen.teams) == (("South", 2) if people else ("North", 1)), people
    app.dispose()
    assert compared > 10 and differ == 2
