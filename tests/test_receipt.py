"""Receipts: what a department reads, and nothing in them can run."""

import dataclasses

from openpyxl import load_workbook

from orchestration.contract.findings import load_rules
from orchestration.receipts.writer import (
    Receipt,
    looks_like_formula,
    receipt_name,
    write_receipt,
)

HOSTILE = "=cmd|' /C calc'!A0"


def _receipt(findings, outcome="rejected"):
    return Receipt(
        file_name="jobs.xlsx",
        department="区人力资源和社会保障局",
        return_title="就业情况月报",
        period="2026-03",
        received_at="2026-04-03 09:30:00",
        sha256="ab" * 32,
        outcome=outcome,
        rows_read=13,
        rows_loaded=0,
        note="文件已退回",
        findings=findings,
    )


def test_formula_like_values_are_echoed_as_plain_text(tmp_path):
    rules = load_rules()
    finding = rules.finding(
        "STREET_UNKNOWN",
        sheet="就业情况月报",
        row=7,
        col_index=0,
        column="街道",
        value=HOSTILE,
        expected="民族街道",
    )
    path = write_receipt(_receipt([finding]), tmp_path / "r.xlsx")
    ws = load_workbook(path)["回执"]
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    echoed = [c for c in cells if c.value == HOSTILE]  # as it was: no apostrophe added
    assert echoed and all(c.data_type == "s" and c.quotePrefix for c in echoed)
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert not any(t.startswith("'") for t in texts)


def test_an_empty_note_is_an_empty_cell_not_an_apostrophe(tmp_path):
    receipt = dataclasses.replace(_receipt([], outcome="accepted"), note=None)
    path = write_receipt(receipt, tmp_path / "r.xlsx")
    ws = load_workbook(path)["回执"]
    assert not [c.coordinate for row in ws.iter_rows() for c in row if c.value == "'"]
    assert not [c.coordinate for row in ws.iter_rows() for c in row if c.quotePrefix]


def test_receipt_lists_each_finding_with_its_cell(tmp_path):
    rules = load_rules()
    finding = rules.finding(
        "VALUE_NEGATIVE",
        sheet="就业情况月报",
        row=9,
        col_index=2,
        column="其中：高校毕业生",
        value=-1,
        expected="不小于 0 的整数",
    )
    ws = load_workbook(write_receipt(_receipt([finding]), tmp_path / "r.xlsx"))["回执"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[2][:2] == ["处理结果", "已退回"]
    header = next(r for r in rows if r[0] == "序号")
    line = rows[rows.index(header) + 1]
    record = dict(zip(header, line, strict=False))
    assert record["单元格"] == "C9" and record["行号"] == 9 and record["栏目"] == "其中：高校毕业生"
    assert record["填报值"] == "-1" and record["问题说明"] == "“-1”小于 0。"


def test_what_counts_as_formula_like():
    assert not looks_like_formula("-5") and not looks_like_formula("+3.5")
    assert not looks_like_formula("") and not looks_like_formula("民族街道")
    assert looks_like_formula("-x") and looks_like_formula("@SUM(A1)")
    assert looks_like_formula("=1+1")


def test_receipts_are_named_after_the_file_and_its_version():
    assert receipt_name("就业 3月.xlsx", "0123456789" * 6) == "就业 3月_回执_01234567.xlsx"
    assert receipt_name("a.xls", "f" * 64, duplicate=True) == "a_回执_ffffffff_重复.xlsx"


def test_a_receipt_prints_on_a4_with_its_findings_headings_on_every_page(tmp_path):
    rules = load_rules()
    findings = [
        rules.finding("VALUE_NEGATIVE", sheet="就业情况月报", row=r, col_index=2, value=-1)
        for r in range(6, 80)
    ]
    ws = load_workbook(write_receipt(_receipt(findings), tmp_path / "r.xlsx"))["回执"]
    assert int(ws.page_setup.paperSize) == 9  # A4 and ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.page_setup.fitToHeight == 0
    header_row = next(c.row for c in ws["A"] if c.value == "序号")
    assert ws.print_title_rows == f"${header_row}:${header_row}"
    assert str(ws.print_area).endswith(f"$A$1:$K${ws.max_row}")
    # The outcome sits above the findings: on the first page.
    assert ws["B3"].value == "已退回" and header_row < 20
