"""A team's calendar as iCalendar (RFC 5545) from Outlook, Exchange, Google or Thunderbird: meetings of one unit.

Recurring series are expanded by recurring-ical-events (RRULE, EXDATE, RDATE, moved occurrences via
RECURRENCE-ID); a rule with Exchange's unambiguous quirk (`BYDAY=MO, TU`) is repaired first.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta, tzinfo

import icalendar
import pandas as pd
import recurring_ical_events
from sqlalchemy import Connection

from db import schema
from db.csvread import CsvError
from db.importers.checks import EARLIEST, Context
from db.importers.logged import REASON as LOGGED
from db.importers.logged import logged
from db.importers.read import decode_text
from db.importers.report import Errors, FileResult
from db.importers.vendor import Adapter, Options, People, Plan, unit_exists

# SUMMARY (or CATEGORIES) keywords per meeting kind, tried in this order: the first match wins.
KIND_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("daily_standup", ("stand-up", "standup", "daily")),
    ("weekly_status", ("weekly status",)),
    ("monthly_planning", ("monthly planning",)),
    ("governance", ("steering", "governance")),
    ("management_review", ("pipeline review", "forecast", "management")),
    ("coaching", ("1:1", "coaching")),
)
OPEN_ENDED_DAYS = 90  # an open-ended series is expanded up to this many days after --as-of
AHEAD_DAYS = 366
_RULE_LINE = re.compile(r"^((?:RRULE|EXRULE)(?:;[^:]*)?:)(.*)$", re.IGNORECASE | re.MULTILINE)


def repair(text: str) -> tuple[str, int]:
    """Unfold the lines and remove the spaces Exchange writes inside recurrence rules (`BYDAY=MO, TU`)."""
    unfolded = re.sub(r"\r?\n[ \t]", "", text)
    fixed = 0

    def tidy(m: re.Match[str]) -> str:
        nonlocal fixed
        original = m.group(2).rstrip("\r")
        value = re.sub(r"\s*([,;=])\s*", r"\1", original.strip())
        fixed += value != original
        return m.group(1) + value + m.group(2)[len(original) :]

    return _RULE_LINE.sub(tidy, unfolded), fixed


def classify(summary: str, categories: Sequence[str], rules: Sequence[tuple[str, Sequence[str]]]) -> str | None:
    """The meeting kind from CATEGORIES (a kind's name or keyword), else from SUMMARY keywords; None for neither."""
    kinds = {kind for kind, _ in rules}
    for cat in categories:
        c = cat.strip().lower()
        if c.replace(" ", "_") in kinds:
            return c.replace(" ", "_")
        for kind, words in rules:
            if any(w in c for w in words):
                return kind
    s = summary.lower()
    for kind, words in rules:
        if any(w in s for w in words):
            return kind
    return None


def _categories(component) -> list[str]:
    cats = component.get("CATEGORIES")
    if cats is None:
        return []
    items = cats if isinstance(cats, list) else [cats]
    found: list[str] = []
    for item in items:
        found += [str(c) for c in getattr(item, "cats", [str(item)])]
    return found


def _day(value, local: tzinfo) -> date:
    """The occurrence's local date in its own time zone (UTC times in --tz), or the date of an all-day event."""
    if isinstance(value, datetime):
        if value.tzinfo is not None and value.utcoffset() == timedelta(0) and str(value.tzinfo) in ("UTC", "UTC+00:00"):
            return value.astimezone(local).date()
        return value.date()
    return value


class Ics(Adapter):
    source = "ics"
    table = schema.meetings

    def plan(
        self, conn: Connection, data: bytes, result: FileResult, errors: Errors, opts: Options, ctx: Context
    ) -> Plan | None:
        name = result.file_name
        if not opts.unit:
            errors.add(name, None, None, None, "a calendar needs --unit ORG_UNIT_ID: the team whose meetings these are")
            return None
        if not unit_exists(conn, opts.unit):
            errors.add(name, None, None, opts.unit, f"unknown org unit '{opts.unit}'")
            return None
        try:
            text, result.encoding, result.warnings = decode_text(data)
        except CsvError as exc:
            errors.add(name, None, None, None, str(exc))
            return None
        lines = _event_lines(text)
        text, fixed = repair(text)
        if fixed:
            result.warnings.append(f"repaired {fixed} recurrence rule(s) with spaces (BYDAY=MO, TU)")
        try:
            cal = icalendar.Calendar.from_ical(text)
        except ValueError as exc:
            errors.add(name, None, None, None, f"not an iCalendar file: {exc}")
            return None
        local = opts.zone()
        as_of = opts.as_of or ctx.today
        rules = opts.kind_rules or KIND_RULES
        people = People.load(conn)
        until = as_of + timedelta(days=AHEAD_DAYS)
        open_until = as_of + timedelta(days=OPEN_ENDED_DAYS)
        rows: dict[str, tuple[str, str, str, str | None, str | None, int | None]] = {}
        lines_of: dict[str, int | None] = {}
        events = [c for c in cal.walk("VEVENT")]
        result.rows_read = len(events)
        series: dict[str, list] = {}
        for n, ev in enumerate(events):
            series.setdefault(str(ev.get("UID") or f"#{n}"), []).append((n, ev))
        for members in series.values():
            masters = [(n, ev) for n, ev in members if ev.get("RECURRENCE-ID") is None] or members
            n, master = masters[0]
            line = lines[n] if n < len(lines) else None
            summary = str(master.get("SUMMARY") or "")
            start = master.get("DTSTART")
            if start is None:
                errors.add(name, line, "DTSTART", summary, f"event '{summary}' has no DTSTART")
                continue
            if not isinstance(start.dt, datetime):
                result.skip(line, summary, "an all-day event")
                continue
            kind = classify(summary, _categories(master), rules)
            if kind is None:
                result.skip(line, summary, "no meeting kind in its CATEGORIES or SUMMARY")
                continue
            sub = icalendar.Calendar()
            for _, ev in members:
                sub.add_component(ev)
            for tz in cal.walk("VTIMEZONE"):
                sub.add_component(tz)
            for key in ("X-WR-TIMEZONE",):
                if cal.get(key):
                    sub.add(key, cal.get(key))
            rrule = master.get("RRULE")
            open_ended = rrule is not None and not any(k in rrule for k in ("UNTIL", "COUNT"))
            try:
                occurrences = list(
                    recurring_ical_events.of(sub).between(
                        EARLIEST, (open_until if open_ended else until) + timedelta(days=1)
                    )
                )
            except Exception as exc:  # the library's errors for a rule it cannot read have no common base
                errors.add(
                    name,
                    line,
                    "RRULE",
                    str(rrule.to_ical().decode() if rrule else ""),
                    f"event '{summary}' starting {start.dt:%Y-%m-%d %H:%M}: the recurrence cannot be read ({exc})",
                )
                continue
            base = (
                str(master.get("UID"))
                if master.get("UID")
                else hashlib.sha1(f"{summary}|{start.to_ical().decode()}".encode()).hexdigest()[:16]
            )  # noqa: S324 - an id, not security
            coached = _coached(master, people) if kind == "coaching" else None
            for occ in occurrences:
                day = _day(occ.get("DTSTART").dt, local)
                original = occ.get("RECURRENCE-ID")
                original_day = _day(original.dt, local) if original is not None else day
                if day > until or (open_ended and day > open_until):
                    continue
                status = (
                    "cancelled"
                    if str(occ.get("STATUS") or "").upper() == "CANCELLED"
                    else ("held" if day <= as_of else "planned")
                )
                title = str(occ.get("SUMMARY") or summary)
                lines_of[f"{base}/{original_day.isoformat()}"] = line
                rows[f"{base}/{original_day.isoformat()}"] = (
                    opts.unit,
                    kind,
                    day.isoformat(),
                    status,
                    title or None,
                    coached,
                )
        for meeting_id in sorted(logged(conn, rows)):  # its status, date and flags are what was logged
            del rows[meeting_id]
            result.skip(lines_of[meeting_id], meeting_id, LOGGED)
        frame = pd.DataFrame(
            {
                "id": list(rows),
                "org_unit_id": [v[0] for v in rows.values()],
                "kind": [v[1] for v in rows.values()],
                "scheduled_on": [v[2] for v in rows.values()],
                "status": [v[3] for v in rows.values()],
                "title": [v[4] for v in rows.values()],
                "person_id": [v[5] for v in rows.values()],
            }
        )
        # Never crm_report_used, sponsor_present (logged on the Meetings page) nor person_id once set.
        return Plan(self.table, frame, ("id",), ["org_unit_id", "kind", "scheduled_on", "status", "title"])


def _event_lines(text: str) -> list[int]:
    """The line of each BEGIN:VEVENT, in file order (the order icalendar walks them)."""
    return [n for n, line in enumerate(text.splitlines(), start=1) if line.strip().upper() == "BEGIN:VEVENT"]


def _coached(event, people: People) -> str | None:
    """For a 1:1: the one attendee who is a person and not the organizer."""
    organizer = str(event.get("ORGANIZER") or "").lower().removeprefix("mailto:")
    attendees = event.get("ATTENDEE") or []
    attendees = attendees if isinstance(attendees, list) else [attendees]
    found = {
        people.email(str(a).lower().removeprefix("mailto:"))
        for a in attendees
        if str(a).lower().removeprefix("mailto:") != organizer
    }
    found.discard(None)
    return found.pop() if len(found) == 1 else None
