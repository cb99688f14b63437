"""Admin: users, roles and home units; view as another user; the audit log."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from db import audit, users
from ui import auth, data, frame

ctx = frame.page("Admin", roles=("admin",))
url, me = ctx.url, ctx.viewer
if flash := st.session_state.pop("_admin_flash", None):
    st.success(flash, icon=":material/check_circle:")

st.title("Admin")
with frame.database_errors():
    with data.engine(url).connect() as conn:
        everyone = users.all_users(conn)
        log = audit.recent(conn, 200)
    units = data.units(url, me.scope, ctx.version)
unit_names = {u.id: u.name for u in units}
unit_ids = [u.id for u in units]


def _save(action, message: str) -> None:
    """Run one user change in its own transaction, as the admin; the page then says what happened."""
    try:
        with data.engine(url).begin() as conn:
            me.scope.apply(conn)  # the person with the same e-mail is found inside the admin's scope
            action(conn)
    except users.UserError as e:
        st.session_state["_admin_error"] = str(e)
        return
    st.session_state["_admin_flash"] = message


def _add() -> None:
    state = st.session_state
    email = state["add_email"]
    _save(
        lambda conn: users.add(
            conn,
            email,
            state["add_role"],
            unit=state["add_unit"],
            name=state["add_name"] or None,
            password=state["add_password"] or None,
            actor=me.email,
        ),
        f"Added {email.strip().lower()}.",
    )


def _change(current: users.User) -> None:
    state = st.session_state
    role, unit, active, password = state["chg_role"], state["chg_unit"], state["chg_active"], state["chg_password"]

    def change(conn) -> None:
        if role != current.role or unit != current.home_unit_id:
            users.set_role(conn, current.email, role, unit=unit, actor=me.email)
        if active != current.active:
            users.set_active(conn, current.email, active, actor=me.email)
        if password:
            users.set_password(conn, current.email, password, actor=me.email)

    _save(change, f"Saved {current.email}.")


if error := st.session_state.pop("_admin_error", None):
    st.error(error)

users_tab, add_tab, view_tab, log_tab = st.tabs(["Users", "Add a user", "View as", "Audit log"])
with users_tab:
    table = pd.DataFrame(
        [
            {
                "E-mail": u.email,
                "Name": u.name,
                "Role": u.role,
                "Home unit": unit_names.get(u.home_unit_id, u.home_unit_id or "–"),
                "Person": u.person_id or "–",
                "Active": u.active,
            }
            for u in everyone
        ]
    )
    st.dataframe(table, hide_index=True, width="stretch")
    if everyone:
        st.subheader("Change a user")
        emails = [u.email for u in everyone]
        chosen = st.selectbox("User", emails, key="admin_user")
        current = next(u for u in everyone if u.email == chosen)
        with st.form(f"change_user_{chosen}"):
            st.selectbox("Role", users.ROLES, index=users.ROLES.index(current.role), key="chg_role")
            st.selectbox(
                "Home unit",
                [None, *unit_ids],
                index=([None, *unit_ids].index(current.home_unit_id) if current.home_unit_id in unit_ids else 0),
                format_func=lambda i: "–" if i is None else unit_names[i],
                key="chg_unit",
            )
            st.checkbox("Active (may sign in)", value=current.active, key="chg_active")
            st.text_input("New password (leave empty to keep)", type="password", key="chg_password")
            st.form_submit_button("Save", type="primary", on_click=_change, args=(current,))

with add_tab, st.form("add_user", clear_on_submit=True):
    st.text_input("E-mail", key="add_email")
    st.text_input("Name (optional: taken from the person with this e-mail)", key="add_name")
    st.selectbox("Role", users.ROLES, index=users.ROLES.index("member"), key="add_role")
    st.selectbox(
        "Home unit (optional: the unit of the person with this e-mail)",
        [None, *unit_ids],
        format_func=lambda i: "–" if i is None else unit_names[i],
        key="add_unit",
    )
    st.text_input(
        "Password (leave empty when people sign in through the identity provider)", type="password", key="add_password"
    )
    st.form_submit_button("Add user", type="primary", on_click=_add)

with view_tab:
    st.markdown(
        "See the dashboard exactly as another user does: its pages, its scope, its suppression rules. "
        "Every switch is written to the audit log."
    )
    others = [u.email for u in everyone if u.active and u.email != me.email]
    if others:
        st.selectbox("User to view as", others, key="view_as_user")
        st.button(
            "View as this user",
            type="primary",
            on_click=lambda: auth.start_view_as(url, me, st.session_state["view_as_user"]),
        )
    else:
        st.info("No other active user.")

with log_tab:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "When (UTC)": r.at.strftime("%Y-%m-%d %H:%M:%S"),
                    "Who": r.actor or "–",
                    "What": r.action,
                    "Subject": r.subject or "",
                    "Details": str(r.details) if r.details else "",
                }
                for r in log
            ]
        ),
        hide_index=True,
        width="stretch",
    )
