"""Two writers at once: one waits for the other; nothing is written twice or half."""

import os
import subprocess
import sys
import threading
import time

import duckdb
import pytest
from conftest import AS_OF, query

from orchestration import paths
from orchestration.runner import run_pipeline
from orchestration.runtime.writer_lock import writer_lock

pytestmark = pytest.mark.slow


def test_a_run_waits_while_another_writer_holds_the_warehouse(home, warehouse, fill_jobs):
    fill_jobs(warehouse.intake_root / "rsj" / "jobs_2026-01.xlsx", "2026-01")
    outcome = {}
    with writer_lock(warehouse.root / ".writer.lock"):  # another run is writing
        runner = threading.Thread(
            target=lambda: outcome.update(result=run_pipeline(home, as_of=AS_OF))
        )
        runner.start()
        time.sleep(6)
        assert runner.is_alive()  # waiting, not writing
        assert not warehouse.build_db.exists()
        assert list((warehouse.intake_root / "rsj").iterdir())  # not even archived yet
    runner.join(timeout=300)
    assert outcome["result"].success
    assert query(warehouse.published_db, "select count(*) from marts.fct_jobs_street_monthly") == [
        (13,)
    ]


def test_an_unwritable_outbox_fails_the_run_and_keeps_the_snapshot_and_archive(
    home, warehouse, fill_jobs
):
    fill_jobs(warehouse.intake_root / "rsj" / "jobs_2026-01.xlsx", "2026-01")
    assert run_pipeline(home, as_of=AS_OF).success
    good = warehouse.published_db.read_bytes()

    outbox = warehouse.outbox_root / "rsj"
    for p in outbox.iterdir():
        p.unlink()
    outbox.rmdir()
    outbox.write_text("not a folder")  # the outbox cannot take a receipt (root ignores modes)
    fill_jobs(warehouse.intake_root / "rsj" / "jobs_2026-02.xlsx", "2026-02")
    result = run_pipeline(home, as_of=AS_OF)

    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert "outbox" in str(failure.event_specific_data.error.message) + str(
        failure.event_specific_data.error.cause
    )
    assert warehouse.published_db.read_bytes() == good
    assert len(list((home / "archive" / "deliveries").glob("*.json"))) == 2  # archived, kept
    con = duckdb.connect(str(warehouse.build_db), read_only=True)
    try:  # the failed file left no half record: it will be processed on the next run
        assert con.execute("select count(*) from raw.files").fetchone()[0] == 1
    finally:
        con.close()

    outbox.unlink()
    assert run_pipeline(home, as_of=AS_OF).success  # fixed: the next run finishes the work
    assert query(
        warehouse.published_db, "select count(distinct period) from marts.fct_jobs_street_monthly"
    ) == [(2,)]


def _engine_messages(home) -> list[str]:
    import dagster as dg

    from orchestration.instance import open_instance

    with open_instance(home) as instance:
        return [
            record.user_message
            for run in instance.get_runs()
            for record in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ENGINE_EVENT)
        ]


def test_two_runs_started_at_once_take_turns_and_both_succeed(home, warehouse, fill_jobs):
    """A manual `indicators run` while another (the sensor's) is under way: two processes,
    one DuckDB file that only one process may hold. Had both written at once, DuckDB would
    have refused one of them its lock and that run would have failed."""
    for month in (1, 2, 3):
        fill_jobs(warehouse.intake_root / "rsj" / f"jobs_2026-0{month}.xlsx", f"2026-0{month}")
    command = [sys.executable, "-m", "orchestration.cli", "run", "--as-of", AS_OF]
    env = {**os.environ, paths.HOME_ENV_VAR: str(home)}
    runs = [
        subprocess.Popen(
            command,
            cwd=paths.REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=600) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err[-3000:] for _, err in outputs]
    # They took turns in the writer pool (limit 1) of the home's Dagster instance: a step
    # of one waited while the other's ran (each run's dbt step alone holds it ~10 s).
    assert any("blocked by limit for pool duckdb_writer" in m for m in _engine_messages(home))
    db = warehouse.published_db
    assert query(db, "select count(*), count(distinct file_sha256) from raw.files") == [(3, 3)]
    assert query(db, "select count(*) from raw.deliveries") == [(3,)]  # archived once each
    assert query(db, "select count(*) from marts.fct_jobs_street_monthly") == [(39,)]
    assert list((warehouse.intake_root / "rsj").iterdir()) == []
