"""The canonical CSV files (DATA_CONTRACT.md): validate a whole set of them, then upsert or append each in bulk."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import psycopg
from sqlalchemy import Connection, select
from sqlalchemy.exc import DBAPIError

from db import schema
from db.csvread import CsvError
from db.importers import batches
from db.importers.checks import (
    ROW_RULES,
    Context,
    cell_message,
    check_cells,
    check_keys,
    check_references,
    check_rows,
    check_tree,
    check_unique,
    check_weight_sets,
    event_rules,
    kpi_ranges,
    to_db,
    typed,
)
from db.importers.contract import CONTRACT_BY_FILE, CONTRACTS, Contract
from db.importers.logged import REASON as LOGGED
from db.importers.logged import logged
from db.importers.read import Limits, Source, over_size, read_sheet
from db.importers.report import Errors, FileResult, ImportFailed, ImportReport, RowError
from db.importers.write import append, db_message, deferred_constraints, set_constraints, stage, upsert

SOURCE = "canonical"
# Tables whose rows shape every period (who is licensed, where, what is required): a change needs a full refresh.
DIMENSIONS = frozenset({"org_units", "people", "courses"})


@dataclass
class Parsed:
    """One file after reading: its cells as database text (contract columns) and typed, with editor lines."""

    contract: Contract
    source: Source
    result: FileResult
    present: set[str] = field(default_factory=set)
    frame: pd.DataFrame = field(default_factory=pd.DataFrame)  # database text, None for NULL
    values: pd.DataFrame = field(default_factory=pd.DataFrame)  # typed, NaN/NaT where empty or unreadable
    lines: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))
    bad: pd.Series = field(default_factory=lambda: pd.Series([], dtype=bool))  # a row with any bad cell

    @property
    def name(self) -> str:
        return self.source.name

    @property
    def readable(self) -> bool:
        """The key columns were read, so this file's ids are known for the references of the others."""
        return all(k in self.present for k in self.contract.key)


