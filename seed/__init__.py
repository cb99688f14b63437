"""Deterministic demo data for Flywheel: Acme Holdings' CRM program, in three sizes.

`generate(profile, seed)` builds the rows, `load(conn, profile, seed)` COPYs them into the
database and `write_csv(out_dir, profile, seed)` writes the canonical CSV files.
"""

from __future__ import annotations

from seed.generator import generate
from seed.output import load, write_csv
from seed.profiles import END, PROFILES, Profile
from seed.tables import COLUMNS, TABLES, Dataset

__all__ = ["COLUMNS", "END", "PROFILES", "TABLES", "Dataset", "Profile", "generate", "load", "write_csv"]
