"""Files that are not honest returns: each gets a finding in Chinese and loads nothing.

Every hostile file is built here, at test time, so no opaque binary is committed.
"""

import shutil
import zipfile

import pytest

from orchestration.contract.findings import load_rules
from orchestration.contract.return_spec import load_returns
from orchestration.read.limits import MB, Limits
from orchestration.read.return_parser import ParseContext

SMALL = Limits(max_file_bytes=2 * MB, max_expanded_bytes=8 * MB, max_rows=5_000, max_columns=64)


@pytest.fixture
def strict(contract, reference):
    return ParseContext(contract, load_returns(), reference, load_rules(), "2026-11", SMALL)


@pytest.fixture
def check(strict, validator):
    from orchestration.validate.return_check import check_return

    return lambda path: check_return(path, "rsj", strict, validator)


def _only(parsed):
    assert len(parsed.findings) == 1, [f.rule_code for f in parsed.findings]
    return parsed.findings[0]


def _rezip(src, dest, replace: dict[str, bytes], lie_about_size: bool = False):
    """Copy an xlsx, replacing members; optionally make the zip under-declare their sizes."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = replace.get(info.filename, zin.read(info.filename))
            zout.writestr(info.filename, data)
    if lie_about_size:
        raw = bytearray(dest.read_bytes())
        # Zero every declared uncompressed size (local headers and central directory).
        for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
            start = 0
            while (i := raw.find(signature, start)) != -1:
                raw[i + offset : i + offset + 4] = b"\x00\x00\x00\x00"
                start = i + 4
        dest.write_bytes(bytes(raw))
    return dest


def _bomb_xml(megabytes: int) -> bytes:
    padding = b" " * (megabytes * MB)
    return (
        b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + padding
        + b"<sheetData/></worksheet>"
    )


def test_a_zip_bomb_is_refused_by_its_declared_size(tmp_path, fill_jobs, check):
    good = fill_jobs(tmp_path / "good.xlsx", "2026-03")
    bomb = _rezip(good, tmp_path / "bomb.xlsx", {"xl/worksheets/sheet1.xml": _bomb_xml(20)})
    assert bomb.stat().st_size < 1 * MB
    finding = _only(check(bomb))
    assert finding.rule_code == "LIMIT_EXCEEDED" and "8.0 MB" in finding.message


def test_a_zip_bomb_that_lies_about_its_size_is_refused_before_the_reader(
    tmp_path, fill_jobs, check
):
    """Declared sizes of zero: inflating stops at the declared size and the mismatch shows
    as damage, so calamine never sees the file."""
    good = fill_jobs(tmp_path / "good.xlsx", "2026-03")
    bomb = _rezip(good, tmp_path / "liar.xlsx", {"xl/worksheets/sheet1.xml": _bomb_xml(20)}, True)
    finding = _only(check(bomb))
    assert finding.rule_code == "FILE_UNREADABLE" and "损坏" in finding.message


def test_a_truncated_workbook(tmp_path, fill_jobs, check):
    good = fill_jobs(tmp_path / "good.xlsx", "2026-03")
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    finding = _only(check(cut))
    assert finding.rule_code == "FILE_UNREADABLE" and "损坏" in finding.message


def test_a_file_over_the_size_limit(tmp_path, check):
    big = tmp_path / "big.xlsx"
    big.write_bytes(b"PK" + b"\x00" * (3 * MB))
    finding = _only(check(big))
    assert finding.rule_code == "LIMIT_EXCEEDED" and "2.0 MB" in finding.message


@pytest.mark.parametrize("cell, what", [("A1048576", "1048576 行"), ("XFD1", "16384 列")])
def test_a_sheet_with_a_million_rows_or_sixteen_thousand_columns(
    tmp_path, fill_jobs, jobs_spec, check, cell, what
):
    from openpyxl import load_workbook

    path = fill_jobs(tmp_path / "wide.xlsx", "2026-03")
    wb = load_workbook(path)
    wb[jobs_spec.sheet][cell] = 1
    wb.save(path)
    finding = _only(check(path))
    assert finding.rule_code == "LIMIT_EXCEEDED" and what in finding.message


@pytest.mark.parametrize(
    "content", [b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024, b"%PDF-1.7\n" + b"x" * 2000]
)
def test_other_binaries_renamed_to_xlsx(tmp_path, check, content):
    path = tmp_path / "renamed.xlsx"
    path.write_bytes(content)
    assert _only(check(path)).rule_code == "FILE_UNREADABLE"


def test_a_macro_workbook_is_read_for_its_values_only(tmp_path, fill_jobs, check):
    """An .xlsm is read by calamine for cell values; nothing in it is ever executed."""
    xlsm = shutil.copy(fill_jobs(tmp_path / "j.xlsx", "2026-03"), tmp_path / "j.xlsm")
    with zipfile.ZipFile(xlsm, "a") as z:
        z.writestr(
            "xl/vbaProject.bin",
            b'Attribute VB_Name = "Module1"\nSub AutoOpen()\nShell "calc"\nEnd Sub',
        )
    parsed = check(xlsm)
    assert parsed.accepted and len(parsed.rows) == 13


@pytest.mark.parametrize("how", ["renamed", "deleted"])
def test_a_workbook_without_the_data_sheet(tmp_path, fill_jobs, jobs_spec, check, how):
    from openpyxl import load_workbook

    path = fill_jobs(tmp_path / "j.xlsx", "2026-03")
    wb = load_workbook(path)
    if how == "renamed":
        wb[jobs_spec.sheet].title = "Sheet1"
    else:
        wb.create_sheet("Sheet1")
        wb.remove(wb[jobs_spec.sheet])
    wb.save(path)
    finding = _only(check(path))
    assert finding.rule_code == "SHEET_MISSING" and "就业情况月报" in finding.message


def test_text_that_looks_like_sql_or_a_formula_is_only_text(tmp_path, fill_jobs, check, reference):
    rows = [
        {
            "street": s,
            "new_jobs": 1,
            "graduates": 0,
            "recruitment_events": 0,
            "training_sessions": 0,
            "social_insurance_expansions": 0,
        }
        for s in reference.streets
    ]
    path = fill_jobs(tmp_path / "j.xlsx", "2026-03", rows, filer="'); DROP TABLE raw.files; --")
    parsed = check(path)
    assert parsed.header["filer"] == "'); DROP TABLE raw.files; --" and parsed.accepted


def test_a_reader_that_dies_takes_only_its_file_down(tmp_path, fill_jobs, jobs_spec, strict):
    """A worker capped below what reading a heavy sheet needs fails for real; the run goes on."""
    from dataclasses import replace

    from openpyxl import load_workbook

    from orchestration.read.sandbox import SandboxedParser

    heavy = fill_jobs(tmp_path / "heavy.xlsx", "2026-03")
    wb = load_workbook(heavy)
    for r in range(6, 1006):  # 32 MB of text in a helper column the parser would ignore
        wb[jobs_spec.sheet].cell(row=r, column=9, value="汉" * 32_000)
    wb.save(heavy)
    roomy = replace(strict, limits=Limits(max_expanded_bytes=512 * MB))
    with SandboxedParser(memory_bytes=48 * MB, timeout_seconds=60) as starved:
        crashed = starved(heavy, "rsj", roomy)
    finding = _only(crashed)
    assert finding.rule_code == "PARSER_CRASHED" and "异常退出" in finding.message
    path = fill_jobs(tmp_path / "j.xlsx", "2026-03")
    with SandboxedParser(timeout_seconds=60) as healthy:  # a fresh worker reads the next file
        assert healthy(path, "rsj", strict).accepted
        assert len(healthy(path, "rsj", strict).rows) == 13


def test_files_in_flight_when_a_reader_dies_are_read_again_alone(tmp_path, fill_jobs, strict):
    """Files are read two at a time: a worker's death fails every file in flight, and each of
    those is then read alone, so only a file that kills a worker by itself is a crash."""
    import multiprocessing

    from orchestration.read.sandbox import SandboxedParser

    files = [fill_jobs(tmp_path / f"j{m}.xlsx", f"2026-0{m}") for m in (2, 3)]
    with SandboxedParser(timeout_seconds=60) as parse:
        reading = [parse.start(path, "rsj", strict) for path in files]
        killed = multiprocessing.active_children()
        for worker in killed:  # the workers die with both files in flight
            worker.kill()
        results = [read() for read in reading]
    assert len(killed) == 2
    assert [(r.period, r.accepted, len(r.rows)) for r in results] == [
        ("2026-02", True, 13),
        ("2026-03", True, 13),
    ]


def test_a_reader_that_hangs_is_stopped_at_the_timeout(tmp_path, fill_jobs, strict):
    from orchestration.read.sandbox import SandboxedParser

    path = fill_jobs(tmp_path / "j.xlsx", "2026-03")
    with SandboxedParser(timeout_seconds=0.001) as hasty:
        finding = _only(hasty(path, "rsj", strict))
    assert finding.rule_code == "PARSER_CRASHED" and "秒" in finding.message


def test_the_ingest_step_reads_through_the_sandbox(
    tmp_path, fill_jobs, jobs_spec, warehouse, validator
):
    """ingest_pending hands every file to the parser it is given: a starved sandbox fails
    the heavy file (a receipt, nothing loaded) and the light file still loads."""
    import datetime as dt

    from openpyxl import load_workbook

    from orchestration.ingest import ingest_pending
    from orchestration.intake.folders import archive_waiting_files
    from orchestration.load.raw_store import LOCAL_TZ, RawStore
    from orchestration.read.sandbox import SandboxedParser

    heavy = fill_jobs(warehouse.intake_root / "rsj" / "heavy_2026-01.xlsx", "2026-01")
    wb = load_workbook(heavy)
    for r in range(6, 1006):
        wb[jobs_spec.sheet].cell(row=r, column=9, value="汉" * 32_000)
    wb.save(heavy)
    fill_jobs(warehouse.intake_root / "rsj" / "light_2026-02.xlsx", "2026-02")
    archive_waiting_files(
        warehouse.intake_root,
        warehouse.archive,
        ["rsj"],
        received_at=dt.datetime(2026, 3, 3, 9, 30, tzinfo=LOCAL_TZ),
        settle_seconds=0,
    )
    con = warehouse.connect_build()
    try:
        store = RawStore(con, load_returns())
        store.ensure_schema()
        ctx = warehouse.ingest_context()
        ctx = type(ctx)(
            ctx.contract, ctx.returns, ctx.reference, ctx.rules, Limits(max_expanded_bytes=512 * MB)
        )
        with SandboxedParser(memory_bytes=48 * MB, timeout_seconds=60) as parse:
            results = ingest_pending(
                warehouse.archive, store, warehouse.outbox_root, ctx, lambda: validator, parse
            )
        outcomes = {r.original_name: (r.outcome, r.rows_loaded) for r in results}
        assert outcomes == {
            "heavy_2026-01.xlsx": ("rejected", 0),
            "light_2026-02.xlsx": ("accepted", 13),
        }
        codes = con.execute("select rule_code from raw.findings").fetchall()
        assert codes == [("PARSER_CRASHED",)]
    finally:
        con.close()


def _data_cell(path, jobs_spec, column_name: str, data_row: int = 0):
    """The openpyxl cell of ``column_name`` in the ``data_row``-th data row of the sheet."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    sheet = wb[jobs_spec.sheet]
    label = next(c.label for c in jobs_spec.columns if c.name == column_name)
    header = next(c for row in sheet.iter_rows() for c in row if c.value == label)
    return wb, sheet.cell(row=header.row + 1 + data_row, column=header.column)


