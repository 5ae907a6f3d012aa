"""The Dagster instance kept under the warehouse home, so CLI runs show in the UI's history."""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml
from dagster import DagsterInstance

from orchestration.runtime.writer_lock import held
from orchestration.settings import read_settings

# Runs are queued one at a time; every DuckDB-writing step shares a pool of limit 1; the
# queue is polled every second (the default of several seconds delays each file drop).
_DAGSTER_YAML = """\
run_coordinator:
  module: dagster.core.run_coordinator
  class: QueuedRunCoordinator
  config:
    dequeue_interval_seconds: 1
concurrency:
  runs:
    max_concurrent_runs: 1
  pools:
    default_limit: 1
run_monitoring:
  # A run whose process died (killed, machine restarted) is marked failed by the daemon
  # instead of staying "started" for ever; the next run redoes its work from the archive.
  enabled: true
  start_timeout_seconds: 180
  poll_interval_seconds: 30
telemetry:
  enabled: false
nux:
  # The web UI's first-visit "join the community" dialog: not for a district's data team.
  enabled: false
"""

# The settings.yml key that moves Dagster's run, event and schedule storage from SQLite
# files under the home to PostgreSQL; "env:NAME" reads the URL from $NAME when Dagster
# starts, so no password need be written into a file.
POSTGRES_SETTING = "dagster_postgres_url"
INSTANCE_SETTINGS = {POSTGRES_SETTING}


def dagster_yaml(dagster_dir: Path, postgres_url: str | None = None) -> str:
    """The instance's dagster.yaml: SQLite under ``dagster_dir``, or PostgreSQL given a URL."""
    if not postgres_url:
        # Dagster's own files and tables (history/runs/), written through pooled connections:
        # see runtime/sqlite_event_log.py for the seconds this saves every run.
        event_log = {
            "module": "orchestration.runtime.sqlite_event_log",
            "class": "PooledSqliteEventLogStorage",
            "config": {"base_dir": str(dagster_dir / "history" / "runs")},
        }
        return _DAGSTER_YAML + yaml.safe_dump({"event_log_storage": event_log})
    if postgres_url.startswith("env:"):
        source = {"env": postgres_url.removeprefix("env:").strip()}
    else:
        # SQLAlchemy 2.1 reads a bare postgresql:// as psycopg 3; dagster-postgres brings
        # psycopg2.
        source = re.sub(r"^postgres(ql)?://", "postgresql+psycopg2://", postgres_url)
    storage = yaml.safe_dump({"storage": {"postgres": {"postgres_url": source}}})
    return _DAGSTER_YAML + storage


def dagster_home(home: Path) -> Path:
    path = home / "dagster"
    path.mkdir(parents=True, exist_ok=True)
    config = path / "dagster.yaml"
    wanted = dagster_yaml(path, read_settings(home).get(POSTGRES_SETTING))
    if not config.exists() or config.read_text() != wanted:
        tmp = config.with_name(f".dagster.yaml.{os.getpid()}")
        tmp.write_text(wanted)
        os.replace(tmp, config)  # another process never reads it half-written
    return path


def open_instance(home: Path) -> DagsterInstance:
    path = dagster_home(home)
    # Two processes opening a new home at once would both create its SQLite run storage,
    # and one would fail in the migrations (UNIQUE constraint on alembic_version).
    with held(path / ".open.lock"):
        return DagsterInstance.from_config(str(path))
