"""A run with nothing new builds nothing: `indicators run` starts no run, and a Dagster run
(the UI's, the sensor's) skips dbt and publishing. Anything new builds again: a file, an
as-of date, a source of the project, or a forced build."""

import shutil

import duckdb
import pytest
from conftest import AS_OF, query

from orchestration.build.build_inputs import (
    BuildCheck,
    LastBuild,
    current_inputs,
    record_inputs,
    sources_digest,
)
from orchestration.build.up_to_date import published_build_if_current
from orchestration.cli import main
from orchestration.contract.return_spec import load_returns
from orchestration.instance import open_instance
from orchestration.intake.folders import scan_intake
from orchestration.intake.refusals import refusal_receipt_path
from orchestration.load.raw_store import RawStore
from orchestration.runner import DBT_OP, published, run_pipeline
from orchestration.runtime.writer_lock import writer_lock

# --- the inputs of a build ------------------------------------------------------------


def test_the_sources_digest_changes_with_any_file_added_changed_or_removed(tmp_path):
    models, yml = tmp_path / "models", tmp_path / "dbt_project.yml"
    models.mkdir()
    yml.write_text("name: x\n")
    (models / "a.sql").write_text("select 1")

    def digest():
        return sources_digest((models,), (yml,), root=tmp_path)

    first = digest()
    assert digest() == first  # the same files, the same digest
    (models / "a.sql").write_text("select 2")
    changed = digest()
    (models / "b.sql").write_text("select 3")
    added = digest()
    (models / "b.sql").unlink()
    (models / "a.sql").write_text("select 1")
    assert len({first, changed, added}) == 3
    assert digest() == first


def _built(home, warehouse, as_of=AS_OF, run_id="run-1"):
    """A build database as a successful build leaves it (raw tables, its inputs recorded),
    published: no dbt needed to check what decides whether one is."""
    warehouse.build_db.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse.build_db))
    try:
        RawStore(con, load_returns()).ensure_schema()
        record_inputs(con, current_inputs(con, sources_digest(), as_of), run_id)
    finally:
        con.close()
    shutil.copyfile(warehouse.build_db, warehouse.published_db)


def test_the_published_build_is_current_only_when_nothing_is_new(
    home, warehouse, fill_jobs, reference
):
    assert published_build_if_current(warehouse, AS_OF) is None  # nothing built yet
    _built(home, warehouse)
    current = published_build_if_current(warehouse, AS_OF)
    assert isinstance(current, LastBuild) and current.run_id == "run-1"
    assert current.inputs.as_of == AS_OF and current.inputs.deliveries == 0

    assert published_build_if_current(warehouse, "2026-12-01") is None  # another as-of date
    with writer_lock(warehouse.root / ".writer.lock"):  # a run is under way: its result counts
        assert published_build_if_current(warehouse, AS_OF) is None

    waiting = fill_jobs(warehouse.intake_root / "rsj" / "jobs_2026-01.xlsx", "2026-01")
    assert published_build_if_current(warehouse, AS_OF) is None  # a file waits
    waiting.unlink()
    journal = warehouse.archive.journal
    journal.mkdir(parents=True, exist_ok=True)
    (journal / "d-1.json").write_text("{}")
    assert published_build_if_current(warehouse, AS_OF) is None  # archived, not loaded
    (journal / "d-1.json").unlink()
    assert published_build_if_current(warehouse, AS_OF) is not None

    # A link dropped into intake is refused with a receipt: a run is owed until it has one.
    link = warehouse.intake_root / "rsj" / "link.xlsx"
    link.symlink_to(home / "elsewhere.xlsx")
    assert published_build_if_current(warehouse, AS_OF) is None
    (refused,) = scan_intake(warehouse.intake_root, list(reference.departments))[1]
    receipt = refusal_receipt_path(refused, warehouse.outbox_root)
    receipt.parent.mkdir(parents=True, exist_ok=True)
    receipt.write_bytes(b"answered")
    assert published_build_if_current(warehouse, AS_OF) is not None


def test_a_snapshot_of_another_build_is_not_current(home, warehouse):
    _built(home, warehouse, run_id="run-1")
    older = warehouse.published_db.read_bytes()
    _built(home, warehouse, run_id="run-2")  # built and published again
    assert published_build_if_current(warehouse, AS_OF).run_id == "run-2"
    warehouse.published_db.write_bytes(older)  # published from the earlier build
    assert published_build_if_current(warehouse, AS_OF) is None


def test_a_build_check_compares_the_inputs_now_with_the_build_and_the_snapshot():
    from orchestration.build.build_inputs import BuildInputs

    now = BuildInputs(3, "2026-11-10 09:30:00", "abc", AS_OF)
    built = LastBuild(now, "run-1")
    assert BuildCheck(now, built, built).unchanged
    assert not BuildCheck(now, None, None).unchanged
    assert not BuildCheck(now, built, None).unchanged  # never published
    assert not BuildCheck(now, built, LastBuild(now, "run-0")).unchanged
    moved = BuildInputs(4, "2026-11-11 10:00:00", "abc", AS_OF)
    assert not BuildCheck(moved, built, built).unchanged
    # New files leave the seed tables as they were; new sources (a seed edited) do not.
    assert BuildCheck(moved, built, built).seeds_loaded
    edited = BuildInputs(3, "2026-11-10 09:30:00", "abd", AS_OF)
    assert not BuildCheck(edited, built, built).seeds_loaded
    assert not BuildCheck(now, None, None).seeds_loaded


# --- real runs --------------------------------------------------------------------------