def test_an_encrypted_workbook_is_refused_with_how_to_remove_the_password(
    tmp_path, fill_jobs, check
):
    from msoffcrypto.format.ooxml import OOXMLFile

    good = fill_jobs(tmp_path / "good.xlsx", "2026-03")
    locked = tmp_path / "locked.xlsx"
    with good.open("rb") as src, locked.open("wb") as out:
        OOXMLFile(src).encrypt("jianghan", out)
    finding = _only(check(locked))
    assert finding.rule_code == "WORKBOOK_ENCRYPTED" and finding.blocking
    assert "密码" in finding.message and "取消打开密码" in finding.hint


def test_a_formula_saved_without_its_result_is_named_by_cell(tmp_path, fill_jobs, jobs_spec, check):
    """openpyxl, like many scripts, saves a formula without its result: calamine would read
    an empty cell, so the receipt names the cell instead of calling it blank."""
    path = fill_jobs(tmp_path / "j.xlsx", "2026-03")
    wb, cell = _data_cell(path, jobs_spec, "new_jobs", data_row=2)
    cell.value = "=300+200"
    wb.save(path)
    parsed = check(path)
    assert not parsed.accepted
    finding = next(f for f in parsed.findings if f.rule_code == "FORMULA_NOT_CALCULATED")
    assert finding.cell == cell.coordinate and finding.column == "新增就业人数"
    # One problem per cell: not also reported as a blank required value.
    assert [f.rule_code for f in parsed.findings if f.cell == cell.coordinate] == [
        "FORMULA_NOT_CALCULATED"
    ]


