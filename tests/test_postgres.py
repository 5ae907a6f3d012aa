"""Dagster's storage on PostgreSQL: a real server (Debian's postgresql) on a loopback port,
the pipeline run against it, its runs and events in PostgreSQL and none in SQLite files."""

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml
from conftest import AS_OF

from orchestration.cli import main
from orchestration.instance import dagster_yaml, open_instance
from orchestration.runner import run_pipeline


def test_the_instance_config_names_postgres_only_when_the_settings_ask(tmp_path):
    sqlite = yaml.safe_load(dagster_yaml(tmp_path, None))
    assert "storage" not in sqlite
    assert sqlite["event_log_storage"]["config"]["base_dir"] == str(tmp_path / "history" / "runs")
    literal = yaml.safe_load(dagster_yaml(tmp_path, "postgresql://dagster@127.0.0.1:5433/dagster"))
    # A bare postgresql:// would make SQLAlchemy 2.1 look for psycopg 3, not installed.
    assert literal["storage"]["postgres"]["postgres_url"] == (
        "postgresql+psycopg2://dagster@127.0.0.1:5433/dagster"
    )
    from_env = yaml.safe_load(dagster_yaml(tmp_path, "env:DAGSTER_PG_URL"))
    assert from_env["storage"]["postgres"]["postgres_url"] == {"env": "DAGSTER_PG_URL"}
    assert from_env["run_coordinator"] == literal["run_coordinator"]  # the rest unchanged
    assert "event_log_storage" not in literal  # PostgreSQL's storage holds the events


def _postgres_binary(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    assert found, f"{name} not found: `make test` installs Debian's postgresql"
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def postgres_url():
    """A throwaway PostgreSQL server; as root, run as the `postgres` user (it refuses root)."""
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    data = Path(tempfile.mkdtemp(prefix="indicators-pg-"))
    if as_postgres:
        shutil.chown(data, "postgres", "postgres")
    port = _free_port()

    def pg(*args):
        subprocess.run(as_postgres + list(args), check=True, capture_output=True, timeout=120)

    pg(_postgres_binary("initdb"), "-D", str(data / "db"), "-A", "trust", "-U", "postgres")
    options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off"
    ctl = [_postgres_binary("pg_ctl"), "-D", str(data / "db")]
    pg(*ctl, "-o", options, "-l", str(data / "log"), "-w", "-t", "60", "start")
    try:
        subprocess.run(
            [_postgres_binary("pg_isready"), "-h", "127.0.0.1", "-p", str(port), "-t", "60"],
            check=True,
            capture_output=True,
        )
        pg(
            _postgres_binary("createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            "postgres",
            "dagster",
        )
        yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/dagster"
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            pg(*ctl, "-m", "immediate", "stop")
        shutil.rmtree(data, ignore_errors=True)


@pytest.mark.slow
def test_the_pipeline_runs_with_dagster_on_postgres(
    postgres_url, home, warehouse, fill_jobs, monkeypatch, capsys
):
    import psycopg2

    # The URL from the environment, as the README advises (no password in a file).
    monkeypatch.setenv("INDICATORS_TEST_PG_URL", postgres_url)
    (home / "settings.yml").write_text(
        "dagster_postgres_url: env:INDICATORS_TEST_PG_URL\n", encoding="utf-8"
    )
    fill_jobs(warehouse.intake_root / "rsj" / "jobs_2026-01.xlsx", "2026-01")
    result = run_pipeline(home, as_of=AS_OF)
    assert result.success

    con = psycopg2.connect(postgres_url.replace("+psycopg2", ""))
    try:
        with con.cursor() as cur:
            cur.execute("select run_id, status from runs")
            assert cur.fetchall() == [(result.run_id, "SUCCESS")]
            cur.execute(
                "select count(*) from event_logs where dagster_event_type = 'ASSET_MATERIALIZATION'"
            )
            assert cur.fetchone()[0] > 10  # raw tables, the dbt models, the snapshot
    finally:
        con.close()
    # Nothing of the run history went to SQLite files under the home.
    assert not list((home / "dagster").rglob("*.db"))
    with open_instance(home) as instance:
        assert [r.run_id for r in instance.get_runs()] == [result.run_id]

    # The CLI reads the same instance: nothing new, so no run, and the history is unchanged.
    assert main(["run", "--as-of", AS_OF]) == 0
    assert "no run started" in capsys.readouterr().out
