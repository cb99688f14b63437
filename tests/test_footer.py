"""Every page's footer: the latest date of each source the viewer may see, and the stale ones named."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from db.engine import make_engine
from metrics.scope import scope_for
from tests.conftest import add_user, application_url, fixture_org_database, sign_in

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")


@pytest.fixture(scope="module")
def org_url() -> str:
    url = fixture_org_database()
    add_user(url, "lead@acme.test", "lead")
    add_user(url, "member@acme.test", "member", unit="T1", person="p2")
    return url


def _footer(url: str, email: str, page: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("DATABASE_URL", url)
    st.cache_data.clear()
    st.cache_resource.clear()
    at = sign_in(AppTest.from_file(APP, default_timeout=60), email)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return [c.value for c in at.caption if ":material/database:" in c.value or "Not updated for more" in c.value]


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/people.py", "pages/meetings.py", "pages/data.py"])
def test_every_page_ends_with_the_freshness_of_each_source(org_url: str, page: str, monkeypatch) -> None:
    data, stale = _footer(org_url, "lead@acme.test", page, monkeypatch)
    # The fixture's latest days (tests/test_data_page.py): activity 23 Mar 2026 (the integration
    # account's), meetings 16 Mar 2026 (m22, the last one not planned).
    assert "CRM activity to 23 Mar 2026" in data and "Meetings to 16 Mar 2026" in data
    assert "last import" not in data  # the fixture was written directly, not imported
    days = (date.today() - date(2026, 3, 23)).days
    assert stale.startswith(
        ":orange[:material/schedule: Not updated for more than 7 days: CRM activity (" + f"{days} days)"
    )


def test_the_footer_shows_only_what_the_viewer_may_see(org_url: str, monkeypatch) -> None:
    eng = make_engine(application_url(org_url))
    with eng.begin() as conn:
        scope_for(conn, "member", "T1", "p2").apply(conn)
        latest = conn.execute(text("SELECT max(date) FROM crm_activity")).scalar()
    eng.dispose()
    assert latest < date(2026, 3, 23)  # the integration account's last day is not the member's to see
    data, _ = _footer(org_url, "member@acme.test", "pages/my-team.py", monkeypatch)
    assert f"CRM activity to {latest.day} {latest:%b %Y}" in data
