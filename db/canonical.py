"""Canonical CSV import: validate a whole set of the project's own CSV files, then upsert or append each in bulk."""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import psycopg
from psycopg import sql as pg_sql
from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    Connection,
    MetaData,
    Select,
    String,
    Table,
    and_,
    func,
    insert,
    literal,
    literal_column,
    not_,
    select,
    tuple_,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import DBAPIError

from db import schema
from db.cells import cell
from db.csvread import DELIMITER_NAMES, CsvError, read_csv

SOURCE = "canonical"
MAX_INT = 2_147_483_647  # PostgreSQL integer
ERRORS_KEPT = 100_000  # a file of garbage must not exhaust memory; the total is still counted
SHOWN_ERRORS = 20
# Tables whose rows shape every period (who is licensed, where, what is required): a change needs a full refresh.
DIMENSIONS = frozenset({"org_units", "people", "courses"})
# Plausible dates (DATA_CONTRACT.md): one row typed 2099 or 1899 would otherwise stretch the data window by decades.
EARLIEST = date(2000, 1, 1)
AHEAD_DAYS = 366
# A set of pillar weights sums to 100 up to the noise of adding three floats.
WEIGHT_SUM_TOLERANCE = 1e-9

Kind = Literal["text", "email", "date", "bool", "count", "item", "score", "number", "percent", "enum", "roles"]


@dataclass(frozen=True)
class Limits:
    """Upper bounds for one file; over a limit is an error, never a silent truncation."""

    max_bytes: int = 200_000_000
    max_rows: int = 2_000_000


# --- the contract ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Col:
    """One column of a canonical file: how its cells are read and which table its value must name."""

    name: str
    kind: Kind = "text"
    required: bool = True
    choices: tuple[str, ...] = ()
    ref: str | None = None
    event: Event | None = None

    @property
    def empty(self) -> object:
        """The value of an empty optional cell."""
        return {"bool": False, "count": 0}.get(self.kind)


@dataclass(frozen=True)
class Event:
    """A date that records something that happened, so it cannot lie after the day of the import."""

    # Only on rows whose `when[0]` column holds one of `when[1]` (a held meeting, a sent communication).
    when: tuple[str, tuple[str, ...]] | None = None
    hint: str = ""


EVENT = Event()


def _opt(name: str, kind: Kind = "text", **kw: Any) -> Col:
    return Col(name, kind, False, **kw)


@dataclass(frozen=True)
class KpiRange:
    """A KPI's unit and the range its targets must lie in, from the `kpis` catalogue table."""

    unit: str
    min_target: float
    max_target: float | None


@dataclass(frozen=True)
class _Context:
    """What the row checks need besides the row: the day of the import and the KPI catalogue."""

    today: date
    kpis: Mapping[str, KpiRange] = field(default_factory=dict)

    @property
    def latest(self) -> date:
        return self.today + timedelta(days=AHEAD_DAYS)


# Cross-column rules of a row, given only the cells that were read well: a list of (column, message).
RowCheck = Callable[[dict[str, Any], _Context], list[tuple[str, str]]]


@dataclass(frozen=True)
class FileSpec:
    """A canonical file: its table, columns (in contract order) and key."""

    table: Table
    columns: tuple[Col, ...]
    key: tuple[str, ...]
    check: RowCheck | None = None
    # A history (targets, weights): a row whose key's latest record differs is appended, nothing is ever updated.
    history: bool = False

    @property
    def file_name(self) -> str:
        return f"{self.table.name}.csv"

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def dates(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.kind == "date")

    def index(self, name: str) -> int:
        return self.names.index(name)


def _check_people(r: dict[str, Any], ctx: _Context) -> list[tuple[str, str]]:
    if "license_start" not in r or r.get("license_end") is None:
        return []
    start, end = r["license_start"], r["license_end"]
    if start is None:
        return [("license_end", "license_end needs a license_start")]
    if end < start:
        return [("license_end", f"license_end {end} is before license_start {start}")]
    return []


def _check_data_quality(r: dict[str, Any], ctx: _Context) -> list[tuple[str, str]]:
    checked, complete = r.get("records_checked"), r.get("records_complete")
    if checked is not None and complete is not None and complete > checked:
        return [("records_complete", f"records_complete {complete} is more than records_checked {checked}")]
    return []


def _check_feedback(r: dict[str, Any], ctx: _Context) -> list[tuple[str, str]]:
    raised, resolved = r.get("raised_on"), r.get("resolved_on")
    if raised is not None and resolved is not None and resolved < raised:
        return [("resolved_on", f"resolved_on {resolved} is before raised_on {raised}")]
    return []


def _check_targets(r: dict[str, Any], ctx: _Context) -> list[tuple[str, str]]:
    kpi_id = r.get("kpi_id")
    if kpi_id is None:
        return []
    k = ctx.kpis.get(kpi_id)
    if k is None:
        known = ", ".join(ctx.kpis) or "none, the KPI catalogue is empty (run `flywheel db upgrade`)"
        return [("kpi_id", f"unknown KPI '{kpi_id}'; known: {known}")]
    value = r.get("value")
    if value is not None and (value < k.min_target or (k.max_target is not None and value > k.max_target)):
        allowed = f">= {k.min_target:g}" if k.max_target is None else f"from {k.min_target:g} to {k.max_target:g}"
        return [("value", f"{value:g} is out of range for {kpi_id} ({k.unit}): must be {allowed}")]
    return []


_ADKAR = ("awareness", "desire", "knowledge", "ability", "reinforcement")

