"""Sign-in in a real Chromium: the identity provider end to end (a local mock, offline), local
accounts, and a forbidden page's deep link on a fresh server."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from tests.conftest import add_user
from tests.test_browser import CHROMIUM, _free_port, _sign_in, _streamlit, sync_api  # noqa: F401 - skips without Chromium
from tests.test_overview_page import _build

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def tiny_url() -> str:
    from tests.conftest import create_database

    url = create_database()
    _build(url)
    add_user(url, "member@acme.test", "member", unit="t1", person="p1")
    return url


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        yield b
        b.close()


def test_sign_in_through_the_identity_provider_end_to_end(tiny_url: str, browser, tmp_path: Path) -> None:
    from oidc_provider_mock import User, run_server_in_thread

    people = [
        User(sub="member", claims={"email": "member@acme.test", "name": "Member One"}),
        User(sub="stranger", claims={"email": "stranger@elsewhere.test"}),
    ]
    with run_server_in_thread(port=0, user_claims=people) as idp:
        port = _free_port()
        secrets_file = tmp_path / "secrets.toml"
        secrets_file.write_text(
            "[auth]\n"
            f'redirect_uri = "http://localhost:{port}/oauth2callback"\n'
            f'cookie_secret = "{secrets.token_hex(16)}"\n'
            'client_id = "flywheel"\n'
            'client_secret = "not-a-secret"\n'
            f'server_metadata_url = "http://localhost:{idp.server_port}/.well-known/openid-configuration"\n'
        )
        with _streamlit(tiny_url, f"--secrets.files={secrets_file}", port=port, host="localhost") as base:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(base + "/overview")
            page.get_by_role("button", name="Sign in with your company account").click()
            page.get_by_role("button", name="member", exact=True).click()  # the provider's one-click user
            page.get_by_role("heading", name="Team One", exact=True).wait_for(timeout=30_000)
            sidebar = page.get_by_test_id("stSidebar")
            # The Flywheel user (tied to person p1) decides name, role and scope, not the token's claims.
            assert sidebar.get_by_text("Signed in as Person 1 · member").count() == 1
            assert page.get_by_text("Team Two").count() == 0  # a member sees its team only
            page.close()

            # Someone the provider knows but Flywheel does not: a clear "no access", no data.
            other = browser.new_context().new_page()
            other.goto(base + "/overview")
            other.get_by_role("button", name="Sign in with your company account").click()
            other.get_by_role("button", name="stranger", exact=True).click()
            other.get_by_text("No access.").wait_for(timeout=30_000)
            assert other.get_by_text("stranger@elsewhere.test has no access to Flywheel").count() == 1
            assert other.get_by_text("Acme Test").count() == 0
            other.close()


def test_a_member_deep_linking_to_admin_on_a_fresh_server_sees_no_admin_data(tiny_url: str, browser) -> None:
    with _streamlit(tiny_url) as base:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(base + "/admin")
        page.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
        _sign_in(page, "member@acme.test")
        page.get_by_test_id("stSidebar").get_by_text("Org unit").wait_for(timeout=30_000)
        body = page.get_by_test_id("stMain").inner_text()
        assert "admin@acme.test" not in body and "Audit log" not in body
        nav = page.get_by_test_id("stSidebarNav").inner_text() if page.get_by_test_id("stSidebarNav").count() else ""
        assert "Admin" not in nav
        page.close()


def test_a_wrong_password_in_the_browser_shows_no_data(tiny_url: str, browser) -> None:
    with _streamlit(tiny_url) as base:
        page = browser.new_page()
        page.goto(base + "/overview?unit=t2")
        page.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
        page.get_by_role("textbox", name="E-mail").fill("member@acme.test")
        page.get_by_role("textbox", name="Password").fill("wrong password")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_text("Wrong e-mail or password, or no access.").wait_for(timeout=30_000)
        assert page.get_by_text("Team Two").count() == 0 and page.get_by_text("Acme Test").count() == 0
        page.close()


def test_a_deep_link_to_my_team_on_a_fresh_server_signs_in_and_opens_it(tiny_url: str, browser) -> None:
    """`/my-team` has no file of that name: a fresh server must neither say "Page not found" nor list
    the pages/ files (Streamlit's legacy mode), before or after signing in."""
    with _streamlit(tiny_url) as base:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(base + "/my-team?unit=t1&grain=month&period=2026-03-01")
        page.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
        assert page.get_by_text("Page not found").count() == 0
        assert page.get_by_test_id("stSidebarNav").count() == 0  # no page list before signing in
        _sign_in(page, "member@acme.test")
        page.get_by_role("heading", name="My team · Team One", exact=True).wait_for(timeout=30_000)
        assert page.get_by_text("Page not found").count() == 0
        nav = page.get_by_test_id("stSidebarNav").inner_text()
        assert "My team" in nav and "Admin" not in nav and "admin" not in nav
        page.close()
