"""The load stage's store keeps its answers between files (is this content known, where
do the kept years begin, which version of a month is current, what the department filed
before) and brings them up to date as each file commits. Whatever a run went through —
corrections, a returned file, an earlier year, a duplicate, a file discarded mid-load — its
answers must equal those of a store that asks the database afresh.

Real workbooks from the real templates, the real parser and suites, a real DuckDB file."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import duckdb
import pytest
from conftest import with_due_indicators

from orchestration.contract.findings import load_rules
from orchestration.contract.return_spec import load_contract, load_returns
from orchestration.demo.samples.jobs import jobs_rows
from orchestration.ingest import IngestContext, ingest_pending
from orchestration.intake.archive import Archive
from orchestration.load.raw_store import LOCAL_TZ, RawStore
from orchestration.read.return_parser import ParsedReturn, parse_return
from orchestration.runtime import failpoints

INDICATORS_DEPT = "fgj"


def _received(day: int, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, 9, 30, tzinfo=LOCAL_TZ)


def _indicators(target: str, period: str, month_value, ytd_value) -> list[dict]:
    rows = [{"target_code": target, "month_value": month_value, "ytd_value": ytd_value}]
    return with_due_indicators(INDICATORS_DEPT, period, rows)


@pytest.fixture
def filed(tmp_path, fill_jobs, fill_return, reference):
    """An archive of the files a month brings: jobs returns of 2025 and 2026, a correction,
    a returned refiling that must not replace the correction, a duplicate, and a
    department's 综合指标月报 of three months."""
    target = next(
        t.code
        for t in reference.targets_reported_by(INDICATORS_DEPT, "indicators")
        if t.measure_type == "ytd_sum"
    )
    files = tmp_path / "files"
    files.mkdir()
    archive = Archive(tmp_path / "archive")
    jobs_2026 = fill_jobs(files / "jobs_2026-09.xlsx", "2026-09")
    again = files / "jobs_2026-09 (2).xlsx"
    again.write_bytes(jobs_2026.read_bytes())
    returned_rows = jobs_rows(2026, 9, reference)
    returned_rows[0] = returned_rows[0] | {"new_jobs": "一百"}  # VALUE_NOT_INTEGER: returned
    drops = [
        ("rsj", fill_jobs(files / "jobs_2026-08.xlsx", "2026-08"), _received(2)),
        ("rsj", jobs_2026, _received(3)),
        ("rsj", fill_jobs(files / "jobs_2025-12.xlsx", "2025-12"), _received(4)),
        ("rsj", fill_jobs(files / "更正.xlsx", "2026-09", phone="027-85889999"), _received(5)),
        ("rsj", fill_jobs(files / "退回.xlsx", "2026-09", rows=returned_rows), _received(6)),
        ("rsj", again, _received(7)),  # the same content again: a duplicate
    ]
    for n, (month, ytd) in enumerate([(10, 10), (12, 22), (5, 30)], start=7):
        period = f"2026-0{n}"
        path = files / f"indicators_{period}.xlsx"
        rows = _indicators(target, period, month, ytd)
        fill_return("indicators", path, period, rows, dept=INDICATORS_DEPT)
        drops.append((INDICATORS_DEPT, path, _received(8 + n)))
    for dept, path, received in drops:
        archive.receive(path, dept, received)
    return archive


def _answers(store: RawStore, con) -> dict:
    files = con.execute(
        "select file_sha256, department_code, return_code, period from raw.files"
    ).fetchall()
    months = {(d, r, p) for _, d, r, p in files if r is not None and p is not None}
    return {
        "first_year": store.first_period_year(),
        "first_deliveries": {sha: store.first_delivery_of(sha) for sha, *_ in files},
        "unknown": store.first_delivery_of("0" * 64),
        "current": {m: store.current_version(*m) for m in months},
        "ytd": {p: store.previous_ytd(d, p) for d, r, p in months if r == "indicators"},
        "months": {p: store.earlier_month_values(d, p) for d, r, p in months if r == "indicators"},
    }


def test_kept_answers_equal_the_databases_after_a_run(tmp_path, filed, reference, validator):
    con = duckdb.connect(str(tmp_path / "build.duckdb"))
    store = RawStore(con, load_returns())
    store.ensure_schema()
    before = _answers(store, con)  # asked before any file: every kept answer is made now
    assert before["first_year"] is None and before["current"] == {}
    ctx = IngestContext(load_contract(), load_returns(), reference, load_rules())
    results = ingest_pending(
        filed, store, tmp_path / "outbox", ctx, lambda: validator, parse_return
    )
    outcomes = [r.outcome for r in results]
    assert outcomes.count("rejected") == 1 and outcomes.count("duplicate") == 1

    kept, fresh = _answers(store, con), _answers(RawStore(con, load_returns()), con)
    assert kept == fresh
    # And they are the run's real answers, not two equal mistakes.
    assert kept["first_year"] == 2025
    assert kept["current"][("rsj", "jobs", "2026-09")].original_name == "更正.xlsx"
    assert kept["months"]["2026-09"] and kept["ytd"]["2026-09"]


