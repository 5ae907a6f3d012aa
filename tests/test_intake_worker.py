"""The warm intake worker (`indicators watch`; `indicators ui` starts one): a dropped file's
run starts about a second after the file settles, in the same Dagster instance."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import query, run_messages, wait_until

from orchestration.intake_worker import WORKER_FILE, running_worker
from orchestration.run_recovery import PROCESS_TAG


def _watch(home: Path, log) -> subprocess.Popen:
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "indicators"), "watch"],
        env={**os.environ, "INDICATORS_HOME": str(home)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _runs(home: Path) -> list:
    from orchestration.instance import open_instance

    with open_instance(home) as instance:
        return instance.get_runs()


def _published_periods(db: Path) -> list:
    if not db.exists():
        return []
    return query(db, "select distinct period from marts.fct_jobs_street_monthly order by 1")


def test_the_worker_runs_a_dropped_file_once_in_process_and_stops_when_asked(
    home, warehouse, fill_jobs
):
    import dagster as dg

    log = (home / "watch-test.log").open("w")
    worker = _watch(home, log)
    try:
        wait_until(lambda: running_worker(home), 120, "the worker to start")
        # One worker per home: a second one says so and leaves.
        second = _watch(home, log)
        assert second.wait(timeout=120) == 1

        fill_jobs(warehouse.intake_root / "rsj" / "jobs_2026-10.xlsx", "2026-10")
        wait_until(
            lambda: _published_periods(warehouse.published_db) == [("2026-10",)],
            180,
            "the worker's run to publish",
        )
        wait_until(
            lambda: all(r.status == dg.DagsterRunStatus.SUCCESS for r in _runs(home)),
            60,
            "the run to end",
        )
        time.sleep(2)  # twenty more looks at the intake: the work done is not done again
        (run,) = _runs(home)
        assert run.tags["intake/worker"] == "true"
        assert run.tags[PROCESS_TAG].split("/")[1].startswith(f"{worker.pid}:")
        assert any("dbt build in this process" in m for m in run_messages(home, run.run_id))
        assert list((warehouse.intake_root / "rsj").iterdir()) == []

        worker.send_signal(signal.SIGTERM)  # as `indicators ui` stops it
        assert worker.wait(timeout=30) == 0
        assert not (home / WORKER_FILE).exists()
        # By its own handler, which Dagster's run had replaced, not by a KeyboardInterrupt.
        log.flush()
        assert (
            "SIGTERM: stopping after the run in progress" in (home / "watch-test.log").read_text()
        )
    finally:
        if worker.poll() is None:
            worker.kill()
        log.close()


def test_the_worker_lock_decides_who_takes_the_files_not_the_name_file(home, warehouse):
    """Two workers starting together both find no live worker named; the flock held for a
    worker's life lets only one of them claim the home."""
    import threading

    from orchestration.intake_worker import watch
    from orchestration.runtime.writer_lock import held_if_free

    stopped = threading.Event()
    stopped.set()  # a worker that wrongly claims the home returns at once (0), not never
    with held_if_free(home / f"{WORKER_FILE}.lock") as mine:
        assert mine
        assert running_worker(home) is None  # no worker named yet: the race's window
        assert watch(home, stopped) == 1
    assert not (home / WORKER_FILE).exists()
