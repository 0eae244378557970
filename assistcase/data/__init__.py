"""Data shipped with the core: the demo city's areas (CSV)."""
