"""The dbt project, built once, and its manifest kept fresh.

``DbtProject.prepare_if_dev`` only parses under ``dagster dev``; the one-shot CLI, tests and
CI load the definitions too, so the manifest is re-parsed whenever a dbt file is newer.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from orchestration import paths
from orchestration.runtime.writer_lock import held

indicators_dbt_project = DbtProject(
    project_dir=paths.DBT_PROJECT_DIR,
    profiles_dir=paths.DBT_PROJECT_DIR,
)


def dbt_executable() -> str:
    """The dbt installed beside this Python: console scripts and CI run without the venv on PATH."""
    return str(Path(sys.executable).parent / "dbt")


def dbt_command_env(home: Path | None = None) -> dict[str, str]:
    """The environment of a dbt command of this project: the profile beside the project, and
    the warehouse home the profile renders (this process's when not given)."""
    env = {**os.environ, "DBT_PROFILES_DIR": str(paths.DBT_PROJECT_DIR)}
    if home is not None:
        env[paths.HOME_ENV_VAR] = str(home)
    return env


def newest_source_mtime(project_dir: Path) -> float:
    """When a dbt file of the project last changed: a parsed manifest older is stale."""
    newest = (project_dir / "dbt_project.yml").stat().st_mtime
    for folder in ("models", "seeds", "macros", "tests"):
        for p in (project_dir / folder).rglob("*"):
            if p.is_file():
                newest = max(newest, p.stat().st_mtime)
    return newest


def ensure_dbt_manifest(project: DbtProject = indicators_dbt_project) -> Path:
    manifest = Path(project.manifest_path)
    if _current(manifest, project):
        return manifest
    manifest.parent.mkdir(parents=True, exist_ok=True)
    # Processes starting at once (the UI's code server and a CLI run, the test suite's
    # workers) would otherwise parse together and one read the other's half-written file.
    with held(manifest.parent / ".parse.lock"):
        if _current(manifest, project):  # another process parsed it while this one waited
            return manifest
        paths.resolve_home()  # the profile renders INDICATORS_HOME even to parse
        subprocess.run(
            [dbt_executable(), "parse", "--quiet"],
            cwd=project.project_dir,
            env={**dbt_command_env(), "DBT_PROFILES_DIR": str(project.profiles_dir)},
            check=True,
        )
    return manifest


def _current(manifest: Path, project: DbtProject) -> bool:
    return manifest.exists() and manifest.stat().st_mtime >= newest_source_mtime(
        Path(project.project_dir)
    )