# In dependency order: the order of writing and of reporting.
SPECS: tuple[FileSpec, ...] = (
    FileSpec(
        schema.org_units,
        (
            Col("id"),
            Col("name"),
            _opt("parent_id", ref="org_units"),
            Col("kind", "enum", choices=schema.UNIT_KINDS),
        ),
        ("id",),
    ),
    FileSpec(
        schema.people,
        (
            Col("id"),
            Col("name"),
            _opt("email", "email"),
            Col("org_unit_id", ref="org_units"),
            Col("role"),
            _opt("manager_id", ref="people"),
            _opt("license_start", "date"),
            _opt("license_end", "date"),
            _opt("is_integration", "bool"),
            _opt("crm_user_id"),
        ),
        ("id",),
        _check_people,
    ),
    FileSpec(
        schema.courses,
        (
            Col("id"),
            Col("name"),
            Col("kind", "enum", choices=schema.COURSE_KINDS),
            _opt("required_for", "roles"),
            _opt("external_id"),
        ),
        ("id",),
    ),
    FileSpec(
        schema.crm_activity,
        (
            Col("person_id", ref="people"),
            Col("date", "date", event=EVENT),
            _opt("logins", "count"),
            _opt("records_created", "count"),
            _opt("records_updated", "count"),
            _opt("reports_viewed", "count"),
        ),
        ("person_id", "date"),
    ),
    FileSpec(
        schema.training_completions,
        (
            Col("person_id", ref="people"),
            Col("course_id", ref="courses"),
            Col("completed_on", "date", event=EVENT),
            _opt("score", "score"),
        ),
        ("person_id", "course_id", "completed_on"),
    ),
    FileSpec(
        schema.meetings,
        (
            Col("id"),
            Col("org_unit_id", ref="org_units"),
            Col("kind", "enum", choices=schema.MEETING_KINDS),
            Col(
                "scheduled_on",
                "date",
                event=Event(
                    ("status", tuple(s for s in schema.MEETING_STATUSES if s != "planned")),
                    "only a planned meeting may lie ahead",
                ),
            ),
            Col("status", "enum", choices=schema.MEETING_STATUSES),
            _opt("crm_report_used", "bool"),
            _opt("sponsor_present", "bool"),
            _opt("person_id", ref="people"),
            _opt("title"),
        ),
        ("id",),
    ),
    FileSpec(
        schema.communications,
        (
            Col("id"),
            Col("audience_org_unit_id", ref="org_units"),
            Col("channel", "enum", choices=schema.CHANNELS),
            Col("sent_on", "date", event=Event(("status", ("sent",)), "a communication not yet sent is planned")),
            Col("status", "enum", choices=schema.COMM_STATUSES),
            _opt("recipients", "count"),
            _opt("opens", "count"),
            _opt("title"),
        ),
        ("id",),
    ),
    FileSpec(
        schema.recognitions,
        (
            Col("id"),
            Col("person_id", ref="people"),
            Col("date", "date", event=EVENT),
            Col("kind", "enum", choices=schema.RECOGNITION_KINDS),
            _opt("note"),
        ),
        ("id",),
    ),
    FileSpec(
        schema.pulse_responses,
        (
            Col("person_id", ref="people"),
            Col("date", "date", event=EVENT),
            *(_opt(item, "item") for item in _ADKAR),
            _opt("comment"),
        ),
        ("person_id", "date"),
    ),
    FileSpec(
        schema.data_quality,
        (
            Col("org_unit_id", ref="org_units"),
            Col("measured_on", "date", event=EVENT),
            Col("records_checked", "count"),
            Col("records_complete", "count"),
        ),
        ("org_unit_id", "measured_on"),
        _check_data_quality,
    ),
    FileSpec(
        schema.feedback,
        (
            Col("id"),
            Col("person_id", ref="people"),
            Col("kind", "enum", choices=schema.FEEDBACK_KINDS),
            Col("raised_on", "date", event=EVENT),
            _opt("resolved_on", "date", event=EVENT),
            _opt("summary"),
        ),
        ("id",),
        _check_feedback,
    ),
    FileSpec(
        schema.targets,
        (
            Col("kpi_id"),
            Col("org_unit_id", ref="org_units"),
            Col("effective_from", "date"),
            _opt("value", "number"),
            _opt("review_on", "date"),
            _opt("reason"),
        ),
        ("kpi_id", "org_unit_id", "effective_from"),
        _check_targets,
        history=True,
    ),
    FileSpec(
        schema.pillar_weights,
        (
            Col("pillar", "enum", choices=schema.PILLARS),
            Col("effective_from", "date"),
            Col("weight", "percent"),
        ),
        ("pillar", "effective_from"),
        history=True,
    ),
)
SPEC_BY_FILE: dict[str, FileSpec] = {s.file_name: s for s in SPECS}
_NOUNS = {"org_units": "org unit", "people": "person", "courses": "course"}


# --- reports and errors ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem: where (file, editor line with the header on line 1, column), the cell, and what is wrong."""

    file: str
    line: int | None
    column: str | None
    value: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f" line {self.line}"
        if self.column is not None:
            where += f", column {self.column}"
        return f"{where}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }


@dataclass
class FileResult:
    """What happened to one file; also the content of its import_batches row."""

    file_name: str
    table: str
    sha256: str
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    encoding: str | None = None
    delimiter: str | None = None
    date_min: date | None = None  # earliest date of a row written (its new and its replaced values)
    date_max: date | None = None
    batch_id: int | None = None
    warnings: list[str] = field(default_factory=list)

    def details(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "encoding": self.encoding,
            "delimiter": DELIMITER_NAMES.get(self.delimiter or "", self.delimiter),
            "date_min": self.date_min.isoformat() if self.date_min else None,
            "date_max": self.date_max.isoformat() if self.date_max else None,
            "warnings": self.warnings,
        }


@dataclass
class ImportReport:
    """The outcome of a successful import, per file, with the dates it touched for a targeted refresh."""

    files: list[FileResult]
    warnings: list[str]
    earliest_date: date | None
    latest_date: date | None
    full_refresh: bool  # org units, people or courses changed: every period may move

    @property
    def changed(self) -> bool:
        return any(f.inserted or f.updated for f in self.files)

    def summary_lines(self) -> list[str]:
        """One line per file, then one per warning, for the CLI and the Data page."""
        lines = [
            f"{f.file_name}: {f.rows_read:,} rows read, {f.inserted:,} inserted, {f.updated:,} updated, {f.unchanged:,} unchanged"
            for f in self.files
        ]
        return lines + [f"warning: {w}" for w in self.warnings]

    def __str__(self) -> str:
        return "\n".join(self.summary_lines())


