"""HubSpot: the account login history export (Settings -> Security -> Activity logs -> Export login history).

HubSpot documents what each row holds (knowledge.hubspot.com, "View and export account activity history"):
the login timestamp, the user's e-mail address, IP address, location, the type of login (a column named
Type: Password login, Sign in with Google login, SSO login, HubSpot tools login, ...) and the user agent.
It does not document the other header labels, so each is matched by the names it goes by (below).
Every row is one login; a failed attempt (where the file says so) and a "HubSpot tools login" (a process
HubSpot ran for the user, such as a scheduled report export, per the same page) are skipped and counted.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import Connection

from db import schema
from db.importers.checks import Context
from db.importers.report import Errors, FileResult
from db.importers.vendor import (
    Adapter,
    Options,
    People,
    Plan,
    count_logins,
    login_day,
    missing_columns,
    read_vendor_csv,
)

NOT_INTERACTIVE = ("hubspot tools login",)
FAILED = ("false", "failed", "failure", "login failed", "no")


class HubSpotLoginHistory(Adapter):
    source = "hubspot-login-history"
    table = schema.crm_activity
    WANTED = {
        "time": ("Login time", "Login timestamp", "Timestamp", "Time", "Login at", "Date", "Occurred at"),
        "email": ("Email", "User email", "User email address", "Email address", "User"),
        "type": ("Type", "Login type"),
        "succeeded": ("Login succeeded", "Succeeded", "Status", "Result", "Subcategory"),
    }

    def plan(
        self, conn: Connection, data: bytes, result: FileResult, errors: Errors, opts: Options, ctx: Context
    ) -> Plan | None:
        name = result.file_name
        read = read_vendor_csv(data, name, errors, result, self.WANTED, opts.limits_or_default())
        if read is None:
            return None
        sheet, found = read
        if missing_columns(name, sheet, found, {"time": "Login time", "email": "Email"}, errors):
            return None
        local = opts.zone()
        people = People.load(conn)
        logins: dict[tuple[str, date], int] = defaultdict(int)
        col = {k: sheet.frame[v] for k, v in found.items()}
        for i, line in enumerate(sheet.lines):
            line = int(line)
            outcome = col["succeeded"].iat[i].lower() if "succeeded" in col else ""
            if outcome in FAILED:
                result.skip(line, col["succeeded"].iat[i], "a failed login attempt")
                continue
            kind = col["type"].iat[i] if "type" in col else ""
            if kind.lower() in NOT_INTERACTIVE:
                result.skip(line, kind, "not an interactive login (a process HubSpot ran for the user)")
                continue
            email = col["email"].iat[i]
            person = people.email(email)
            if person is None:
                result.skip(line, email, "unknown user" if email else "no e-mail")
                continue
            day = login_day(col["time"].iat[i], local, ctx, errors, name, line, "Login time")
            if day is None:
                continue
            logins[(person, day)] += 1
        return Plan(self.table, count_logins(logins), ("person_id", "date"), ["logins"])
