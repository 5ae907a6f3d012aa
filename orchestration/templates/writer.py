"""Writes a department's Excel template for a return, from the return's one definition."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from orchestration.contract.prefill import prefilled_rows
from orchestration.contract.reference import Reference
from orchestration.contract.return_spec import DATE_WINDOW, Contract, ReturnSpec
from orchestration.read.cell_values import EXCEL_EPOCH
from orchestration.templates.names import template_filename
from orchestration.templates.print_setup import fit_a4
from orchestration.templates.stable_xlsx import save_stable

TITLE_ROW = 1
HEADER_AREA_FIRST_ROW = 2  # 填报单位 / 报告期 / 填报人 / 联系电话, two per row
GRAIN_ROW = 4
COLUMN_LABEL_ROW = 5
FIRST_DATA_ROW = 6

_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_LABEL_FILL = PatternFill("solid", fgColor="DDEBF7")
_INPUT_FILL = PatternFill("solid", fgColor="FFFDE7")


def periods(year: int) -> list[str]:
    """The 报告期 drop-down of a template for ``year``: its months, then the next year's, so
    a template kept past the turn of the year still files January (the return's definition,
    not its year, decides whether a template is valid)."""
    return [f"{y}-{m:02d}" for y in (year, year + 1) for m in range(1, 13)]


def default_year(today: dt.date | None = None) -> int:
    return (today or dt.date.today()).year


def write_template(
    spec: ReturnSpec,
    department_code: str,
    out_path: Path,
    contract: Contract,
    reference: Reference,
    period: str | None = None,
    carried: list[dict] | None = None,
    year: int | None = None,
) -> Path:
    """A department's template for ``year`` (the year of ``period`` when one is given, else
    this year): its months to choose from, and the targets of that year's register (the
    latest earlier one until it is loaded). For a given ``period`` the 报告期 is set, and
    ``carried`` rows (last month's projects) are written into the input cells."""
    year = int(period[:4]) if period else (year or default_year())
    reference = reference.for_year(year)
    wb = Workbook()
    data = wb.active
    data.title = spec.sheet
    lists = wb.create_sheet(contract.lists_sheet)
    _write_lists(lists, contract, reference, year)
    _write_data_sheet(data, spec, department_code, contract, reference, period, carried or [])
    _write_instructions(
        wb.create_sheet(contract.instructions_sheet), spec, department_code, contract, reference
    )
    _write_meta(wb.create_sheet(contract.meta_sheet), spec, department_code, contract)
    # Printed on A4 as wide as the page, the column labels repeated on every page.
    fit_a4(
        data,
        landscape=len(spec.columns) > 6,
        repeat_rows=f"{COLUMN_LABEL_ROW}:{COLUMN_LABEL_ROW}",
    )
    fit_a4(wb[contract.instructions_sheet], landscape=False)
    # The lists sheet sits after the instructions, hidden, so departments see two sheets.
    wb.move_sheet(lists, offset=len(wb.sheetnames) - 1 - wb.sheetnames.index(lists.title))
    lists.sheet_state = "hidden"
    wb.active = 0
    return save_stable(wb, out_path)


def _write_lists(ws, contract: Contract, reference: Reference, year: int) -> None:
    columns = {"A": ("街道", list(reference.streets)), "B": ("报告期", periods(year))}
    columns["C"] = ("行业门类", list(reference.industries))
    for letter, (title, values) in columns.items():
        ws[f"{letter}1"] = title
        for i, value in enumerate(values, start=2):
            ws[f"{letter}{i}"] = value
    ws.protection.sheet = True


def _list_formula(contract: Contract, column: str, count: int) -> str:
    return f"{quote_sheetname(contract.lists_sheet)}!${column}$2:${column}${count + 1}"


# Spare rows under pre-filled ones, for a department that must add a line.
SPARE_ROWS = 10


def _write_data_sheet(ws, spec, department_code, contract, reference, period, carried) -> None:
    width = max(len(spec.columns), 5)
    ws.cell(row=TITLE_ROW, column=1, value=spec.title).font = Font(size=16, bold=True)
    ws.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=width)
    ws.cell(row=TITLE_ROW, column=1).alignment = Alignment(horizontal="center")

    prefilled = {
        "reporting_unit": reference.departments[department_code],
    }
    for i, field in enumerate(contract.header_fields):
        row = HEADER_AREA_FIRST_ROW + i // 2
        col = 1 + (i % 2) * 3
        label = ws.cell(row=row, column=col, value=field.label)
        label.font = Font(bold=True)
        given = period if field.name == "period" else prefilled.get(field.name)
        value = ws.cell(row=row, column=col + 1, value=given)
        value.fill = _INPUT_FILL
        value.border = _BORDER
        value.protection = Protection(locked=False)
        if field.name == "period":
            dv = DataValidation(
                type="list",
                formula1=_list_formula(contract, "B", len(periods(reference.year))),
                showErrorMessage=True,
                errorTitle="报告期",
                error=f"请从下拉列表选择报告期，格式如 {reference.year}-03。",
            )
            ws.add_data_validation(dv)
            dv.add(value)

    ws.cell(row=GRAIN_ROW, column=1, value=f"填报说明：{spec.grain}").font = Font(italic=True)
    ws.merge_cells(start_row=GRAIN_ROW, start_column=1, end_row=GRAIN_ROW, end_column=width)

    for j, column in enumerate(spec.columns, start=1):
        cell = ws.cell(row=COLUMN_LABEL_ROW, column=j, value=column.label)
        cell.font = Font(bold=True)
        cell.fill = _LABEL_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(j)].width = max(12, len(column.label) * 2 + 4)
    ws.row_dimensions[COLUMN_LABEL_ROW].height = 32

    rows = prefilled_rows(spec, department_code, reference)
    if spec.prefill_column == "street":
        n_rows = len(rows)
    elif spec.prefill_column:
        n_rows = len(rows) + SPARE_ROWS
    else:
        n_rows = spec.rows
    last_row = FIRST_DATA_ROW + n_rows - 1
    for j, column in enumerate(spec.columns, start=1):
        letter = get_column_letter(j)
        dv = _validation_for(column, contract, reference)
        if dv is not None:
            ws.add_data_validation(dv)
            dv.add(f"{letter}{FIRST_DATA_ROW}:{letter}{last_row}")
        number_format = _NUMBER_FORMATS.get(column.type)
        for r in range(FIRST_DATA_ROW, last_row + 1):
            cell = ws.cell(row=r, column=j)
            cell.border = _BORDER
            if number_format:
                cell.number_format = number_format
            given = (
                rows[r - FIRST_DATA_ROW].get(column.name)
                if r - FIRST_DATA_ROW < len(rows)
                else None
            )
            if given is not None:
                cell.value = given  # pre-filled: locked, it identifies the row
            else:
                cell.fill = _INPUT_FILL
                cell.protection = Protection(locked=False)
                if r - FIRST_DATA_ROW < len(carried):  # last month's, editable
                    cell.value = carried[r - FIRST_DATA_ROW].get(column.name)
    ws.freeze_panes = ws.cell(row=FIRST_DATA_ROW, column=1)
    # Protection keeps the labels the parser looks for intact; input cells stay unlocked.
    ws.protection.sheet = True
    ws.protection.formatCells = False
    ws.protection.formatColumns = False