class ImportFailed(Exception):
    """Nothing was written: every error found, the files involved and the warnings."""

    def __init__(
        self,
        errors: Sequence[RowError],
        *,
        error_count: int | None = None,
        files: Sequence[FileResult] = (),
        warnings: Sequence[str] = (),
    ) -> None:
        self.errors = list(errors)
        self.error_count = error_count if error_count is not None else len(self.errors)
        self.files = list(files)
        self.warnings = list(warnings)
        super().__init__(str(self))

    def __str__(self) -> str:
        n = self.error_count
        lines = [f"import failed, nothing was written: {n} error{'s' if n != 1 else ''}"]
        lines += [str(e) for e in self.errors[:SHOWN_ERRORS]]
        if n > SHOWN_ERRORS:
            lines.append(f"... and {n - SHOWN_ERRORS} more")
        return "\n".join(lines)

    def to_csv(self) -> str:
        """Every kept error as CSV for download, with cells that a spreadsheet would run as formulas neutralised."""
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["file", "line", "column", "value", "message"])
        for e in self.errors:
            w.writerow(
                [_safe_cell(e.file), e.line or "", _safe_cell(e.column), _safe_cell(e.value), _safe_cell(e.message)]
            )
        return out.getvalue()


def _safe_cell(value: str | None) -> str:
    """Prefix a quote to text a spreadsheet would evaluate; negative numbers stay numbers."""
    if not value:
        return ""
    if value[0] in "=+-@\t\r" and not re.fullmatch(r"[+-]?\d+(\.\d+)?", value):
        return "'" + value
    return value


class _Errors:
    """Collects errors up to a cap, counting all of them and the rejected lines per file."""

    def __init__(self) -> None:
        self.kept: list[RowError] = []
        self.count = 0
        self.bad_lines: dict[str, set[int]] = defaultdict(set)

    def add(self, file: str, line: int | None, column: str | None, value: object, message: str) -> None:
        self.count += 1
        if line is not None:
            self.bad_lines[file].add(line)
        if len(self.kept) < ERRORS_KEPT:
            self.kept.append(RowError(file, line, column, None if value is None else str(value), message))

    def sorted(self, files: Sequence[tuple[str, FileSpec]]) -> list[RowError]:
        """File by file in dependency order, then by line, then in the contract's column order."""
        order = {name: i for i, (name, _) in enumerate(files)}
        columns = {(name, c): i for name, spec in files for i, c in enumerate(spec.names)}
        return sorted(
            self.kept,
            key=lambda e: (order.get(e.file, -1), e.line or 0, columns.get((e.file, e.column or ""), -1)),
        )


# --- reading cells -----------------------------------------------------------------------------------------

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_BOOLS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}
_ITEMS = {str(i): i for i in range(1, 6)}


@lru_cache(maxsize=65_536)
def _date(raw: str) -> date:
    """A strict YYYY-MM-DD date (cached: a file repeats the same few hundred dates)."""
    if not _DATE.fullmatch(raw):
        raise ValueError(f"'{raw}' is not a date in the form YYYY-MM-DD")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"'{raw}' is not a valid date (YYYY-MM-DD)") from None


def _text(raw: str) -> str:
    if "\x00" in raw:
        raise ValueError("contains a NUL character")
    return raw


def _email(raw: str) -> str:
    if not _EMAIL.fullmatch(raw):
        raise ValueError(f"'{raw}' is not a valid e-mail")
    return raw


def _bool(raw: str) -> bool:
    try:
        return _BOOLS[raw.lower()]
    except KeyError:
        raise ValueError(f"'{raw}' is not a boolean (true/false, 1/0, yes/no)") from None


def _count(raw: str) -> int:
    if raw.isascii() and raw.isdigit():
        n = int(raw)
        if n > MAX_INT:
            raise ValueError(f"'{raw}' is too large (at most {MAX_INT})")
        return n
    if raw.startswith("-") and raw[1:].isascii() and raw[1:].isdigit():
        raise ValueError(f"'{raw}' is negative: counts are whole numbers >= 0")
    raise ValueError(f"'{raw}' is not a whole number >= 0")


def _item(raw: str) -> int:
    try:
        return _ITEMS[raw]
    except KeyError:
        raise ValueError(f"'{raw}' is not an answer from 1 to 5") from None


def _number_text(raw: str) -> str:
    if _NUMBER.fullmatch(raw):
        return raw
    if _DECIMAL_COMMA.fullmatch(raw):
        raise ValueError(f"'{raw}' is not a number: use a point as the decimal separator")
    raise ValueError(f"'{raw}' is not a number")


def _number(raw: str) -> float:
    return float(_number_text(raw))


def _score(raw: str) -> Decimal:
    value = Decimal(_number_text(raw))
    if not 0 <= value <= 100:
        raise ValueError(f"'{raw}' is out of range: a score is from 0 to 100")
    return value


def _percent(raw: str) -> float:
    value = _number(raw)
    if not 0 <= value <= 100:
        raise ValueError(f"'{raw}' is out of range: must be from 0 to 100")
    return value


def _roles(raw: str) -> str | None:
    # Stored normalised; the metrics split on ';' and trim anyway.
    return ";".join(r for r in (part.strip() for part in raw.split(";")) if r) or None


def _enum(col: Col) -> Callable[[str], str]:
    by_lower = {c.lower(): c for c in col.choices}

    def parse(raw: str) -> str:
        try:
            return by_lower[raw.lower()]
        except KeyError:
            raise ValueError(f"'{raw}' is not a valid {col.name}; expected one of: {', '.join(col.choices)}") from None

    return parse


