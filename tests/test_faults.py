"""Faults around the pipeline: odd file names, a corrupt or deleted build database."""

import pytest
from conftest import AS_OF, query
from openpyxl import load_workbook

from orchestration.runner import run_pipeline

pytestmark = pytest.mark.slow


def _marts(db):
    tables = [
        t
        for (t,) in query(db, "select table_name from duckdb_tables() where schema_name = 'marts'")
    ]
    return {t: query(db, f"select * from marts.{t} order by all") for t in tables}


def test_file_names_with_control_characters_or_separators_are_refused(home, warehouse, fill_jobs):
    folder = warehouse.intake_root / "rsj"
    fill_jobs(folder / "jobs\x07_2026-01.xlsx", "2026-01")
    fill_jobs(folder / "sub\\..\\jobs_2026-02.xlsx", "2026-02")
    assert run_pipeline(home, as_of=AS_OF).success
    assert list(folder.iterdir()) == []
    ledger = query(
        warehouse.published_db, "select outcome, rows_loaded, receipt_path from marts.intake_ledger"
    )
    assert len(ledger) == 2 and all(o == "rejected" and n == 0 for o, n, _ in ledger)
    for _, _, receipt in ledger:
        assert "\x07" not in receipt and "\\" not in receipt.rsplit("/", 1)[1]
        texts = [c.value for r in load_workbook(receipt)["回执"].iter_rows() for c in r]
        assert any(isinstance(t, str) and "控制字符" in t for t in texts)
    assert len(list((home / "archive" / "deliveries").glob("*.json"))) == 2  # archived all the same


def test_a_corrupt_build_database_is_rebuilt_from_the_archive(home, warehouse, fill_jobs):
    fill_jobs(warehouse.intake_root / "rsj" / "jobs_2026-01.xlsx", "2026-01")
    assert run_pipeline(home, as_of=AS_OF).success
    before = _marts(warehouse.published_db)
    warehouse.build_db.write_bytes(b"this is not a database" * 1000)
    assert run_pipeline(home, as_of=AS_OF).success
    assert _marts(warehouse.published_db) == before
    assert list(warehouse.build_db.parent.glob("indicators.duckdb.corrupt-*"))  # kept aside


def test_a_deleted_build_database_is_rebuilt_from_the_archive(home, warehouse, fill_jobs):
    fill_jobs(warehouse.intake_root / "rsj" / "jobs_2026-01.xlsx", "2026-01")
    assert run_pipeline(home, as_of=AS_OF).success
    before = _marts(warehouse.published_db)
    warehouse.build_db.unlink()
    assert run_pipeline(home, as_of=AS_OF).success
    assert _marts(warehouse.published_db) == before
