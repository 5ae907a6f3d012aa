"""The home's own settings: ``$INDICATORS_HOME/settings.yml`` overrides the warehouse
resource's defaults (limits, memory cap, files per run) without touching the code.

Example settings.yml::

    max_file_mb: 50
    max_files_per_run: 200
    dagster_postgres_url: env:DAGSTER_PG_URL   # Dagster's storage on PostgreSQL (instance.py)
"""

from __future__ import annotations

from pathlib import Path

import yaml

SETTINGS_FILE = "settings.yml"


class SettingsError(ValueError):
    pass


def read_settings(home: Path) -> dict:
    """The settings file as written (empty when there is none), names not checked."""
    path = home / SETTINGS_FILE
    if not path.exists():
        return {}
    values = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(values, dict):
        raise SettingsError(f"{path}: expected a mapping of setting names to values")
    return values


def load_settings(home: Path, allowed: set[str]) -> dict:
    """The settings, each name one of ``allowed`` (a misspelt name is an error, not ignored)."""
    path = home / SETTINGS_FILE
    values = read_settings(home)
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise SettingsError(f"{path}: unknown settings {unknown}; known: {sorted(allowed)}")
    return values
