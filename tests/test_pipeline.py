"""The whole path with real parts: intake folder, archive, DuckDB, dbt build, published snapshot.

Each test runs the real `ingest_and_publish` Dagster job in-process against a throwaway home.
"""

import hashlib

import duckdb
import pytest
from conftest import AS_OF, query
from openpyxl import load_workbook

from orchestration.demo.samples.jobs import jobs_rows
from orchestration.runner import run_pipeline

pytestmark = pytest.mark.slow


def _run(home, **kwargs):
    result = run_pipeline(home, as_of=AS_OF, **kwargs)
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    return result


def _receipt_rows(path):
    ws = load_workbook(path)["回执"]
    return [[c.value for c in row] for row in ws.iter_rows()]


def _receipt_status(path):
    return dict((r[0], r[1]) for r in _receipt_rows(path)[2:13])["处理结果"]


def test_round_trip_from_template_to_mart(home, warehouse, fill_jobs, reference):
    intake = warehouse.intake_root / "rsj"
    for month in (1, 2, 3):
        fill_jobs(intake / f"jobs_2026-{month:02d}.xlsx", f"2026-{month:02d}")
    _run(home, received_at="2026-04-03T09:00:00")

    assert list(intake.iterdir()) == []  # taken
    expected = {m: sum(r["new_jobs"] for r in jobs_rows(2026, m, reference)) for m in (1, 2, 3)}
    progress = query(
        warehouse.published_db,
        "select period, monthly_actual, ytd_actual, ytd_actual_base, target_value, unit, status "
        "from marts.target_progress where target_code = 'JOB_NEW' order by period",
    )
    assert [(p, float(base)) for p, _, _, base, *_ in progress] == [
        ("2026-01", expected[1]),
        ("2026-02", expected[1] + expected[2]),
        ("2026-03", sum(expected.values())),
    ]
    assert float(progress[0][1]) == pytest.approx(expected[1] / 10000, abs=1e-4)
    assert (float(progress[2][4]), progress[2][5]) == (1.8, "万人")

    # Lineage: every mart row names the archived file and the Excel row it came from.
    lineage = query(
        warehouse.published_db,
        "select f.file_sha256, f.sheet_name, f.source_row, f.street_name, f.new_jobs, r.archive_path "
        "from marts.fct_jobs_street_monthly f join raw.files r using (file_sha256) "
        "where f.period = '2026-02' order by f.source_row",
    )
    sha, sheet, row, street, new_jobs, archive_path = lineage[0]
    blob = home / "archive" / archive_path
    assert hashlib.sha256(blob.read_bytes()).hexdigest() == sha
    ws = load_workbook(blob)[sheet]
    assert (ws.cell(row=row, column=1).value, ws.cell(row=row, column=2).value) == (
        street,
        new_jobs,
    )

    status = dict(
        query(
            warehouse.published_db,
            "select period, status from marts.submission_status where return_code = 'jobs'",
        )
    )
    assert status["2026-03"] == "accepted"  # received 3 April, due 5 April
    assert status["2026-01"] == "late" and status["2026-02"] == "late"
    assert status["2026-04"] == "missing" and status["2026-11"] == "pending"
    assert len(status) == 11  # January to the as-of month

    receipts = sorted((warehouse.outbox_root / "rsj").iterdir())
    assert len(receipts) == 3 and all(_receipt_status(p) == "已接收" for p in receipts)


def _marts_snapshot(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            t: con.execute(f"select * from marts.{t} order by all").fetchall()
            for t in ("target_progress", "submission_status", "fct_jobs_street_monthly")
        } | {"files": con.execute("select count(*) from raw.files").fetchall()}
    finally:
        con.close()


def test_dropping_the_same_file_twice_changes_nothing(home, warehouse, fill_jobs, tmp_path):
    original = fill_jobs(tmp_path / "jobs_2026-05.xlsx", "2026-05")
    intake = warehouse.intake_root / "rsj"
    (intake / original.name).write_bytes(original.read_bytes())
    _run(home)
    before = _marts_snapshot(warehouse.published_db)

    (intake / "再次报送.xlsx").write_bytes(original.read_bytes())
    _run(home)
    assert _marts_snapshot(warehouse.published_db) == before
    deliveries = query(
        warehouse.published_db,
        "select original_name, is_duplicate from raw.deliveries order by received_at",
    )
    assert deliveries == [("jobs_2026-05.xlsx", False), ("再次报送.xlsx", True)]
    duplicate_receipt = next((warehouse.outbox_root / "rsj").glob("再次报送_回执_*_重复.xlsx"))
    assert _receipt_status(duplicate_receipt) == "重复报送（未作更改）"
    assert len(list((home / "archive" / "blobs").rglob("*.xlsx"))) == 1


