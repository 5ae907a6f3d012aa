"""Opens a workbook with calamine (native, fast; reads .xlsx, .xlsm, .xlsb, .xls and .ods).

Returns plain cell grids, within the limits (size, inflated size, rows, columns) checked
before and while reading. Macros in an .xlsm are never run: calamine reads cell values only.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from python_calamine import CalamineError, CalamineWorkbook, SheetVisibleEnum

from orchestration.read.formulas import uncached_formula_cells
from orchestration.read.limits import BrokenContainer, LimitExceeded, Limits, check_container

DEFAULT_LIMITS = Limits()


class UnreadableWorkbook(Exception):
    """The file could not be opened as a workbook; the message says why, in Chinese."""


class WorkbookTooLarge(UnreadableWorkbook):
    """The file is over a configured limit; the message names it."""


class EncryptedWorkbook(UnreadableWorkbook):
    """The workbook has an opening password: nothing in it can be read."""


@dataclass(frozen=True)
class Workbook:
    sheet_names: list[str]
    grids: dict[str, list[list[object]]]  # sheet name -> rows of cells, from A1
    hidden: frozenset[str] = frozenset()  # sheets hidden or very hidden
    # sheet name -> (row, column), 1-based, of formulas saved without their result
    uncached_formulas: dict[str, list[tuple[int, int]]] = field(default_factory=dict)

    def grid(self, name: str) -> list[list[object]] | None:
        return self.grids.get(name)


def read_workbook(path: Path, sheets: list[str], limits: Limits = DEFAULT_LIMITS) -> Workbook:
    """Read the named sheets (those present) of the workbook at ``path``, cells from A1."""
    try:
        check_container(path, limits)
    except LimitExceeded as exc:
        raise WorkbookTooLarge(str(exc)) from exc
    except BrokenContainer as exc:
        raise UnreadableWorkbook(str(exc)) from exc
    try:
        with CalamineWorkbook.from_path(str(path)) as wb:
            names = list(wb.sheet_names)
            hidden = frozenset(
                m.name for m in wb.sheets_metadata if m.visible != SheetVisibleEnum.Visible
            )
            grids = {}
            for name in sheets:
                if name in names:
                    sheet = wb.get_sheet_by_name(name)
                    if sheet.height > limits.max_rows or sheet.width > limits.max_columns:
                        raise WorkbookTooLarge(
                            f"工作表“{name}”有 {sheet.height} 行、{sheet.width} 列，"
                            f"超过上限 {limits.max_rows} 行、{limits.max_columns} 列"
                        )
                    grids[name] = _from_a1(sheet, limits.max_rows)
    except CalamineError as exc:
        if type(exc).__name__ == "PasswordError":
            raise EncryptedWorkbook("工作簿设有打开密码") from exc
        raise UnreadableWorkbook(_describe(exc)) from exc
    except (OSError, ValueError) as exc:
        raise UnreadableWorkbook(f"文件格式无法识别：{type(exc).__name__}") from exc
    return Workbook(
        sheet_names=names,
        grids=grids,
        hidden=hidden,
        uncached_formulas=_uncached_formulas(path, list(grids)),
    )


def _uncached_formulas(path: Path, sheets: list[str]) -> dict[str, list[tuple[int, int]]]:
    try:
        return uncached_formula_cells(path, sheets)
    except (DefusedXmlException, ParseError, KeyError, zipfile.BadZipFile) as exc:
        raise UnreadableWorkbook(f"工作表内容已损坏（{type(exc).__name__}）") from exc


def _from_a1(sheet, max_rows: int) -> list[list[object]]:
    # calamine's grid starts at the first used cell; pad so indexes are Excel's.
    rows = sheet.to_python(skip_empty_area=False, nrows=max_rows)
    start = sheet.start or (0, 0)
    if start == (0, 0):
        return rows
    pad_cols = [""] * start[1]
    return [[] for _ in range(start[0])] + [pad_cols + list(r) for r in rows]


def _describe(exc: Exception) -> str:
    name = type(exc).__name__
    if name == "ZipError":
        return "文件不是有效的 Excel 文件或已损坏"
    return f"文件已损坏或格式不受支持（{name}）"
