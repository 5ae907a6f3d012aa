"""The published snapshot: a finished copy of the build database, swapped in atomically."""

import dagster as dg
import duckdb

from orchestration.defs.pools import DUCKDB_WRITER
from orchestration.defs.resources import WarehouseResource
from orchestration.defs.transform.assets import mart_keys
from orchestration.publish.progress_report import latest_progress_rows, progress_markdown
from orchestration.publish.snapshot import publish_snapshot

PUBLISHED_WAREHOUSE = dg.AssetKey(["published_warehouse"])


@dg.asset(
    key=PUBLISHED_WAREHOUSE,
    deps=mart_keys(),
    group_name="publish",
    pool=DUCKDB_WRITER,
    description=(
        "indicators.duckdb under INDICATORS_HOME, read-only, for analysts. Replaced by an "
        "atomic rename only after every dbt model and test of the run passed."
    ),
)
def published_warehouse(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    with warehouse.writer_lock():
        published = publish_snapshot(
            warehouse.build_db,
            warehouse.published_db,
            check_sql="select count(*) from marts.target_progress",
        )
    con = duckdb.connect(str(published), read_only=True)
    try:
        counts = {
            name: con.execute(f'select count(*) from marts."{name}"').fetchone()[0]
            for (name,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
            ).fetchall()
        }
        progress = latest_progress_rows(con)
    finally:
        con.close()
    context.log.info(f"published {published}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(published)),
            "target_progress": dg.MetadataValue.md(progress_markdown(progress)),
            **{f"rows/marts.{name}": n for name, n in counts.items()},
        }
    )
