"""dbt models, seeds and tests as Dagster assets and asset checks (one `dbt build`)."""

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, dbt_assets
from pydantic import Field

from orchestration.defs.pools import DUCKDB_WRITER
from orchestration.defs.resources import WarehouseResource
from orchestration.defs.transform.dbt_cli import InstalledDbtCliResource
from orchestration.defs.transform.dbt_in_process import build_in_process, builds_whole
from orchestration.defs.transform.project import indicators_dbt_project
from orchestration.runtime.failpoints import failpoint
from orchestration.runtime.orphaned_build import recorded_build


class IndicatorsDbtTranslator(DagsterDbtTranslator):
    """Groups follow the dbt folders (staging, intermediate, marts); seeds are reference data."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else super().get_group_name(dbt_resource_props)


class DbtBuildConfig(dg.Config):
    as_of: str = Field(
        default="",
        description="Date (YYYY-MM-DD) the submission status is computed as of; empty: today.",
    )
    force: bool = Field(
        default=False,
        description="Build even when nothing changed since the published build.",
    )


def dbt_vars(config: DbtBuildConfig, today: dt.date) -> dict[str, Any]:
    return {"as_of_date": config.as_of or today.isoformat()}


@dbt_assets(
    manifest=indicators_dbt_project.manifest_path,
    project=indicators_dbt_project,
    dagster_dbt_translator=IndicatorsDbtTranslator(),
    pool=DUCKDB_WRITER,
)
def warehouse_models(
    context: dg.AssetExecutionContext,
    dbt: InstalledDbtCliResource,
    warehouse: WarehouseResource,
    config: DbtBuildConfig,
):
    variables = dbt_vars(config, warehouse.now().date())
    args = [
        "build",
        # dbt's file log at its default (debug: every statement, ~10 MB a build) cost ~1.7 s
        # of a 9.6 s build here; warnings and errors still reach target/dbt.log, and every
        # node's result reaches Dagster through the stdout events.
        "--log-level-file",
        "warn",
        # manifest.json and run_results.json of every build (~0.4 s): nothing reads them;
        # Dagster takes each node's result from the event stream.
        "--no-write-json",
        # dbt's unit tests (the counting rules on constructed rows) judge the SQL, not the
        # data: they run in the test suite, not on every file a department drops.
        "--exclude-resource-type",
        "unit_test",
        "--vars",
        json.dumps(variables),
    ]
    with warehouse.writer_lock(), warehouse.dbt_environment():
        inputs = warehouse.build_inputs(variables["as_of_date"])
        whole = context.selected_asset_keys == context.assets_def.keys
        if whole and inputs.unchanged and not config.force:
            # Nothing new since the published build: no model, test or snapshot would change.
            # The run yields no materialization, so publishing is skipped too.
            context.log.info(
                f"nothing new since the build of run {inputs.built.run_id}: models and the "
                "published snapshot are current; dbt not run"
            )
            return
        if whole and inputs.seeds_loaded:
            # The reference tables in the build database came from these very seed files.
            # Cautious: the exclusion takes the seeds' own tests along, not the tests of
            # models against them (a mart's target codes are still checked against the
            # register); eager, dbt's default, would drop those too.
            args += ["--exclude", "resource_type:seed", "--indirect-selection", "cautious"]
        if dbt.in_process and builds_whole(context):
            events = build_in_process(
                args, context, indicators_dbt_project, warehouse.dbt_target_path
            )
            for event in events:
                failpoint("build.event")
                yield event
        else:
            invocation = dbt.cli(args, context=context, target_path=warehouse.dbt_target_path)
            with recorded_build(warehouse.build_process_file, invocation.process.pid):
                for event in invocation.stream():
                    failpoint("build.event")
                    yield event
        if whole:  # a subset built leaves the rest as they were: not a build of these inputs
            warehouse.record_build_inputs(inputs.now, context.run.run_id)


def mart_keys() -> list[dg.AssetKey]:
    """Asset keys of the models in dbt's marts folder: what the snapshot publishes."""
    manifest = json.loads(indicators_dbt_project.manifest_path.read_text(encoding="utf-8"))
    translator = IndicatorsDbtTranslator()
    return [
        translator.get_asset_key(node)
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["fqn"][1] == "marts"
    ]
