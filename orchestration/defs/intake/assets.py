"""The intake asset: every waiting file is archived, then removed from its intake folder."""

import datetime as dt

import dagster as dg
from pydantic import Field

from orchestration.defs.pools import DUCKDB_WRITER
from orchestration.defs.resources import WarehouseResource
from orchestration.lib.intake_folders import archive_waiting_files, unexpected_entries
from orchestration.lib.raw_store import LOCAL_TZ
from orchestration.lib.reference import load_reference

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
    warehouse.ensure_intake_folders()
    strays = unexpected_entries(warehouse.intake_root, list(load_reference().departments))
    for stray in strays:
        context.log.warning(f"not taken: {stray} is not a department's intake folder")
    with warehouse.writer_lock():
        deliveries = archive_waiting_files(
            warehouse.intake_root,
            warehouse.archive,
            list(load_reference().departments),
            received_at=received_at_from(config),
            clock=warehouse.now,
        )
    for d in deliveries:
        context.log.info(f"archived {d.intake_department}/{d.original_name} as {d.sha256[:12]}")
    return dg.MaterializeResult(
        metadata={
            "files_archived": len(deliveries),
            "entries_not_taken": dg.MetadataValue.json([str(p) for p in strays]),
            "files": dg.MetadataValue.md(
                "\n".join(
                    f"- `{d.intake_department}/{d.original_name}` → `{d.blob}`" for d in deliveries
                )
                or "(none)"
            ),
        }
    )