def import_sources(
    conn: Connection,
    sources: Sequence[Source],
    *,
    imported_by: str | None = None,
    limits: Limits | None = None,
    today: date | None = None,
    warnings: list[str] | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Validate all files together; write them only if there is not a single error, in the caller's transaction."""
    limits = limits or Limits.from_env()
    warnings = warnings if warnings is not None else []
    started = datetime.now(UTC)
    errors = Errors()
    by_file: dict[str, Parsed] = {}
    for src in sources:
        contract = CONTRACT_BY_FILE.get(src.name.lower())
        if contract is None:
            errors.add(
                src.name, None, None, None, f"not a canonical file name; expected one of: {', '.join(CONTRACT_BY_FILE)}"
            )
        elif contract.file_name in by_file:
            errors.add(src.name, None, None, None, f"two files for {contract.file_name} in one import")
        else:
            by_file[contract.file_name] = Parsed(contract, src, FileResult(src.name, contract.table.name, src.sha256))
    parsed = [by_file[c.file_name] for c in CONTRACTS if c.file_name in by_file]
    ctx = Context(today or date.today(), kpi_ranges(conn) if "targets.csv" in by_file else {})

    for p in parsed:
        read_file(p, errors, limits, ctx)
    for p in parsed:
        if p.readable:
            check_keys(p.name, p.contract, p.frame, p.lines, p.bad, errors)
    _check_references(conn, parsed, errors)
    if "org_units.csv" in by_file and _complete(by_file["org_units.csv"], "parent_id"):
        p = by_file["org_units.csv"]
        check_tree(conn, p.name, p.frame, p.lines, errors)
    if "people.csv" in by_file:
        p = by_file["people.csv"]
        for column, norm, label in (("email", str.lower, "e-mail"), ("crm_user_id", str, "crm_user_id")):
            if _complete(p, column):
                check_unique(conn, p.name, schema.people, p.frame, p.lines, column, errors, norm, label)
    if "courses.csv" in by_file and _complete(by_file["courses.csv"], "external_id"):
        p = by_file["courses.csv"]
        check_unique(conn, p.name, schema.courses, p.frame, p.lines, "external_id", errors, str, "external_id")
    if "pillar_weights.csv" in by_file and _complete(by_file["pillar_weights.csv"], "weight"):
        p = by_file["pillar_weights.csv"]
        check_weight_sets(p.name, p.values, p.lines, errors)
    seen = batches.seen_before(conn, {p.source.sha256: p.source.name for p in parsed})
    warnings += seen
    for p in parsed:
        warnings += [f"{p.source.name}: {w}" for w in p.result.warnings]
        p.result.rejected = len(errors.bad_lines.get(p.name, ()))

    results = [p.result for p in parsed]
    if errors.count:
        raise ImportFailed(
            errors.sorted([(p.name, p.contract.names) for p in parsed]),
            error_count=errors.count,
            files=results,
            warnings=warnings,
        )
    write(conn, parsed, imported_by, started, warnings, dry_run=dry_run)
    touched = [r for r in results if r.date_min is not None]
    return ImportReport(
        files=results,
        warnings=warnings,
        earliest_date=min((r.date_min for r in touched), default=None),
        latest_date=max((r.date_max for r in touched if r.date_max), default=None),
        full_refresh=any((r.inserted or r.updated) and r.table in DIMENSIONS for r in results),
        source=SOURCE,
        dry_run=dry_run,
        seen_before=bool(parsed) and len(seen) == len(parsed),
    )


def _complete(p: Parsed, column: str) -> bool:
    return p.readable and column in p.present


def read_file(p: Parsed, errors: Errors, limits: Limits, ctx: Context) -> None:
    """Decode, check the header, and check every cell and row of one file, reporting every problem."""
    name, contract, src = p.name, p.contract, p.source
    too_big = over_size(src, limits)
    if too_big:
        errors.add(name, None, None, None, too_big)
        return
    try:
        sheet = read_sheet(src.read(), expected=contract.names, max_rows=limits.max_rows)
    except CsvError as exc:
        errors.add(name, exc.line, None, None, str(exc))
        return
    r = p.result
    r.encoding, r.delimiter, r.warnings = sheet.encoding, sheet.delimiter, sheet.warnings
    r.rows_read = sheet.rows_read + (1 if sheet.rows_over_limit else 0)

    position: dict[str, int] = {}
    for pos, h in enumerate(sheet.header):
        if h in position:
            errors.add(name, sheet.header_line, h, h, f"column '{h}' appears twice in the header")
        elif h not in contract.names:
            errors.add(name, sheet.header_line, h or None, h, _unexpected_column(contract, h, pos))
        else:
            position[h] = pos
    for c in contract.names:
        if c not in position:
            errors.add(name, sheet.header_line, c, None, f"missing column '{c}'")
    p.present = set(position)
    for line, message in sheet.bad_rows:
        errors.add(name, line, None, None, message)
    if sheet.rows_over_limit is not None:
        errors.add(
            name, sheet.rows_over_limit, None, None, f"more than {limits.max_rows:,} data rows: over the row limit"
        )

    fields = [f for f in contract.fields if f.name in position]
    cells = pd.DataFrame({f.name: sheet.frame[position[f.name]] for f in fields}, index=sheet.frame.index)
    lines = sheet.lines
    bad_cells = check_cells(cells, fields, ctx)
    bad = pd.Series(False, index=cells.index)
    unreadable: dict[str, list[int]] = {}
    for i, column, check, value in bad_cells.itertuples(index=False, name=None):
        i = int(i)
        errors.add(name, int(lines[i]), column, value, cell_message(contract.field(column), check, value, ctx))
        unreadable.setdefault(column, []).append(i)
        bad.iloc[i] = True

    frame = pd.DataFrame(index=cells.index)
    values = pd.DataFrame(index=cells.index)
    for f in contract.fields:
        if f.name in position:
            db = to_db(cells[f.name], f)
            if f.name in unreadable:
                db = db.copy()
                db.iloc[unreadable[f.name]] = None
            frame[f.name] = db
            values[f.name] = typed(db, f)
        else:
            frame[f.name] = pd.Series(None, index=cells.index, dtype=object)
            values[f.name] = pd.Series(np.nan, index=cells.index)
    if "license_start" in position:
        values["license_start__empty"] = cells["license_start"] == ""

    # Cross-column rules need every column; with one missing, its header error says enough.
    rules = list(ROW_RULES.get(contract.table.name, ())) if len(position) == len(contract.names) else []
    rules += event_rules(contract, set(position))
    for i, rule in check_rows(values, rules, ctx):
        errors.add(name, int(lines[i]), rule.column, cells[rule.column].iloc[i], rule.message(values.iloc[i], ctx))
        bad.iloc[i] = True
    p.frame, p.values, p.lines, p.bad = frame, values, lines, bad


def _unexpected_column(contract: Contract, header: str, pos: int) -> str:
    if not header:
        return f"column {pos + 1} of the header has no name (a stray delimiter?)"
    near = [n for n in contract.names if n.lower() == header.lower().replace(" ", "_")]
    hint = f" (did you mean '{near[0]}'?)" if near else ""
    return f"unexpected column '{header}'{hint}; {contract.file_name} has only: {', '.join(contract.names)}"


def _check_references(conn: Connection, parsed: list[Parsed], errors: Errors) -> None:
    by_table = {p.contract.table.name: p for p in parsed}
    wanted = {f.ref for p in parsed for f in p.contract.fields if f.ref and f.name in p.present}
    known: dict[str, set[str]] = {}
    for table_name in wanted:
        own = by_table.get(table_name)
        if own is not None and not own.readable:
            continue  # its ids are unknown; reporting every reference to it would only repeat its header error
        ids = set(conn.scalars(select(schema.metadata.tables[table_name].c.id)))
        if own is not None:
            ids.update(own.frame["id"].dropna())
        known[table_name] = ids
    for p in parsed:
        for f in p.contract.fields:
            if f.ref and f.name in p.present and f.ref in known:
                check_references(p.name, p.frame, p.lines, f.name, f.ref, known[f.ref], f.ref in by_table, errors)


def write(
    conn: Connection,
    parsed: list[Parsed],
    imported_by: str | None,
    started: datetime,
    warnings: list[str],
    *,
    dry_run: bool = False,
) -> None:
    """Write every file inside a savepoint: on any database error (or for a dry run) nothing stays written."""
    names = deferred_constraints([p.contract.table for p in parsed])
    current = "import"
    savepoint = conn.begin_nested()
    try:
        for p in parsed:
            current = p.source.name
            _load(conn, p, imported_by, started)
        current = "import"
        # Deferred foreign keys would only be checked at the caller's COMMIT, too late to roll back to the savepoint.
        set_constraints(conn, names, "IMMEDIATE")
    except (DBAPIError, psycopg.Error) as exc:  # psycopg's own errors come from the COPY on the raw cursor
        savepoint.rollback()
        raise ImportFailed(
            [RowError(current, None, None, None, f"the database refused the import: {db_message(exc)}")],
            files=[p.result for p in parsed],
            warnings=warnings,
        ) from exc
    except BaseException:
        if savepoint.is_active:
            savepoint.rollback()
        raise
    else:
        if dry_run:
            savepoint.rollback()
            for p in parsed:
                p.result.batch_id = None
        else:
            savepoint.commit()
    finally:
        if not conn.invalidated:
            set_constraints(conn, names, "DEFERRED")


def _load(conn: Connection, p: Parsed, imported_by: str | None, started: datetime) -> None:
    """COPY one file into a temporary stage, write it with one statement, and record its batch."""
    contract, r = p.contract, p.result
    r.batch_id = batches.open_batch(conn, SOURCE, r, imported_by, started)
    frame = _without_logged(conn, p) if contract.table is schema.meetings else p.frame
    st = stage(conn, contract.table, contract.names, frame)
    if contract.history:
        counts = append(conn, contract.table, st, contract.key, batch_id=r.batch_id, recorded_by=imported_by)
    else:
        counts = upsert(
            conn, contract.table, st, contract.key, batch_id=r.batch_id, first_with_parent=_moves_root(conn, p)
        )
    st.drop(conn)
    r.inserted, r.updated = counts.inserted, counts.updated
    r.unchanged = len(frame) - r.inserted - r.updated
    r.date_min, r.date_max = counts.lo, counts.hi
    batches.close_batch(conn, r)


def _without_logged(conn: Connection, p: Parsed) -> pd.DataFrame:
    """The meetings of the file but those logged on the Meetings page, each of them counted as skipped."""
    done = logged(conn, p.frame["id"])
    if not done:
        return p.frame
    mask = p.frame["id"].isin(done).to_numpy()
    for line, meeting_id in zip(p.lines[mask], p.frame["id"][mask], strict=True):
        p.result.skip(int(line), meeting_id, LOGGED)
    return p.frame[~mask]


def _moves_root(conn: Connection, p: Parsed) -> bool:
    """Whether this org_units file gives the database's current root a parent."""
    if p.contract.table is not schema.org_units:
        return False
    t = schema.org_units
    root = conn.scalar(select(t.c.id).where(t.c.parent_id.is_(None)))
    return root is not None and bool(((p.frame["id"] == root) & p.frame["parent_id"].notna()).any())
