"""KPI registry, refresh SQL and scoring (no Streamlit here; every function takes a connection)."""
