"""Who is looking: sign-in through the identity provider (st.login) or local accounts, sessions that
end, and an administrator's "view as"."""

from __future__ import annotations

import time
from dataclasses import dataclass

import streamlit as st

from db import audit, users
from db.users import User
from metrics.scope import Scope, scope_for
from ui import data

IDLE_SECONDS = 2 * 3600  # a local session ends after two idle hours ...
MAX_SECONDS = 12 * 3600  # ... and after twelve hours in any case
_SESSION = "_flywheel_session"  # {"email", "started", "seen"}
_VIEW_AS = "_flywheel_view_as"  # the e-mail an administrator is viewing as
_AUDITED = "_flywheel_signin_audited"
_NO_ACCESS = "_flywheel_no_access"  # why a signed-in identity may not see anything


@dataclass(frozen=True)
class Viewer:
    email: str
    name: str
    role: str
    scope: Scope
    viewing_as: str | None = None  # the administrator's own e-mail while it views as this user


def identity_provider() -> bool:
    """True when .streamlit/secrets.toml has an [auth] section: sign in with st.login."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def viewer(url: str) -> Viewer | None:
    """The signed-in viewer, recomputed on every run, or None; draws nothing (see `sign_in_page`)."""
    user = _oidc_user(url) if identity_provider() else _local_user(url)
    if user is None:
        return None
    me = _viewer(url, user)
    if me is None:
        return None
    as_email = st.session_state.get(_VIEW_AS)
    if as_email and me.role == "admin":
        target = _lookup(url, as_email)
        if target is not None and target.active and (them := _viewer(url, target, viewing_as=me.email)):
            return them
        st.session_state.pop(_VIEW_AS, None)
    return me


def sign_in_page() -> None:
    """What someone who is not signed in sees, at whatever page URL it opened (the URL survives)."""
    url = data.url()
    _sign_in_screen()
    if reason := st.session_state.get(_NO_ACCESS):
        st.error(f"**No access.** {reason}", icon=":material/block:")
        if identity_provider():
            st.button("Sign out", on_click=st.logout)
        return
    if identity_provider():
        st.button("Sign in with your company account", type="primary", on_click=st.login)
        return
    if not _any_user(url):
        st.info(
            "No users yet. Create the first administrator on the server: "
            "`flywheel user add --email you@example.com --role admin --password-stdin` "
            "(or `make run`, which creates the demo accounts).",
            icon=":material/person_add:",
        )
        return
    if note := st.session_state.pop("_flywheel_signin_note", None):
        st.info(note)
    with st.form("sign_in"):
        email = st.text_input("E-mail", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        with data.engine(url).begin() as conn:
            result = users.authenticate(conn, email, password)
        if result.user is not None:
            now = time.time()
            st.session_state[_SESSION] = {"email": result.user.email, "started": now, "seen": now}
            st.rerun()
        st.error(result.message)


def _viewer(url: str, user: User, viewing_as: str | None = None) -> Viewer:
    with data.engine(url).connect() as conn:
        scope = scope_for(conn, user.role, user.home_unit_id, user.person_id)
    if scope is None:
        st.session_state[_NO_ACCESS] = f"{user.email} has no home unit yet. Ask an administrator to set one."
        return None
    st.session_state.pop(_NO_ACCESS, None)
    return Viewer(user.email, user.name, user.role, scope, viewing_as)


def start_view_as(url: str, admin: Viewer, email: str) -> None:
    """Let an administrator see exactly what another user sees (audited)."""
    with data.engine(url).begin() as conn:
        audit.record(conn, admin.viewing_as or admin.email, "view_as", email)
    st.session_state[_VIEW_AS] = email


def stop_view_as() -> None:
    st.session_state.pop(_VIEW_AS, None)


def sign_out(url: str, who: Viewer) -> None:
    with data.engine(url).begin() as conn:
        audit.record(conn, who.viewing_as or who.email, "signout", who.viewing_as or who.email)
    st.session_state.pop(_SESSION, None)
    st.session_state.pop(_VIEW_AS, None)
    st.session_state.pop(_AUDITED, None)
    st.session_state.pop(_NO_ACCESS, None)
    if identity_provider():
        st.logout()


def _lookup(url: str, email: str) -> User | None:
    with data.engine(url).connect() as conn:
        return users.get(conn, email)


def _any_user(url: str) -> bool:
    with data.engine(url).connect() as conn:
        return bool(users.all_users(conn))


def _oidc_user(url: str) -> User | None:
    info = st.user.to_dict()
    if not info.get("is_logged_in"):
        return None
    email = str(info.get("email") or "").strip().lower()
    user = _lookup(url, email) if email else None
    first = not st.session_state.get(_AUDITED)
    st.session_state[_AUDITED] = True
    if user is None or not user.active:
        if first:
            with data.engine(url).begin() as conn:
                audit.record(conn, email or None, "signin.failed", email or None, method="oidc", reason="no access")
        st.session_state[_NO_ACCESS] = (
            f"{email or 'This account'} has no access to Flywheel. Ask an administrator to add you."
        )
        return None
    if first:
        with data.engine(url).begin() as conn:
            audit.record(conn, email, "signin", email, method="oidc")
    return user


def _local_user(url: str) -> User | None:
    now = time.time()
    session = st.session_state.get(_SESSION)
    if session and (now - session["seen"] > IDLE_SECONDS or now - session["started"] > MAX_SECONDS):
        st.session_state.pop(_SESSION, None)
        st.session_state.pop(_VIEW_AS, None)
        st.session_state["_flywheel_signin_note"] = "Your session ended. Please sign in again."
        session = None
    if session:
        user = _lookup(url, session["email"])
        if user is not None and user.active:
            session["seen"] = now
            return user
        st.session_state.pop(_SESSION, None)
    # Say that the database is down before asking for a password it cannot check.
    data.version(url)
    return None


def _sign_in_screen() -> None:
    st.title(":material/donut_large: Flywheel")
    st.caption("Is our CRM really being adopted, and why not?")
