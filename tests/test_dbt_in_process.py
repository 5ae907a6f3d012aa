"""Runs the `indicators` command executes build with dbt in their own process (the project
parsed once, for every home): the same models, tests and snapshot as dagster-dbt's dbt
subprocess (the UI's runs), the build database let go when dbt returns, and a failing dbt
test failing the run before anything is published."""

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import AS_OF, make_home, query, run_messages

from orchestration.defs.build import build_definitions
from orchestration.defs.jobs import ingest_and_publish_job
from orchestration.defs.resources import WarehouseResource
from orchestration.instance import open_instance
from orchestration.runner import (
    execute_job,
    failure_causes,
    published,
    run_config,
    run_pipeline,
)
from orchestration.settings import SettingsError

IN_PROCESS = "dbt build in this process"


def _run(home: Path, in_process: bool = True):
    """A forced run of the whole job, dbt in this process or as dagster-dbt's subprocess
    (as a run launched by the UI builds)."""
    defs = build_definitions(home, in_process_dbt=in_process)
    job = defs.resolve_job_def(ingest_and_publish_job.name)
    with open_instance(home) as instance:
        return execute_job(home, job, instance, run_config(as_of=AS_OF, force=True))


def _run_in_process(home: Path):
    return _run(home, in_process=True)


def _built_in_process(home: Path, result) -> bool:
    return any(IN_PROCESS in m for m in run_messages(home, result.run_id))


def _materialized(result) -> set:
    return {e.asset_key for e in result.get_asset_materialization_events()}


def _checks(result) -> set:
    return {(e.asset_check_key, e.passed) for e in result.get_asset_check_evaluations()}


def _seed_keys(result) -> set:
    return {k for k in _materialized(result) if k.path[-1] in _seed_names()}


def _seed_names() -> set[str]:
    from orchestration import paths

    return {p.stem for p in (paths.DBT_PROJECT_DIR / "seeds").glob("*.csv")}


def _street_months(db: Path) -> list:
    return query(db, "select * from marts.fct_jobs_street_monthly order by all")


def _opened_by_another_process(db: Path) -> int:
    code = f"import duckdb; duckdb.connect({str(db)!r}, read_only=True).close()"
    return subprocess.run([sys.executable, "-c", code], capture_output=True).returncode


def test_a_build_in_process_matches_the_subprocess_and_fails_as_it_does(home, warehouse, fill_jobs):
    fill_jobs(warehouse.intake_root / "rsj" / "jobs_2026-01.xlsx", "2026-01")
    by_subprocess = _run(home, in_process=False)
    assert by_subprocess.success and _seed_keys(by_subprocess)
    assert not _built_in_process(home, by_subprocess)
    marts = _street_months(warehouse.published_db)

    in_process = _run_in_process(home)  # forced: the same inputs built again
    assert in_process.success and published(in_process)
    assert _built_in_process(home, in_process)
    # The seeds' tables came from the same seed files, so they are not loaded again.
    assert _materialized(in_process) == _materialized(by_subprocess) - _seed_keys(by_subprocess)
    seeds = _seed_keys(by_subprocess)
    assert _checks(in_process) == {c for c in _checks(by_subprocess) if c[0].asset_key not in seeds}
    assert all(passed for _, passed in _checks(in_process))
    assert _street_months(warehouse.published_db) == marts
    assert _opened_by_another_process(warehouse.build_db) == 0  # dbt let it go

    # A second build in the same process (the parsed project reused) sees a new file.
    fill_jobs(warehouse.intake_root / "rsj" / "jobs_2026-02.xlsx", "2026-02")
    second = _run_in_process(home)
    assert second.success and published(second)
    periods = "select distinct period from marts.fct_jobs_street_monthly order by 1"
    assert query(warehouse.published_db, periods) == [("2026-01",), ("2026-02",)]
    marts = _street_months(warehouse.published_db)

    # A required value emptied behind the parser's back: the test fails, so does the run,
    # and the snapshot stays the one published before.
    con = duckdb.connect(str(warehouse.build_db))
    con.execute("update raw.jobs set street = null where period = '2026-02'")
    con.close()
    failed = _run_in_process(home)
    assert not failed.success and not published(failed)
    failing = {key.name for key, passed in _checks(failed) if not passed}
    assert any(name.startswith("not_null_columns_stg_raw__jobs") for name in failing), failing
    assert any("in process" in cause for cause in failure_causes(failed))
    assert _street_months(warehouse.published_db) == marts


def test_one_parsed_project_builds_each_home_its_own_warehouse(tmp_path, fill_jobs):
    """The manifest parsed for one home is reused by the next home's run in this process,
    and each build writes its own home's database from its own files."""
    homes = [make_home(tmp_path / name) for name in ("first", "second")]
    for home, period in zip(homes, ("2026-01", "2026-02"), strict=True):
        fill_jobs(home / "intake" / "rsj" / f"jobs_{period}.xlsx", period)
    first = run_pipeline(homes[0], as_of=AS_OF)
    second = run_pipeline(homes[1], as_of=AS_OF)
    assert first.success and second.success
    assert any("as an earlier run parsed it" in m for m in run_messages(homes[1], second.run_id))
    periods = "select distinct period from marts.fct_jobs_street_monthly order by 1"
    for home, period in zip(homes, ("2026-01", "2026-02"), strict=True):
        published_db = WarehouseResource(home=str(home)).published_db
        assert query(published_db, periods) == [(period,)]
        assert query(published_db, "select count(*) from raw.files") == [(1,)]


def test_a_home_can_turn_dbt_in_process_off(home, fill_jobs):
    settings = home / "settings.yml"
    settings.write_text(settings.read_text() + "dbt_in_process: false\n", encoding="utf-8")
    fill_jobs(home / "intake" / "rsj" / "jobs_2026-01.xlsx", "2026-01")
    result = run_pipeline(home, as_of=AS_OF)
    assert result.success and published(result)
    assert not _built_in_process(home, result)

    settings.write_text("dbt_in_process: 'no'\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="dbt_in_process"):
        build_definitions(home, in_process_dbt=True)
