"""Indicator registry, precomputed snapshots, Celery refresh, Plotly figures and pages."""