_PARSERS: dict[Kind, Callable[[str], Any]] = {
    "text": _text,
    "email": _email,
    "date": _date,
    "bool": _bool,
    "count": _count,
    "item": _item,
    "score": _score,
    "number": _number,
    "percent": _percent,
    "roles": _roles,
}


def _plausible_date(ctx: _Context) -> Callable[[str], date]:
    earliest, latest = EARLIEST, ctx.latest

    def parse(raw: str) -> date:
        day = _date(raw)
        if day < earliest:
            raise ValueError(f"{day} is before {earliest}, the earliest date accepted")
        if day > latest:
            raise ValueError(f"{day} is more than a year ahead (the latest date accepted is {latest})")
        return day

    return parse


def _parser(col: Col, ctx: _Context) -> Callable[[str], Any]:
    if col.kind == "enum":
        return _enum(col)
    if col.kind == "date":
        return _plausible_date(ctx)
    if col.ref:
        # A reference repeats the same few thousand ids over up to millions of rows: keep one string of each.
        pool: dict[str, str] = {}
        return lambda raw: pool.setdefault(raw, _text(raw))
    return _PARSERS[col.kind]


# --- sources -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Source:
    """One file to import: its name, hash and size; its bytes are read only while it is parsed."""

    name: str
    sha256: str
    size: int
    path: Path | None = None
    data: bytes | None = None

    @classmethod
    def from_bytes(cls, name: str, data: bytes) -> _Source:
        return cls(name, hashlib.sha256(data).hexdigest(), len(data), data=data)

    @classmethod
    def from_path(cls, path: Path) -> _Source:
        # Hashed in chunks so that no file is held in memory longer than its own parsing.
        digest = hashlib.sha256()
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        return cls(path.name, digest.hexdigest(), path.stat().st_size, path=path)

    def read(self) -> bytes:
        return self.data if self.data is not None else self.path.read_bytes()


@dataclass
class _Parsed:
    """One file after reading: typed rows (spec column order, None where unreadable) and their lines."""

    spec: FileSpec
    source: _Source
    result: FileResult
    present: set[str] = field(default_factory=set)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The file's name as given: what its errors and its batch are reported under."""
        return self.source.name

    @property
    def readable(self) -> bool:
        """The key columns were read, so this file's ids are known for the references of the others."""
        return all(k in self.present for k in self.spec.key)

    def column(self, name: str) -> Iterable[tuple[Any, int]]:
        i = self.spec.index(name)
        return ((row[i], line) for row, line in zip(self.rows, self.lines, strict=True))


# --- public API --------------------------------------------------------------------------------------------


def import_folder(
    conn: Connection,
    folder: Path,
    *,
    imported_by: str | None = None,
    limits: Limits | None = None,
    today: date | None = None,
) -> ImportReport:
    """Validate every canonical CSV file in `folder`, then upsert them all in the caller's transaction."""
    limits = limits or Limits()
    folder = Path(folder)
    if not folder.is_dir():
        raise ImportFailed([RowError(str(folder), None, None, None, "is not a folder")])
    sources, warnings = [], []
    for path in sorted(folder.iterdir()):
        if not path.is_file():
            continue
        if path.name.lower() in SPEC_BY_FILE:
            sources.append(_Source.from_path(path))
        elif path.suffix.lower() == ".csv":
            warnings.append(f"{path.name}: not a canonical file name, ignored")
    if not sources:
        raise ImportFailed(
            [
                RowError(
                    str(folder),
                    None,
                    None,
                    None,
                    f"no canonical CSV file in the folder (expected: {', '.join(SPEC_BY_FILE)})",
                )
            ],
            warnings=warnings,
        )
    return _import(conn, sources, imported_by, limits, warnings, today)


def import_files(
    conn: Connection,
    paths: Sequence[Path],
    *,
    imported_by: str | None = None,
    limits: Limits | None = None,
    today: date | None = None,
) -> ImportReport:
    """Like import_folder, for chosen files; each file's name says which table it fills."""
    limits = limits or Limits()
    missing = [RowError(Path(p).name, None, None, None, f"file not found: {p}") for p in paths if not Path(p).is_file()]
    if missing:
        raise ImportFailed(missing)
    return _import(conn, [_Source.from_path(Path(p)) for p in paths], imported_by, limits, [], today)


def import_bytes(
    conn: Connection,
    files: Mapping[str, bytes],
    *,
    imported_by: str | None = None,
    limits: Limits | None = None,
    today: date | None = None,
) -> ImportReport:
    """Like import_files, for uploaded contents keyed by file name (the Data page's uploads)."""
    limits = limits or Limits()
    sources = [_Source.from_bytes(name, data) for name, data in files.items()]
    return _import(conn, sources, imported_by, limits, [], today)


def record_failure(conn: Connection, failure: ImportFailed, *, imported_by: str | None = None) -> list[int]:
    """Record one 'failed' import_batches row per file of a failed import; call it in a transaction of its own."""
    ids = []
    for f in failure.files:
        errors = [e for e in failure.errors if e.file == f.file_name]
        message = "\n".join(str(e) for e in errors[:SHOWN_ERRORS]) or str(failure).splitlines()[0]
        ids.append(
            conn.execute(
                insert(schema.import_batches)
                .values(
                    source=SOURCE,
                    file_name=f.file_name,
                    sha256=f.sha256,
                    rows_read=f.rows_read,
                    rows_rejected=f.rejected,
                    status="failed",
                    message=message,
                    imported_by=imported_by,
                    finished_at=func.clock_timestamp(),
                    details={
                        **f.details(),
                        "error_count": failure.error_count,
                        "errors": [e.as_dict() for e in errors[:1000]],
                    },
                )
                .returning(schema.import_batches.c.id)
            ).scalar_one()
        )
    return ids


# --- the import --------------------------------------------------------------------------------------------


