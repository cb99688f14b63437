"""What an import found and did: row errors, skipped rows, per-file results, and the report as CSV."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from db.csvread import DELIMITER_NAMES

ERRORS_KEPT = 100_000  # a file of garbage must not exhaust memory; the total is still counted
SKIPPED_KEPT = 10_000
SHOWN_ERRORS = 20
REPORT_COLUMNS = ("file", "line", "column", "value", "message")


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


@dataclass(frozen=True)
class Skipped:
    """A row a vendor adapter left out on purpose (unknown user, another verb, an all-day event): not an error."""

    file: str
    line: int | None
    value: str | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "value": self.value, "reason": self.reason}


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
    skipped: int = 0
    rejected: int = 0
    encoding: str | None = None
    delimiter: str | None = None
    date_min: date | None = None  # earliest date of a row written (its new and its replaced values)
    date_max: date | None = None
    batch_id: int | None = None
    warnings: list[str] = field(default_factory=list)
    skips: list[Skipped] = field(default_factory=list)

    def skip(self, line: int | None, value: object, reason: str) -> None:
        self.skipped += 1
        if len(self.skips) < SKIPPED_KEPT:
            self.skips.append(Skipped(self.file_name, line, None if value is None else str(value), reason))

    def details(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "encoding": self.encoding,
            "delimiter": DELIMITER_NAMES.get(self.delimiter or "", self.delimiter),
            "date_min": self.date_min.isoformat() if self.date_min else None,
            "date_max": self.date_max.isoformat() if self.date_max else None,
            "warnings": self.warnings,
            "skipped": [s.as_dict() for s in self.skips[:1000]],
        }

    def summary(self) -> str:
        line = (
            f"{self.file_name}: {self.rows_read:,} rows read, {self.inserted:,} inserted, "
            f"{self.updated:,} updated, {self.unchanged:,} unchanged"
        )
        return line + (f", {self.skipped:,} skipped" if self.skipped else "")


@dataclass
class ImportReport:
    """The outcome of a successful import, per file, with the dates it touched."""

    files: list[FileResult]
    warnings: list[str]
    earliest_date: date | None
    latest_date: date | None
    full_refresh: bool  # org units, people or courses changed: every period may move
    source: str = "canonical"
    dry_run: bool = False
    seen_before: bool = False  # every file was imported before, byte for byte

    @property
    def changed(self) -> bool:
        return any(f.inserted or f.updated for f in self.files)

    @property
    def skipped(self) -> list[Skipped]:
        return [s for f in self.files for s in f.skips]

    def summary_lines(self) -> list[str]:
        """One line per file, then one per warning, for the CLI and the Data page."""
        lines = [f.summary() for f in self.files]
        if self.dry_run:
            lines.append("dry run: validated and counted, nothing was written")
        elif self.seen_before and not self.changed:
            lines.append("the same file was imported before: nothing changed")
        return lines + [f"warning: {w}" for w in self.warnings]

    def skipped_csv(self) -> str:
        """Every skipped row as CSV (file, line, value, reason), formulas neutralised."""
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["file", "line", "value", "reason"])
        for s in self.skipped:
            w.writerow([safe_cell(s.file), s.line or "", safe_cell(s.value), safe_cell(s.reason)])
        return out.getvalue()

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
        source: str = "canonical",
    ) -> None:
        self.errors = list(errors)
        self.error_count = error_count if error_count is not None else len(self.errors)
        self.files = list(files)
        self.warnings = list(warnings)
        self.source = source
        super().__init__(str(self))

    def headline(self) -> str:
        """The one line the CLI prints first."""
        n = self.error_count
        return f"import failed, nothing was written: {n} error{'s' if n != 1 else ''}"

    def __str__(self) -> str:
        n = self.error_count
        lines = [self.headline()]
        lines += [str(e) for e in self.errors[:SHOWN_ERRORS]]
        if n > SHOWN_ERRORS:
            lines.append(f"... and {n - SHOWN_ERRORS} more")
        return "\n".join(lines)

    def to_csv(self) -> str:
        """Every kept error as CSV for download, with cells that a spreadsheet would run as formulas neutralised."""
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(REPORT_COLUMNS)
        for e in self.errors:
            w.writerow([safe_cell(e.file), e.line or "", safe_cell(e.column), safe_cell(e.value), safe_cell(e.message)])
        return out.getvalue()


def safe_cell(value: str | None) -> str:
    """Prefix a quote to text a spreadsheet would evaluate; negative numbers stay numbers."""
    if not value:
        return ""
    if value[0] in "=+-@\t\r" and not re.fullmatch(r"[+-]?\d+(\.\d+)?", value):
        return "'" + value
    return value


class Errors:
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

    def sorted(self, order: Sequence[tuple[str, Sequence[str]]]) -> list[RowError]:
        """File by file in the given order, then by line, then in each file's column order."""
        rank = {name: i for i, (name, _) in enumerate(order)}
        columns = {(name, c): i for name, names in order for i, c in enumerate(names)}
        return sorted(
            self.kept,
            key=lambda e: (rank.get(e.file, -1), e.line or 0, columns.get((e.file, e.column or ""), -1)),
        )
