"""Jobs. Both run in one process: per-step processes cost seconds a file drop can't afford."""

from __future__ import annotations

import dagster as dg

from orchestration.defs.intake.assets import INTAKE_ARCHIVE

ingest_and_publish_job = dg.define_asset_job(
    name="ingest_and_publish",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description="Archive waiting files, load them, build and test the models, publish the snapshot.",
)

archive_intake_job = dg.define_asset_job(
    name="archive_intake",
    selection=dg.AssetSelection.assets(INTAKE_ARCHIVE),
    executor_def=dg.in_process_executor,
    description="Only archive waiting files (used to backfill returns with their real receipt times).",
)