def test_the_same_formula_saved_by_a_spreadsheet_program_is_read_as_its_result(
    tmp_path, fill_jobs, jobs_spec, check
):
    from test_other_programs import resave

    path = fill_jobs(tmp_path / "j.xlsx", "2026-03")
    wb, cell = _data_cell(path, jobs_spec, "new_jobs", data_row=2)
    cell.value = "=300+200"
    # A formula whose result is empty text, in a row below the table: saved as <v></v>
    # (t="str"), a result all the same, so the row is blank rather than uncalculated.
    below = cell.parent.cell(row=cell.row + 30, column=cell.column)
    below.value = '=IF(1>2,"x","")'
    wb.save(path)
    saved = resave(path, "xlsx", tmp_path / "out")
    parsed = check(saved)
    assert parsed.accepted, [f.message for f in parsed.findings]
    assert parsed.rows[2]["new_jobs"] == 500


def test_a_hidden_data_sheet_is_read_with_a_note(tmp_path, fill_jobs, jobs_spec, check):
    path = fill_jobs(tmp_path / "j.xlsx", "2026-03")
    wb, _ = _data_cell(path, jobs_spec, "new_jobs")
    wb.create_sheet("说明")  # a workbook needs one visible sheet
    wb[jobs_spec.sheet].sheet_state = "hidden"
    wb.save(path)
    parsed = check(path)
    assert parsed.accepted and len(parsed.rows) == 13
    notice = next(f for f in parsed.findings if f.rule_code == "SHEET_HIDDEN")
    assert not notice.blocking and jobs_spec.sheet in notice.message


def test_an_entity_expansion_bomb_is_refused_before_any_parser(tmp_path, fill_jobs, check):
    """A "billion laughs" sheet: ten levels of ten references would expand to gigabytes."""
    good = fill_jobs(tmp_path / "good.xlsx", "2026-03")
    levels = "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' if i else '<!ENTITY l0 "ha">' for i in range(10)
    )
    xml = (
        f'<?xml version="1.0"?><!DOCTYPE worksheet [{levels}]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&l9;</t></is></c></row>'
        "</sheetData></worksheet>"
    ).encode()
    bomb = _rezip(good, tmp_path / "laughs.xlsx", {"xl/worksheets/sheet1.xml": xml})
    finding = _only(check(bomb))
    assert finding.rule_code == "FILE_UNREADABLE" and "实体声明" in finding.message
