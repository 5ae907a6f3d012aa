"""The raw schema of the build database: files, findings, deliveries and one table per return.

Every table carries lineage (file hash, department, period, sheet, source row), so each
figure in a mart traces back to one cell of one archived file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb
import pyarrow as pa

from orchestration.contract.return_spec import ReturnSpec
from orchestration.intake.archive import Delivery
from orchestration.read.return_parser import ParsedReturn
from orchestration.runtime.failpoints import failpoint
from orchestration.runtime.file_faults import ENVIRONMENT_ERRORS

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
    """Records (keys may differ between files) as Arrow columns, typed from their values:
    DuckDB scans Arrow without the per-value inspection a pandas object column costs, and
    casts on insert."""
    renamed = renamed or {}
    columns = {}
    for key in dict.fromkeys(k for r in records for k in r):
        values = [r.get(key) for r in records]
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


class BatchNotWritten(Exception):
    """A batch's files could not be written together (one file's rows broke the insert):
    nothing of them was written, and the store answers as before the batch."""


@dataclass(frozen=True)
class _FileRecord:
    """One file as the raw tables take it, and what its commit changes in the store's
    answers."""

    delivery: dict  # a raw.deliveries row
    file: dict | None = None  # a raw.files row; None for a duplicate's delivery
    findings: list[dict] = field(default_factory=list)
    table: str | None = None  # the return's raw table, if rows load
    rows: list[dict] = field(default_factory=list)
    lineage: dict = field(default_factory=dict)  # the file's columns of each of its rows
    key: tuple[str, str | None, str | None] = ("", None, None)  # department, return, period
    version: EarlierVersion | None = None
    outcome: str = ""


class RawStore:
    """The raw tables of one connection. A run's ingest asks the same questions for every
    file (is this content known, where do the kept years begin, what did the department
    file before): the answers are read from the database once, kept in memory and brought
    up to date as each file is committed, instead of a query per file, which a rebuild of
    years would pay thousands of times. Only this store's own writes change them.

    Inside ``batch()`` a committed file is held and the batch's files are written together,
    a few statements in one transaction, instead of a transaction of several statements
    per file: the answers already count the held files."""

    def __init__(self, con: duckdb.DuckDBPyConnection, specs: dict[str, ReturnSpec]):
        self.con = con
        self.specs = specs
        self._held: list[_FileRecord] | None = None  # a batch's committed files, unwritten
        self._staged: _FileRecord | None = None
        self._forget()

    def _forget(self) -> None:
        """Drop every kept answer: each is read from the database again when next asked."""
        self._files: dict[str, tuple] | None = None  # content hash -> its first delivery
        self._first_year: list[int | None] = []  # empty: not read yet
        # (department, return) -> period -> the current version of that month
        self._current: dict[tuple[str, str], dict[str, EarlierVersion]] | None = None
        self._indicator_rows: dict[str, list[tuple]] | None = None  # hash -> its rows
        self._totals: dict[str, dict[str, dict[str, object]]] = {}  # table -> hash -> sums

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

    # --- answers ---------------------------------------------------------------------------

    def recorded_delivery_ids(self) -> set[str]:
        rows = self.con.execute("select delivery_id from raw.deliveries").fetchall()
        return {r[0] for r in rows}

    def first_delivery_of(self, sha256: str) -> tuple[str, dt.datetime, str, str] | None:
        """Name, time received, return and period of the file's first delivery, if any."""
        if self._files is None:
            rows = self.con.execute(
                "select file_sha256, original_name, received_at, return_code, period from raw.files"
            ).fetchall()
            self._files = {r[0]: tuple(r[1:]) for r in rows}
        return self._files.get(sha256)

    def first_period_year(self) -> int | None:
        """The earliest year any accepted file is for: where the years the warehouse keeps begin."""
        if not self._first_year:
            row = self.con.execute(
                "select min(cast(left(period, 4) as integer)) from raw.files "
                "where outcome <> 'rejected' and period is not null"
            ).fetchone()
            self._first_year = [row[0] if row else None]
        return self._first_year[0]

    def _current_versions(self) -> dict[tuple[str, str], dict[str, EarlierVersion]]:
        if self._current is None:
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
            self._current = {}
            for dept, code, period, *version in rows:
                self._current.setdefault((dept, code), {})[period] = EarlierVersion(*version)
        return self._current

    def current_version(self, dept: str, return_code: str, period: str) -> EarlierVersion | None:
        """The version of the month a new file would replace: the newest not returned."""
        return self._current_versions().get((dept, return_code), {}).get(period)

    def _earlier_versions(self, dept: str, return_code: str, period: str):
        """(period, file hash) of the department's current versions of the same year before
        ``period``."""
        months = self._current_versions().get((dept, return_code), {})
        year = period[:4]
        return [(p, v.file_sha256) for p, v in months.items() if p < period and p[:4] == year]

    def earlier_column_totals(
        self, spec, dept: str, period: str, columns
    ) -> dict[str, list[float]]:
        """Each column's monthly totals in the department's current files before ``period``."""
        totals = self._file_totals(spec)
        earlier = [
            totals.get(sha, {}) for _, sha in self._earlier_versions(dept, spec.code, period)
        ]
        return {
            c.name: [float(t[c.name]) for t in earlier if t.get(c.name) is not None]
            for c in columns
        }

    def _file_totals(self, spec) -> dict[str, dict[str, object]]:
        if spec.raw_table not in self._totals:
            names = _summed(spec)
            sums = "".join(f", sum({n})" for n in names)
            rows = self.con.execute(
                f"select file_sha256{sums} from raw.{spec.raw_table} group by file_sha256"
            ).fetchall()
            self._totals[spec.raw_table] = {
                r[0]: dict(zip(names, r[1:], strict=True)) for r in rows
            }
        return self._totals[spec.raw_table]

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
        of the same year before ``period``."""
        rows = self._indicator_rows_by_file()
        return [
            (code, month, value, ytd)
            for month, sha in self._earlier_versions(dept, "indicators", period)
            for code, value, ytd in rows.get(sha, [])
        ]

    def _indicator_rows_by_file(self) -> dict[str, list[tuple]]:
        if self._indicator_rows is None:
            self._indicator_rows = {}
            for sha, *row in self.con.execute(
                "select file_sha256, target_code, month_value, ytd_value from raw.indicators"
            ).fetchall():
                self._indicator_rows.setdefault(sha, []).append(tuple(row))
        return self._indicator_rows

    def _read_answers(self) -> None:
        """Every kept answer read now: a file held in a batch is not in the database, so an
        answer first read after it would miss it."""
        self.first_delivery_of("")
        self.first_period_year()
        self._current_versions()
        for spec in self.specs.values():
            self._file_totals(spec)
        if "indicators" in self.specs:
            self._indicator_rows_by_file()

    # --- writes ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Files committed inside are written together when it ends, in one transaction.

        If the body raises, nothing of the batch is written (its files are taken again by
        the next run, as a file whose run died before its commit). If the write fails, the
        store answers as before the batch and ``BatchNotWritten`` says so: the caller takes
        the files again one by one, so one file's fault stays that file's."""
        self._read_answers()
        self._held = []
        try:
            yield
            held, self._held = self._held, None
            self._write(held)
        finally:
            if self._held is not None:
                self._held = None
                self._forget()

    def _write(self, held: list[_FileRecord]) -> None:
        if not held:
            return
        self.con.begin()
        try:
            self._insert(held)
            failpoint("load.batch_written")
            self.con.commit()
        except BaseException as exc:
            with contextlib.suppress(duckdb.Error):
                self.con.rollback()
            self._forget()
            if isinstance(exc, ENVIRONMENT_ERRORS) or not isinstance(exc, Exception):
                raise
            raise BatchNotWritten(f"{len(held)} files: {type(exc).__name__}: {exc}") from exc

    def stage_file(
        self,
        delivery: Delivery,
        parsed: ParsedReturn,
        outcome: str,
        receipt_path: str,
    ) -> None:
        """Record one new file, its findings and (if it loads) its rows, to be kept by
        ``commit_file`` once its receipt is written, or dropped by ``discard_file``. Outside a
        batch they are written now, in a transaction left open until then."""
        record = self._record(delivery, parsed, outcome, receipt_path)
        try:
            if self._held is None:
                self.con.begin()
                self._insert([record])
            if record.rows:
                failpoint("load.rows_inserted")
        except BaseException:
            self.discard_file()
            raise
        self._staged = record

    def _record(
        self, delivery: Delivery, parsed: ParsedReturn, outcome: str, receipt_path: str
    ) -> _FileRecord:
        rows = parsed.rows_to_load
        blocking = sum(f.blocking for f in parsed.findings)
        received = local_naive(delivery.received)
        file = {
            "file_sha256": delivery.sha256,
            "original_name": delivery.original_name,
            "file_format": delivery.blob.rsplit(".", 1)[-1] if "." in delivery.blob else None,
            "archive_path": delivery.blob,
            "intake_department": delivery.intake_department,
            "declared_department": parsed.declared_department,
            "department_code": parsed.department_code,
            "return_code": parsed.return_code,
            "template_version": parsed.template_version,
            "period": parsed.period,
            "reporting_unit": parsed.header.get("reporting_unit"),
            "filer": parsed.header.get("filer"),
            "phone": parsed.header.get("phone"),
            "sheet_name": parsed.sheet_name,
            "received_at": received,
            "outcome": outcome,
            "rows_read": parsed.rows_read,  # counted as the parser met them
            "rows_loaded": len(rows),  # the rows handed over to load
            # A refused file's rows are all refused (it loads whole or not at all); an
            # accepted one's, those the parser set aside. Counted apart from the loaded
            # rows, so the ledger test read = loaded + rejected can fail.
            "rows_rejected": parsed.rows_set_aside if parsed.accepted else parsed.rows_read,
            "blocking_findings": blocking,
            "other_findings": len(parsed.findings) - blocking,
            "receipt_path": receipt_path,
        }
        findings = [
            f.as_row() | {"finding_no": n, "file_sha256": delivery.sha256}
            for n, f in enumerate(parsed.findings, start=1)
        ]
        return _FileRecord(
            delivery=self._delivery_row(delivery, False, receipt_path),
            file=file,
            findings=findings,
            table=self.specs[parsed.return_code].raw_table if rows else None,
            rows=rows,
            lineage={
                "file_sha256": delivery.sha256,
                "department_code": parsed.department_code,
                "period": parsed.period,
                "sheet_name": parsed.sheet_name,
            },
            key=(parsed.department_code, parsed.return_code, parsed.period),
            version=EarlierVersion(delivery.sha256, delivery.original_name, received),
            outcome=outcome,
        )

    def _insert(self, records: list[_FileRecord]) -> None:
        """The records' rows, one statement per table."""
        files = [r.file for r in records if r.file is not None]
        if files:
            self._insert_columns("files", _arrow_columns(files))
        findings = [f for r in records for f in r.findings]
        if findings:
            self._insert_columns("findings", _arrow_columns(findings, _FINDING_COLUMNS))
        for table in dict.fromkeys(r.table for r in records if r.table):
            loading = [r for r in records if r.table == table]
            columns = _arrow_columns([row for r in loading for row in r.rows])
            for name in loading[0].lineage:
                columns[name] = pa.array(
                    [r.lineage[name] for r in loading for _ in r.rows], pa.string()
                )
            self._insert_columns(table, columns)
        deliveries = [r.delivery for r in records]
        self._insert_columns("deliveries", _arrow_columns(deliveries))

    def _insert_columns(self, table: str, columns: dict) -> None:
        self.con.register("new_rows", pa.table(columns))
        try:
            self.con.execute(f"insert into raw.{table} by name select * from new_rows")
        finally:
            self.con.unregister("new_rows")

    def commit_file(self) -> None:
        staged, self._staged = self._staged, None
        if self._held is None:
            self.con.commit()
        elif staged is not None:
            self._held.append(staged)
        if staged is not None:
            self._count(staged)

    def _count(self, record: _FileRecord) -> None:
        """Bring the kept answers up to date with a committed file."""
        version = record.version
        if self._files is not None and version.file_sha256 not in self._files:
            _, ret, period = record.key
            self._files[version.file_sha256] = (
                version.original_name,
                version.received_at,
                ret,
                period,
            )
        if record.outcome == "rejected" or None in record.key:
            return
        dept, ret, period = record.key
        year = int(period[:4])
        if self._first_year:
            known = self._first_year[0]
            self._first_year = [year if known is None else min(known, year)]
        if self._current is not None:
            months = self._current.setdefault((dept, ret), {})
            current = months.get(period)
            if current is None or (version.received_at, version.file_sha256) > (
                current.received_at,
                current.file_sha256,
            ):
                months[period] = version
        if not record.rows:
            return
        if ret == "indicators" and self._indicator_rows is not None:
            self._indicator_rows[version.file_sha256] = [
                (r.get("target_code"), r.get("month_value"), r.get("ytd_value"))
                for r in record.rows
            ]
        totals = self._totals.get(record.table)
        if totals is not None:
            totals[version.file_sha256] = {
                name: _sum(r.get(name) for r in record.rows) for name in _summed(self.specs[ret])
            }

    def discard_file(self) -> None:
        self._staged = None
        if self._held is None:
            self.con.rollback()

    def record_duplicate(self, delivery: Delivery, receipt_path: str) -> None:
        row = self._delivery_row(delivery, True, receipt_path)
        if self._held is not None:
            self._held.append(_FileRecord(delivery=row))
        else:
            self._insert_columns("deliveries", _arrow_columns([row]))

    @staticmethod
    def _delivery_row(delivery: Delivery, is_duplicate: bool, receipt_path: str) -> dict:
        return {
            "delivery_id": delivery.delivery_id,
            "file_sha256": delivery.sha256,
            "intake_department": delivery.intake_department,
            "original_name": delivery.original_name,
            "received_at": local_naive(delivery.received),
            "is_duplicate": is_duplicate,
            "receipt_path": receipt_path,
        }


def _summed(spec: ReturnSpec) -> list[str]:
    return [c.name for c in spec.summed_columns]


def _sum(values) -> object:
    """A column's total as SQL's sum gives it: None when no value is set."""
    present = [v for v in values if v is not None]
    return sum(present) if present else None
