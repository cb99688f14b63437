"""One way to write a value into a CSV cell, shared by the seed files and the CLI output."""

from __future__ import annotations

from datetime import date


def cell(value: object) -> str:
    """A value as DATA_CONTRACT.md writes it: true/false, YYYY-MM-DD, empty for none, floats unrounded."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)  # str() of a float is its shortest exact repr
