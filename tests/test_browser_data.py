"""The Data page's upload in a real Chromium: check, import, and the numbers follow."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import add_user, fixture_org_database
from tests.test_browser import CHROMIUM, _sign_in, _streamlit, sync_api  # noqa: F401 - skips without Chromium

pytestmark = pytest.mark.browser


def test_upload_check_and_import_in_the_browser(tmp_path: Path) -> None:
    url = fixture_org_database()
    add_user(url, "lead@acme.test", "lead")
    csv = tmp_path / "recognitions.csv"
    csv.write_text("id,person_id,date,kind,note\nr10,p1,2026-03-01,award,\nr11,p2,2026-03-02,shout_out,\n")
    with _streamlit(url) as base, sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(base + "/data")
        page.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
        _sign_in(page, "lead@acme.test")
        page.get_by_role("heading", name="Import a file").wait_for(timeout=30_000)
        page.locator("input[type=file]").set_input_files(str(csv))
        page.get_by_text("Checked, nothing written yet.").wait_for(timeout=30_000)
        page.get_by_role("button", name="Import", exact=True).click()
        page.get_by_text("2 inserted").first.wait_for(timeout=30_000)
        browser.close()
    eng = create_engine(url)
    with eng.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM recognitions WHERE id IN ('r10', 'r11')")).scalar_one() == 2
        # The import recomputed March: T1's recognitions went from 0 to 2 in March 2026.
        n = conn.execute(
            text(
                "SELECT numerator FROM kpi_values WHERE kpi_id = 'recognition_rate' AND org_unit_id = 'T1'"
                " AND grain = 'month' AND period_start = '2026-03-01'"
            )
        ).scalar_one()
    eng.dispose()
    assert n == 2
