"""Salesforce: the User export (records each person's Salesforce Id and Username) and LoginHistory.

LoginHistory comes as an API / Data Loader export (`UserId`, `LoginTime` in GMT such as
`2026-03-02T08:15:04.000+0000`) or as the CSV that Setup -> Login History -> Download writes
(`Username`, labels as headers, `Login Time` in the downloading user's locale: read with --tz).
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date

import pandas as pd
from sqlalchemy import Connection, select

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

_SF_ID = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")


class SalesforceUsers(Adapter):
    """A User export (Data Loader, SOQL or a report): matches people by e-mail, never creates one."""

    source = "salesforce-users"
    table = schema.people
    WANTED = {"id": ("Id", "User ID"), "username": ("Username", "User Name"), "email": ("Email",)}

    def plan(
        self, conn: Connection, data: bytes, result: FileResult, errors: Errors, opts: Options, ctx: Context
    ) -> Plan | None:
        name = result.file_name
        read = read_vendor_csv(data, name, errors, result, self.WANTED, opts.limits_or_default())
        if read is None:
            return None
        sheet, found = read
        if missing_columns(name, sheet, found, {"id": "Id", "email": "Email"}, errors):
            return None
        people = People.load(conn)
        taken = dict(
            conn.execute(
                select(schema.people.c.crm_user_id, schema.people.c.id).where(schema.people.c.crm_user_id.is_not(None))
            ).all()
        )
        rows: dict[str, tuple[str, str | None, int]] = {}  # person -> (Id, Username, line)
        first_line_of_id: dict[str, int] = {}
        for i, line in enumerate(sheet.lines):
            line = int(line)
            sf_id = sheet.frame.iat[i, found["id"]]
            email = sheet.frame.iat[i, found["email"]]
            username = sheet.frame.iat[i, found["username"]] if "username" in found else None
            if not _SF_ID.fullmatch(sf_id or ""):
                errors.add(
                    name, line, "Id", sf_id, f"'{sf_id}' is not a Salesforce user Id (15 or 18 letters and digits)"
                )
                continue
            if sf_id in first_line_of_id:
                errors.add(name, line, "Id", sf_id, f"Id {sf_id} is also on line {first_line_of_id[sf_id]}")
                continue
            first_line_of_id[sf_id] = line
            person = people.email(email)
            if person is None:
                result.skip(line, email or sf_id, "no person with this e-mail" if email else "no e-mail")
                continue
            if person in rows:
                errors.add(name, line, "Email", email, f"e-mail {email} is also on line {rows[person][2]}")
                continue
            owner = taken.get(sf_id)
            if owner is not None and owner != person:
                errors.add(name, line, "Id", sf_id, f"Salesforce Id {sf_id} is already recorded for person '{owner}'")
                continue
            rows[person] = (sf_id, username or None, line)
        frame = pd.DataFrame(
            {
                "id": list(rows),
                "crm_user_id": [v[0] for v in rows.values()],
                "crm_username": [v[1] for v in rows.values()],
            }
        )
        return Plan(self.table, frame, ("id",), ["crm_user_id", "crm_username"], mode="update")


class SalesforceLoginHistory(Adapter):
    """One login per row with Status = Success and an empty or N/A ApiType, counted per person and local day."""

    source = "salesforce-login-history"
    table = schema.crm_activity
    WANTED = {
        "user_id": ("UserId", "User ID"),
        "username": ("Username", "User Name"),
        "time": ("LoginTime", "Login Time"),
        "status": ("Status",),
        "api_type": ("ApiType", "API Type"),
        "login_type": ("LoginType", "Login Type"),
    }

    def plan(
        self, conn: Connection, data: bytes, result: FileResult, errors: Errors, opts: Options, ctx: Context
    ) -> Plan | None:
        name = result.file_name
        read = read_vendor_csv(data, name, errors, result, self.WANTED, opts.limits_or_default())
        if read is None:
            return None
        sheet, found = read
        required = {"time": "LoginTime", "status": "Status"}
        if "user_id" not in found and "username" not in found:
            required["user_id"] = "UserId (or Username)"
        if missing_columns(name, sheet, found, required, errors):
            return None
        local = opts.zone()
        people = People.load(conn)
        logins: dict[tuple[str, date], int] = defaultdict(int)
        col = {k: sheet.frame[v] for k, v in found.items()}
        for i, line in enumerate(sheet.lines):
            line = int(line)
            status = col["status"].iat[i]
            api = col["api_type"].iat[i] if "api_type" in col else ""
            if status.lower() != "success":
                result.skip(line, status, f"not a successful login (Status {status or 'empty'})")
                continue
            if api and api.upper() != "N/A":
                result.skip(line, api, f"an API or integration login (ApiType {api})")
                continue
            user = col["user_id"].iat[i] if "user_id" in col else ""
            username = col["username"].iat[i] if "username" in col else ""
            person = people.crm_id(user) if user else people.username(username)
            if person is None:
                result.skip(line, user or username, "unknown user")
                continue
            day = login_day(col["time"].iat[i], local, ctx, errors, name, line, "LoginTime")
            if day is None:
                continue
            logins[(person, day)] += 1
        return Plan(self.table, count_logins(logins), ("person_id", "date"), ["logins"])
