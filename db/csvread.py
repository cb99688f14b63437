"""Untidy CSV exports: decode them (UTF-8, UTF-16 with a BOM, else cp1252) and sniff their delimiter."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Collection

DELIMITERS = (",", ";", "\t")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


class CsvError(ValueError):
    """The file cannot be read as CSV (encoding, structure), from `line` on when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


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
