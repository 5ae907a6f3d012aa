"""The raw tables: every archived delivery not yet loaded is parsed, answered and recorded."""

from collections import Counter

import dagster as dg
from pydantic import Field

from orchestration.contract.return_spec import load_returns
from orchestration.defs.intake.assets import INTAKE_ARCHIVE
from orchestration.defs.pools import DUCKDB_WRITER
from orchestration.defs.resources import WarehouseResource
from orchestration.ingest import ingest_pending
from orchestration.load.raw_store import RawStore

FIXED_RAW_TABLES = {
    "files": "One row per distinct file received, with its outcome and row counts.",
    "findings": "One row per problem found in a file (rule code, class, cell, message).",
    "deliveries": "One row per drop of a file into an intake folder, duplicates included.",
    "return_catalog": "The return definitions as the pipeline read them.",
    "return_columns": "Each return's columns with the Chinese label a department sees.",
}


def raw_table_descriptions() -> dict[str, str]:
    tables = dict(FIXED_RAW_TABLES)
    for spec in load_returns().values():
        tables[spec.raw_table] = f"Rows of {spec.title} from every accepted file, all versions."
    return tables


def raw_key(table: str) -> dg.AssetKey:
    # Matches dagster-dbt's key for `source('raw', table)`, which links dbt to these assets.
    return dg.AssetKey(["raw", table])


SUITE_CHECK = "expectation_suite"
FILES_TAKEN = "files_taken"  # on raw/files: one entry per file the run answered


class RawTablesConfig(dg.Config):
    rebuild: bool = Field(
        default=False,
        description=(
            "Set by `indicators rebuild`: receipts already in the outbox were sent and are "
            "kept as they are, although the new build database has not recorded their files."
        ),
    )


@dg.multi_asset(
    name="raw_tables",
    specs=[
        dg.AssetSpec(raw_key(t), description=d, deps=[INTAKE_ARCHIVE], group_name="raw")
        for t, d in raw_table_descriptions().items()
    ],
    check_specs=[
        dg.AssetCheckSpec(
            SUITE_CHECK,
            asset=raw_key(spec.raw_table),
            description=(
                f"Great Expectations suite expectations/{spec.code}.json on every {spec.title} "
                "file of the run: a critical failure returns the file, a warning loads it."
            ),
        )
        for spec in load_returns().values()
    ],
    pool=DUCKDB_WRITER,
    description=(
        "Parses archived files with calamine, validates them with their Great Expectations "
        "suite and the department's history, writes receipts, loads rows with lineage."
    ),
)
def raw_tables(
    context: dg.AssetExecutionContext, config: RawTablesConfig, warehouse: WarehouseResource
):
    made: list = []

    def validator_factory():
        made.append(warehouse.make_validator())
        return made[0]

    with warehouse.writer_lock():
        results, counts = _ingest(warehouse, validator_factory, config.rebuild)
    docs = _data_docs(context, made[0]) if made else None
    yield from _report(context, results, counts, docs, config.rebuild)


def _data_docs(context, validator):
    """The run's Data Docs are a view for the data team: if they cannot be built, every
    file is still answered and loaded, and the run says so."""
    try:
        return validator.build_data_docs()
    except Exception as exc:
        context.log.error(f"Data Docs not built: {type(exc).__name__}: {exc}")
        return None


def _ingest(warehouse: WarehouseResource, validator_factory, rebuild: bool):
    con = warehouse.connect_build()
    try:
        store = RawStore(con, load_returns())
        store.ensure_schema()
        with warehouse.sandboxed_parser() as parse:
            results = ingest_pending(
                warehouse.archive,
                store,
                warehouse.outbox_root,
                warehouse.ingest_context(),
                validator_factory,
                parse,
                keep_sent_receipts=rebuild,
            )
        counts = {
            t: con.execute(f"select count(*) from raw.{t}").fetchone()[0]
            for t in raw_table_descriptions()
        }
    finally:
        con.close()
    return results, counts


def _report(context, results, counts, docs, rebuild: bool = False):
    if rebuild:  # thousands of files replayed: their counts, and each that was not taken
        context.log.info(
            f"replayed {len(results)} archived files: "
            + ", ".join(f"{n} {k}" for k, n in sorted(Counter(r.outcome for r in results).items()))
        )
    for r in results:
        if rebuild and r.outcome in ("accepted", "duplicate") and not r.fault:
            continue
        context.log.info(
            f"{r.department}/{r.original_name}: {r.outcome}, "
            f"{r.rows_loaded}/{r.rows_read} rows loaded, receipt {r.receipt}"
        )
        if r.fault:
            context.log.error(
                f"{r.department}/{r.original_name} failed inside the pipeline and was "
                f"returned to its department:\n{r.fault}"
            )
    for spec in load_returns().values():
        files = [r for r in results if r.return_code == spec.code]
        rejected = [r.original_name for r in files if r.outcome == "rejected"]
        warned = [r.original_name for r in files if r.outcome == "accepted_with_warnings"]
        yield dg.AssetCheckResult(
            asset_key=raw_key(spec.raw_table),
            check_name=SUITE_CHECK,
            passed=not rejected and not warned,
            severity=dg.AssetCheckSeverity.ERROR if rejected else dg.AssetCheckSeverity.WARN,
            metadata={
                "files_validated": len(files),
                "files_returned": dg.MetadataValue.json(rejected),
                "files_with_warnings": dg.MetadataValue.json(warned),
                **({"data_docs": dg.MetadataValue.path(str(docs))} if docs else {}),
            },
        )
    outcomes = Counter(r.outcome for r in results)
    taken = [
        {
            "department": r.department,
            "file": r.original_name,
            "outcome": r.outcome,
            "rows_loaded": r.rows_loaded,
            "rows_read": r.rows_read,
            "receipt": r.receipt,
        }
        for r in results
    ]
    for table in raw_table_descriptions():
        yield dg.MaterializeResult(
            asset_key=raw_key(table),
            metadata={
                **({"gx_data_docs": dg.MetadataValue.path(str(docs))} if docs else {}),
                "dagster/row_count": counts[table],
                "files_processed": len(results),
                **{f"files_{k}": v for k, v in sorted(outcomes.items())},
                **({FILES_TAKEN: dg.MetadataValue.json(taken)} if table == "files" else {}),
            },
        )
