"""Runs a job of the code location in this process, recorded in the home's Dagster instance.

The CLI, the demo and the tests all run the pipeline through here, so their runs appear in
the web UI's run history beside the sensor's.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections import Counter
from pathlib import Path

import dagster as dg

from orchestration.defs.build import build_definitions
from orchestration.instance import open_instance
from orchestration.run_recovery import fail_dead_runs, process_tag

INTAKE_OP = "intake__archive"
RAW_OP = "raw_tables"
DBT_OP = "warehouse_models"


def run_config(
    as_of: str | None = None,
    received_at: str | None = None,
    dbt: bool = True,
    log_level: str = "WARNING",
    rebuild: bool = False,
    force: bool = False,
) -> dict:
    """Config for a run; the console shows warnings only (every event is in the UI)."""
    ops: dict = {INTAKE_OP: {"config": {"received_at": received_at or ""}}}
    if dbt:
        ops[DBT_OP] = {"config": {"as_of": as_of or "", "force": force or rebuild}}
        ops[RAW_OP] = {"config": {"rebuild": rebuild}}
    return {"ops": ops, "loggers": {"console": {"config": {"log_level": log_level}}}}


def execute(home: Path, job_name: str, config: dict | None = None) -> dg.ExecuteInProcessResult:
    # dbt built here too, not in a second Python: that would import dbt and parse the
    # project again, and a process running several jobs (the demo, the tests) reuses both.
    job = build_definitions(home, in_process_dbt=True).resolve_job_def(job_name)
    with open_instance(home) as instance:
        fail_dead_runs(instance)  # a killed earlier run must not stay "started"
        return execute_job(home, job, instance, config)


def execute_job(
    home: Path,
    job: dg.JobDefinition,
    instance: dg.DagsterInstance,
    config: dict | None = None,
    tags: dict[str, str] | None = None,
) -> dg.ExecuteInProcessResult:
    """One run of ``job`` in this process, tagged with it (so a kill is found and redone)."""
    # dbt's own progress lines go to a log file, not the terminal; the UI has every event.
    log_dir = home / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")
    with (
        (log_dir / f"{job.name}-{stamp}.log").open("w", encoding="utf-8") as log,
        contextlib.redirect_stdout(log),
    ):
        return job.execute_in_process(
            run_config=config or {},
            instance=instance,
            raise_on_error=False,
            tags={**(tags or {}), **process_tag()},
        )


def failure_causes(result: dg.ExecuteInProcessResult) -> list[str]:
    """The error of each failed step, under Dagster's wrappers: what a person needs to act."""
    causes = []
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data.error is not None:
            error = event.step_failure_data.error
            while error.cause is not None and error.cls_name in _WRAPPERS:
                error = error.cause
            causes.append(f"{event.step_key}: {error.cls_name}: {error.message.strip()}")
    return causes


# Dagster wraps an asset's exception in these; the cause underneath is the one to show.
_WRAPPERS = {"DagsterExecutionStepExecutionError", "DagsterUserCodeExecutionError"}


def published(result: dg.ExecuteInProcessResult) -> bool:
    """Whether the run published a new snapshot (not when nothing was new to build)."""
    from orchestration.defs.publish.assets import PUBLISHED_WAREHOUSE

    return any(
        event.is_step_materialization
        and event.step_materialization_data.materialization.asset_key == PUBLISHED_WAREHOUSE
        for event in result.all_events
    )


def files_taken(result: dg.ExecuteInProcessResult) -> list[dict]:
    """The files a run answered: department, file, outcome, rows, receipt path."""
    from orchestration.defs.ingest.assets import FILES_TAKEN, raw_key

    taken = []
    for event in result.all_events:
        if not event.is_step_materialization:
            continue
        materialization = event.step_materialization_data.materialization
        if materialization.asset_key == raw_key("files"):
            entry = materialization.metadata.get(FILES_TAKEN)
            taken += entry.value if entry is not None else []
    return taken


def files_taken_report(taken: list[dict], home: Path) -> str:
    """One line per file taken, then a summary: what `indicators run` ends with."""
    lines = []
    for f in taken:
        receipt = Path(f["receipt"])
        with contextlib.suppress(ValueError):
            receipt = receipt.relative_to(home)
        lines.append(
            f"  {f['department']}  {f['file']}  {f['outcome']}  "
            f"{f['rows_loaded']}/{f['rows_read']} rows loaded  receipt {receipt}"
        )
    counts = Counter(f["outcome"] for f in taken)
    summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
    lines.append(f"{len(taken)} files taken" + (f": {summary}" if summary else ""))
    return "\n".join(lines)


def files_waiting(home: Path) -> int:
    from orchestration.contract.reference import load_reference
    from orchestration.intake.folders import waiting_files

    return len(waiting_files(home / "intake", list(load_reference().departments)))


def run_pipeline(
    home: Path, as_of: str | None = None, received_at: str | None = None, force: bool = False
):
    """Archive, load, build, test and publish: the whole path, once (the build and publish
    only if something is new, unless ``force``)."""
    return execute(home, "ingest_and_publish", run_config(as_of, received_at, force=force))


def archive_only(home: Path, received_at: str | None = None):
    return execute(home, "archive_intake", run_config(received_at=received_at, dbt=False))


def rebuild(home: Path, as_of: str | None = None):
    """Rebuild the warehouse from the archive alone: a new build database, every delivery
    replayed in the order received, models rebuilt and tested, then published. Receipts
    already sent are not rewritten. A failed rebuild puts the previous build database back."""
    from orchestration.defs.resources import WarehouseResource

    warehouse = WarehouseResource(home=str(home))
    build = warehouse.build_db
    moved = []
    with warehouse.writer_lock():  # not while another run writes the build database
        for path in (build, build.with_name(build.name + ".wal")):
            if path.exists():
                backup = path.with_name(path.name + ".before-rebuild")
                os.replace(path, backup)
                moved.append((backup, path))
    result = None
    try:
        result = execute(home, "ingest_and_publish", run_config(as_of, rebuild=True))
    finally:  # an error before the run could even start (a full disk) restores it too
        for backup, path in moved:
            if result is not None and result.success:
                backup.unlink()
            else:
                os.replace(backup, path)
    return result
