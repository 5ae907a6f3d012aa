"""Faults around the pipeline: odd file names, a corrupt or deleted build database."""

import os

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
    # 300 characters cannot be a Linux file name (255 bytes); 170 is over our 120 all the same.
    fill_jobs(folder / ("月报" * 20 + "j" * 125 + ".xlsx"), "2026-03")
    assert run_pipeline(home, as_of=AS_OF).success
    assert list(folder.iterdir()) == []
    ledger = query(
        warehouse.published_db, "select outcome, rows_loaded, receipt_path from marts.intake_ledger"
    )
    assert len(ledger) == 3 and all(o == "rejected" and n == 0 for o, n, _ in ledger)
    for _, _, receipt in ledger:
        assert "\x07" not in receipt and "\\" not in receipt.rsplit("/", 1)[1]
        texts = [c.value for r in load_workbook(receipt)["回执"].iter_rows() for c in r]
        assert any(isinstance(t, str) and "控制字符" in t for t in texts)
    assert len(list((home / "archive" / "deliveries").glob("*.json"))) == 3  # archived all the same


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


def _receipt_texts(path):
    return [c.value for r in load_workbook(path)["回执"].iter_rows() for c in r if c.value]


def test_links_and_sub_folders_get_a_receipt_and_are_never_followed(
    home, warehouse, fill_jobs, tmp_path
):
    folder = warehouse.intake_root / "rsj"
    elsewhere = fill_jobs(tmp_path / "elsewhere" / "jobs_2026-01.xlsx", "2026-01")
    (folder / "快捷方式.xlsx").symlink_to(elsewhere)
    (folder / "10月").mkdir()
    fill_jobs(folder / "10月" / "jobs_2026-02.xlsx", "2026-02")
    os.mkfifo(folder / "管道.xlsx")  # opening it to read would wait for ever
    assert run_pipeline(home, as_of=AS_OF).success

    # Nothing behind the link or inside the folder was read, archived or loaded.
    assert query(warehouse.published_db, "select count(*) from raw.files") == [(0,)]
    assert not (home / "archive" / "deliveries").exists() or not list(
        (home / "archive" / "deliveries").iterdir()
    )
    assert elsewhere.exists() and (folder / "10月" / "jobs_2026-02.xlsx").exists()
    receipts = sorted((warehouse.outbox_root / "rsj").glob("*_回执_*.xlsx"))
    assert [r.name.split("_回执_")[0] for r in receipts] == ["10月", "快捷方式", "管道"]
    texts = {r.name.split("_回执_")[0]: _receipt_texts(r) for r in receipts}
    assert any("文件夹" in str(t) and "不会打开" in str(t) for t in texts["10月"])
    assert any("链接" in str(t) for t in texts["快捷方式"])
    assert any("特殊文件" in str(t) for t in texts["管道"])
    assert "已退回" in texts["快捷方式"]

    # Answered once: a second run writes no new receipt for the same entries.
    assert run_pipeline(home, as_of=AS_OF).success
    assert sorted((warehouse.outbox_root / "rsj").glob("*_回执_*.xlsx")) == receipts


def test_files_over_the_per_run_limit_wait_for_the_next_run(home, warehouse, fill_jobs, capsys):
    from orchestration.cli import main
    from orchestration.runner import files_waiting

    with (home / "settings.yml").open("a", encoding="utf-8") as settings:
        settings.write("max_files_per_run: 2\n")
    folder = warehouse.intake_root / "rsj"
    for month in range(1, 6):
        fill_jobs(folder / f"jobs_2026-{month:02d}.xlsx", f"2026-{month:02d}")
    assert run_pipeline(home, as_of=AS_OF).success
    assert files_waiting(home) == 3  # the oldest two were taken
    assert query(warehouse.published_db, "select count(*) from raw.files") == [(2,)]

    # `indicators run` keeps running until nothing waits.
    assert main(["run", "--as-of", AS_OF]) == 0
    assert "files still wait in intake/" in capsys.readouterr().out
    assert files_waiting(home) == 0
    assert query(
        warehouse.published_db, "select count(*), count(distinct period) from raw.files"
    ) == [(5, 5)]


def test_unknown_settings_are_refused_by_name(home):
    from orchestration.defs.build import build_definitions
    from orchestration.settings import SettingsError

    (home / "settings.yml").write_text("max_files_per_rn: 2\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="max_files_per_rn"):
        build_definitions(home)
    # A limit of 0 would take no file ever: refused by name too.
    (home / "settings.yml").write_text("max_files_per_run: 0\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="max_files_per_run: Input should be greater"):
        build_definitions(home)
