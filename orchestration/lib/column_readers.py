"""How each column type of a return definition turns a cell into a value, or a finding code."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from orchestration.lib import uscc
from orchestration.lib.cell_values import clean_text, parse_date, parse_number, parse_period
from orchestration.lib.reference import Reference
from orchestration.lib.return_spec import ColumnSpec

_YES_NO = {"是": True, "否": False}


@dataclass(frozen=True)
class CellProblem:
    rule_code: str
    expected: str | None = None


def read_cell(column: ColumnSpec, raw: object, reference: Reference) -> object | CellProblem:
    """The typed value of ``raw`` for ``column`` (None when blank and optional)."""
    text = clean_text(raw)
    if text == "":
        return CellProblem("VALUE_REQUIRED") if column.required else None
    reader = _READERS[column.type]
    return reader(column, raw, text, reference)


def _text(column, raw, text, reference):
    return text


def _listed(values, text: str, code: str):
    return text if text in values else CellProblem(code, "、".join(values))


def _enum(column, raw, text, reference):
    return _listed(column.values, text, "VALUE_NOT_ALLOWED")


def _street(column, raw, text, reference):
    return _listed(list(reference.streets), text, "STREET_UNKNOWN")


def _industry(column, raw, text, reference):
    return _listed(reference.industries, text, "VALUE_NOT_ALLOWED")


def _yesno(column, raw, text, reference):
    return _YES_NO[text] if text in _YES_NO else CellProblem("VALUE_NOT_ALLOWED", "是、否")


def _count(column, raw, text, reference):
    number = parse_number(raw)
    if number is None or not number.is_integer():
        return CellProblem("VALUE_NOT_INTEGER", "不小于 0 的整数")
    if number < 0:
        return CellProblem("VALUE_NEGATIVE", "不小于 0 的整数")
    return int(number)


def _decimal(raw) -> Decimal | None:
    number = parse_number(raw)
    # Through str: 0.1 typed in Excel must load as 0.1, not 0.1000000000000000055.
    return None if number is None else Decimal(str(number))


def _amount(column, raw, text, reference):
    number = _decimal(raw)
    if number is None:
        return CellProblem("VALUE_NOT_NUMBER", "数字")
    low = column.min
    if low is not None:
        too_small = number <= low if column.min_exclusive else number < low
        if too_small:
            expected = f"{'大于' if column.min_exclusive else '不小于'} {low:g} 的数"
            return CellProblem("VALUE_OUT_OF_RANGE", expected)
    return number


def _number(column, raw, text, reference):
    number = _decimal(raw)
    return CellProblem("VALUE_NOT_NUMBER", "数字") if number is None else number


def _date(column, raw, text, reference):
    day = parse_date(raw)
    return day if day is not None else CellProblem("VALUE_NOT_DATE", "日期，如 2026-03-15")


def _month(column, raw, text, reference):
    month = parse_period(raw)
    return month if month is not None else CellProblem("VALUE_NOT_MONTH", "年月，如 2025-06")


def _uscc(column, raw, text, reference):
    code = text.upper()
    return code if uscc.is_valid(code) else CellProblem("USCC_INVALID", "18 位代码，校验码正确")


def _target_code(column, raw, text, reference):
    return text if text in reference.targets else CellProblem("TARGET_UNKNOWN")


_READERS = {
    "text": _text,
    "enum": _enum,
    "street": _street,
    "industry": _industry,
    "yesno": _yesno,
    "count": _count,
    "amount": _amount,
    "number": _number,
    "date": _date,
    "month": _month,
    "uscc": _uscc,
    "target_code": _target_code,
    "unit": _text,  # checked against the row's target in the parser
}
