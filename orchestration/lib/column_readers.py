"""How each column type of a return definition turns a cell into a value, or a finding code."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from orchestration.lib.cell_values import clean_text, parse_date, parse_number, parse_period
from orchestration.lib.reference import Reference
from orchestration.lib.return_spec import ColumnSpec

_YES_NO = {"是": True, "否": False}


@dataclass(frozen=True)
class CellProblem:
    rule_code: str
    expected: str | None = None


def read_cell(column: ColumnSpec, raw: object, reference: Reference) -> object | CellProblem:
    """The typed value of ``raw`` for ``column`` (None when blank), or why it cannot be read.

    Reading only: whether a value is allowed (in a list, in range, unique, required) is
    for the return's expectation suite, which sees the typed values of the whole file.
    """
    text = clean_text(raw)
    if text == "":
        return None
    return _READERS[column.type](column, raw, text, reference)


def _text(column, raw, text, reference):
    return text


def _code(column, raw, text, reference):
    return text.upper()


def _yesno(column, raw, text, reference):
    return _YES_NO[text] if text in _YES_NO else CellProblem("VALUE_NOT_ALLOWED", "是、否")


def _count(column, raw, text, reference):
    number = parse_number(raw)
    if number is None or not number.is_integer():
        return CellProblem("VALUE_NOT_INTEGER", "整数")
    return int(number)


def _decimal(raw) -> Decimal | None:
    number = parse_number(raw)
    # Through str: 0.1 typed in Excel must load as 0.1, not 0.1000000000000000055.
    return None if number is None else Decimal(str(number))


def _number(column, raw, text, reference):
    number = _decimal(raw)
    return CellProblem("VALUE_NOT_NUMBER", "数字") if number is None else number


def _date(column, raw, text, reference):
    day = parse_date(raw)
    return day if day is not None else CellProblem("VALUE_NOT_DATE", "日期，如 2026-03-15")


def _month(column, raw, text, reference):
    month = parse_period(raw)
    return month if month is not None else CellProblem("VALUE_NOT_MONTH", "年月，如 2025-06")


_READERS = {
    "text": _text,
    "enum": _text,
    "street": _text,
    "industry": _text,
    "unit": _text,
    "uscc": _code,
    "target_code": _code,
    "yesno": _yesno,
    "count": _count,
    "amount": _number,
    "number": _number,
    "date": _date,
    "month": _month,
}


def canonical(value: object) -> str:
    """How a typed value is written back in a receipt's note."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
