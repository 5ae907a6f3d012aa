"""Analysts read a consistent published snapshot at any moment; a failed run keeps the last good one."""

import subprocess
import sys
import textwrap

import duckdb
import pytest
from conftest import AS_OF, query

from orchestration.runner import run_pipeline

pytestmark = pytest.mark.slow

ANALYST = textwrap.dedent(
    """
    import sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    print(con.execute("select count(period) from marts.target_progress").fetchone()[0])
    print(con.execute("select count(*) from marts.submission_status").fetchone()[0])
    """
)


def _analyst_in_another_process(db):
    out = subprocess.run(
        [sys.executable, "-c", ANALYST, str(db)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    return [int(x) for x in out.stdout.split()]


def test_snapshot_is_readable_while_a_build_holds_the_build_database(
    home, warehouse, fill_jobs, reference
):
    fill_jobs(warehouse.intake_root / "rsj" / "jobs_2026-01.xlsx", "2026-01")
    assert run_pipeline(home, as_of=AS_OF).success
    writer = duckdb.connect(str(warehouse.build_db))  # a build in progress holds this file
    try:
        writer.execute("create or replace table raw.scratch as select 1 as x")
        # Five jobs targets for January; every filer and return for January to November.
        expected_submissions = len(reference.filers) * 11
        assert _analyst_in_another_process(warehouse.published_db) == [5, expected_submissions]
        # ...while the build database itself is locked to everyone else.
        probe = subprocess.run(
            [sys.executable, "-c", ANALYST, str(warehouse.build_db)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert probe.returncode != 0 and "lock" in probe.stderr.lower()
    finally:
        writer.close()


def test_a_reader_keeps_its_snapshot_while_a_run_publishes_a_new_one(home, warehouse, fill_jobs):
    fill_jobs(warehouse.intake_root / "rsj" / "jobs_2026-01.xlsx", "2026-01")
    assert run_pipeline(home, as_of=AS_OF).success
    analyst = duckdb.connect(str(warehouse.published_db), read_only=True)
    try:
        before = analyst.execute("select count(period) from marts.target_progress").fetchone()[0]
        fill_jobs(warehouse.intake_root / "rsj" / "jobs_2026-02.xlsx", "2026-02")
        assert run_pipeline(home, as_of=AS_OF).success  # publishes while the analyst is connected
        still = analyst.execute("select count(period) from marts.target_progress").fetchone()[0]
        assert before == still == 5
    finally:
        analyst.close()
    assert query(warehouse.published_db, "select count(period) from marts.target_progress") == [
        (10,)
    ]


def test_a_failing_dbt_test_leaves_the_last_good_snapshot(home, warehouse, fill_jobs):
    fill_jobs(warehouse.intake_root / "rsj" / "jobs_2026-01.xlsx", "2026-01")
    assert run_pipeline(home, as_of=AS_OF).success
    good = warehouse.published_db.read_bytes()

    # A row no street register knows gets into raw: the relationships test must stop the run.
    con = duckdb.connect(str(warehouse.build_db))
    con.execute(
        "insert into raw.jobs select * replace ('不存在街道' as street, 99999 as source_row) "
        "from raw.jobs limit 1"
    )
    con.close()
    fill_jobs(warehouse.intake_root / "rsj" / "jobs_2026-02.xlsx", "2026-02")
    result = run_pipeline(home, as_of=AS_OF)

    assert not result.success
    assert warehouse.published_db.read_bytes() == good
    published_steps = [
        e for e in result.all_events if e.step_key == "published_warehouse" and e.is_step_success
    ]
    assert published_steps == []
    assert query(
        warehouse.published_db,
        "select distinct period from marts.target_progress where period is not null",
    ) == [("2026-01",)]
