"""Importers: read, contract, checks, report, write and batches, and one module per source.

`import_file(conn, source, name, data, options)` runs any vendor adapter; the canonical CSV files go through
`db.canonical` (a folder or files). Both validate the whole file first and write all or nothing, in the
caller's transaction, recording one import batch per file.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from db.importers.read import Limits, Source
from db.importers.report import FileResult, ImportFailed, ImportReport, RowError, Skipped

if TYPE_CHECKING:
    from db.importers.vendor import Adapter, Options

# The adapters load pandas and pandera (most of a second): imported on first use, so that the bulk path of a
# canonical file starts without them.
_LAZY = {"Options": "db.importers.vendor", "Adapter": "db.importers.vendor"}

__all__ = [
    "SOURCES",
    "FileResult",
    "ImportFailed",
    "ImportReport",
    "Limits",
    "Options",
    "RowError",
    "Skipped",
    "import_file",
    "import_path",
]


def __getattr__(name: str) -> Any:
    if name == "SOURCES":
        return _sources()
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@cache
def _sources() -> dict[str, Adapter]:
    from db.importers.hubspot import HubSpotLoginHistory
    from db.importers.ics import Ics
    from db.importers.salesforce import SalesforceLoginHistory, SalesforceUsers
    from db.importers.xapi import Xapi

    return {a.source: a for a in (SalesforceUsers(), SalesforceLoginHistory(), HubSpotLoginHistory(), Xapi(), Ics())}


def import_file(conn: Connection, source: str, name: str, data: bytes, options: Options | None = None) -> ImportReport:
    """Import one vendor file given as bytes (an upload), in the caller's transaction."""
    from db.importers.vendor import Options, run

    return run(conn, _adapter(source), Source.from_bytes(name, data), options or Options())


def import_path(conn: Connection, source: str, path: Path, options: Options | None = None) -> ImportReport:
    """Import one vendor file from disk, in the caller's transaction."""
    from db.importers.vendor import Options, run

    path = Path(path)
    if not path.is_file():
        raise ImportFailed([RowError(path.name, None, None, None, f"file not found: {path}")], source=source)
    return run(conn, _adapter(source), Source.from_path(path), options or Options())


def _adapter(source: str) -> Adapter:
    try:
        return _sources()[source]
    except KeyError:
        raise ValueError(f"unknown source '{source}'; choose one of: canonical, {', '.join(_sources())}") from None
