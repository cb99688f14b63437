"""The one Streamlit adapter to the data layer: cached engine and cached, scope-keyed loaders."""

from __future__ import annotations

import os
from datetime import date

import streamlit as st
from sqlalchemy import Engine

from db.access import app_url
from db.engine import make_engine
from db.settings import database_url
from metrics import overview as overview_model
from metrics import periods as period_model
from metrics.scope import Scope, company_scope

TTL = 600


@st.cache_resource(show_spinner=False)
def _url_for(env_url: str | None) -> str:
    # Starting the embedded server is slow: once per process and DATABASE_URL value.
    return app_url(database_url())


def url() -> str:
    """The URL the dashboard reads with: the application role (row-level security applies) on
    DATABASE_URL's database, or on the embedded server's."""
    return _url_for(os.environ.get("DATABASE_URL"))


@st.cache_resource(show_spinner=False, on_release=lambda e: e.dispose())
def engine(db_url: str) -> Engine:
    """One pooled engine per URL: keyed by URL so tests never write to another test's database."""
    return make_engine(db_url)


def version(db_url: str) -> int:
    """The data version (not cached: one tiny query per run keeps every cache honest)."""
    with engine(db_url).connect() as conn:
        return period_model.data_version(conn)


@st.cache_data(ttl=TTL, show_spinner=False)
def company(db_url: str, data_version: int) -> Scope:
    with engine(db_url).connect() as conn:
        return company_scope(conn)


@st.cache_data(ttl=TTL, show_spinner=False)
def units(db_url: str, scope: Scope, data_version: int) -> list[period_model.Unit]:
    with engine(db_url).connect() as conn:
        return period_model.units(conn, scope)


@st.cache_data(ttl=TTL, show_spinner=False)
def periods(db_url: str, grain: str, data_version: int) -> list[period_model.Period]:
    with engine(db_url).connect() as conn:
        return period_model.periods(conn, grain)


@st.cache_data(ttl=TTL, show_spinner=False)
def window(db_url: str, data_version: int) -> overview_model.Window:
    """The last refresh's data window (first and last day with data) and when it finished."""
    with engine(db_url).connect() as conn:
        return overview_model.window(conn)


def reachable(db_url: str) -> bool:
    """Whether the database answers now (never cached: asked while it is down)."""
    try:
        version(db_url)
    except Exception:  # any failure means "not yet"
        return False
    return True


@st.cache_data(ttl=TTL, show_spinner="Loading KPIs…")
def overview(db_url: str, scope: Scope, unit: str, grain: str, period_start: date, data_version: int):
    with engine(db_url).connect() as conn:
        return overview_model.overview(conn, scope, unit, grain, period_start)


@st.cache_data(ttl=TTL, show_spinner="Loading your team…")
def my_team(db_url: str, scope: Scope, unit: str, grain: str, period_start: date, data_version: int):
    from metrics import my_team as my_team_model

    with engine(db_url).connect() as conn:
        return my_team_model.my_team(conn, scope, unit, grain, period_start)


@st.cache_data(ttl=TTL, show_spinner="Loading the pillar…")
def pillar(db_url: str, scope: Scope, pillar_id: str, unit: str, grain: str, period_start: date, data_version: int):
    from metrics import pillar as pillar_model

    with engine(db_url).connect() as conn:
        return pillar_model.pillar(conn, scope, pillar_id, unit, grain, period_start)


@st.cache_data(ttl=TTL, show_spinner=False)
def due_for_review(db_url: str, scope: Scope, data_version: str, today: date):
    """Targets whose review date has passed, inside the scope (for leads and admins)."""
    from metrics import targets as targets_model

    with engine(db_url).connect() as conn:
        return targets_model.due_for_review(conn, scope, today=today)


@st.cache_resource(show_spinner=False, on_release=lambda e: e.dispose())
def owner_engine(db_url: str) -> Engine:
    """The owner role, for imports from the Data page only (pages check the viewer's role first):
    imports write raw tables and refresh, which the application role may not."""
    return make_engine(db_url, statement_timeout_ms=0)


def owner_url() -> str:
    return _owner_url_for(os.environ.get("DATABASE_URL"))


@st.cache_resource(show_spinner=False)
def _owner_url_for(env_url: str | None) -> str:
    return database_url()


@st.cache_data(ttl=TTL, show_spinner=False)
def source_freshness(db_url: str, scope: Scope, data_version: str):
    """Per source table: latest event date, rows, last import (the rows the scope may see)."""
    from db.importers.freshness import freshness as fresh

    with engine(db_url).connect() as conn:
        scope.apply(conn)
        return fresh(conn)


@st.cache_data(ttl=TTL, show_spinner=False)
def source_latest(db_url: str, scope: Scope, data_version: int):
    """Per source table: latest event date the scope may see, and last import (no row counts)."""
    from db.importers.freshness import freshness as fresh

    with engine(db_url).connect() as conn:
        scope.apply(conn)
        return fresh(conn, counts=False)


def since_last_review(db_url: str, scope: Scope, model, snap=None) -> dict:
    """What moved since the unit's previous snapshot (before `snap` when the page shows one); not
    cached: the model is the page's own, and the query is a few rows."""
    from metrics import pack

    with engine(db_url).connect() as conn:
        return pack.since_last_review(conn, scope, model, snap, date.today())


@st.cache_data(ttl=TTL, show_spinner=False)
def overdue_actions(db_url: str, scope: Scope, unit: str, data_version: str, today: date):
    """Open actions past their due date on the unit or below it."""
    from metrics import actions as actions_model

    with engine(db_url).connect() as conn:
        return actions_model.listing(conn, scope, unit=unit, states=("overdue",), today=today)


@st.cache_data(ttl=TTL, show_spinner=False)
def _snapshot(db_url: str, scope: Scope, snapshot_id: int):
    from metrics import snapshot as snapshot_model

    with engine(db_url).connect() as conn:
        found = snapshot_model.get(conn, scope, snapshot_id)
        if found is None:
            raise LookupError(snapshot_id)  # not cached: a later snapshot may take this id
        return found, tuple(snapshot_model.held_units(conn, scope, snapshot_id))


def snapshot(db_url: str, scope: Scope, snapshot_id: int):
    """A snapshot (frozen, so cached without the data version) and the units whose pillar pages it
    holds; None when it does not exist or is out of the scope."""
    try:
        return _snapshot(db_url, scope, snapshot_id)
    except LookupError:
        return None


def snapshots(db_url: str, scope: Scope, unit: str) -> list:
    """The unit's snapshots, newest first (not cached: a snapshot frozen a moment ago is listed)."""
    from metrics import snapshot as snapshot_model

    with engine(db_url).connect() as conn:
        return snapshot_model.listing(conn, scope, unit)


@st.cache_data(ttl=TTL, show_spinner="Loading the snapshot…")
def frozen_pillar(db_url: str, scope: Scope, snapshot_id: int, pillar_id: str, unit: str):
    from metrics import snapshot as snapshot_model

    with engine(db_url).connect() as conn:
        return snapshot_model.frozen_pillar(conn, scope, snapshot_id, pillar_id, unit)
