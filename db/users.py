"""Flywheel users: roles, home units, local passwords (argon2) and sign-in with failed-attempt throttling."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, func, select, update

from db import audit, schema

ROLES = schema.ROLES
MIN_PASSWORD = 10
FREE_ATTEMPTS = 3  # failed attempts before each further one must wait
MAX_WAIT = timedelta(minutes=15)
_hasher = PasswordHasher()
# Verified when the e-mail is unknown, so that a wrong e-mail costs as long as a wrong password.
_DUMMY = _hasher.hash("not a password of anyone")


class UserError(ValueError):
    """A request about users that cannot be carried out; the message says why, in one line."""


@dataclass(frozen=True)
class User:
    email: str
    name: str
    role: str
    home_unit_id: str | None
    person_id: str | None
    active: bool


def _user(row) -> User:
    return User(row.email, row.name, row.role, row.home_unit_id, row.person_id, row.active)


def get(conn: Connection, email: str) -> User | None:
    row = conn.execute(select(schema.users).where(schema.users.c.email == email.strip().lower())).first()
    return _user(row) if row else None


def all_users(conn: Connection) -> list[User]:
    return [_user(r) for r in conn.execute(select(schema.users).order_by(schema.users.c.email))]


def add(
    conn: Connection,
    email: str,
    role: str,
    *,
    unit: str | None = None,
    name: str | None = None,
    password: str | None = None,
    person: str | None = None,
    actor: str | None = None,
) -> User:
    """Create a user. Its person (`person`, else the one with the same e-mail) gives the default
    home unit. Without a password it can only sign in through the identity provider."""
    email = email.strip().lower()
    if "@" not in email:
        raise UserError(f"{email!r} is not an e-mail address")
    _check_role(role)
    if get(conn, email):
        raise UserError(f"a user {email} exists already")
    p = schema.people
    person = conn.execute(
        select(p.c.id, p.c.name, p.c.org_unit_id).where(p.c.id == person if person else func.lower(p.c.email) == email)
    ).first()
    unit = unit or (person.org_unit_id if person else None)
    _check_unit(conn, role, unit)
    conn.execute(
        schema.users.insert().values(
            email=email,
            name=name or (person.name if person else email.split("@")[0]),
            role=role,
            home_unit_id=unit,
            person_id=person.id if person else None,
            password_hash=_hash(password) if password is not None else None,
        )
    )
    audit.record(conn, actor, "user.add", email, role=role, unit=unit)
    return get(conn, email)


def set_role(conn: Connection, email: str, role: str, *, unit: str | None = None, actor: str | None = None) -> User:
    user = _existing(conn, email)
    _check_role(role)
    unit = unit or user.home_unit_id
    _check_unit(conn, role, unit)
    conn.execute(update(schema.users).where(schema.users.c.email == user.email).values(role=role, home_unit_id=unit))
    audit.record(conn, actor, "user.role", user.email, old=user.role, new=role, unit=unit)
    return get(conn, user.email)


def set_active(conn: Connection, email: str, active: bool, *, actor: str | None = None) -> User:
    user = _existing(conn, email)
    conn.execute(update(schema.users).where(schema.users.c.email == user.email).values(active=active))
    audit.record(conn, actor, "user.enable" if active else "user.disable", user.email)
    return get(conn, user.email)


def set_password(conn: Connection, email: str, password: str, *, actor: str | None = None) -> None:
    user = _existing(conn, email)
    conn.execute(
        update(schema.users)
        .where(schema.users.c.email == user.email)
        .values(password_hash=_hash(password), failed_logins=0)
    )
    audit.record(conn, actor, "user.password", user.email)


@dataclass(frozen=True)
class SignIn:
    user: User | None
    message: str  # what the sign-in form says; never whether the e-mail exists


def authenticate(conn: Connection, email: str, password: str, *, now: datetime | None = None) -> SignIn:
    """Check a local password. Failed attempts are counted; after a few, each further attempt
    must wait (doubling, at most 15 minutes) before it is even checked."""
    now = now or datetime.now(UTC)
    email = email.strip().lower()
    t = schema.users
    row = conn.execute(select(t).where(t.c.email == email).with_for_update()).first()
    if row is not None and (wait := _wait(row.failed_logins, row.last_failed_at, now)) > timedelta(0):
        audit.record(conn, email, "signin.throttled", email)
        return SignIn(None, f"Too many failed attempts. Try again in {_words(wait)}.")
    ok = _verify(row.password_hash if row is not None else None, password)
    if not ok or row is None or not row.active:
        if row is not None:
            conn.execute(
                update(t).where(t.c.email == email).values(failed_logins=t.c.failed_logins + 1, last_failed_at=now)
            )
        audit.record(conn, email, "signin.failed", email, reason="disabled" if ok and row is not None else "password")
        return SignIn(None, "Wrong e-mail or password, or no access.")
    conn.execute(update(t).where(t.c.email == email).values(failed_logins=0, last_login_at=now))
    audit.record(conn, email, "signin", email, method="password")
    return SignIn(_user(row), "")


def _wait(failed: int, last: datetime | None, now: datetime) -> timedelta:
    if failed < FREE_ATTEMPTS or last is None:
        return timedelta(0)
    delay = min(timedelta(seconds=2 ** (failed - FREE_ATTEMPTS + 1)), MAX_WAIT)
    return max(timedelta(0), last + delay - now)


def _words(wait: timedelta) -> str:
    seconds = int(wait.total_seconds()) + 1
    return f"{seconds} seconds" if seconds < 120 else f"{seconds // 60} minutes"


def _verify(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def _hash(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"a password needs at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def _existing(conn: Connection, email: str) -> User:
    user = get(conn, email)
    if user is None:
        raise UserError(f"no user {email.strip().lower()}")
    return user


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; one of {', '.join(ROLES)}")


def _check_unit(conn: Connection, role: str, unit: str | None) -> None:
    if unit is not None:
        if not conn.execute(select(schema.org_units.c.id).where(schema.org_units.c.id == unit)).first():
            raise UserError(f"no org unit with id {unit!r}")
    elif role in ("manager", "member"):
        raise UserError(f"a {role} needs a home unit (--unit), or an e-mail that matches a person")
