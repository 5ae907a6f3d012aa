"""`indicators ui`: the web UI on loopback, the sensor picks up a dropped file, Ctrl-C stops all."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest
from conftest import query, run_statuses, wait_until

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> set[int]:
    """Every live descendant of ``pid``."""
    try:
        return {c.pid for c in psutil.Process(pid).children(recursive=True)}
    except psutil.NoSuchProcess:
        return set()


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _listening_addresses(port: int) -> set[str]:
    """Addresses listening on ``port``, from the kernel's socket tables."""
    return {
        c.laddr.ip
        for c in psutil.net_connections(kind="tcp")
        if c.status == psutil.CONN_LISTEN and c.laddr.port == port
    }


def _graphql(port: int, query_text: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query_text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["data"]


def _server_up(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def _stop_within_ten_seconds(ui: subprocess.Popen, signum: int) -> None:
    """``signum`` to `indicators ui`: it and every process it started are gone within 10 s."""
    family = _children(ui.pid)
    started = time.monotonic()
    ui.send_signal(signum)
    ui.wait(timeout=15)
    wait_until(lambda: not any(_alive(p) for p in family), 10, "every child to exit")
    assert time.monotonic() - started < 10


def test_ui_serves_on_loopback_runs_the_sensor_and_stops_everything(home, warehouse, fill_jobs):
    port = _free_port()
    log = (home / "ui-test.log").open("w")
    ui = subprocess.Popen(
        [str(Path(sys.executable).parent / "indicators"), "ui", "--port", str(port)],
        env={**os.environ, "INDICATORS_HOME": str(home)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until(lambda: _server_up(port), 120, "the web UI")
        assert _listening_addresses(port) == {"127.0.0.1"}
        # The UI opens without its community dialog (what its page asks before showing it).
        assert _graphql(port, "{ shouldShowNux }") == {"shouldShowNux": False}

        fill_jobs(warehouse.intake_root / "rsj" / "jobs_2026-10.xlsx", "2026-10")
        wait_until(lambda: warehouse.published_db.exists(), 180, "the sensor's run to publish")
        assert query(
            warehouse.published_db, "select distinct period from marts.fct_jobs_street_monthly"
        ) == [("2026-10",)]

        def pipeline_runs():
            data = _graphql(
                port,
                '{ runsOrError(filter: {pipelineName: "ingest_and_publish"}) '
                "{ ... on Runs { results { status tags { key value } } } } }",
            )
            return data["runsOrError"]["results"]

        # The snapshot appears during the run's last step; the run ends just after.
        runs = wait_until(
            lambda: [r for r in pipeline_runs() if r["status"] == "SUCCESS"], 60, "run end"
        )
        assert len(pipeline_runs()) == 1
        # The intake worker took the file; the sensor runs, and stands aside while it lives.
        assert {"key": "intake/worker", "value": "true"} in runs[0]["tags"]
        sensor = wait_until(lambda: _intake_sensor_skipping(port), 60, "a sensor tick")
        assert sensor["sensorState"]["status"] == "RUNNING"

        assert len(_children(ui.pid)) >= 3  # dagster dev, webserver, daemon, code server...
        _stop_within_ten_seconds(ui, signal.SIGTERM)  # a service manager's stop
    finally:
        if ui.poll() is None:
            ui.kill()
        log.close()


def _intake_sensor_skipping(port: int) -> dict | None:
    """The intake sensor as the UI shows it, once a tick has stood aside for the worker."""
    data = _graphql(
        port,
        "{ repositoriesOrError { ... on RepositoryConnection { nodes { sensors { name "
        "sensorState { status ticks(limit: 5) { status skipReason } } } } } } }",
    )
    for repository in data["repositoriesOrError"]["nodes"]:
        for sensor in repository["sensors"]:
            ticks = sensor["sensorState"]["ticks"]
            if sensor["name"] == "intake_sensor" and any(
                "intake worker" in (t["skipReason"] or "") for t in ticks
            ):
                return sensor
    return None


def _start_ui(home, port, log):
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "indicators"), "ui", "--port", str(port)],
        env={**os.environ, "INDICATORS_HOME": str(home)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def test_a_run_killed_with_the_ui_is_closed_and_redone_on_the_next_start(
    home, warehouse, fill_jobs
):
    """A power cut while the sensor's run loads files: every process of `indicators ui`
    gets SIGKILL. On the next start the dead run is marked failed (not left "started",
    which would block the one-run queue) and a new run finishes its work. Then Ctrl-C."""
    import dagster as dg

    port = _free_port()
    log = (home / "ui-test.log").open("w")
    ui = _start_ui(home, port, log)
    second = None
    try:
        wait_until(lambda: _server_up(port), 120, "the web UI")
        for month in range(1, 7):
            fill_jobs(
                warehouse.intake_root / "rsj" / f"jobs_2026-{month:02d}.xlsx", f"2026-{month:02d}"
            )
        wait_until(
            lambda: list((warehouse.outbox_root / "rsj").glob("*_回执_*.xlsx")),
            180,
            "the run to start loading",
        )
        family = _children(ui.pid) | {ui.pid}
        for pid in family:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        wait_until(lambda: not any(_alive(p) for p in family), 10, "every process to die")
        ui.wait(timeout=10)
        (killed_run,) = run_statuses(home)
        assert run_statuses(home)[killed_run] == dg.DagsterRunStatus.STARTED  # as the kill left it

        second = _start_ui(home, _free_port(), log)
        wait_until(
            lambda: run_statuses(home)[killed_run] == dg.DagsterRunStatus.FAILURE,
            120,
            "the dead run to be closed",
        )
        wait_until(
            lambda: dg.DagsterRunStatus.SUCCESS in run_statuses(home).values(),
            240,
            "a new run to redo the work",
        )
        db = warehouse.published_db
        assert query(db, "select count(*), count(distinct original_name) from raw.files") == [
            (6, 6)
        ]
        assert query(db, "select count(distinct period) from marts.fct_jobs_street_monthly") == [
            (6,)
        ]
        assert list((warehouse.intake_root / "rsj").iterdir()) == []

        _stop_within_ten_seconds(second, signal.SIGINT)  # Ctrl-C at the terminal
    finally:
        for proc in (ui, second):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
        log.close()
