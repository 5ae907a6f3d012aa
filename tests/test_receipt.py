"""Receipts: what a department reads, and nothing in them can run."""

from openpyxl import load_workbook

from orchestration.lib.findings import load_rules
from orchestration.lib.receipt_writer import Receipt, inert, receipt_name, write_receipt

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
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert "'" + HOSTILE in texts  # the value column: visible, but never a formula
    assert not any(t.startswith(("=", "@", "+", "-")) for t in texts)


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


def test_plain_numbers_are_not_mangled():
    assert inert("-5") == "-5" and inert("+3.5") == "+3.5"
    assert inert("-x") == "'-x" and inert("@SUM(A1)") == "'@SUM(A1)"


def test_receipts_are_named_after_the_file_and_its_version():
    assert receipt_name("就业 3月.xlsx", "0123456789" * 6) == "就业 3月_回执_01234567.xlsx"
    assert receipt_name("a.xls", "f" * 64, duplicate=True) == "a_回执_ffffffff_重复.xlsx"
