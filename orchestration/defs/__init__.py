"""Dagster definitions, one folder per stage in flow order: intake, parse, transform, publish."""
