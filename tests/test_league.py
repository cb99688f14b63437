"""The league sends only its ends: the top and bottom teams, and how many were ranked (seeded `small`)."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import text

import seed
from db.engine import make_engine
from metrics import pillar as pillar_model
from metrics.periods import default_period, periods
from metrics.refresh import refresh
from metrics.scope import company_scope
from tests.conftest import application_url, create_database


@pytest.fixture(scope="module")
def small() -> str:
    url = create_database()
    eng = make_engine(url)
    with eng.begin() as conn:
        seed.load(conn, "small")
        refresh(conn, full=True)
    eng.dispose()
    return url


def _league(url: str, shown: int, monkeypatch: pytest.MonkeyPatch, *, kept: bool = False) -> pd.DataFrame:
    monkeypatch.setattr(pillar_model, "LEAGUE_SHOWN", shown)
    if kept:  # the refresh keeps each league's ends: rank them again with this many shown
        eng = make_engine(url)
        with eng.begin() as conn:
            refresh(conn, full=True)
        eng.dispose()
    app = make_engine(application_url(url))
    with app.connect() as conn:
        scope = company_scope(conn)
        period = default_period(periods(conn, "month"))
        view = pillar_model.pillar(conn, scope, "people", scope.roots[0], "month", period.start)
    app.dispose()
    return view.league


def _ends(url: str, monkeypatch: pytest.MonkeyPatch, *, kept: bool = False) -> None:
    whole = _league(url, 10_000, monkeypatch, kept=kept)
    n = len(whole)
    assert n > 6 and set(whole["ranked"]) == {n}
    ends = _league(url, 3, monkeypatch, kept=kept)
    assert set(ends["ranked"]) == {n}  # "of n teams" still counts them all
    expected = pd.concat([whole.head(3), whole.tail(3)]).reset_index(drop=True)
    cols = ["unit_id", "name", "score", "rank"]
    pd.testing.assert_frame_equal(ends[cols].reset_index(drop=True), expected[cols], check_dtype=False)


def test_the_kept_league_sends_its_top_and_bottom_only(small: str, monkeypatch) -> None:
    _ends(small, monkeypatch, kept=True)


def test_the_live_league_sends_its_top_and_bottom_only(small: str, monkeypatch) -> None:
    eng = make_engine(small)
    with eng.begin() as conn:  # a target recorded after the refresh: the league is scored live
        root = conn.execute(text("SELECT id FROM org_units WHERE parent_id IS NULL")).scalar_one()
        conn.execute(
            text(
                "INSERT INTO targets (kpi_id, org_unit_id, value, effective_from, reason, recorded_by)"
                " VALUES ('adoption_rate', :root, 95, '2020-01-01', 'test', 'test')"
            ),
            {"root": root},
        )
    eng.dispose()
    _ends(small, monkeypatch)