def _import(
    conn: Connection,
    sources: list[_Source],
    imported_by: str | None,
    limits: Limits,
    warnings: list[str],
    today: date | None,
) -> ImportReport:
    """Validate all sources together; write them only if there is not a single error."""
    started = datetime.now(UTC)
    errors = _Errors()
    by_spec: dict[str, _Parsed] = {}
    for src in sources:
        spec = SPEC_BY_FILE.get(src.name.lower())
        if spec is None:
            errors.add(
                src.name, None, None, None, f"not a canonical file name; expected one of: {', '.join(SPEC_BY_FILE)}"
            )
        elif spec.file_name in by_spec:
            errors.add(src.name, None, None, None, f"two files for {spec.file_name} in one import")
        else:
            by_spec[spec.file_name] = _Parsed(spec, src, FileResult(src.name, spec.table.name, src.sha256))
    parsed = [by_spec[s.file_name] for s in SPECS if s.file_name in by_spec]
    ctx = _Context(today or date.today(), _kpi_ranges(conn) if "targets.csv" in by_spec else {})

    for p in parsed:
        _read(p, errors, limits, ctx)
    _check_keys(parsed, errors)
    _check_references(conn, parsed, errors)
    if "org_units.csv" in by_spec:
        _check_tree(conn, by_spec["org_units.csv"], errors)
    if "people.csv" in by_spec:
        _check_unique(conn, by_spec["people.csv"], "email", errors, str.lower, "e-mail")
        _check_unique(conn, by_spec["people.csv"], "crm_user_id", errors, str, "crm_user_id")
    if "courses.csv" in by_spec:
        _check_unique(conn, by_spec["courses.csv"], "external_id", errors, str, "external_id")
    if "pillar_weights.csv" in by_spec:
        _check_weight_sets(by_spec["pillar_weights.csv"], errors)
    warnings += _seen_before(conn, parsed)
    for p in parsed:
        warnings += [f"{p.source.name}: {w}" for w in p.result.warnings]
        p.result.rejected = len(errors.bad_lines.get(p.name, ()))

    results = [p.result for p in parsed]
    if errors.count:
        raise ImportFailed(
            errors.sorted([(p.name, p.spec) for p in parsed]),
            error_count=errors.count,
            files=results,
            warnings=warnings,
        )
    _write(conn, parsed, imported_by, started, warnings)
    touched = [r for r in results if r.date_min is not None]
    return ImportReport(
        files=results,
        warnings=warnings,
        earliest_date=min((r.date_min for r in touched), default=None),
        latest_date=max((r.date_max for r in touched if r.date_max), default=None),
        full_refresh=any((r.inserted or r.updated) and r.table in DIMENSIONS for r in results),
    )


def _kpi_ranges(conn: Connection) -> dict[str, KpiRange]:
    """The catalogue as the database has it (synced from the registry on upgrade), in catalogue order."""
    k = schema.kpis
    rows = conn.execute(select(k.c.id, k.c.unit, k.c.min_target, k.c.max_target).order_by(k.c.position))
    return {r.id: KpiRange(r.unit, r.min_target, r.max_target) for r in rows}


def _read(p: _Parsed, errors: _Errors, limits: Limits, ctx: _Context) -> None:
    """Decode, check the header, and type every cell of one file, reporting every bad cell."""
    name, spec, src = p.name, p.spec, p.source
    if src.size > limits.max_bytes:
        errors.add(name, None, None, None, f"the file is {_size(src.size)}, over the {_size(limits.max_bytes)} limit")
        return
    try:
        csvf = read_csv(src.read(), expected=spec.names)
    except CsvError as exc:
        errors.add(name, exc.line, None, None, str(exc))
        return
    p.result.encoding, p.result.delimiter, p.result.warnings = csvf.encoding, csvf.delimiter, csvf.warnings

    where: dict[str, int] = {}
    for pos, h in enumerate(csvf.header):
        if h in where:
            errors.add(name, csvf.header_line, h, h, f"column '{h}' appears twice in the header")
        elif h not in spec.names:
            errors.add(name, csvf.header_line, h or None, h, _unexpected_column(spec, h, pos))
        else:
            where[h] = pos
    for c in spec.names:
        if c not in where:
            errors.add(name, csvf.header_line, c, None, f"missing column '{c}'")
    p.present = set(where)

    plan = [(col, where.get(col.name), _parser(col, ctx)) for col in spec.columns]
    # Cross-column checks need every column; with one missing, its header error says enough.
    check = spec.check if len(where) == len(spec.names) else None
    names = spec.names
    events = _event_plan(spec, where)
    today = ctx.today
    width = len(csvf.header)
    rows, lines, add = p.rows, p.lines, errors.add
    try:
        for line, cells in csvf.rows:
            p.result.rows_read += 1
            if p.result.rows_read > limits.max_rows:
                add(name, line, None, None, f"more than {limits.max_rows:,} data rows: over the row limit")
                break
            if len(cells) != width:
                add(name, line, None, None, f"has {len(cells)} cells but the header has {width} columns")
                continue
            values: list[Any] = []
            bad: list[str] = []
            for col, i, parse in plan:
                if i is None:
                    values.append(None)
                    continue
                raw = cells[i]
                if not raw:
                    if col.required:
                        add(name, line, col.name, "", f"{col.name} is required")
                        bad.append(col.name)
                    values.append(col.empty)
                    continue
                try:
                    values.append(parse(raw))
                except ValueError as exc:
                    add(name, line, col.name, raw, str(exc))
                    values.append(None)
                    bad.append(col.name)
            if check is not None:
                good = dict(zip(names, values, strict=True))
                for column in bad:
                    del good[column]
                for column, message in check(good, ctx):
                    add(name, line, column, cells[where[column]], message)
            for i, column, status, statuses, hint in events:
                # values[i] is None when the cell was empty or unreadable (its own error is reported).
                day = values[i]
                if day is not None and day > today and (status is None or values[status] in statuses):
                    add(name, line, column, cells[where[column]], f"event dated after today ({today}){hint}")
            rows.append(tuple(values))
            lines.append(line)
    except CsvError as exc:
        add(name, exc.line, None, None, str(exc))


