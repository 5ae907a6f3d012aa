"""The load stage's store keeps its answers between files (is this content known, where
do the kept years begin, which version of a month is current, what the department filed
before) and brings them up to date as each file commits. Whatever a run went through —
corrections, a returned file, an earlier year, a duplicate, a file discarded mid-load — its
answers must equal those of a store that asks the database afresh.

Real workbooks from the real templates, the real parser and suites, a real DuckDB file."""

from __future__ import annotations

import datetime as dt
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
