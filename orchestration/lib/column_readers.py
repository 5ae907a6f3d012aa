"""How each column type of a return definition turns a cell into a value, or a finding code."""

from __future__ import annotations

from dataclasses import dataclass

from orchestration.lib.cell_values import clean_text, parse_number
from orchestration.lib.reference import Reference
from orchestration.lib.return_spec import ColumnSpec


@dataclass(frozen=True)
class CellProblem:
    rule_code: str
    expected: str | None = None


def read_cell(column: ColumnSpec, raw: object, reference: Reference) -> object | CellProblem:
    """The typed value of ``raw`` for ``column`` (None when blank and optional)."""
    text = clean_text(raw)
    if text == "":
        return CellProblem("VALUE_REQUIRED") if column.required else None
    if column.type == "street":
        if text in reference.streets:
            return text
        return CellProblem("STREET_UNKNOWN", "、".join(reference.streets))
    if column.type == "count":
        number = parse_number(raw)
        if number is None or not number.is_integer():
            return CellProblem("VALUE_NOT_INTEGER", "不小于 0 的整数")
        if number < 0:
            return CellProblem("VALUE_NEGATIVE", "不小于 0 的整数")
        return int(number)
    raise ValueError(f"no reader for column type {column.type!r}")