def _event_plan(spec: FileSpec, where: Mapping[str, int]) -> list[tuple[int, str, int | None, tuple[str, ...], str]]:
    """Per event column in the header: its index, name, the index of the column that decides it, and the hint."""
    plan = []
    for i, col in enumerate(spec.columns):
        ev = col.event
        if ev is None or col.name not in where:
            continue
        if ev.when is None:
            plan.append((i, col.name, None, (), ""))
        elif ev.when[0] in where:  # without its status column the row's own header error says enough
            plan.append((i, col.name, spec.index(ev.when[0]), ev.when[1], f": {ev.hint}" if ev.hint else ""))
    return plan


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB".replace(".0 MB", " MB") if n >= 100_000 else f"{n:,} bytes"


def _unexpected_column(spec: FileSpec, header: str, pos: int) -> str:
    if not header:
        return f"column {pos + 1} of the header has no name (a stray delimiter?)"
    near = [n for n in spec.names if n.lower() == header.lower().replace(" ", "_")]
    hint = f" (did you mean '{near[0]}'?)" if near else ""
    return f"unexpected column '{header}'{hint}; {spec.file_name} has only: {', '.join(spec.names)}"


def _check_keys(parsed: list[_Parsed], errors: _Errors) -> None:
    """The same key twice in one file is an error on every line that has it."""
    for p in parsed:
        if not p.readable:
            continue
        idx = [p.spec.index(k) for k in p.spec.key]
        first: dict[object, int] = {}
        reported: set[object] = set()
        label = p.spec.key[0] if len(idx) == 1 else f"({', '.join(p.spec.key)})"
        for row, line in zip(p.rows, p.lines, strict=True):
            key = row[idx[0]] if len(idx) == 1 else tuple(row[i] for i in idx)
            if key is None or (isinstance(key, tuple) and None in key):
                continue
            prev = first.setdefault(key, line)
            if prev == line:
                continue
            shown = key if len(idx) == 1 else ", ".join(map(str, key))
            if key not in reported:
                reported.add(key)
                errors.add(p.name, prev, label, shown, f"duplicate key {label} = {shown}: also on line {line}")
            errors.add(p.name, line, label, shown, f"duplicate key {label} = {shown}: also on line {prev}")


def _check_references(conn: Connection, parsed: list[_Parsed], errors: _Errors) -> None:
    """Every referenced id exists in the database or anywhere in this import, whatever the row order."""
    by_table = {p.spec.table.name: p for p in parsed}
    wanted = {c.ref for p in parsed for c in p.spec.columns if c.ref and c.name in p.present}
    known: dict[str, set[str]] = {}
    for table_name in wanted:
        own = by_table.get(table_name)
        if own is not None and not own.readable:
            continue  # its ids are unknown; reporting every reference to it would only repeat its header error
        ids = set(conn.scalars(select(schema.metadata.tables[table_name].c.id)))
        if own is not None:
            ids.update(v for v, _ in own.column("id") if v is not None)
        known[table_name] = ids
    for p in parsed:
        for col in p.spec.columns:
            if not col.ref or col.name not in p.present or col.ref not in known:
                continue
            ids = known[col.ref]
            where = (
                f"{col.ref}.csv nor in the database"
                if col.ref in by_table
                else f"the database (and no {col.ref}.csv in this import)"
            )
            for value, line in p.column(col.name):
                if value is not None and value not in ids:
                    errors.add(p.name, line, col.name, value, f"unknown {_NOUNS[col.ref]} '{value}': not in {where}")


def _check_tree(conn: Connection, p: _Parsed, errors: _Errors) -> None:
    """Across database and import, org units form one tree: exactly one root and no cycle."""
    if not p.readable or "parent_id" not in p.present:
        return
    t = schema.org_units
    parent: dict[str, str | None] = dict(conn.execute(select(t.c.id, t.c.parent_id)).all())
    line_of: dict[str, int] = {}
    for (unit, line), (par, _) in zip(p.column("id"), p.column("parent_id"), strict=True):
        if unit is not None:
            parent[unit], line_of[unit] = par, line
    roots = [u for u, par in parent.items() if par is None]
    if not roots:
        errors.add(p.name, None, "parent_id", None, "no unit is without a parent_id: exactly one root unit is needed")
    elif len(roots) > 1:
        for u in roots:
            if u in line_of:
                others = ", ".join(f"'{o}' ({_where(line_of.get(o))})" for o in roots if o != u)
                errors.add(
                    p.name,
                    line_of[u],
                    "parent_id",
                    "",
                    f"unit '{u}' has no parent, nor has {others}: exactly one root unit is allowed",
                )
    state: dict[str, bool] = {}  # False while on the current walk, True once known to reach a root or a dead end
    for start in line_of:
        path, u = [], start
        while u is not None and u in parent and u not in state:
            state[u] = False
            path.append(u)
            u = parent[u]
        if u is not None and state.get(u) is False:
            cycle = path[path.index(u) :]
            shown = " → ".join([*cycle, u])
            for x in cycle:
                if x in line_of:
                    errors.add(
                        p.name, line_of[x], "parent_id", parent[x], f"unit '{x}' is in a cycle of parents: {shown}"
                    )
        for x in path:
            state[x] = True


def _where(line: int | None) -> str:
    return "in the database" if line is None else f"line {line}"


def _check_unique(
    conn: Connection, p: _Parsed, column: str, errors: _Errors, norm: Callable[[str], str], label: str
) -> None:
    """A unique column stays unique once the file's rows replace the database rows with the same id."""
    if not p.readable or column not in p.present:
        return
    t = p.spec.table
    final: dict[str, tuple[str | None, int | None]] = {
        i: (v, None) for i, v in conn.execute(select(t.c.id, t.c[column]).where(t.c[column].is_not(None)))
    }
    for (i, _), (v, line) in zip(p.column("id"), p.column(column), strict=True):
        if i is not None:
            final[i] = (v, line)
    owners: dict[str, list[tuple[str, str, int | None]]] = defaultdict(list)
    for i, (v, line) in final.items():
        if v is not None:
            owners[norm(v)].append((i, v, line))
    for same in owners.values():
        if len(same) < 2:
            continue
        for i, v, line in same:
            if line is not None:
                others = ", ".join(f"'{o}' ({_where(ol)})" for o, _, ol in same if o != i)
                errors.add(p.name, line, column, v, f"{label} '{v}' is also used by {others}")


