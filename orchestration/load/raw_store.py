"""The raw schema of the build database: files, findings, deliveries and one table per return.

Every table carries lineage (file hash, department, period, sheet, source row), so each
figure in a mart traces back to one cell of one archived file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import duckdb
import pyarrow as pa

from orchestration.contract.return_spec import ReturnSpec
from orchestration.intake.archive import Delivery
from orchestration.read.return_parser import ParsedReturn
from orchestration.runtime.failpoints import failpoint

LOCAL_TZ = dt.timezone(dt.timedelta(hours=8), "CST")  # China Standard Time, no DST

_FIXED_TABLES = """
create schema if not exists raw;
create table if not exists raw.files (
    file_sha256 varchar primary key,
    original_name varchar not null,
    file_format varchar,
    archive_path varchar not null,
    intake_department varchar not null,
    declared_department varchar,
    department_code varchar not null,
    return_code varchar,
    template_version varchar,
    period varchar,
    reporting_unit varchar,
    filer varchar,
    phone varchar,
    sheet_name varchar,
    received_at timestamp not null,
    outcome varchar not null,
    rows_read integer not null,
    rows_loaded integer not null,
    rows_rejected integer not null,
    blocking_findings integer not null,
    other_findings integer not null,
    receipt_path varchar
);
create table if not exists raw.findings (
    file_sha256 varchar not null,
    finding_no integer not null,
    rule_code varchar not null,
    rule_class varchar not null,
    sheet_name varchar,
    row_number integer,
    column_label varchar,
    cell varchar,
    value varchar,
    expected varchar,
    message varchar not null,
    hint varchar,
    primary key (file_sha256, finding_no)
);
create table if not exists raw.deliveries (
    delivery_id varchar primary key,
    file_sha256 varchar not null,
    intake_department varchar not null,
    original_name varchar not null,
    received_at timestamp not null,
    is_duplicate boolean not null,
    receipt_path varchar
);
create or replace table raw.return_catalog (
    return_code varchar primary key,
    title varchar not null,
    template_version integer not null,
    sheet_name varchar not null,
    grain varchar not null
);
create or replace table raw.return_columns (
    return_code varchar not null,
    column_position integer not null,
    column_name varchar not null,
    label varchar not null,
    column_type varchar not null
);
"""

LINEAGE_COLUMNS = (
    ("file_sha256", "VARCHAR NOT NULL"),
    ("department_code", "VARCHAR NOT NULL"),
    ("period", "VARCHAR NOT NULL"),
    ("sheet_name", "VARCHAR NOT NULL"),
    ("source_row", "INTEGER NOT NULL"),
)


# A finding's fields as raw.findings names them.
_FINDING_COLUMNS = {"sheet": "sheet_name", "row": "row_number", "column": "column_label"}


def _arrow_columns(records: list[dict], renamed: dict[str, str] | None = None) -> dict:
    """Records of the same keys as Arrow columns, typed from their values: DuckDB scans Arrow
    without the per-value inspection a pandas object column costs, and casts on insert."""
    renamed = renamed or {}
    columns = {}
    for key in records[0]:
        values = [r[key] for r in records]
        column = pa.array(values)
        if pa.types.is_decimal256(column.type):
            # Past 38 digits (such as 1E-40), which DuckDB cannot scan: as a float, which
            # the column's DECIMAL(20, 4) rounds to the same stored value.
            column = pa.array([float(v) if isinstance(v, Decimal) else v for v in values])
        columns[renamed.get(key, key)] = column
    return columns


def local_naive(moment: dt.datetime) -> dt.datetime:
    """Times are stored as China Standard Time wall-clock, as departments and due days read them."""
    return moment.astimezone(LOCAL_TZ).replace(tzinfo=None)


@dataclass(frozen=True)
class EarlierVersion:
    file_sha256: str
    original_name: str
    received_at: dt.datetime


@dataclass(frozen=True)
class _Staged:
    """A file staged and not yet committed: what its commit changes in the store's answers."""

    key: tuple[str, str | None, str | None]  # department, return, period
    version: EarlierVersion
    outcome: str


