"""The Data page through AppTest: freshness, upload, every bad row reported, import, history, undo."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import create_engine, text
from streamlit.testing.v1 import AppTest

from tests.conftest import add_user, fixture_org_database, sign_in

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")


@pytest.fixture
def org_url() -> str:
    url = fixture_org_database()
    add_user(url, "lead@acme.test", "lead")
    add_user(url, "member@acme.test", "member", unit="T1", person="p2")
    return url


def _data_page(url: str, email: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    st.cache_data.clear()
    st.cache_resource.clear()
    at = sign_in(AppTest.from_file(APP, default_timeout=60), email)
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception, at.exception
    return at


def _count(url: str, sql: str) -> int:
    eng = create_engine(url)
    with eng.connect() as conn:
        n = conn.execute(text(sql)).scalar_one()
    eng.dispose()
    return n


def test_freshness_lists_every_source_with_its_latest_day(org_url: str, monkeypatch) -> None:
    at = _data_page(org_url, "lead@acme.test", monkeypatch)
    table = at.dataframe[0].value.set_index("Source")
    # The fixture's last activity is the integration account's on 23 Mar 2026; its rows count too.
    assert table.loc["CRM activity", "Latest"] == "23 Mar 2026"
    assert table.loc["Meetings", "Latest"] == "16 Mar 2026"  # m22, the last meeting that is not planned
    assert int(table.loc["Recognitions", "Rows"]) == 6


def test_a_bad_file_lists_every_bad_row_and_writes_nothing(org_url: str, monkeypatch) -> None:
    at = _data_page(org_url, "lead@acme.test", monkeypatch)
    before = _count(org_url, "SELECT count(*) FROM recognitions")
    csv = b"id,person_id,date,kind,note\nr10,p1,2026-03-01,award,\nr11,nobody,2026-03-02,award,\nr12,p2,2099-01-01,award,\n"
    at.file_uploader[0].upload("recognitions.csv", csv, "text/csv").run()
    assert not at.exception
    assert at.error[0].value.startswith("**import failed, nothing was written: 2 errors.**")
    errors = at.dataframe[1].value
    assert list(errors["Line"]) == [3, 4]
    assert list(errors["Column"]) == ["person_id", "date"]
    assert "Import" not in [b.label for b in at.button]
    assert _count(org_url, "SELECT count(*) FROM recognitions") == before


def test_a_good_file_is_checked_then_imported_and_can_be_undone(org_url: str, monkeypatch) -> None:
    at = _data_page(org_url, "lead@acme.test", monkeypatch)
    before = _count(org_url, "SELECT count(*) FROM recognitions")
    at.file_uploader[0].upload(
        "recognitions.csv", b"id,person_id,date,kind,note\nr10,p1,2026-03-01,award,\n", "text/csv"
    )
    at.run()
    shown = at.info[0].value.replace("\\", "")  # markdown escapes in the file name and message
    assert "Checked, nothing written yet." in shown
    assert "recognitions.csv: 1 rows read, 1 inserted" in shown
    assert _count(org_url, "SELECT count(*) FROM recognitions") == before  # the check wrote nothing
    at.button[[b.label for b in at.button].index("Import")].click().run()
    assert not at.exception
    assert at.success and "1 inserted" in at.success[0].value
    assert _count(org_url, "SELECT count(*) FROM recognitions") == before + 1
    history = at.dataframe[-1].value
    assert (history.iloc[0]["File"], history.iloc[0]["Status"], history.iloc[0]["By"]) == (
        "recognitions.csv",
        "succeeded",
        "lead@acme.test",
    )
    at.checkbox[0].check()
    at.button[[b.label for b in at.button].index("Undo")].click().run()
    assert _count(org_url, "SELECT count(*) FROM recognitions") == before
    assert any("Undid the last canonical import" in s.value for s in at.success)


def test_members_cannot_open_the_data_page(org_url: str, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", org_url)
    st.cache_data.clear()
    st.cache_resource.clear()
    at = sign_in(AppTest.from_file(APP, default_timeout=60), "member@acme.test").run()
    with pytest.raises(ValueError):
        at.switch_page("pages/data.py")