def _check_weight_sets(p: _Parsed, errors: _Errors) -> None:
    """The rows of one effective_from are exactly the three pillars and sum to 100: weights are saved as a set."""
    if not p.readable or "weight" not in p.present:
        return
    on: dict[date, list[tuple[int, str | None, float | None]]] = defaultdict(list)
    for (pillar, eff, weight), line in zip(p.rows, p.lines, strict=True):
        if eff is not None:
            on[eff].append((line, pillar, weight))
    for day, rows in sorted(on.items()):
        pillars = [pl for _, pl, _ in rows]
        weights = [w for _, _, w in rows]
        if None in pillars or None in weights or len(set(pillars)) < len(pillars):
            continue  # an unreadable cell or a duplicate key has its own error; a set check would only add noise
        missing = [pl for pl in schema.PILLARS if pl not in pillars]
        if missing:
            for line, pillar, _ in rows:
                errors.add(
                    p.name,
                    line,
                    "pillar",
                    pillar,
                    f"the weights from {day} are not a full set: {', '.join(missing)} missing "
                    f"(weights are saved as {', '.join(schema.PILLARS)} together)",
                )
            continue
        total = math.fsum(weights)
        if abs(total - 100) > WEIGHT_SUM_TOLERANCE:
            parts = ", ".join(f"{pl} {cell(w)}" for _, pl, w in sorted(rows, key=lambda r: schema.PILLARS.index(r[1])))
            for line, _, weight in rows:
                errors.add(
                    p.name,
                    line,
                    "weight",
                    cell(weight),
                    f"the weights from {day} sum to {cell(total)}, not 100 ({parts})",
                )


def _seen_before(conn: Connection, parsed: list[_Parsed]) -> list[str]:
    """Recognise a file already imported, by its SHA-256."""
    t = schema.import_batches
    shas = {p.source.sha256: p.source.name for p in parsed}
    rows = conn.execute(
        select(t.c.sha256, func.max(t.c.id), func.max(t.c.finished_at))
        .where(t.c.sha256.in_(list(shas)), t.c.status == "succeeded")
        .group_by(t.c.sha256)
    )
    return [
        f"{shas[sha]}: the same file was imported before (batch {bid}{f', {when:%Y-%m-%d %H:%M}' if when else ''})"
        for sha, bid, when in rows
    ]


# --- writing -----------------------------------------------------------------------------------------------


def _write(
    conn: Connection, parsed: list[_Parsed], imported_by: str | None, started: datetime, warnings: list[str]
) -> None:
    """Upsert every file inside a savepoint: on any database error nothing stays written."""
    deferred = [
        fk.name
        for p in parsed
        for fk in p.spec.table.foreign_key_constraints
        if fk.deferrable and fk.initially == "DEFERRED"
    ]
    current = "import"
    try:
        with conn.begin_nested():
            for p in parsed:
                current = p.source.name
                _load(conn, p, imported_by, started, warnings)
            current = "import"
            # Deferred foreign keys would only be checked at the caller's COMMIT, too late to roll back to the savepoint.
            _set_constraints(conn, deferred, "IMMEDIATE")
    except (DBAPIError, psycopg.Error) as exc:  # psycopg's own errors come from the COPY on the raw cursor
        raise ImportFailed(
            [RowError(current, None, None, None, f"the database refused the import: {_db_message(exc)}")],
            files=[p.result for p in parsed],
            warnings=warnings,
        ) from exc
    finally:
        if not conn.invalidated:
            _set_constraints(conn, deferred, "DEFERRED")


def _set_constraints(conn: Connection, names: list[str], mode: Literal["IMMEDIATE", "DEFERRED"]) -> None:
    if names:
        stmt = pg_sql.SQL("SET CONSTRAINTS {} " + mode).format(
            pg_sql.SQL(", ").join(map(pg_sql.Identifier, sorted(set(names))))
        )
        conn.exec_driver_sql(stmt.as_string(_raw(conn)))


def _raw(conn: Connection) -> Any:
    """The psycopg connection under `conn`, in the same transaction."""
    return conn.connection.dbapi_connection


def _db_message(exc: Exception) -> str:
    orig = getattr(exc, "orig", exc)
    diag = getattr(orig, "diag", None)
    if diag is not None and diag.message_primary:
        return diag.message_primary + (f" ({diag.message_detail})" if diag.message_detail else "")
    return str(orig).splitlines()[0]


def _load(conn: Connection, p: _Parsed, imported_by: str | None, started: datetime, warnings: list[str]) -> None:
    """COPY one file into a temporary staging table, upsert it with one statement, and record its batch."""
    spec, t, r = p.spec, p.spec.table, p.result
    stage = Table(
        f"_stage_{t.name}",
        MetaData(),
        *(Column(n, t.c[n].type) for n in spec.names),
        prefixes=["TEMPORARY"],
        postgresql_on_commit="DROP",
    )
    stage.create(conn)
    copy_sql = pg_sql.SQL("COPY {} ({}) FROM STDIN").format(
        pg_sql.Identifier(stage.name), pg_sql.SQL(", ").join(map(pg_sql.Identifier, spec.names))
    )
    with _raw(conn).cursor() as cur, cur.copy(copy_sql) as copy:
        for row in p.rows:
            copy.write_row(row)
    if spec.history:
        counts = conn.execute(_append(spec, stage, imported_by)).one()
    else:
        counts = conn.execute(_upsert(spec, stage, reroot=_moves_root(conn, p))).one()
    stage.drop(conn)
    r.inserted, r.updated = counts.inserted, counts.updated
    r.unchanged = len(p.rows) - r.inserted - r.updated
    r.date_min, r.date_max = counts.lo, counts.hi
    r.batch_id = conn.execute(
        insert(schema.import_batches)
        .values(
            source=SOURCE,
            file_name=r.file_name,
            sha256=r.sha256,
            rows_read=r.rows_read,
            rows_inserted=r.inserted,
            rows_updated=r.updated,
            rows_unchanged=r.unchanged,
            rows_rejected=0,
            status="succeeded",
            imported_by=imported_by,
            started_at=started,
            finished_at=func.clock_timestamp(),
            details=r.details(),
        )
        .returning(schema.import_batches.c.id)
    ).scalar_one()


