"""Analysts read a consistent published snapshot at any moment; a failed run keeps the last good one."""

import stat
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
    assert stat.S_IMODE(warehouse.published_db.stat().st_mode) == 0o444  # written read-only
    writer = duckdb.connect(str(warehouse.build_db))  # a build in progress holds this file
    try:
        writer.execute("create or replace table raw.scratch as select 1 as x")
        # The jobs targets for January; every filer and return for January to November.
        expected_submissions = len(reference.filers) * 11
        assert _analyst_in_another_process(warehouse.published_db) == [
            _jobs_targets(reference),
            expected_submissions,
        ]
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


def _jobs_targets(reference) -> int:
    return sum(t.feeding_return == "jobs" for t in reference.targets.values())


def test_a_reader_keeps_its_snapshot_while_a_run_publishes_a_new_one(
    home, warehouse, fill_jobs, reference
):
    fill_jobs(warehouse.intake_root / "rsj" / "jobs_2026-01.xlsx", "2026-01")
    assert run_pipeline(home, as_of=AS_OF).success
    analyst = duckdb.connect(str(warehouse.published_db), read_only=True)
    try:
        before = analyst.execute("select count(period) from marts.target_progress").fetchone()[0]
        fill_jobs(warehouse.intake_root / "rsj" / "jobs_2026-02.xlsx", "2026-02")
        assert run_pipeline(home, as_of=AS_OF).success  # publishes while the analyst is connected
        still = analyst.execute("select count(period) from marts.target_progress").fetchone()[0]
        assert before == still == _jobs_targets(reference)
    finally:
        analyst.close()
    assert query(warehouse.published_db, "select count(period) from marts.target_progress") == [
        (2 * _jobs_targets(reference),)
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


HAMMER = textwrap.dedent(
    """
    import json, sys, time, pathlib, duckdb
    db, stop = sys.argv[1], pathlib.Path(sys.argv[2])
    queries, errors, seen = 0, [], set()
    deadline = time.monotonic() + 240
    while not stop.exists() and time.monotonic() < deadline:
        try:
            con = duckdb.connect(db, read_only=True)
            rows = con.execute("select count(*) from marts.fct_jobs_street_monthly").fetchone()[0]
            total = con.execute(
                "select coalesce(sum(new_jobs), 0) from marts.fct_jobs_street_monthly"
            ).fetchone()[0]
            ytd = con.execute(
                "select coalesce(max(ytd_actual_base), 0) from marts.target_progress "
                "where target_code = 'JOB_NEW'"
            ).fetchone()[0]
            con.close()
            if float(ytd) != float(total):
                errors.append(f"partial snapshot: ytd {ytd} != rows {total}")
            seen.add(rows)
            queries += 1
            time.sleep(0.02)
        except Exception as exc:
            errors.append(repr(exc))
    print(json.dumps({"queries": queries, "errors": errors[:5], "seen": sorted(seen)}))
    """
)


def test_analysts_hammering_the_snapshot_while_runs_publish_see_no_error(
    home, warehouse, fill_jobs
):
    import json

    fill_jobs(warehouse.intake_root / "rsj" / "jobs_2026-01.xlsx", "2026-01")
    assert run_pipeline(home, as_of=AS_OF).success
    stop = home / "stop-hammering"
    analysts = [
        subprocess.Popen(
            [sys.executable, "-c", HAMMER, str(warehouse.published_db), str(stop)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    try:
        for month in (2, 3):
            fill_jobs(
                warehouse.intake_root / "rsj" / f"jobs_2026-{month:02d}.xlsx", f"2026-{month:02d}"
            )
            assert run_pipeline(home, as_of=AS_OF).success
    finally:
        stop.touch()
    reports = [json.loads(a.communicate(timeout=60)[0]) for a in analysts]
    for report in reports:
        assert report["errors"] == []
        assert report["queries"] > 10
        assert report["seen"][-1] == 39  # each analyst ends on the snapshot with three months
    seen_by_all = set().union(*(set(r["seen"]) for r in reports))
    assert {13, 39} <= seen_by_all  # they read the old snapshots and the new, never half of one
