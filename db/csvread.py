"""Read an untidy CSV export: decode it, sniff its delimiter, and yield trimmed cells with editor line numbers."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field

DELIMITERS = (",", ";", "\t")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


class CsvError(ValueError):
    """The file cannot be read as CSV (encoding, structure), from `line` on when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass
class CsvFile:
    """A decoded CSV file: its header, how it was read, and an iterator over its data rows."""

    encoding: str
    delimiter: str
    header: list[str]
    header_line: int
    rows: Iterator[tuple[int, list[str]]]
    warnings: list[str] = field(default_factory=list)


def decode(data: bytes) -> tuple[str, str, list[str]]:
    """Decode bytes as UTF-8 (BOM optional), UTF-16 with a BOM, or else cp1252; return text, encoding, warnings."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode Text" export: unambiguous thanks to its BOM, so read it rather than garble it.
        try:
            return (
                data.decode("utf-16"),
                "utf-16",
                ["read as UTF-16 (Excel 'Unicode Text'); save it as 'CSV UTF-8' next time"],
            )
        except UnicodeDecodeError as exc:
            raise CsvError(
                f"the file starts with a UTF-16 byte-order mark but is not valid UTF-16 ({exc.reason})"
            ) from None
    try:
        return data.decode("utf-8-sig"), "utf-8", []
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise CsvError(
            f"the file is neither UTF-8 nor Windows-1252 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None
    return (
        text,
        "cp1252",
        ["not UTF-8: read as Windows-1252 (cp1252); check accented characters, and save it as 'CSV UTF-8' next time"],
    )


def sniff_delimiter(header_line: str, expected: Collection[str] = ()) -> str:
    """The delimiter among comma, semicolon and tab that splits the header into the most expected (else most) names."""
    wanted = {name.strip().lower() for name in expected}

    def score(delim: str) -> tuple[int, int]:
        cells = next(csv.reader([header_line], delimiter=delim), [])
        return sum(c.strip().lower() in wanted for c in cells), len(cells)

    # max() keeps the first of equal scores, so ties fall back to comma, then semicolon.
    return max(DELIMITERS, key=score)


def read_csv(data: bytes, *, expected: Collection[str] = ()) -> CsvFile:
    """Decode `data` and return its trimmed header and a lazy iterator of (line number, trimmed cells) rows."""
    text, encoding, warnings = decode(data)
    if "\x00" in text:
        raise CsvError("the file contains NUL bytes: it is a binary file (a spreadsheet?), not CSV text")
    first = next((line for line in io.StringIO(text) if line.strip()), None)
    if first is None:
        raise CsvError("the file is empty: a header row is needed")
    delimiter = sniff_delimiter(first.rstrip("\r\n"), expected)
    # newline="" lets the csv module handle CRLF, LF and line breaks inside quoted cells itself.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header_line, header = _next_record(reader)
    except StopIteration:
        raise CsvError("the file is empty: a header row is needed") from None
    return CsvFile(encoding, delimiter, [c.strip() for c in header], header_line, _records(reader), warnings)


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


def _records(reader) -> Iterator[tuple[int, list[str]]]:
    """Every remaining non-blank record, trimmed, with the line it starts on (blank lines are skipped)."""
    while True:
        try:
            line, cells = _next_record(reader)
        except StopIteration:
            return
        yield line, [c.strip() for c in cells]