def _moves_root(conn: Connection, p: _Parsed) -> bool:
    """Whether this org_units file gives the database's current root a parent."""
    if p.spec.table is not schema.org_units:
        return False
    t = schema.org_units
    root = conn.scalar(select(t.c.id).where(t.c.parent_id.is_(None)))
    i, j = p.spec.index("id"), p.spec.index("parent_id")
    return root is not None and any(row[i] == root and row[j] is not None for row in p.rows)


def _least(cols: list[ColumnElement[Any]]) -> ColumnElement[Any]:
    return cols[0] if len(cols) == 1 else func.least(*cols)


def _greatest(cols: list[ColumnElement[Any]]) -> ColumnElement[Any]:
    return cols[0] if len(cols) == 1 else func.greatest(*cols)


def _upsert(spec: FileSpec, stage: Table, *, reroot: bool = False) -> Select[Any]:
    """One INSERT ... SELECT ... ON CONFLICT for the whole file, counting inserted and updated rows and the dates touched.

    An unchanged row is left alone (IS DISTINCT FROM), so it is neither returned nor rewritten.
    """
    t = spec.table
    names = list(spec.names)
    nonkey = [n for n in names if n not in spec.key]
    rows = select(*(stage.c[n] for n in names))
    if reroot:
        # Units with a parent first: the old root gets its parent before the new root arrives, so the single-root
        # unique index (checked row by row) never sees two roots. Only then: otherwise rows keep the file's order.
        rows = rows.order_by(stage.c.parent_id.is_(None))
    ins = pg_insert(t).from_select(names, rows)
    changes = {n: ins.excluded[n] for n in nonkey}
    ins = ins.on_conflict_do_update(
        index_elements=[t.c[k] for k in spec.key],
        set_=changes,
        where=tuple_(*(t.c[n] for n in nonkey)).is_distinct_from(tuple_(*(ins.excluded[n] for n in nonkey))),
    )
    dates = list(spec.dates)
    # xmax is 0 only on a freshly inserted row version; an updated one carries this transaction's id.
    returning: list[ColumnElement[Any]] = [literal_column("(xmax = 0)", Boolean).label("inserted")]
    if dates:
        returning += [_least([t.c[d] for d in dates]).label("lo"), _greatest([t.c[d] for d in dates]).label("hi")]
    up = ins.returning(*returning).cte("up")
    lo = [select(func.min(up.c.lo)).scalar_subquery()] if dates else []
    hi = [select(func.max(up.c.hi)).scalar_subquery()] if dates else []
    replaced = [d for d in dates if d not in spec.key]
    if replaced:
        # The values an update overwrites are touched too; every CTE reads the table as it was before the insert.
        old = (
            select(_least([t.c[d] for d in replaced]).label("lo"), _greatest([t.c[d] for d in replaced]).label("hi"))
            .select_from(t.join(stage, and_(*(t.c[k] == stage.c[k] for k in spec.key))))
            .where(tuple_(*(t.c[n] for n in nonkey)).is_distinct_from(tuple_(*(stage.c[n] for n in nonkey))))
            .cte("old")
        )
        lo.append(select(func.min(old.c.lo)).scalar_subquery())
        hi.append(select(func.max(old.c.hi)).scalar_subquery())
    return select(
        select(func.count()).select_from(up).where(up.c.inserted).scalar_subquery().label("inserted"),
        select(func.count()).select_from(up).where(not_(up.c.inserted)).scalar_subquery().label("updated"),
        (_least(lo) if lo else literal(None)).label("lo"),
        (_greatest(hi) if hi else literal(None)).label("hi"),
    )


def _append(spec: FileSpec, stage: Table, imported_by: str | None) -> Select[Any]:
    """One INSERT ... SELECT for a history file: a row is appended unless its key's latest record says the same."""
    # Never an UPDATE (the database refuses one): a changed row supersedes the old record by being recorded after it.
    t = spec.table
    names = list(spec.names)
    nonkey = [n for n in names if n not in spec.key]
    latest = t.alias("latest")
    # Correlated by hand: nested inside EXISTS inside INSERT ... SELECT, automatic correlation does not reach stage.
    newest_id = (
        select(func.max(t.c.id)).where(*(t.c[k] == stage.c[k] for k in spec.key)).correlate(stage).scalar_subquery()
    )
    same_as_latest = (
        select(literal(1))
        .select_from(latest)
        .where(
            latest.c.id == newest_id,
            tuple_(*(latest.c[n] for n in nonkey)).is_not_distinct_from(tuple_(*(stage.c[n] for n in nonkey))),
        )
        .correlate(stage)
    )
    rows = select(*(stage.c[n] for n in names), literal(imported_by, String()).label("recorded_by")).where(
        not_(same_as_latest.exists())
    )
    dates = list(spec.dates)
    ins = insert(t).from_select([*names, "recorded_by"], rows)
    up = ins.returning(_least([t.c[d] for d in dates]).label("lo"), _greatest([t.c[d] for d in dates]).label("hi"))
    up = up.cte("up")
    return select(
        select(func.count()).select_from(up).scalar_subquery().label("inserted"),
        literal(0).label("updated"),
        select(func.min(up.c.lo)).scalar_subquery().label("lo"),
        select(func.max(up.c.hi)).scalar_subquery().label("hi"),
    )
