"""Read an uploaded file: limits, refusing what is not text, and CSV into a frame of trimmed strings with editor lines."""

from __future__ import annotations

import csv
import hashlib
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from db.csvread import CsvError, decode, sniff_delimiter

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

# Magic numbers of the files people upload by mistake instead of CSV text.
_MAGIC = (
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx workbook?)"),
    (b"\xd0\xcf\x11\xe0", "an old Office document (an Excel .xls workbook?)"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"SQLite format 3", "an SQLite database"),
)


@dataclass(frozen=True)
class Limits:
    """Upper bounds for one file; over a limit is an error, never a silent truncation.

    Settings: FLYWHEEL_IMPORT_MAX_BYTES and FLYWHEEL_IMPORT_MAX_ROWS override the defaults.
    """

    max_bytes: int = 200_000_000
    max_rows: int = 2_000_000

    @classmethod
    def from_env(cls) -> Limits:
        default = cls()
        return cls(
            max_bytes=_int_setting("FLYWHEEL_IMPORT_MAX_BYTES", default.max_bytes),
            max_rows=_int_setting("FLYWHEEL_IMPORT_MAX_ROWS", default.max_rows),
        )


def _int_setting(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip().replace("_", "")
    if not raw:
        return default
    if not raw.isdigit() or int(raw) == 0:
        raise ValueError(f"{name}={os.environ[name]!r} is not a positive whole number")
    return int(raw)


@dataclass(frozen=True)
class Source:
    """One file to import: its name, hash and size; its bytes are read only while it is parsed."""

    name: str
    sha256: str
    size: int
    path: Path | None = None
    data: bytes | None = None

    @classmethod
    def from_bytes(cls, name: str, data: bytes) -> Source:
        return cls(name, hashlib.sha256(data).hexdigest(), len(data), data=data)

    @classmethod
    def from_path(cls, path: Path) -> Source:
        # Hashed in chunks so that no file is held in memory longer than its own parsing.
        digest = hashlib.sha256()
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        return cls(path.name, digest.hexdigest(), path.stat().st_size, path=path)

    def read(self) -> bytes:
        return self.data if self.data is not None else self.path.read_bytes()


def size_text(n: int) -> str:
    return f"{n / 1e6:.1f} MB".replace(".0 MB", " MB") if n >= 100_000 else f"{n:,} bytes"


def over_size(src: Source, limits: Limits) -> str | None:
    """The error for a file over the size limit, else None."""
    if src.size > limits.max_bytes:
        return f"the file is {size_text(src.size)}, over the {size_text(limits.max_bytes)} limit"
    return None


def not_text(data: bytes) -> str | None:
    """Why `data` is not a text file (a workbook, an archive, an image, binary), else None."""
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return f"the file is {what}, not text: export or save it as CSV (or the source's own text format)"
    head = data[:65536]
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "the file contains NUL bytes: it is a binary file (a spreadsheet?), not text"
    return None


def decode_text(data: bytes) -> tuple[str, str, list[str]]:
    """Refuse binary files, then decode as UTF-8 (BOM optional), UTF-16 with a BOM, or cp1252 with a warning."""
    why = not_text(data)
    if why:
        raise CsvError(why)
    text, encoding, warnings = decode(data)
    if "\x00" in text:
        raise CsvError("the file contains NUL bytes: it is a binary file (a spreadsheet?), not CSV text")
    return text, encoding, warnings


@dataclass
class Sheet:
    """A CSV file as text: its trimmed header, its cells as strings (columns by position) and each row's editor line."""

    encoding: str
    delimiter: str
    header: list[str]
    header_line: int
    frame: pd.DataFrame
    lines: np.ndarray
    warnings: list[str] = field(default_factory=list)
    # Records whose number of cells differs from the header, and the line where the text stopped being CSV.
    bad_rows: list[tuple[int, str]] = field(default_factory=list)
    rows_over_limit: int | None = None  # the line of the first row over the row limit

    @property
    def rows_read(self) -> int:
        return len(self.frame) + len(self.bad_rows)


def read_sheet(data: bytes, *, expected: tuple[str, ...] = (), max_rows: int | None = None) -> Sheet:
    """Decode `data` and read every record as trimmed strings.

    A plain file (one record per line, no blank lines) is read by Arrow's CSV reader; anything else (a
    quoted line break, blank lines, a short row) by Python's csv module, which knows each record's line.
    """
    text, encoding, warnings = decode_text(data)
    first = next((line for line in io.StringIO(text) if line.strip()), None)
    if first is None:
        raise CsvError("the file is empty: a header row is needed")
    delimiter = sniff_delimiter(first.rstrip("\r\n"), expected)
    sheet = _read_fast(data, text, encoding, delimiter) or _read_python(text, encoding, delimiter)
    sheet.warnings = warnings
    if max_rows is not None and len(sheet.frame) > max_rows:
        sheet.rows_over_limit = int(sheet.lines[max_rows])
        sheet.frame = sheet.frame.iloc[:max_rows]
        sheet.lines = sheet.lines[:max_rows]
    return sheet


def _read_fast(data: bytes, text: str, encoding: str, delimiter: str) -> Sheet | None:
    # Imported here: the bulk path reads a file without them, and they take most of a second to load.
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    from pyarrow import csv as pacsv

    raw = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if encoding != "utf-8":
        raw = text.encode("utf-8")
    end = raw.find(b"\n")
    if end < 0 or not raw[:end].strip():
        return None
    header = next(csv.reader([raw[:end].decode("utf-8").rstrip("\r")], delimiter=delimiter))
    body = raw[end + 1 :]
    names = [str(i) for i in range(len(header))]
    try:
        table = pacsv.read_csv(
            io.BytesIO(body),
            read_options=pacsv.ReadOptions(column_names=names, block_size=16 << 20),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None  # a short or long row, a stray quote: the careful reader says where
    rows = table.num_rows
    records = body.count(b"\n") + (0 if not body or body.endswith(b"\n") else 1)
    if rows != records:
        return None  # blank lines or quoted line breaks: line numbers need the careful reader
    trimmed = pa.table({n: pc.utf8_trim_whitespace(table.column(n)) for n in names})
    frame = trimmed.to_pandas()
    frame.columns = range(len(header))
    return Sheet(encoding, delimiter, [c.strip() for c in header], 1, frame, np.arange(2, rows + 2))


def _read_python(text: str, encoding: str, delimiter: str) -> Sheet:
    import numpy as np
    import pandas as pd

    # newline="" lets the csv module handle CRLF, LF and line breaks inside quoted cells itself.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header_line, header = _next_record(reader)
    except StopIteration:
        raise CsvError("the file is empty: a header row is needed") from None
    width = len(header)
    rows: list[list[str]] = []
    lines: list[int] = []
    bad: list[tuple[int, str]] = []
    while True:
        try:
            line, cells = _next_record(reader)
        except StopIteration:
            break
        except CsvError as exc:
            bad.append((exc.line or 0, str(exc)))
            break
        if len(cells) != width:
            bad.append((line, f"has {len(cells)} cells but the header has {width} columns"))
            continue
        rows.append([c.strip() for c in cells])
        lines.append(line)
    frame = pd.DataFrame(rows, columns=range(width), dtype="str") if rows else _empty(width)
    return Sheet(
        encoding, delimiter, [c.strip() for c in header], header_line, frame, np.array(lines, dtype=np.int64), [], bad
    )


def _empty(width: int) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({i: pd.Series([], dtype="str") for i in range(width)})


def _next_record(reader) -> tuple[int, list[str]]:
    """The next non-blank record and the editor line it starts on."""
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except csv.Error as exc:
            raise CsvError(f"unreadable CSV from line {start} on: {exc}", start) from None
        if any(c.strip() for c in cells):
            return start, cells


def normalise_header(name: str) -> str:
    """A vendor header as matched: case, spaces and underscores ignored (LOGINTIME = Login Time = login_time)."""
    return "".join(ch for ch in name.lower() if ch not in " _\t-")