_VERSIONS_BEFORE = """
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


def _history_by_sql(con, spec, dept: str, period: str, columns) -> dict:
    """The history checks' figures asked of the database: the current version of each
    earlier month of the same year."""
    args = [spec.code, dept, period, period]
    if spec.code == "indicators":
        rows = con.execute(
            _VERSIONS_BEFORE
            + """select i.target_code, v.period, i.month_value, i.ytd_value
            from versions v join raw.indicators i using (file_sha256)
            where v.newest_first = 1 order by v.period""",
            args,
        ).fetchall()
        months: dict = {}
        ytd: dict = {}
        for code, month, value, year_to_date in rows:
            if value is not None:
                months.setdefault(code, {})[month] = float(value)
            ytd[code] = None if year_to_date is None else float(year_to_date)
        return {"months": months, "ytd": ytd}
    sums = ", ".join(f"sum({c.name})" for c in columns)
    rows = con.execute(
        _VERSIONS_BEFORE
        + f"""select v.period, {sums}
        from versions v join raw.{spec.raw_table} t using (file_sha256)
        where v.newest_first = 1 group by v.period""",
        args,
    ).fetchall()
    return {
        "totals": {
            c.name: sorted(float(r[i + 1]) for r in rows if r[i + 1] is not None)
            for i, c in enumerate(columns)
        }
    }


def _history_kept(store, spec, dept: str, period: str, columns) -> dict:
    if spec.code == "indicators":
        return {
            "months": store.earlier_month_values(dept, period),
            "ytd": store.previous_ytd(dept, period),
        }
    totals = store.earlier_column_totals(spec, dept, period, columns)
    return {"totals": {name: sorted(values) for name, values in totals.items()}}


def test_history_answers_equal_the_database_asked_in_sql(tmp_path, filed, reference, validator):
    """The history checks' figures, kept in memory as files commit (in batches), equal the
    same question asked of the database in SQL, month by month."""
    con = duckdb.connect(str(tmp_path / "build.duckdb"))
    store = RawStore(con, load_returns())
    store.ensure_schema()
    jobs = load_returns()["jobs"]
    # Asked before any file: the kept figures are read from the empty tables, then kept.
    assert store.earlier_column_totals(jobs, "rsj", "2026-09", jobs.columns) == {
        c.name: [] for c in jobs.columns
    }
    assert store.earlier_month_values(INDICATORS_DEPT, "2026-09") == {}
    ctx = IngestContext(load_contract(), load_returns(), reference, load_rules())
    ingest_pending(filed, store, tmp_path / "outbox", ctx, lambda: validator, parse_return)

    months = con.execute(
        "select distinct department_code, return_code, period from raw.files "
        "where return_code is not null and period is not null"
    ).fetchall()
    asked = [(d, r, p) for d, r, p in months] + [("rsj", "jobs", "2026-12")]
    compared = 0
    for dept, code, period in asked:
        spec = load_returns()[code]
        columns = [c for c in spec.columns if c.type in ("count", "amount")]
        kept = _history_kept(store, spec, dept, period, columns)
        assert kept == _history_by_sql(con, spec, dept, period, columns), (dept, code, period)
        compared += any(kept[k] for k in kept)
    # Not all empty: the jobs of August and September, the indicators of two months.
    assert compared >= 3
    # A jobs month's totals count the correction, not the file it replaced.
    (total,) = store.earlier_column_totals(jobs, "rsj", "2026-12", [jobs.columns[-1]]).values()
    assert len(total) == 2


def test_a_batch_that_fails_leaves_nothing_written_and_the_answers_as_before(tmp_path):
    con = duckdb.connect(str(tmp_path / "build.duckdb"))
    store = RawStore(con, load_returns())
    store.ensure_schema()
    archive = Archive(tmp_path / "archive")
    deliveries = []
    for n in (1, 2):
        path = tmp_path / f"jobs_{n}.xlsx"
        path.write_bytes(f"not read here {n}".encode())
        deliveries.append(archive.receive(path, "rsj", _received(n)))
    parsed = ParsedReturn(intake_department="rsj", return_code="jobs", period="2026-09")

    with pytest.raises(RuntimeError, match="stopped"), store.batch():
        for delivery in deliveries:
            store.stage_file(delivery, parsed, "accepted", "receipt.xlsx")
            store.commit_file()
        # Held, not yet written: the answers already count them.
        assert store.first_delivery_of(deliveries[1].sha256)[0] == "jobs_2.xlsx"
        assert con.execute("select count(*) from raw.files").fetchone() == (0,)
        raise RuntimeError("stopped")
    assert con.execute("select count(*) from raw.deliveries").fetchone() == (0,)
    assert store.first_delivery_of(deliveries[0].sha256) is None
    assert store.current_version("rsj", "jobs", "2026-09") is None

    with store.batch():
        for delivery in deliveries:
            store.stage_file(delivery, parsed, "accepted", "receipt.xlsx")
            store.commit_file()
    assert con.execute("select count(*) from raw.deliveries").fetchone() == (2,)
    assert store.current_version("rsj", "jobs", "2026-09").file_sha256 == deliveries[1].sha256


def test_a_batch_whose_write_fails_is_answered_again_file_by_file(
    tmp_path, filed, reference, validator, monkeypatch, caplog
):
    """The batch's write raises (as a row no insert takes would): every file is answered
    again and written on its own, with the answers of a run whose write went through."""
    ctx = IngestContext(load_contract(), load_returns(), reference, load_rules())

    def run(name: str):
        con = duckdb.connect(str(tmp_path / f"{name}.duckdb"))
        store = RawStore(con, load_returns())
        store.ensure_schema()
        results = ingest_pending(
            filed, store, tmp_path / name, ctx, lambda: validator, parse_return
        )
        tables = {
            t: con.execute(f"select * exclude (receipt_path) from raw.{t} order by all").fetchall()
            for t in ("files", "deliveries")
        } | {
            t: con.execute(f"select * from raw.{t} order by all").fetchall()
            for t in ("findings", "jobs", "indicators")
        }
        return [(r.original_name, r.outcome, r.rows_loaded) for r in results], tables

    expected = run("whole")
    monkeypatch.setenv(failpoints.ENV_VAR, "load.batch_written:1:raise")
    monkeypatch.setattr(failpoints, "_reached", Counter())
    assert run("one_by_one") == expected
    assert failpoints._reached["load.batch_written"] == 1  # the file-by-file write has none
    assert "one by one now" in caplog.text


def test_a_file_discarded_mid_load_leaves_no_trace_in_the_kept_answers(tmp_path, reference):
    con = duckdb.connect(str(tmp_path / "build.duckdb"))
    store = RawStore(con, load_returns())
    store.ensure_schema()
    assert (
        store.first_period_year() is None
        and store.current_version("rsj", "jobs", "2026-09") is None
    )
    path = tmp_path / "jobs.xlsx"
    path.write_bytes(b"not read here")
    delivery = Archive(tmp_path / "archive").receive(path, "rsj", _received(3))
    parsed = ParsedReturn(intake_department="rsj", return_code="jobs", period="2026-09")
    store.stage_file(delivery, parsed, "accepted", "receipt.xlsx")
    store.discard_file()
    assert store.first_period_year() is None
    assert store.current_version("rsj", "jobs", "2026-09") is None
    assert store.first_delivery_of(delivery.sha256) is None
    store.stage_file(delivery, parsed, "accepted", "receipt.xlsx")
    store.commit_file()
    assert store.first_period_year() == 2026
    assert store.current_version("rsj", "jobs", "2026-09").file_sha256 == delivery.sha256
    assert store.first_delivery_of(delivery.sha256)[0] == "jobs.xlsx"


def test_a_decimal_past_arrows_digits_loads_rounded_to_the_column(tmp_path):
    """1E-40 is a valid number in a cell; Arrow would type it past 38 digits, which DuckDB
    cannot scan. It loads as the column's DECIMAL(20, 4) holds it."""
    con = duckdb.connect(str(tmp_path / "build.duckdb"))
    store = RawStore(con, load_returns())
    store.ensure_schema()
    path = tmp_path / "investment.xlsx"
    path.write_bytes(b"not read here")
    delivery = Archive(tmp_path / "archive").receive(path, "fgj", _received(3))
    spec = load_returns()["investment"]
    row = {c.name: None for c in spec.columns} | {"source_row": 7}
    amounts = [c.name for c in spec.columns if c.duckdb_type.startswith("DECIMAL")]
    rows = [row | {amounts[0]: Decimal("1E-40")}, row | {amounts[0]: Decimal("12.34567")}]
    parsed = ParsedReturn(
        intake_department="fgj",
        return_code="investment",
        period="2026-09",
        sheet_name=spec.sheet,
        rows=rows,
    )
    store.stage_file(delivery, parsed, "accepted", "receipt.xlsx")
    store.commit_file()
    loaded = con.execute(f"select {amounts[0]} from raw.investment order by 1").fetchall()
    assert loaded == [(Decimal("0.0000"),), (Decimal("12.3457"),)]
