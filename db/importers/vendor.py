"""What every vendor adapter shares: options, matching people, reading timestamps, and the run that writes a plan."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
import psycopg
from sqlalchemy import Connection, Table, func, select
from sqlalchemy.exc import DBAPIError

from db import schema
from db.csvread import CsvError
from db.importers import batches
from db.importers.checks import Context, plausible_date_message
from db.importers.read import Limits, Sheet, Source, normalise_header, over_size, read_sheet
from db.importers.report import Errors, FileResult, ImportFailed, ImportReport, RowError
from db.importers.write import db_message, deferred_constraints, set_constraints, stage, upsert


@dataclass(frozen=True)
class Options:
    """How to read a vendor file: who imports, the day of the import, the zone of local times, the team."""

    imported_by: str | None = None
    today: date | None = None
    tz: str = "UTC"
    unit: str | None = None  # ics: the org unit the calendar belongs to
    as_of: date | None = None  # ics: occurrences on or before this day were held (default: today)
    limits: Limits | None = None
    dry_run: bool = False
    kind_rules: tuple[tuple[str, tuple[str, ...]], ...] | None = None  # ics: (kind, keywords) in order

    def zone(self) -> tzinfo:
        return zone(self.tz)

    def limits_or_default(self) -> Limits:
        return self.limits or Limits.from_env()


def zone(name: str) -> tzinfo:
    """A time zone by IANA name (UTC by default); a clear error for an unknown one."""
    if name.upper() in ("UTC", "Z", "GMT"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone '{name}': use an IANA name such as Europe/Berlin or America/New_York"
        ) from None


@dataclass
class Plan:
    """What an adapter wants written: database text cells for some columns of one table, and how."""

    table: Table
    frame: pd.DataFrame
    key: tuple[str, ...]
    update_columns: Sequence[str] | None = None
    mode: str = "upsert"  # or "update": existing rows only


class Adapter:
    """One vendor format. `plan` reads the bytes, reports bad rows into `errors`, skips what it cannot match."""

    source: str = ""
    table: Table = schema.crm_activity

    def plan(
        self, conn: Connection, data: bytes, result: FileResult, errors: Errors, opts: Options, ctx: Context
    ) -> Plan | None:
        raise NotImplementedError


# --- people ----------------------------------------------------------------------------------------------------


@dataclass
class People:
    """Who can be matched: by e-mail (any case), id, Salesforce user id and username."""

    by_email: dict[str, str] = field(default_factory=dict)
    ids: set[str] = field(default_factory=set)
    by_crm_id: dict[str, str] = field(default_factory=dict)
    by_username: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, conn: Connection) -> People:
        p = schema.people
        found = cls()
        for ident, email, crm_id, username in conn.execute(
            select(p.c.id, p.c.email, p.c.crm_user_id, p.c.crm_username)
        ):
            found.ids.add(ident)
            if email:
                found.by_email[email.strip().lower()] = ident
            if crm_id:
                found.by_crm_id[crm_id] = ident
                if len(crm_id) == 18:  # Salesforce ids come as 15 (case-sensitive) or 18 characters
                    found.by_crm_id.setdefault(crm_id[:15], ident)
            if username:
                found.by_username[username.strip().lower()] = ident
        return found

    def email(self, value: str | None) -> str | None:
        return self.by_email.get((value or "").strip().lower()) if value else None

    def crm_id(self, value: str | None) -> str | None:
        if not value:
            return None
        return self.by_crm_id.get(value) or (self.by_crm_id.get(value[:15]) if len(value) == 18 else None)

    def username(self, value: str | None) -> str | None:
        """A Salesforce username: the one recorded from a user export, else the person's e-mail."""
        v = (value or "").strip().lower()
        return (self.by_username.get(v) or self.by_email.get(v)) if v else None


# --- timestamps ---------------------------------------------------------------------------------------------

