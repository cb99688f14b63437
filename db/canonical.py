"""Canonical CSV import: the public API the CLI and older callers use, over the importer package db/importers/."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

from sqlalchemy import Connection

from db.importers.batches import record_failure
from db.importers.bulk import SOURCE, import_sources
from db.importers.contract import CONTRACT_BY_FILE, CONTRACTS, Contract
from db.importers.read import Limits, Source
from db.importers.report import FileResult, ImportFailed, ImportReport, RowError

__all__ = [
    "SOURCE",
    "SPECS",
    "FileResult",
    "ImportFailed",
    "ImportReport",
    "Limits",
    "RowError",
    "import_bytes",
    "import_files",
    "import_folder",
    "record_failure",
]

# The files of the contract in dependency order (generated from db/schema.py).
SPECS: tuple[Contract, ...] = CONTRACTS
SPEC_BY_FILE: dict[str, Contract] = CONTRACT_BY_FILE


def import_folder(
    conn: Connection,
    folder: Path,
    *,
    imported_by: str | None = None,
    limits: Limits | None = None,
    today: date | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Validate every canonical CSV file in `folder`, then upsert them all in the caller's transaction."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ImportFailed([RowError(str(folder), None, None, None, "is not a folder")])
    sources, warnings = [], []
    for path in sorted(folder.iterdir()):
        if not path.is_file():
            continue
        if path.name.lower() in CONTRACT_BY_FILE:
            sources.append(Source.from_path(path))
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
                    f"no canonical CSV file in the folder (expected: {', '.join(CONTRACT_BY_FILE)})",
                )
            ],
            warnings=warnings,
        )
    return import_sources(
        conn, sources, imported_by=imported_by, limits=limits, today=today, warnings=warnings, dry_run=dry_run
    )


def import_files(
    conn: Connection,
    paths: Sequence[Path],
    *,
    imported_by: str | None = None,
    limits: Limits | None = None,
    today: date | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Like import_folder, for chosen files; each file's name says which table it fills."""
    missing = [RowError(Path(p).name, None, None, None, f"file not found: {p}") for p in paths if not Path(p).is_file()]
    if missing:
        raise ImportFailed(missing)
    sources = [Source.from_path(Path(p)) for p in paths]
    return import_sources(conn, sources, imported_by=imported_by, limits=limits, today=today, dry_run=dry_run)


def import_bytes(
    conn: Connection,
    files: Mapping[str, bytes],
    *,
    imported_by: str | None = None,
    limits: Limits | None = None,
    today: date | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Like import_files, for uploaded contents keyed by file name (the Data page's uploads)."""
    sources = [Source.from_bytes(name, data) for name, data in files.items()]
    return import_sources(conn, sources, imported_by=imported_by, limits=limits, today=today, dry_run=dry_run)
