"""SIGKILL at each point of a run: the snapshot stays whole, the next run finishes the work.

Each case copies one baseline home (one return loaded and published), drops three more
returns and runs `indicators run` in a child process that kills itself with SIGKILL at a
named failpoint (orchestration/runtime/failpoints.py): while archiving, loading, building
(dbt left running as an orphan) and publishing. The published snapshot must then be the
previous one or the new one, never a mix; the next run must finish the work with no file
lost or loaded twice, and close the killed run in Dagster's history.
"""

import contextlib
import os
import shutil
import signal
import subprocess
import sys

import dagster as dg
import psutil
import pytest
from conftest import AS_OF, make_home, query

from orchestration import paths
from orchestration.defs.resources import WarehouseResource
from orchestration.demo.samples.jobs import jobs_rows
from orchestration.instance import open_instance
from orchestration.runtime.failpoints import ENV_VAR
from orchestration.templates.filler import fill_template

pytestmark = pytest.mark.slow

MONTHS = ["2026-01", "2026-02", "2026-03", "2026-04"]


def _run(home, failpoint=None):
    """`indicators run` in its own session; its output goes to a file (a pipe would stay
    open as long as any process of the run lives)."""
    env = {**os.environ, paths.HOME_ENV_VAR: str(home)}
    env.pop(ENV_VAR, None)
    if failpoint:
        env[ENV_VAR] = failpoint
    log = home.parent / f"run-{failpoint or 'clean'}.log"
    with log.open("wb") as out:
        child = subprocess.Popen(
            [sys.executable, "-m", "orchestration.cli", "run", "--as-of", AS_OF],
            cwd=paths.REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        child.wait(timeout=600)
    return child, log.read_text(errors="replace")


def _session_members(session: int) -> list[int]:
    """Live processes of a session (its leader's pid)."""
    found = []
    for process in psutil.process_iter():
        try:
            if os.getsid(process.pid) == session and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process.pid)
        except (psutil.Error, ProcessLookupError, PermissionError):
            continue
    return found


def _drop(home, templates_dir, jobs_spec, contract, reference, period):
    year, month = map(int, period.split("-"))
    return fill_template(
        templates_dir / "jobs.xlsx",
        home / "intake" / "rsj" / f"jobs_{period}.xlsx",
        jobs_spec,
        contract,
        {"period": period, "filer": "王芳", "phone": "027-85880000"},
        jobs_rows(year, month, reference),
    )


def _marts(db):
    tables = [
        t for (t,) in query(db, "select table_name from duckdb_tables() where schema_name='marts'")
    ]
    return {t: query(db, f"select * from marts.{t} order by all") for t in tables}


@pytest.fixture(scope="module")
def baseline(tmp_path_factory, templates_dir, jobs_spec, contract, reference):
    home = tmp_path_factory.mktemp("baseline") / "home"
    make_home(home)
    _drop(home, templates_dir, jobs_spec, contract, reference, MONTHS[0])
    child, out = _run(home)
    assert child.returncode == 0, out
    return home, _marts(WarehouseResource(home=str(home)).published_db)


@pytest.mark.parametrize(
    "failpoint, publishes, dbt_subprocess",
    [
        ("archive.blob_stored:2", False, False),  # a blob stored, its journal entry not yet written
        ("archive.journalled:2", False, False),  # journalled, the file not yet removed from intake
        ("load.receipt_written:2", False, False),  # the receipt sent, the file not yet recorded
        ("load.file_recorded:2", False, False),  # two files loaded, one not
        ("build.event:40", False, False),  # dbt, in the run's process, half way through
        ("build.event:40", False, True),  # dbt's subprocess half way through, left running
        ("publish.copied", False, False),  # the new snapshot copied, not yet swapped in
        ("publish.replaced", True, False),  # swapped in, the run not yet ended
    ],
)
def test_a_run_killed_at_any_point_loses_nothing(
    failpoint,
    publishes,
    dbt_subprocess,
    baseline,
    tmp_path,
    templates_dir,
    jobs_spec,
    contract,
    reference,
):
    base_home, base_marts = baseline
    home = tmp_path / "home"
    shutil.copytree(base_home, home, symlinks=True)
    if dbt_subprocess:  # as a run launched by the UI builds (README, "dbt in the run")
        with (home / "settings.yml").open("a", encoding="utf-8") as settings:
            settings.write("dbt_in_process: false\n")
    warehouse = WarehouseResource(home=str(home))
    for period in MONTHS[1:]:
        _drop(home, templates_dir, jobs_spec, contract, reference, period)

    killed, out = _run(home, failpoint)
    try:
        assert killed.returncode == -signal.SIGKILL, out
        # Killed mid-build, a dbt subprocess is recorded for the next run to stop.
        assert warehouse.build_process_file.exists() == (dbt_subprocess and "build" in failpoint)

        # The snapshot opens, and is the previous one or the new one, never a mix.
        if publishes:
            assert query(warehouse.published_db, "select count(*) from raw.files") == [(4,)]
        else:
            assert _marts(warehouse.published_db) == base_marts
        # No file lost: each is still in intake or journalled in the archive.
        waiting = {p.name for p in (home / "intake" / "rsj").iterdir()}
        journalled = {d.original_name for d in warehouse.archive.deliveries()}
        assert {f"jobs_{p}.xlsx" for p in MONTHS} <= waiting | journalled

        recovery, out = _run(home)
        assert recovery.returncode == 0, out
        # Nothing of the killed run lives on: its reader died with it, its dbt was stopped.
        assert _session_members(killed.pid) == []
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(killed.pid, signal.SIGKILL)

    db = warehouse.published_db
    assert list((home / "intake" / "rsj").iterdir()) == []
    files = query(db, "select original_name, outcome, rows_loaded from raw.files order by 1")
    assert files == [(f"jobs_{p}.xlsx", "accepted", 13) for p in MONTHS]  # each once
    assert query(db, "select count(*) from raw.deliveries") == [(4,)]
    assert query(
        db, "select period, count(*) from marts.fct_jobs_street_monthly group by 1 order by 1"
    ) == [(p, 13) for p in MONTHS]
    assert len(list((warehouse.outbox_root / "rsj").glob("*_回执_*.xlsx"))) == 4
    # Nothing half-made is left behind.
    assert list(warehouse.archive.tmp.glob("*.part")) == []
    assert list(home.glob(".indicators.duckdb.*.part")) == []
    assert not warehouse.build_process_file.exists()
    # Dagster's history: the killed run is closed as failed, none is left "started".
    with open_instance(home) as instance:
        runs = instance.get_runs()
        open_runs = [r for r in runs if r.status in (dg.DagsterRunStatus.STARTED,)]
        assert open_runs == []
        statuses = [r.status for r in runs]
        if failpoint == "publish.replaced":
            # Killed once all was done: the recovery finds nothing new and starts no run.
            assert "no run started" in out
            assert statuses[:2] == [dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.SUCCESS]
        else:
            assert statuses[:2] == [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE]