# Text columns that Excel must not turn into numbers or dates ("2025-06", long codes).
_NUMBER_FORMATS = {
    "count": "0",
    "amount": "0.00##",
    "number": "0.00##",
    "date": "yyyy-mm-dd",
    "month": "@",
    "uscc": "@",
    "text": "@",
}


def _validation_for(column, contract: Contract, reference: Reference) -> DataValidation | None:
    def listed(formula: str, error: str) -> DataValidation:
        return DataValidation(
            type="list",
            formula1=formula,
            showErrorMessage=True,
            errorTitle=column.label,
            error=error,
        )

    def ranged(
        kind: str, low: str, high: str | None, error: str, operator: str = "between"
    ) -> DataValidation:
        return DataValidation(
            type=kind,
            operator=operator if high is not None else "greaterThan",
            formula1=low,
            formula2=high,
            showErrorMessage=True,
            errorTitle=column.label,
            error=error,
        )

    if column.type == "street":
        return listed(
            _list_formula(contract, "A", len(reference.streets)), "请从下拉列表选择街道。"
        )
    if column.type == "industry":
        return listed(
            _list_formula(contract, "C", len(reference.industries)), "请从下拉列表选择行业门类。"
        )
    if column.type == "enum":
        return listed(
            '"' + ",".join(column.values) + '"', "请从下拉列表选择：" + "、".join(column.values)
        )
    if column.type == "yesno":
        return listed('"是,否"', "请填“是”或“否”。")
    # The same bounds the reader holds values to (return_spec), offered where they are typed.
    high = str(column.upper_bound)
    if column.type == "count":
        return ranged("whole", "0", high, f"只能填写 0 至 {high} 之间的整数。")
    if column.type in ("amount", "number"):
        low = f"{column.min:g}" if column.min is not None else f"-{high}"
        if column.min_exclusive:  # Excel's "between" is inclusive: the reader holds the bound
            return ranged("decimal", low, None, f"只能填写大于 {low} 的数。")
        return ranged("decimal", low, high, f"只能填写 {low} 至 {high} 之间的数。")
    if column.type == "date":
        first, last = ((d - EXCEL_EPOCH).days for d in DATE_WINDOW)
        return ranged("date", str(first), str(last), "请填写日期，格式如 2026-03-15。")
    if column.type == "uscc":
        return ranged("textLength", "18", "18", "统一社会信用代码应为 18 位。", "equal")
    return None


