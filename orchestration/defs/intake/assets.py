"""The intake asset: every waiting file is archived, then removed from its intake folder."""

import datetime as dt
from collections import Counter

import dagster as dg
from pydantic import Field

from orchestration.contract.reference import load_reference
from orchestration.defs.pools import DUCKDB_WRITER
from orchestration.defs.resources import WarehouseResource
from orchestration.intake.folders import (
    archive_waiting_files,
    refused_entries,
    unexpected_entries,
    waiting_files,
    waiting_reasons,
)
from orchestration.intake.refusals import answer_refused_entries
from orchestration.load.raw_store import LOCAL_TZ
from orchestration.run_recovery import tag_run_with_its_process

INTAKE_ARCHIVE = dg.AssetKey(["intake", "archive"])


class IntakeConfig(dg.Config):
    received_at: str = Field(
        default="",
        description=(
            "Backfill only: record the files of this run as received at this ISO time "
            "(China Standard Time unless an offset is given), for returns that reached the "
            "statistics office before the warehouse did. Empty: the real time of receipt."
        ),
    )


def received_at_from(config: IntakeConfig) -> dt.datetime | None:
    if not config.received_at:
        return None
    moment = dt.datetime.fromisoformat(config.received_at)
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ)


@dg.asset(
    key=INTAKE_ARCHIVE,
    group_name="intake",
    pool=DUCKDB_WRITER,
    description=(
        "Files taken from intake/<department>/ into the content-addressed archive "
        "(archive/blobs, one journal entry per delivery). Nothing is read before it is archived."
    ),
)
def intake_archive(
    context: dg.AssetExecutionContext, config: IntakeConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    # A launched run's process is known only here: tagged so a kill can be detected.
    tag_run_with_its_process(context.instance, context.run.run_id)
    warehouse.ensure_intake_folders()
    departments = list(load_reference().departments)
    strays = unexpected_entries(warehouse.intake_root, departments)
    for stray in strays:
        context.log.warning(f"not taken: {stray} is not a department's intake folder")
    left_behind: Counter = Counter()
    with warehouse.writer_lock():
        deliveries = archive_waiting_files(
            warehouse.intake_root,
            warehouse.archive,
            departments,
            received_at=received_at_from(config),
            clock=warehouse.now,
            max_files=warehouse.max_files_per_run,
            settle_seconds=warehouse.intake_settle_seconds,
            left_behind=left_behind,
        )
    for d in deliveries:
        context.log.info(f"archived {d.intake_department}/{d.original_name} as {d.sha256[:12]}")
    left = len(waiting_files(warehouse.intake_root, departments))
    reasons = waiting_reasons(
        left_behind, warehouse.intake_settle_seconds, warehouse.max_files_per_run
    )
    for reason in reasons:
        context.log.warning(reason)
    refused = _answer_refusals(context, warehouse, departments)
    return dg.MaterializeResult(
        metadata={
            "files_archived": len(deliveries),
            "files_waiting_for_next_run": left,
            "entries_refused": dg.MetadataValue.json([str(r.path) for r in refused]),
            "entries_not_taken": dg.MetadataValue.json([str(p) for p in strays]),
            "files": dg.MetadataValue.md(
                "\n".join(
                    f"- `{d.intake_department}/{d.original_name}` → `{d.blob}`" for d in deliveries
                )
                or "(none)"
            ),
        }
    )


def _answer_refusals(context, warehouse: WarehouseResource, departments: list[str]):
    """Links and sub-folders get a receipt. Archiving is done by now; an outbox that cannot
    be written is reported here and fails the loading step, which writes there too."""
    refused = refused_entries(warehouse.intake_root, departments)
    for entry in refused:
        context.log.warning(f"not taken, never followed: {entry.path} is a {entry.kind}")
    try:
        answer_refused_entries(
            refused,
            warehouse.outbox_root,
            warehouse.ingest_context().rules,
            load_reference().departments,
            warehouse.now(),
        )
    except OSError as exc:
        context.log.error(f"could not write receipts for refused entries: {exc}")
    return refused
