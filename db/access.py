"""The application role and the viewer's scope as the database sees it (row-level security)."""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Sequence

from psycopg import sql
from sqlalchemy import Connection, exc, text
from sqlalchemy.engine import make_url

from db.settings import home

APP_ROLE = "flywheel_app"  # created by migration 0003; no superuser, no BYPASSRLS, owns nothing


def app_password() -> str:
    """FLYWHEEL_APP_PASSWORD, else a random one kept (mode 600) under FLYWHEEL_HOME."""
    if pw := os.environ.get("FLYWHEEL_APP_PASSWORD"):
        return pw
    path = home() / "app_password"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(24))
    return path.read_text().strip()


def enable_login(conn: Connection) -> None:
    """Let the application role log in with its password (run by `flywheel db upgrade`, as the owner)."""
    raw = conn.connection.driver_connection
    statement = sql.SQL("ALTER ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(APP_ROLE), sql.Literal(app_password()))
    for attempt in range(5):
        try:
            with conn.begin_nested():
                conn.exec_driver_sql(statement.as_string(raw))
            return
        except exc.InternalError:  # "tuple concurrently updated": another database's upgrade, same role
            if attempt == 4:
                raise
            time.sleep(0.2 * (attempt + 1))


def app_url(owner_url: str) -> str:
    """The same server and database, as the application role."""
    url = make_url(owner_url).set(username=APP_ROLE, password=app_password())
    return url.render_as_string(hide_password=False)


def set_scope(conn: Connection, roots: Sequence[str], people: bool, person: str | None) -> None:
    """Hand the viewer's scope to the row-level security policies, for this transaction only.

    set_config(..., true) ends with the transaction, so a pooled connection cannot carry one
    viewer's scope into the next; the policies read unset and empty settings as "nothing".
    """
    conn.execute(
        text(
            "SELECT set_config('flywheel.roots', :roots, true), set_config('flywheel.people', :people, true),"
            " set_config('flywheel.person', :person, true)"
        ),
        {"roots": json.dumps(list(roots)), "people": "true" if people else "false", "person": person or ""},
    )