_OFFSET = re.compile(r"(Z|[+-]\d{2}:?\d{2})$", re.IGNORECASE)
_ZONE_WORD = re.compile(r"\s+(?:GMT|UTC|Z)$", re.IGNORECASE)
_ABBREVIATION = re.compile(r"\s+(?!AM$|PM$)[A-Z]{2,5}$")
_FORMATS_MONTH_FIRST = ("%m/%d/%Y %I:%M %p", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S")
_FORMATS_DAY_FIRST = ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S")
_FORMATS_WORDS = ("%b %d, %Y %I:%M %p", "%b %d, %Y %I:%M:%S %p", "%B %d, %Y %I:%M %p", "%d %b %Y %H:%M")


def parse_timestamp(raw: str, local: tzinfo) -> datetime:
    """A timestamp with its offset (Z, +0000, -07:00), or else local to `local`.

    Besides ISO 8601 it reads what Salesforce's Setup download and HubSpot write in a user's locale:
    `3/2/2026 8:15 AM` (month first, with AM/PM), `02/03/2026 08:15` and `02.03.2026 08:15` (day first).
    """
    text = raw.strip()
    if not text:
        raise ValueError("the time is empty")
    iso = text.replace(" ", "T", 1) if re.match(r"\d{4}-\d{2}-\d{2} \d", text) else text
    if re.match(r"\d{4}-\d{2}-\d{2}", iso):
        m = _OFFSET.search(iso)
        if m and m.group(1).upper() != "Z" and ":" not in m.group(1):
            iso = iso[: m.start()] + m.group(1)[:3] + ":" + m.group(1)[3:]  # +0000 -> +00:00
        try:
            dt = datetime.fromisoformat(iso.replace("z", "Z"))
        except ValueError:
            raise ValueError(f"'{raw}' is not a timestamp") from None
        return dt if dt.tzinfo else dt.replace(tzinfo=local)
    utc = bool(_ZONE_WORD.search(text))
    text = _ZONE_WORD.sub("", text)
    text = _ABBREVIATION.sub("", text)  # "PST": the zone of --tz says it without ambiguity
    am_pm = re.search(r"\b[AP]M$", text, re.IGNORECASE)
    formats = _FORMATS_WORDS + (_FORMATS_MONTH_FIRST if am_pm else _FORMATS_DAY_FIRST + _FORMATS_MONTH_FIRST)
    for fmt in formats:
        try:
            dt = datetime.strptime(text, fmt)  # noqa: DTZ007 - the zone is attached below
        except ValueError:
            continue
        return dt.replace(tzinfo=UTC if utc else local)
    raise ValueError(f"'{raw}' is not a timestamp this importer reads (ISO 8601, or M/D/YYYY h:mm AM as Setup writes)")


def local_day(dt: datetime, local: tzinfo) -> date:
    return dt.astimezone(local).date()


def login_day(raw: str, local: tzinfo, ctx: Context, errors: Errors, name: str, line: int, column: str) -> date | None:
    """The local day of a login's timestamp, or None after reporting why it cannot count (unreadable,
    implausible or in the future)."""
    try:
        day = local_day(parse_timestamp(raw, local), local)
    except ValueError as exc:
        errors.add(name, line, column, raw, str(exc))
        return None
    problem = event_day_error(day, ctx)
    if problem:
        errors.add(name, line, column, raw, problem)
        return None
    return day


def event_day_error(day: date, ctx: Context) -> str | None:
    """Why a day cannot be the date of an event (implausible, or after the day of the import), else None."""
    message = plausible_date_message(day, ctx)
    if message:
        return message
    if day > ctx.today:
        return f"event dated after today ({ctx.today})"
    return None


# --- CSV with vendor headers ---------------------------------------------------------------------------------


def read_vendor_csv(
    data: bytes, name: str, errors: Errors, result: FileResult, wanted: dict[str, tuple[str, ...]], limits: Limits
) -> tuple[Sheet, dict[str, int]] | None:
    """Read a vendor CSV; map each wanted column (by any of its aliases, case, spaces and underscores ignored)
    to its position. Missing required columns are errors of the header; None when the file cannot be read."""
    try:
        sheet = read_sheet(data, max_rows=limits.max_rows)
    except CsvError as exc:
        errors.add(name, exc.line, None, None, str(exc))
        return None
    result.encoding, result.delimiter, result.warnings = sheet.encoding, sheet.delimiter, sheet.warnings
    result.rows_read = sheet.rows_read
    normalised = [normalise_header(h) for h in sheet.header]
    found: dict[str, int] = {}
    for column, aliases in wanted.items():
        for alias in aliases:
            if normalise_header(alias) in normalised:
                found[column] = normalised.index(normalise_header(alias))
                break
    for line, message in _footer_or_bad(sheet):
        errors.add(name, line, None, None, message)
    if sheet.rows_over_limit is not None:
        errors.add(
            name, sheet.rows_over_limit, None, None, f"more than {limits.max_rows:,} data rows: over the row limit"
        )
    return sheet, found


def _footer_or_bad(sheet: Sheet) -> list[tuple[int, str]]:
    """Short rows after the data are a report's footer (Salesforce writes its name, filters and copyright)."""
    if not sheet.bad_rows:
        return []
    last_data = int(sheet.lines[-1]) if len(sheet.lines) else 0
    footer = all(line > last_data for line, _ in sheet.bad_rows) and all("cells" in m for _, m in sheet.bad_rows)
    if footer:
        sheet.warnings.append(f"{len(sheet.bad_rows)} lines after the data are not rows (a report footer): ignored")
        return []
    return sheet.bad_rows


def missing_columns(name: str, sheet: Sheet, found: dict[str, int], required: dict[str, str], errors: Errors) -> bool:
    """Report each required column the header lacks (`required`: column -> how the vendor names it)."""
    missing = [label for column, label in required.items() if column not in found]
    for label in missing:
        errors.add(
            name, sheet.header_line, label, None, f"missing column '{label}' (header: {', '.join(sheet.header)})"
        )
    return bool(missing)


def count_logins(logins: dict[tuple[str, date], int]) -> pd.DataFrame:
    """person-day login counts as database text for crm_activity (person_id, date, logins)."""
    keys = sorted(logins)
    return pd.DataFrame(
        {
            "person_id": [p for p, _ in keys],
            "date": [d.isoformat() for _, d in keys],
            "logins": [str(logins[k]) for k in keys],
        }
    )


# --- the run -------------------------------------------------------------------------------------------------


def run(
    conn: Connection, adapter: Adapter, src: Source, opts: Options, *, after: Callable[[], None] | None = None
) -> ImportReport:
    """Read, check and match one vendor file, then write its plan in a savepoint of the caller's transaction."""
    limits = opts.limits or Limits.from_env()
    ctx = Context(opts.today or date.today())
    errors = Errors()
    result = FileResult(src.name, adapter.table.name, src.sha256)
    plan = None
    too_big = over_size(src, limits)
    if too_big:
        errors.add(src.name, None, None, None, too_big)
    else:
        plan = adapter.plan(conn, src.read(), result, errors, opts, ctx)
    result.skips.sort(key=lambda s: s.line or 0)
    warnings = [f"{src.name}: {w}" for w in result.warnings]
    if errors.count or plan is None:
        result.rejected = len(errors.bad_lines.get(src.name, ())) if errors.count else 0
        raise ImportFailed(
            errors.sorted([(src.name, ())]) or [RowError(src.name, None, None, None, "nothing to import")],
            error_count=errors.count or 1,
            files=[result],
            warnings=warnings,
            source=adapter.source,
        )
    seen = batches.seen_before(conn, {src.sha256: src.name})
    warnings += seen
    started = datetime.now(UTC)
    names = deferred_constraints([plan.table])
    savepoint = conn.begin_nested()
    try:
        result.batch_id = batches.open_batch(conn, adapter.source, result, opts.imported_by, started)
        if len(plan.frame):
            st = stage(conn, plan.table, list(plan.frame.columns), plan.frame)
            counts = upsert(
                conn,
                plan.table,
                st,
                plan.key,
                batch_id=result.batch_id,
                update_columns=plan.update_columns,
                mode=plan.mode,  # type: ignore[arg-type]
            )
            st.drop(conn)
            result.inserted, result.updated = counts.inserted, counts.updated
            result.date_min, result.date_max = counts.lo, counts.hi
        result.unchanged = len(plan.frame) - result.inserted - result.updated
        batches.close_batch(conn, result)
        set_constraints(conn, names, "IMMEDIATE")
        if after is not None:
            after()
    except (DBAPIError, psycopg.Error) as exc:
        savepoint.rollback()
        raise ImportFailed(
            [RowError(src.name, None, None, None, f"the database refused the import: {db_message(exc)}")],
            files=[result],
            warnings=warnings,
            source=adapter.source,
        ) from exc
    except BaseException:
        if savepoint.is_active:
            savepoint.rollback()
        raise
    else:
        if opts.dry_run:
            savepoint.rollback()
            result.batch_id = None
        else:
            savepoint.commit()
    finally:
        if not conn.invalidated:
            set_constraints(conn, names, "DEFERRED")
    return ImportReport(
        files=[result],
        warnings=warnings,
        earliest_date=result.date_min,
        latest_date=result.date_max,
        full_refresh=False,
        source=adapter.source,
        dry_run=opts.dry_run,
        seen_before=bool(seen),
    )


def unit_exists(conn: Connection, unit: str) -> bool:
    t = schema.org_units
    return bool(conn.scalar(select(func.count()).select_from(t).where(t.c.id == unit)))


def day_after(d: date, days: int) -> date:
    return d + timedelta(days=days)
