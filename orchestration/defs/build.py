"""Assembles the one Definitions object from the stage modules."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from pydantic import ValidationError

from orchestration.defs.transform.project import ensure_dbt_manifest

# A home's switch back to dagster-dbt's subprocess for every run (if dbt in the run's own
# process ever misbehaves, the data team turns it off without a code change).
DBT_IN_PROCESS_SETTING = "dbt_in_process"


def build_definitions(home: Path, in_process_dbt: bool = False) -> dg.Definitions:
    """The code location of ``home``. ``in_process_dbt`` for the runs the ``indicators``
    command executes in its own process (the intake worker, `run`, `rebuild`, the demo):
    dbt is imported once there and its parsed project kept between runs. Runs launched by
    the web UI or the daemon start dbt as a subprocess (a cancel then stops dbt at once).
    The home's ``dbt_in_process: false`` setting turns it off everywhere."""
    # The dbt assets read the manifest when their module is imported: prepare it first.
    ensure_dbt_manifest()
    from orchestration.defs.ingest.assets import raw_tables
    from orchestration.defs.intake.assets import intake_archive
    from orchestration.defs.intake.sensors import build_intake_sensor
    from orchestration.defs.jobs import archive_intake_job, ingest_and_publish_job
    from orchestration.defs.publish.assets import published_warehouse
    from orchestration.defs.resources import WarehouseResource
    from orchestration.defs.transform.assets import warehouse_models
    from orchestration.defs.transform.dbt_cli import InstalledDbtCliResource
    from orchestration.defs.transform.project import dbt_executable, indicators_dbt_project
    from orchestration.instance import INSTANCE_SETTINGS
    from orchestration.settings import SETTINGS_FILE, SettingsError, load_settings

    fields = set(WarehouseResource.model_fields) - {"home"}
    settings = load_settings(home, fields | INSTANCE_SETTINGS | {DBT_IN_PROCESS_SETTING})
    allowed_in_process = settings.get(DBT_IN_PROCESS_SETTING, True)
    if not isinstance(allowed_in_process, bool):
        raise SettingsError(f"{home / SETTINGS_FILE}: {DBT_IN_PROCESS_SETTING}: true or false")
    try:
        warehouse = WarehouseResource(
            home=str(home), **{k: v for k, v in settings.items() if k in fields}
        )
    except ValidationError as exc:  # a value out of range: say which, in the file's words
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise SettingsError(f"{home / SETTINGS_FILE}: {problems}") from exc

    return dg.Definitions(
        assets=[intake_archive, raw_tables, warehouse_models, published_warehouse],
        jobs=[ingest_and_publish_job, archive_intake_job],
        sensors=[build_intake_sensor(ingest_and_publish_job)],
        resources={
            "warehouse": warehouse,
            "dbt": InstalledDbtCliResource(
                project_dir=indicators_dbt_project,
                dbt_executable=dbt_executable(),
                in_process=in_process_dbt and allowed_in_process,
            ),
        },
    )