def _write_instructions(ws, spec, department_code, contract, reference) -> None:
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 70
    lines = [
        (f"{spec.title} 填报说明", None),
        ("填报单位", reference.departments[department_code]),
        (
            "报送方式",
            f"填好后将本文件放入本单位文件夹 intake/{department_code}/，系统自动接收并在 outbox/{department_code}/ 生成回执。",
        ),
        ("报送时间", "每月数据于次月 5 日前报送。"),
        ("数据口径", spec.grain),
        (
            "更正",
            "发现数据有误时，修改后重新报送整个文件，新文件替代同一报告期的旧文件，旧文件留档备查。",
        ),
        ("注意", "请勿修改表头文字、增删工作表或改动隐藏的模板标识页，否则系统无法识别。"),
        (None, None),
        ("栏目", "填写要求"),
    ]
    lines += [(c.label, c.help) for c in spec.columns]
    for i, (a, b) in enumerate(lines, start=1):
        ws.cell(row=i, column=1, value=a)
        ws.cell(row=i, column=2, value=b).alignment = Alignment(wrap_text=True)
    ws["A1"].font = Font(size=14, bold=True)
    ws.cell(row=9, column=1).font = Font(bold=True)
    ws.cell(row=9, column=2).font = Font(bold=True)


def _write_meta(ws, spec: ReturnSpec, department_code: str, contract: Contract) -> None:
    values = {
        "return_code": spec.code,
        "template_version": str(spec.version),
        "department_code": department_code,
    }
    for i, field in enumerate(contract.meta_fields, start=1):
        ws.cell(row=i, column=1, value=field.name)
        ws.cell(row=i, column=2, value=field.label)
        # Stored as text so every program keeps it verbatim ("1", not 1.0).
        ws.cell(row=i, column=3, value=values[field.name]).number_format = "@"
    ws.sheet_state = "veryHidden"
    ws.protection.sheet = True


def write_all_templates(
    out_dir: Path,
    returns: dict[str, ReturnSpec],
    contract: Contract,
    reference: Reference,
    year: int | None = None,
) -> list[Path]:
    """Every return's template for every department that files it, for ``year`` (this year)."""
    written = []
    for spec in returns.values():
        for dept in reference.departments_filing(spec.code):
            path = out_dir / template_filename(spec, dept, reference)
            written.append(write_template(spec, dept, path, contract, reference, year=year))
    return written