def _run_count(home) -> int:
    with open_instance(home) as instance:
        return len(instance.get_runs())


def _checked(result) -> set:
    return {e.asset_check_key for e in result.get_asset_check_evaluations()}


def _checks_against(seeds: set, result) -> set:
    """Checks of models (not of the seeds) whose dbt test reads a seed: relationships to it."""
    names = {key.path[-1] for key in seeds}
    return {
        c
        for c in _checked(result)
        if c.asset_key not in seeds and any(f"_ref_{name}_" in c.name for name in names)
    }


@pytest.mark.slow
def test_nothing_new_builds_nothing_and_anything_new_builds(home, warehouse, fill_jobs, capsys):
    fill_jobs(warehouse.intake_root / "rsj" / "jobs_2026-01.xlsx", "2026-01")
    assert main(["run", "--as-of", AS_OF]) == 0
    assert "snapshot published" in capsys.readouterr().out
    snapshot = warehouse.published_db.read_bytes()
    first_build = query(warehouse.published_db, "select run_id from meta.build_inputs")[0][0]
    runs = _run_count(home)

    # `indicators run` with nothing new: no run at all, and it says so.
    assert main(["run", "--as-of", AS_OF]) == 0
    out = capsys.readouterr().out
    assert "no run started" in out and first_build in out
    assert _run_count(home) == runs
    assert warehouse.published_db.read_bytes() == snapshot

    # A Dagster run with nothing new (the UI's "materialize all"): dbt skipped, nothing
    # published, the run a success in the history.
    result = run_pipeline(home, as_of=AS_OF)
    assert result.success and not published(result)
    # Imported once a run has made sure of the dbt manifest (a clean checkout has none).
    from orchestration.defs.transform.assets import mart_keys

    dbt_keys = set(mart_keys())
    materialized = {
        e.step_materialization_data.materialization.asset_key
        for e in result.all_events
        if e.is_step_materialization
    }
    assert not materialized & dbt_keys
    assert any(e.step_key == DBT_OP and e.is_step_success for e in result.all_events)
    assert warehouse.published_db.read_bytes() == snapshot

    # A new as-of date is new: submission status moves with the days.
    assert main(["run", "--as-of", "2026-12-01"]) == 0
    assert "snapshot published" in capsys.readouterr().out
    assert query(warehouse.published_db, "select as_of, deliveries from meta.build_inputs") == [
        ("2026-12-01", 1)
    ]
    # A forced build builds and publishes with nothing new.
    before = query(warehouse.published_db, "select run_id from meta.build_inputs")
    assert main(["run", "--as-of", "2026-12-01", "--force"]) == 0
    assert "snapshot published" in capsys.readouterr().out
    assert query(warehouse.published_db, "select run_id from meta.build_inputs") != before
    # A new file is new.
    fill_jobs(warehouse.intake_root / "rsj" / "jobs_2026-02.xlsx", "2026-02")
    assert main(["run", "--as-of", "2026-12-01"]) == 0
    assert "snapshot published" in capsys.readouterr().out
    assert query(warehouse.published_db, "select deliveries from meta.build_inputs") == [(2,)]
    assert query(
        warehouse.published_db, "select count(distinct period) from marts.fct_jobs_street_monthly"
    ) == [(2,)]


def _seed_keys() -> set:
    import json

    from orchestration.defs.transform.assets import IndicatorsDbtTranslator
    from orchestration.defs.transform.project import indicators_dbt_project

    manifest = json.loads(indicators_dbt_project.manifest_path.read_text(encoding="utf-8"))
    translator = IndicatorsDbtTranslator()
    return {
        translator.get_asset_key(node)
        for node in manifest["nodes"].values()
        if node["resource_type"] == "seed"
    }


def _materialized(result) -> set:
    return {
        e.step_materialization_data.materialization.asset_key
        for e in result.all_events
        if e.is_step_materialization
    }


@pytest.mark.slow
def test_seeds_are_loaded_again_only_when_the_project_sources_change(
    home, warehouse, fill_jobs, monkeypatch
):
    fill_jobs(warehouse.intake_root / "rsj" / "jobs_2026-01.xlsx", "2026-01")
    first = run_pipeline(home, as_of=AS_OF)
    seeds = _seed_keys()
    assert first.success and seeds and seeds <= _materialized(first)

    # A new file: the seed tables stay as the same seed files made them; the marts move.
    fill_jobs(warehouse.intake_root / "rsj" / "jobs_2026-02.xlsx", "2026-02")
    second = run_pipeline(home, as_of=AS_OF)
    assert second.success and published(second)
    assert not seeds & _materialized(second)
    # Only the seeds' own tests go with them: the models' tests against the reference
    # tables (a mart's target codes in the register) are judged on every build.
    against_seeds = _checks_against(seeds, first)
    assert against_seeds and against_seeds <= _checked(second)
    assert not {c for c in _checked(second) if c.asset_key in seeds}
    assert query(
        warehouse.published_db, "select count(distinct period) from marts.fct_jobs_street_monthly"
    ) == [(2,)]
    assert query(warehouse.published_db, "select count(*) from reference.target_register")[0][0]

    # The project's sources changed (a seed edited, say): the seeds are loaded again.
    from orchestration.build import build_inputs

    edited = sources_digest() + "-edited"
    monkeypatch.setattr(build_inputs, "sources_digest", lambda: edited)
    fill_jobs(warehouse.intake_root / "rsj" / "jobs_2026-03.xlsx", "2026-03")
    third = run_pipeline(home, as_of=AS_OF)
    assert third.success and seeds <= _materialized(third)
