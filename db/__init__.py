"""Data layer: settings, engine, schema, migrations and importers (no Streamlit here)."""
