"""Snapshots: frozen as-of copies of the Overview that later data, targets and weights never alter."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import exc, insert, text

from cli import KPI_COLUMNS, SCORE_COLUMNS, main
from db import schema
from db.engine import make_engine
from metrics import snapshot
from metrics.refresh import refresh
from metrics.scope import company_scope
from tests import fixture_org
from tests.conftest import add_user, application_url

FEB = date(2026, 2, 1)


@pytest.fixture(scope="module")
def org_url() -> str:
    from tests.conftest import create_database

    url = create_database()
    eng = make_engine(url)
    with eng.begin() as conn:
        fixture_org.load(conn)
        refresh(conn, full=True)
    eng.dispose()
    return url


def _cli(monkeypatch, url: str, *args: str) -> tuple[int, str, str]:
    monkeypatch.setenv("DATABASE_URL", url)
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _rows(out: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(out)))


def test_snapshot_rows_are_the_live_rows_and_survive_later_changes(monkeypatch, fresh_database) -> None:
    url = fresh_database()
    eng = make_engine(url)
    with eng.begin() as conn:
        fixture_org.load(conn)
        refresh(conn, full=True)

    code, out, err = _cli(
        monkeypatch, url, "snapshot", "create", "--unit", "D1", "--grain", "month", "--period", "2026-02-01",
        "--name", "Feb steering committee",
    )  # fmt: skip
    assert code == 0, err
    sid = out.strip().splitlines()[-1]
    assert sid.isdigit()

    code, live, _ = _cli(monkeypatch, url, "kpis", "--unit", "D1", "--grain", "month", "--format", "csv")
    live_feb = [r for r in _rows(live) if r["period_start"] == "2026-02-01"]
    code, frozen, err = _cli(monkeypatch, url, "kpis", "--snapshot", sid, "--format", "csv")
    assert code == 0, err
    assert list(_rows(frozen)[0]) == list(KPI_COLUMNS)
    frozen_d1_feb = [r for r in _rows(frozen) if r["org_unit_id"] == "D1" and r["period_start"] == "2026-02-01"]
    assert frozen_d1_feb == live_feb
    # The hand-computed numbers: report usage in meetings of Sales in February is 4 of 6.
    rum = next(r for r in frozen_d1_feb if r["kpi_id"] == "report_usage_in_meetings")
    assert (float(rum["numerator"]), float(rum["denominator"])) == (4.0, 6.0)
    # Children of D1 (T1, T2) are frozen for the period too: the units that pull a KPI down.
    assert {r["org_unit_id"] for r in _rows(frozen) if r["period_start"] == "2026-02-01"} == {"D1", "T1", "T2"}

    code, scores_out, err = _cli(monkeypatch, url, "scores", "--snapshot", sid, "--format", "csv")
    assert code == 0, err
    assert list(_rows(scores_out)[0]) == list(SCORE_COLUMNS)
    before = _rows(frozen), _rows(scores_out)

    # After the meeting: a new target for D1, a heavier People weight and new data, then a refresh.
    with eng.begin() as conn:
        conn.execute(
            insert(schema.targets).values(
                kpi_id="report_usage_in_meetings", org_unit_id="D1", value=50.0, effective_from=date(2026, 1, 1)
            )
        )
        for pillar, w in (("people", 80.0), ("process", 10.0), ("technology", 10.0)):
            conn.execute(insert(schema.pillar_weights).values(pillar=pillar, weight=w, effective_from=date(2026, 1, 1)))
        conn.execute(
            insert(schema.meetings).values(
                id="late", org_unit_id="T2", kind="weekly_status", scheduled_on=date(2026, 2, 20), status="held",
                crm_report_used=True, sponsor_present=False,
            )
        )  # fmt: skip
        refresh(conn)
    code, live_after, _ = _cli(monkeypatch, url, "kpis", "--unit", "D1", "--grain", "month", "--format", "csv")
    rum_after = next(
        r for r in _rows(live_after) if r["period_start"] == "2026-02-01" and r["kpi_id"] == "report_usage_in_meetings"
    )
    assert (float(rum_after["numerator"]), float(rum_after["target"]), rum_after["status"]) == (5.0, 50.0, "green")

    _, frozen_after, _ = _cli(monkeypatch, url, "kpis", "--snapshot", sid, "--format", "csv")
    _, scores_after, _ = _cli(monkeypatch, url, "scores", "--snapshot", sid, "--format", "csv")
    assert (_rows(frozen_after), _rows(scores_after)) == before
    with eng.connect() as conn:
        snap = snapshot.get(conn, company_scope(conn), int(sid))
        card = snap.model.scorecard.set_index("kpi_id")
        assert card.loc["report_usage_in_meetings", "numerator"] == 4.0
        assert card.loc["report_usage_in_meetings", "target"] == 80.0
        assert snap.weights == {"people": 50.0, "process": 30.0, "technology": 20.0}
        assert snap.name == "Feb steering committee"
        assert snap.refresh_id is not None

    code, listing, _ = _cli(monkeypatch, url, "snapshot", "list", "--format", "csv")
    assert [(r["id"], r["name"], r["org_unit_id"]) for r in _rows(listing)] == [(sid, "Feb steering committee", "D1")]
    eng.dispose()


def test_snapshots_refuse_changes_and_deletion(conn) -> None:
    fixture_org.load(conn)
    refresh(conn, full=True)
    sid = snapshot.create(conn, company_scope(conn), unit="C", grain="month", period_start=FEB, name="Board")
    for statement in (
        "UPDATE snapshots SET name = 'other' WHERE id = :id",
        "UPDATE snapshot_kpis SET value = 0 WHERE snapshot_id = :id",
        "DELETE FROM snapshot_scores WHERE snapshot_id = :id",
        "UPDATE snapshot_pillars SET view = '{}' WHERE snapshot_id = :id",
        "DELETE FROM snapshot_pillars WHERE snapshot_id = :id",
    ):
        with pytest.raises(exc.IntegrityError, match="is a history"), conn.begin_nested():
            conn.execute(text(statement), {"id": sid})


def test_snapshot_needs_a_name_and_a_known_period(conn) -> None:
    fixture_org.load(conn)
    refresh(conn, full=True)
    scope = company_scope(conn)
    with pytest.raises(snapshot.SnapshotError, match="name"):
        snapshot.create(conn, scope, unit="C", grain="month", period_start=FEB, name="  ")
    with pytest.raises(snapshot.SnapshotError, match="no KPI values"):
        snapshot.create(conn, scope, unit="C", grain="month", period_start=date(2020, 1, 1), name="x")


def test_a_viewer_sees_only_snapshots_of_its_scope(org_url: str) -> None:
    from db.users import get
    from metrics.scope import scope_for

    owner = make_engine(org_url)
    with owner.begin() as conn:
        snapshot.create(conn, company_scope(conn), unit="C", grain="month", period_start=FEB, name="Company")
        snapshot.create(conn, company_scope(conn), unit="T1", grain="month", period_start=FEB, name="North")
    add_user(org_url, "m2@example.com", "manager", unit="T2")
    with owner.connect() as conn:
        u = get(conn, "m2@example.com")
        scope = scope_for(conn, u.role, u.home_unit_id, u.person_id)
    owner.dispose()
    app = make_engine(application_url(org_url))
    with app.begin() as conn:
        assert [s.name for s in snapshot.listing(conn, scope)] == []
        with pytest.raises(snapshot.SnapshotError):  # a unit outside its scope
            snapshot.create(conn, scope, unit="C", grain="month", period_start=FEB, name="not mine")
        scope.apply(conn)
        with pytest.raises(exc.ProgrammingError, match="row-level security"), conn.begin_nested():
            conn.execute(
                insert(schema.snapshots).values(
                    name="forged", org_unit_id="C", grain="month", period_start=FEB, period_end=date(2026, 2, 28),
                    weights={}, model={},
                )
            )  # fmt: skip
    with app.begin() as conn:
        own = snapshot.create(conn, scope, unit="T2", grain="month", period_start=FEB, name="South review")
        assert [s.id for s in snapshot.listing(conn, scope)] == [own]
    app.dispose()


def test_pillar_pages_are_frozen_as_shown_and_read_within_the_viewers_scope(org_url: str) -> None:
    """The frozen pillar pages equal the live ones at freezing (read as the application role), hold
    the unit and its child units but no team's people, show person-derived counts only to viewers
    allowed person-level rows, and nothing to a viewer outside the unit."""
    import pandas as pd

    from db.users import get
    from metrics.pillar import pillar
    from metrics.scope import scope_for

    for email, role, unit in (
        ("lead@x.test", "lead", None),
        ("sp@x.test", "sponsor", None),
        ("s@x.test", "manager", "T2"),
    ):
        add_user(org_url, email, role, unit=unit)
    owner = make_engine(org_url)
    with owner.connect() as conn:
        lead, sponsor, south = (
            scope_for(conn, u.role, u.home_unit_id, u.person_id)
            for u in (get(conn, e) for e in ("lead@x.test", "sp@x.test", "s@x.test"))
        )
    owner.dispose()
    app = make_engine(application_url(org_url))
    with app.begin() as conn:
        sid = snapshot.create(conn, lead, unit="D1", grain="month", period_start=FEB, name="Sales Feb")
        assert snapshot.held_units(conn, lead, sid) == ["D1", "T1", "T2"]
        for pillar_id in ("people", "process", "technology"):
            for unit in ("D1", "T1"):
                live = pillar(conn, lead, pillar_id, unit, "month", FEB)
                frozen = snapshot.frozen_pillar(conn, lead, sid, pillar_id, unit)
                assert frozen.cards == live.cards
                for name in ("trend", "breakdown", "league"):
                    pd.testing.assert_frame_equal(getattr(frozen, name), getattr(live, name), check_dtype=False)
                assert (frozen.score, frozen.children, frozen.breadcrumb) == (
                    live.score,
                    live.children,
                    live.breadcrumb,
                )
                assert frozen.people is None
        people = snapshot.frozen_pillar(conn, lead, sid, "people", "D1")
        # Training x usage of Sales in February, as the live page shows it: 3 / 2 / 1 / 1.
        total = people.views["quadrant"].set_index("name").loc["Sales"]
        assert total[["trained_active", "trained_inactive", "untrained_active", "neither"]].tolist() == [3, 2, 1, 1]
        stored = conn.execute(text("SELECT view FROM snapshot_pillars")).scalars().all()
        assert all("people" not in v for v in stored)  # no team's people, not even on a team's page
        assert not {"P1", "P2", "P3", "P4"} & {x for v in stored for x in _strings(v)}  # nor any name

        seen = snapshot.frozen_pillar(conn, sponsor, sid, "people", "D1")
        assert [c.value for c in seen.cards] == [c.value for c in people.cards]
        assert {"quadrant", "funnel", "pulse"}.isdisjoint(seen.views) and seen.views["sees_people"] is False
        tech = snapshot.frozen_pillar(conn, sponsor, sid, "technology", "D1")
        assert "activity_mix" not in tech.views
        assert next(c for c in tech.cards if c.kpi_id == "engaged_users").latest_data is None

        assert snapshot.frozen_pillar(conn, south, sid, "people", "T2") is None
        assert snapshot.held_units(conn, south, sid) == []
    app.dispose()


def _strings(obj) -> set[str]:
    if isinstance(obj, dict):
        return {s for v in obj.values() for s in _strings(v)}
    if isinstance(obj, list):
        return {s for v in obj for s in _strings(v)}
    return {obj} if isinstance(obj, str) else set()
