"""One bad file never stops the warehouse: whatever fails in one file is that file's receipt.

The damaged and over-large files here are the ones that stopped every run of a home
before (issue 19): a deflate stream with flipped bits (zlib.error escaped the container
check) and figures no database column can hold (the insert failed).
"""

import datetime as dt
import functools
import zipfile
from collections import Counter
from decimal import Decimal

import pytest
from conftest import AS_OF, query
from openpyxl import load_workbook

from orchestration.contract.reference import load_reference
from orchestration.contract.return_spec import DATE_WINDOW, TEXT_MAX_CHARS, load_returns
from orchestration.demo.samples import all_sample_files
from orchestration.instance import open_instance
from orchestration.runner import archive_only, run_pipeline
from orchestration.runtime import failpoints
from orchestration.runtime.failpoints import ENV_VAR


def flip_deflate_bytes(path, member="xl/worksheets/sheet1.xml", count=8):
    """Flip bits inside a member's compressed data (not its header, not a truncation), as
    a failing USB stick or a damaged mail attachment does."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(member)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    assert info.compress_type == zipfile.ZIP_DEFLATED and info.compress_size > 200
    for k in range(count):
        data[start + 40 + k * 13] ^= 0x5A
    path.write_bytes(bytes(data))
    return path


@functools.cache
def _samples_by_return():
    """One sample file (March 2026) of each return, with its rows."""
    files = all_sample_files(2026, 3, load_reference(), enterprise_count=20)
    chosen = {}
    for f in files:
        if f.period == "2026-03" and f.rows:
            chosen.setdefault(f.return_code, f)
    return chosen


def _past_bound(column):
    """Values just past, and far past, what the column may hold."""
    if column.type == "count":
        return [int(column.upper_bound) + 1, 10**40]
    if column.type in ("amount", "number"):
        return [float(column.upper_bound) * 10, 1e17]
    if column.type == "date":
        return [DATE_WINDOW[0] - dt.timedelta(days=1), "0001-01-01"]
    if column.type == "month":
        return ["1900-01", "9999-12"]
    if column.type == "yesno":
        return []  # two values only: 是 or 否, refused otherwise by VALUE_NOT_ALLOWED
    return ["字" * (TEXT_MAX_CHARS + 1)]


def _same(cell_value, written) -> bool:
    """A big integer is saved as a float (1e+40) and read back as one."""
    if isinstance(written, int) and isinstance(cell_value, float):
        return cell_value == float(written)
    return cell_value == written


BOUNDED = [
    (code, column.name, i)
    for code, spec in load_returns().items()
    for column in spec.columns
    for i in range(len(_past_bound(column)))
]


@pytest.mark.parametrize("code, column_name, which", BOUNDED)
def test_a_value_past_its_bound_is_a_blocking_finding_naming_the_cell(
    tmp_path, fill_return, check, code, column_name, which
):
    sample = _samples_by_return()[code]
    spec = load_returns()[code]
    column = spec.column(column_name)
    bad = _past_bound(column)[which]
    rows = [dict(r) for r in sample.rows]
    rows[0][column_name] = bad
    path = fill_return(code, tmp_path / "f.xlsx", "2026-03", rows, sample.department_code)

    # Where the value landed, read back independently of the parser.
    ws = load_workbook(path)[spec.sheet]
    cells = [c.coordinate for row in ws.iter_rows() for c in row if _same(c.value, bad)]
    if isinstance(bad, dt.date):  # openpyxl reads a date cell back as a datetime
        cells = [
            c.coordinate
            for row in ws.iter_rows()
            for c in row
            if isinstance(c.value, dt.datetime) and c.value.date() == bad
        ]
    assert len(cells) == 1

    parsed = check(path, sample.department_code)
    assert not parsed.accepted
    mine = [f for f in parsed.findings if f.cell == cells[0]]
    assert len(mine) == 1, [(f.rule_code, f.cell) for f in parsed.findings]
    finding = mine[0]
    assert finding.rule_class == "强制性" and finding.column == column.label
    if column.type in ("count", "amount", "number"):
        assert finding.rule_code == "VALUE_OUT_OF_RANGE"
        assert str(column.upper_bound) in finding.expected  # the bound is named
    elif column.type in ("date", "month"):
        assert finding.rule_code == "VALUE_OUT_OF_RANGE" and "1950-01" in finding.expected
    else:
        assert finding.rule_code == "TEXT_TOO_LONG" and str(TEXT_MAX_CHARS) in finding.expected
    assert finding.value  # the value found is echoed


def test_amounts_load_at_their_stored_precision(tmp_path, fill_return, check):
    sample = _samples_by_return()["investment"]
    rows = [dict(r) for r in sample.rows]
    rows[0]["investment_this_month"] = 1234.56789
    path = fill_return("investment", tmp_path / "i.xlsx", "2026-03", rows, "fgj")
    parsed = check(path, "fgj")
    assert parsed.accepted
    assert parsed.rows[0]["investment_this_month"] == Decimal("1234.5679")


def _ledger(db):
    return {
        name: (outcome, read, loaded)
        for name, outcome, read, loaded in query(
            db,
            "select original_name, outcome, rows_read, rows_loaded from marts.intake_ledger",
        )
    }


def _findings(db, name):
    return query(
        db,
        "select rule_code, rule_class, cell, value, message from raw.findings "
        "join raw.files using (file_sha256) where original_name = ? order by finding_no",
        [name],
    )


def _receipts(warehouse):
    return sorted(p.name for p in warehouse.outbox_root.rglob("*_回执_*.xlsx"))


@pytest.mark.slow
def test_a_home_stuck_on_damaged_and_oversized_files_recovers_by_itself(
    home, warehouse, fill_jobs, fill_return
):
    """The files that stopped every run are archived but unanswered, as in a stuck home;
    the next run answers each, loads everything that waited behind them, and stays green."""
    rsj = warehouse.intake_root / "rsj"
    for month in (1, 2, 3):
        fill_jobs(rsj / f"jobs_2026-0{month}.xlsx", f"2026-0{month}")
    flip_deflate_bytes(fill_jobs(rsj / "jobs_2026-04.xlsx", "2026-04"))
    from orchestration.demo.samples.jobs import jobs_rows

    huge = jobs_rows(2026, 5, load_reference())
    huge[2]["new_jobs"] = 10**40
    ws = load_workbook(fill_jobs(rsj / "jobs_2026-05.xlsx", "2026-05", huge))["就业情况月报"]
    (huge_cell,) = [c.coordinate for r in ws.iter_rows() for c in r if _same(c.value, 10**40)]
    sample = _samples_by_return()["investment"]
    rows = [dict(r) for r in sample.rows]
    rows[1]["investment_this_month"] = 1e17
    fgj = warehouse.intake_root / "fgj"
    fill_return("investment", fgj / "investment_2026-04.xlsx", "2026-04", rows, "fgj")
    fill_return("investment", fgj / "investment_2026-03.xlsx", "2026-03", sample.rows, "fgj")

    assert archive_only(home).success  # archived and journalled, nothing answered yet
    assert not list(rsj.iterdir()) and _receipts(warehouse) == []

    result = run_pipeline(home, as_of=AS_OF)
    assert result.success
    db = warehouse.published_db
    ledger = _ledger(db)
    assert len(ledger) == 7 and len(_receipts(warehouse)) == 7
    for name in ("jobs_2026-01.xlsx", "jobs_2026-02.xlsx", "jobs_2026-03.xlsx"):
        assert ledger[name] == ("accepted", 13, 13)
    assert ledger["investment_2026-03.xlsx"][0] == "accepted"

    damaged = _findings(db, "jobs_2026-04.xlsx")
    assert [(c, k) for c, k, *_ in damaged] == [("FILE_UNREADABLE", "强制性")]
    assert "损坏" in damaged[0][4] and "zlib.error" in damaged[0][4]
    assert ledger["jobs_2026-04.xlsx"][0] == "rejected"

    (code, klass, cell, value, _), *rest = _findings(db, "jobs_2026-05.xlsx")
    assert (code, klass, cell, rest) == ("VALUE_OUT_OF_RANGE", "强制性", huge_cell, [])
    assert value.startswith("1") and len(value) == 41
    assert ledger["jobs_2026-05.xlsx"] == ("rejected", 13, 0)
    (code, _, cell, value, _), *rest = _findings(db, "investment_2026-04.xlsx")
    assert (code, value, rest) == ("VALUE_OUT_OF_RANGE", "100000000000000000", [])

    # Nothing waits and nothing is taken again: the next run is clean.
    receipts = _receipts(warehouse)
    assert run_pipeline(home, as_of=AS_OF).success
    assert _receipts(warehouse) == receipts
    assert query(db, "select count(*) from raw.files") == [(7,)]


@pytest.mark.slow
def test_any_exception_reading_checking_or_loading_one_file_is_that_files_receipt(
    home, warehouse, fill_jobs, monkeypatch
):
    """Failpoints raise an arbitrary exception at the read of the 2nd file, the validation
    of the 3rd reached, and the load of the 4th loaded; files 1 and 5 load."""
    rsj = warehouse.intake_root / "rsj"
    for month in range(1, 6):
        fill_jobs(rsj / f"jobs_2026-{month:02d}.xlsx", f"2026-{month:02d}")
    # A failpoint counts in its own process: one reader reads the files in order, so the
    # 2nd read is the 2nd file's (two readers would share the files between them).
    with (home / "settings.yml").open("a", encoding="utf-8") as settings:
        settings.write("\nparse_workers: 1\n")
    monkeypatch.setenv(
        ENV_VAR, "read.file:2:raise,validate.file:2:raise,load.rows_inserted:2:raise"
    )
    monkeypatch.setattr(failpoints, "_reached", Counter())  # counted from this run on
    result = run_pipeline(home, as_of=AS_OF)
    assert result.success
    monkeypatch.delenv(ENV_VAR)
    db = warehouse.published_db
    ledger = _ledger(db)
    assert [ledger[f"jobs_2026-{m:02d}.xlsx"][0] for m in range(1, 6)] == [
        "accepted",
        "rejected",
        "rejected",
        "rejected",
        "accepted",
    ]
    for month, stage, rows_read in ((2, "读取", 0), (3, "校验", 13), (4, "入库", 13)):
        name = f"jobs_2026-{month:02d}.xlsx"
        findings = _findings(db, name)
        assert [(c, k, v) for c, k, _, v, _ in findings] == [
            ("INTERNAL_ERROR", "强制性", "orchestration.runtime.failpoints.FailpointError")
        ]
        assert stage in findings[0][4]
        assert ledger[name] == ("rejected", rows_read, 0)
    # Nothing of the file whose load failed stayed in the raw table.
    assert query(
        db,
        "select f.original_name, count(*) from raw.jobs j join raw.files f using (file_sha256) "
        "group by all order by 1",
    ) == [("jobs_2026-01.xlsx", 13), ("jobs_2026-05.xlsx", 13)]
    receipts = _receipts(warehouse)
    assert len(receipts) == 5
    for month in (2, 3, 4):
        (receipt,) = [r for r in warehouse.outbox_root.rglob(f"jobs_2026-0{month}_回执_*")]
        texts = [
            c for row in load_workbook(receipt)["回执"].iter_rows(values_only=True) for c in row
        ]
        assert "已退回" in texts and "INTERNAL_ERROR" in texts

    # The run's log names each failure with its traceback, for the data team.
    with open_instance(home) as instance:
        logged = [e.user_message for e in instance.all_logs(result.run_id)]
    for month in (2, 3, 4):
        (line,) = [m for m in logged if f"jobs_2026-0{month}.xlsx failed inside" in m]
        assert "FailpointError" in line and "Traceback" in line

    assert run_pipeline(home, as_of=AS_OF).success  # the next run is clean
    assert _receipts(warehouse) == receipts
    assert query(db, "select count(*) from raw.files") == [(5,)]
