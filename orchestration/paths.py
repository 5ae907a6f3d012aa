"""Where the project's own files live, resolved in one place.

Everything else asks this module, so moving a folder means changing one line.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
INGEST_TEMPLATES_DIR = REPO_ROOT / "ingest_templates"
RETURNS_DIR = INGEST_TEMPLATES_DIR / "returns"
CONTRACT_FILE = INGEST_TEMPLATES_DIR / "contract.yml"
RULES_FILE = INGEST_TEMPLATES_DIR / "rules.yml"
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
# The steering repository's shared folder sits beside this one: spec and source report.
SOURCE_REPORT = REPO_ROOT.parent / "shared" / "source" / "jianghan-2026-government-work-report.txt"

HOME_ENV_VAR = "INDICATORS_HOME"
DEFAULT_HOME = REPO_ROOT / "warehouse"


def resolve_home() -> Path:
    """The warehouse home: ``$INDICATORS_HOME``, or ``warehouse/`` in the repository.

    The resolved absolute path is written back to the environment because dbt's
    ``profiles.yml`` and Dagster's code servers (child processes) read the same variable.
    """
    home = Path(os.environ.get(HOME_ENV_VAR) or DEFAULT_HOME).expanduser().resolve()
    os.environ[HOME_ENV_VAR] = str(home)
    return home
