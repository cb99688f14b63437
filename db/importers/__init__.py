"""Importers: read, contract, checks, report, write and batches, and one module per source.

Sources: `canonical` (the project's own CSV files) and the vendor adapters in SOURCES.
"""
