"""Writes the receipt (回执) a department gets for each file: an xlsx it opens in Excel."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill

from orchestration.contract.findings import Finding
from orchestration.templates.print_setup import fit_a4

OUTCOME_LABELS = {
    "accepted": "已接收",
    "accepted_with_warnings": "已接收但有警告",
    "rejected": "已退回",
    "duplicate": "重复报送（未作更改）",
}
_OUTCOME_FILLS = {
    "accepted": "C6EFCE",
    "accepted_with_warnings": "FFEB9C",
    "rejected": "FFC7CE",
    "duplicate": "DDEBF7",
}
FINDING_COLUMNS = (
    ("序号", None),
    ("规则代码", "rule_code"),
    ("类别", "rule_class"),
    ("工作表", "sheet"),
    ("单元格", "cell"),
    ("行号", "row"),
    ("栏目", "column"),
    ("填报值", "value"),
    ("应为", "expected"),
    ("问题说明", "message"),
    ("修改建议", "hint"),
)
_NUMBER = re.compile(r"[-+]?\d+(\.\d+)?")


@dataclass(frozen=True)
class Receipt:
    file_name: str
    department: str
    return_title: str | None
    period: str | None
    received_at: str
    sha256: str
    outcome: str
    rows_read: int
    rows_loaded: int
    note: str | None
    findings: Sequence[Finding]


_UNSAFE_IN_NAME = re.compile(r"[\x00-\x1f\x7f\\/:*?\"<>|]")
MAX_STEM = 60


def receipt_name(original_name: str, sha256: str, duplicate: bool = False) -> str:
    """Named after the file it answers, plus the content hash so each version has its own.

    Characters no file system or department's PC takes are replaced, and long names cut.
    """
    stem = _UNSAFE_IN_NAME.sub("_", Path(original_name).stem)[:MAX_STEM].strip(". ") or "file"
    return f"{stem}_回执_{sha256[:8]}{'_重复' if duplicate else ''}.xlsx"


def without_illegal_characters(value: object) -> object:
    """Text echoed from a file, without the control characters a workbook cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("?", value) if isinstance(value, str) else value


def looks_like_formula(text: str) -> bool:
    """Text Excel or WPS would take for a formula if it were typed (or edited) in a cell."""
    first = text[:1]
    return first in ("=", "@", "\t", "\r") or (first in ("+", "-") and not _NUMBER.fullmatch(text))


def write_receipt(receipt: Receipt, out_path: Path, replace: bool = False) -> Path:
    """Write the receipt, unless this file's receipt was already sent (a rebuild), or
    ``replace`` says that one is not to be trusted (its file was never recorded)."""
    if out_path.exists() and not replace:
        return out_path
    wb = Workbook()
    ws = wb.active
    ws.title = "回执"
    ws["A1"] = "数据报送回执"
    ws["A1"].font = Font(size=16, bold=True)
    summary = [
        ("处理结果", OUTCOME_LABELS[receipt.outcome]),
        ("文件名", receipt.file_name),
        ("报送单位", receipt.department),
        ("报表", receipt.return_title or "（无法识别）"),
        ("报告期", receipt.period or "（无法识别）"),
        ("收到时间", receipt.received_at),
        ("文件指纹（SHA-256）", receipt.sha256),
        ("读取数据行", receipt.rows_read),
        ("入库数据行", receipt.rows_loaded),
        ("未入库数据行", receipt.rows_read - receipt.rows_loaded),
        ("说明", receipt.note or ""),
    ]
    for i, (label, value) in enumerate(summary, start=3):
        ws.cell(row=i, column=1, value=label).font = Font(bold=True)
        _text(ws.cell(row=i, column=2), value)
    ws["B3"].fill = PatternFill("solid", fgColor=_OUTCOME_FILLS[receipt.outcome])
    ws["B3"].font = Font(bold=True)

    start = 3 + len(summary) + 1
    if not receipt.findings:
        ws.cell(row=start, column=1, value="未发现问题。")
    else:
        ws.cell(row=start, column=1, value="问题清单").font = Font(bold=True, size=12)
        for j, (label, _) in enumerate(FINDING_COLUMNS, start=1):
            c = ws.cell(row=start + 1, column=j, value=label)
            c.font = Font(bold=True)
            c.fill = PatternFill("solid", fgColor="DDEBF7")
        for i, finding in enumerate(receipt.findings, start=1):
            for j, (_, attr) in enumerate(FINDING_COLUMNS, start=1):
                value = i if attr is None else getattr(finding, attr)
                _text(ws.cell(row=start + 1 + i, column=j), value)
    for letter, width in zip(
        "ABCDEFGHIJK", (20, 66, 10, 16, 8, 6, 18, 16, 24, 40, 40), strict=True
    ):
        ws.column_dimensions[letter].width = width
    # One A4 landscape page wide: the outcome and the first findings on the first page,
    # the findings' headings repeated on every later one.
    fit_a4(ws, landscape=True, repeat_rows=f"{start + 1}:{start + 1}" if receipt.findings else None)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.name + ".part")
    wb.save(tmp)
    tmp.replace(out_path)
    return out_path


def _text(cell, value) -> None:
    """Echoed text is stored as it was, in a text cell: never a formula, whatever the text;
    formula-like text also gets Excel's quote-prefix style, so editing the cell keeps it
    text, without an apostrophe anyone sees."""
    cell.value = without_illegal_characters(value)
    if isinstance(cell.value, str):
        cell.data_type = "s"
        cell.quotePrefix = looks_like_formula(cell.value)
    cell.alignment = Alignment(wrap_text=True, vertical="top")