class RawStore:
    """The raw tables of one connection. A run's ingest asks the same questions for every
    file (is this content known, where do the kept years begin, what did the department
    file before): the answers are kept between files and brought up to date as each file
    is committed, instead of a query per file, which a rebuild of years would pay
    thousands of times. Only this store's own writes change them."""

    def __init__(self, con: duckdb.DuckDBPyConnection, specs: dict[str, ReturnSpec]):
        self.con = con
        self.specs = specs
        self._recorded_hashes: set[str] | None = None
        self._first_year: list[int | None] = []  # empty: not read yet
        self._indicator_history: dict[tuple[str, str], list[tuple]] = {}
        self._current_versions: dict[tuple[str, str, str], EarlierVersion] | None = None
        self._staged: _Staged | None = None

    def ensure_schema(self) -> None:
        self.con.execute(_FIXED_TABLES)
        for spec in self.specs.values():
            cols = list(LINEAGE_COLUMNS) + [(c.name, c.duckdb_type) for c in spec.columns]
            ddl = ",\n    ".join(f"{name} {typ}" for name, typ in cols)
            self.con.execute(f"create table if not exists raw.{spec.raw_table} (\n    {ddl}\n)")
        self._write_catalog()

    def _write_catalog(self) -> None:
        self.con.executemany(
            "insert into raw.return_catalog values (?, ?, ?, ?, ?)",
            [(s.code, s.title, s.version, s.sheet, s.grain) for s in self.specs.values()],
        )
        self.con.executemany(
            "insert into raw.return_columns values (?, ?, ?, ?, ?)",
            [
                (s.code, i, c.name, c.label, c.type)
                for s in self.specs.values()
                for i, c in enumerate(s.columns, start=1)
            ],
        )

    def recorded_delivery_ids(self) -> set[str]:
        rows = self.con.execute("select delivery_id from raw.deliveries").fetchall()
        return {r[0] for r in rows}

    def first_delivery_of(self, sha256: str) -> tuple[str, dt.datetime, str, str] | None:
        """Name, time received, return and period of the file's first delivery, if any."""
        if self._recorded_hashes is None:
            rows = self.con.execute("select file_sha256 from raw.files").fetchall()
            self._recorded_hashes = {r for (r,) in rows}
        if sha256 not in self._recorded_hashes:
            return None
        return self.con.execute(
            "select original_name, received_at, return_code, period from raw.files "
            "where file_sha256 = ?",
            [sha256],
        ).fetchone()

    def first_period_year(self) -> int | None:
        """The earliest year any accepted file is for: where the years the warehouse keeps begin."""
        if not self._first_year:
            row = self.con.execute(
                "select min(cast(left(period, 4) as integer)) from raw.files "
                "where outcome <> 'rejected' and period is not null"
            ).fetchone()
            self._first_year = [row[0] if row else None]
        return self._first_year[0]

    def current_version(self, dept: str, return_code: str, period: str) -> EarlierVersion | None:
        """The version of the month a new file would replace: the newest not returned."""
        if self._current_versions is None:
            rows = self.con.execute(
                """
                select department_code, return_code, period,
                       file_sha256, original_name, received_at
                from raw.files
                where outcome <> 'rejected' and return_code is not null and period is not null
                qualify row_number() over (
                    partition by department_code, return_code, period
                    order by received_at desc, file_sha256 desc
                ) = 1
                """
            ).fetchall()
            self._current_versions = {tuple(r[:3]): EarlierVersion(*r[3:]) for r in rows}
        return self._current_versions.get((dept, return_code, period))

    def _current_versions_sql(self) -> str:
        return """
            with versions as (
                select file_sha256, period,
                       row_number() over (
                           partition by department_code, return_code, period
                           order by received_at desc, file_sha256 desc
                       ) as newest_first
                from raw.files
                where outcome <> 'rejected' and return_code = ?
                  and department_code = ? and period < ? and left(period, 4) = left(?, 4)
            )
        """

    def earlier_column_totals(
        self, spec, dept: str, period: str, columns
    ) -> dict[str, list[float]]:
        """Each column's monthly totals in the department's current files before ``period``."""
        sums = ", ".join(f"sum({c.name})" for c in columns)
        rows = self.con.execute(
            self._current_versions_sql()
            + f"""
            select v.period, {sums}
            from versions v join raw.{spec.raw_table} t using (file_sha256)
            where v.newest_first = 1
            group by v.period
            """,
            [spec.code, dept, period, period],
        ).fetchall()
        return {
            c.name: [float(r[i + 1]) for r in rows if r[i + 1] is not None]
            for i, c in enumerate(columns)
        }

    def previous_ytd(self, dept: str, period: str) -> dict[str, float | None]:
        """本年累计值 of each target in the department's latest current file before ``period``
        that lists it."""
        latest: dict[str, tuple[str, float | None]] = {}
        for code, month, _, ytd in self._indicators_before(dept, period):
            if code not in latest or month > latest[code][0]:
                latest[code] = (month, None if ytd is None else float(ytd))
        return {code: ytd for code, (_, ytd) in latest.items()}

    def earlier_month_values(self, dept: str, period: str) -> dict[str, dict[str, float]]:
        """本月值 of each target in the current indicators files of the same year, before
        ``period``, by month."""
        found: dict[str, dict[str, float]] = {}
        for code, month, value, _ in self._indicators_before(dept, period):
            if value is not None:
                found.setdefault(code, {})[month] = float(value)
        return found

    def _indicators_before(self, dept: str, period: str) -> list[tuple]:
        """(target, month, 本月值, 本年累计值) of the department's current indicators files
        of the same year before ``period``: one query for all of a file's history checks."""
        key = (dept, period)
        if key not in self._indicator_history:
            self._indicator_history[key] = self.con.execute(
                self._current_versions_sql()
                + """
                select i.target_code, v.period, i.month_value, i.ytd_value
                from versions v join raw.indicators i using (file_sha256)
                where v.newest_first = 1
                """,
                ["indicators", dept, period, period],
            ).fetchall()
        return self._indicator_history[key]

    def stage_file(
        self,
        delivery: Delivery,
        parsed: ParsedReturn,
        outcome: str,
        receipt_path: str,
    ) -> None:
        """Record one new file, its findings and (if it loads) its rows in a transaction
        left open: ``commit_file`` once its receipt is written, or ``discard_file``."""
        rows = parsed.rows_to_load
        loaded = len(rows)
        blocking = sum(f.blocking for f in parsed.findings)
        received = local_naive(delivery.received)
        self.con.begin()
        try:
            self.con.execute(
                "insert into raw.files values "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    delivery.sha256,
                    delivery.original_name,
                    delivery.blob.rsplit(".", 1)[-1] if "." in delivery.blob else None,
                    delivery.blob,
                    delivery.intake_department,
                    parsed.declared_department,
                    parsed.department_code,
                    parsed.return_code,
                    parsed.template_version,
                    parsed.period,
                    parsed.header.get("reporting_unit"),
                    parsed.header.get("filer"),
                    parsed.header.get("phone"),
                    parsed.sheet_name,
                    received,
                    outcome,
                    parsed.rows_read,  # counted as the parser met them
                    loaded,  # the rows handed over to load
                    # A refused file's rows are all refused (it loads whole or not at all);
                    # an accepted one's, those the parser set aside. Counted apart from the
                    # loaded rows, so the ledger test read = loaded + rejected can fail.
                    parsed.rows_set_aside if parsed.accepted else parsed.rows_read,
                    blocking,
                    len(parsed.findings) - blocking,
                    receipt_path,
                ],
            )
            if parsed.findings:
                findings = [f.as_row() for f in parsed.findings]
                table = _arrow_columns(findings, _FINDING_COLUMNS)
                table["finding_no"] = pa.array(range(1, len(findings) + 1), pa.int32())
                self.con.register("new_findings", pa.table(table))
                self.con.execute(
                    "insert into raw.findings by name "
                    "select *, ?::varchar as file_sha256 from new_findings",
                    [delivery.sha256],
                )
                self.con.unregister("new_findings")
            if rows:
                spec = self.specs[parsed.return_code]
                self.con.register("new_rows", pa.table(_arrow_columns(rows)))
                self.con.execute(
                    f"insert into raw.{spec.raw_table} by name select *, "
                    "?::varchar as file_sha256, ?::varchar as department_code, "
                    "?::varchar as period, ?::varchar as sheet_name from new_rows",
                    [delivery.sha256, parsed.department_code, parsed.period, parsed.sheet_name],
                )
                self.con.unregister("new_rows")
                failpoint("load.rows_inserted")
            self._record_delivery(delivery, is_duplicate=False, receipt_path=receipt_path)
        except BaseException:
            self.discard_file()
            raise
        self._staged = _Staged(
            (parsed.department_code, parsed.return_code, parsed.period),
            EarlierVersion(delivery.sha256, delivery.original_name, received),
            outcome,
        )

    def commit_file(self) -> None:
        self.con.commit()
        staged, self._staged = self._staged, None
        self._indicator_history.clear()
        if staged is None:
            return
        version = staged.version
        if self._recorded_hashes is not None:
            self._recorded_hashes.add(version.file_sha256)
        if staged.outcome == "rejected" or None in staged.key:
            return
        year = int(staged.key[2][:4])
        if self._first_year:
            known = self._first_year[0]
            self._first_year = [year if known is None else min(known, year)]
        if self._current_versions is not None:
            current = self._current_versions.get(staged.key)
            if current is None or (version.received_at, version.file_sha256) > (
                current.received_at,
                current.file_sha256,
            ):
                self._current_versions[staged.key] = version

    def discard_file(self) -> None:
        self.con.rollback()
        self._staged = None
        self._indicator_history.clear()
        for view in ("new_rows", "new_findings"):  # left registered by an insert that failed
            with contextlib.suppress(duckdb.Error):
                self.con.unregister(view)

    def record_duplicate(self, delivery: Delivery, receipt_path: str) -> None:
        self._record_delivery(delivery, is_duplicate=True, receipt_path=receipt_path)

    def _record_delivery(
        self, delivery: Delivery, *, is_duplicate: bool, receipt_path: str
    ) -> None:
        self.con.execute(
            "insert into raw.deliveries values (?, ?, ?, ?, ?, ?, ?)",
            [
                delivery.delivery_id,
                delivery.sha256,
                delivery.intake_department,
                delivery.original_name,
                local_naive(delivery.received),
                is_duplicate,
                receipt_path,
            ],
        )
