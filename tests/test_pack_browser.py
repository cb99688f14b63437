"""In a real Chromium: the Meetings page's download button hands over the meeting pack as a PDF."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import text

from db.engine import make_engine
from metrics.refresh import refresh
from tests import fixture_org
from tests.conftest import TEST_PASSWORD, add_user
from tests.test_browser import CHROMIUM, _streamlit, sync_api

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def org_url() -> str:
    from tests.conftest import create_database

    url = create_database()
    eng = make_engine(url)
    with eng.begin() as conn:
        fixture_org.load(conn)
        refresh(conn, full=True)
    eng.dispose()
    add_user(url, "sales@acme.test", "manager", unit="D1", person="p9")
    return url


def test_the_pack_downloads_as_a_pdf(org_url: str, tmp_path: Path) -> None:
    from pypdf import PdfReader

    with _streamlit(org_url) as base, sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1440, "height": 1100}, accept_downloads=True)
        page.goto(base + "/meetings?unit=D1&grain=month&period=2026-02-01")
        page.get_by_role("textbox", name="E-mail").fill("sales@acme.test")
        page.get_by_role("textbox", name="Password").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        button = page.get_by_role("button", name="Meeting pack (PDF)")
        button.wait_for(timeout=60_000)
        with page.expect_download(timeout=60_000) as info:
            button.click()
        download = info.value
        assert download.suggested_filename == "flywheel-pack-D1-month-2026-02-01.pdf"
        pdf = Path(download.path()).read_bytes()
        browser.close()
    eng = make_engine(org_url)
    with eng.connect() as conn:
        handed = conn.execute(text("SELECT actor, action FROM audit_log WHERE action LIKE 'pack.%'")).all()
    eng.dispose()
    assert [tuple(r) for r in handed] == [("sales@acme.test", "pack.pdf")]  # one click, one audited hand-over
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 7
    assert "4 of 6 held management meetings" in " ".join(reader.pages[2].extract_text().split())
