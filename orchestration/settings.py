"""The home's own settings: ``$INDICATORS_HOME/settings.yml`` overrides the warehouse
resource's defaults (limits, memory cap, files per run) without touching the code.

Example settings.yml::

    max_file_mb: 50
    max_files_per_run: 200
"""

from __future__ import annotations

from pathlib import Path

import yaml

SETTINGS_FILE = "settings.yml"


class SettingsError(ValueError):
    pass


def load_settings(home: Path, allowed: set[str]) -> dict:
    path = home / SETTINGS_FILE
    if not path.exists():
        return {}
    values = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(values, dict):
        raise SettingsError(f"{path}: expected a mapping of setting names to values")
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise SettingsError(f"{path}: unknown settings {unknown}; known: {sorted(allowed)}")
    return values