def test_a_later_file_for_the_month_supersedes_the_earlier(home, warehouse, fill_jobs, reference):
    intake = warehouse.intake_root / "rsj"
    rows = jobs_rows(2026, 4, reference)
    fill_jobs(intake / "jobs_2026-04.xlsx", "2026-04", rows)
    _run(home, received_at="2026-05-04T10:00:00")
    first_total = sum(r["new_jobs"] for r in rows)

    corrected = [dict(r) for r in rows]
    corrected[0]["new_jobs"] += 250
    fill_jobs(intake / "jobs_2026-04.xlsx", "2026-04", corrected)  # same name, new content
    _run(home, received_at="2026-05-12T16:00:00")

    db = warehouse.published_db
    (ytd,) = query(
        db,
        "select ytd_actual_base from marts.target_progress "
        "where target_code = 'JOB_NEW' and period = '2026-04'",
    )[0]
    assert float(ytd) == first_total + 250
    row = query(
        db,
        "select status, version_count, current_version, current_received_at::varchar "
        "from marts.submission_status where return_code = 'jobs' and period = '2026-04'",
    )[0]
    assert row == ("corrected", 2, 2, "2026-05-12 16:00:00")
    files = query(db, "select outcome from raw.files order by received_at")
    assert files == [("accepted",), ("accepted",)]  # both kept in the history
    assert len(list((home / "archive" / "blobs").rglob("*.xlsx"))) == 2
    receipts = sorted((warehouse.outbox_root / "rsj").iterdir(), key=lambda p: p.stat().st_mtime)
    note = dict((r[0], r[1]) for r in _receipt_rows(receipts[-1])[2:13])["说明"]
    assert "更正" in note and "2026-05-04 10:00:00" in note


def test_bad_files_are_archived_answered_and_load_nothing(
    home, warehouse, fill_jobs, reference, tmp_path
):
    intake = warehouse.intake_root
    good = fill_jobs(intake / "rsj" / "jobs_2026-06.xlsx", "2026-06")
    rows = jobs_rows(2026, 7, reference)
    rows[1]["graduates"] = -3
    fill_jobs(intake / "rsj" / "jobs_2026-07.xlsx", "2026-07", rows)
    fill_jobs(intake / "swj" / "jobs_from_rsj.xlsx", "2026-08")  # wrong department's folder
    (intake / "rsj" / "报表.xlsx").write_text("街道,新增就业人数\n民族街道,5\n", encoding="utf-8")
    (intake / "rsj" / "empty.xlsx").write_bytes(b"")
    _run(home, received_at="2026-09-01T09:00:00")

    db = warehouse.published_db
    outcomes = dict(
        query(db, "select intake_department || '/' || original_name, outcome from raw.files")
    )
    assert outcomes == {
        "rsj/jobs_2026-06.xlsx": "accepted",
        "rsj/jobs_2026-07.xlsx": "rejected",
        "swj/jobs_from_rsj.xlsx": "rejected",
        "rsj/报表.xlsx": "rejected",
        "rsj/empty.xlsx": "rejected",
    }
    assert query(db, "select distinct period from marts.fct_jobs_street_monthly") == [("2026-06",)]
    # Every file is archived, whatever it held.
    assert len(list((home / "archive" / "deliveries").glob("*.json"))) == 5
    # The 13 rows of each returned return (July's, and rsj's in swj's folder) count as rejected.
    ledger = query(db, "select sum(rows_read), sum(rows_loaded), sum(rows_rejected) from raw.files")
    assert ledger == [(39, 13, 26)]
    assert query(
        db,
        "select status from marts.submission_status "
        "where return_code = 'jobs' and period = '2026-07'",
    ) == [("rejected",)]

    receipt = next((warehouse.outbox_root / "rsj").glob("jobs_2026-07_回执_*.xlsx"))
    rows_in_receipt = _receipt_rows(receipt)
    assert _receipt_status(receipt) == "已退回"
    header = next(r for r in rows_in_receipt if r[0] == "序号")
    problem = dict(zip(header, rows_in_receipt[rows_in_receipt.index(header) + 1], strict=False))
    assert problem["单元格"] == "C7" and problem["栏目"] == "其中：高校毕业生"
    assert problem["填报值"] == "-3" and "小于 0" in problem["问题说明"]

    wrong = next((warehouse.outbox_root / "swj").glob("jobs_from_rsj_回执_*.xlsx"))
    assert any("文件夹" in str(v) for r in _receipt_rows(wrong) for v in r if v)
    csv_receipt = next((warehouse.outbox_root / "rsj").glob("报表_回执_*.xlsx"))
    assert any("无法作为 Excel 工作簿打开" in str(v) for r in _receipt_rows(csv_receipt) for v in r)
    assert good.exists() is False
