"""How each column type of a return definition turns a cell into a value, or a finding code."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from orchestration.contract.reference import Reference
from orchestration.contract.return_spec import DATE_WINDOW, DECIMAL_PLACES, MONTH_WINDOW, ColumnSpec
from orchestration.read.cell_values import clean_text, parse_date, parse_number, parse_period

_YES_NO = {"是": True, "否": False}


@dataclass(frozen=True)
class CellProblem:
    rule_code: str
    expected: str | None = None


def read_cell(
    column: ColumnSpec, raw: object, reference: Reference, text: str | None = None
) -> object | CellProblem:
    """The typed value of ``raw`` for ``column`` (None when blank), or why it cannot be read;
    ``text`` is the cell already trimmed (``clean_text``), when the caller has it.

    Reading only: whether a value is allowed (in a list, in range, unique, required) is
    for the return's expectation suite, which sees the typed values of the whole file.
    """
    if text is None:
        text = clean_text(raw)
    if text == "":
        return None
    value = _READERS[column.type](column, raw, text, reference)
    if isinstance(value, CellProblem):
        return value
    return _out_of_bounds(column, value) or value


def _out_of_bounds(column: ColumnSpec, value: object) -> CellProblem | None:
    """A value past what its column may hold (see return_spec's bounds), or None."""
    bound = column.upper_bound
    if bound is not None and abs(Decimal(value)) > bound:
        if column.type == "count":
            return CellProblem("VALUE_OUT_OF_RANGE", f"0 至 {bound} 之间的整数")
        low = f"{column.min:g}" if column.min is not None else f"-{bound}"
        return CellProblem("VALUE_OUT_OF_RANGE", f"{low} 至 {bound} 之间的数")
    if column.type == "date" and not DATE_WINDOW[0] <= value <= DATE_WINDOW[1]:
        return CellProblem("VALUE_OUT_OF_RANGE", f"{DATE_WINDOW[0]} 至 {DATE_WINDOW[1]} 之间的日期")
    if column.type == "month" and not MONTH_WINDOW[0] <= value <= MONTH_WINDOW[1]:
        return CellProblem(
            "VALUE_OUT_OF_RANGE", f"{MONTH_WINDOW[0]} 至 {MONTH_WINDOW[1]} 之间的年月"
        )
    if column.max_chars is not None and len(value) > column.max_chars:
        return CellProblem("TEXT_TOO_LONG", f"不超过 {column.max_chars} 个字符")
    return None


def _text(column, raw, text, reference):
    return text


def _code(column, raw, text, reference):
    return text.upper()


def _yesno(column, raw, text, reference):
    return _YES_NO[text] if text in _YES_NO else CellProblem("VALUE_NOT_ALLOWED", "是、否")


def _too_large(column) -> CellProblem:
    # A run of digits too long for a float ("1e400", forty 9s) reads as infinity.
    return _out_of_bounds(column, Decimal("Infinity"))


def _count(column, raw, text, reference):
    number = parse_number(raw)
    if number is not None and math.isinf(number):
        return _too_large(column)
    if number is None or not number.is_integer():
        return CellProblem("VALUE_NOT_INTEGER", "整数")
    return int(number)


_SCALE = Decimal(1).scaleb(-DECIMAL_PLACES)


def _number(column, raw, text, reference):
    number = parse_number(raw)
    if number is None:
        return CellProblem("VALUE_NOT_NUMBER", "数字")
    if math.isinf(number):
        return _too_large(column)
    # Through str: 0.1 typed in Excel must load as 0.1, not 0.1000000000000000055; then to
    # the stored scale (within bounds only: a huge value cannot be quantized), so what is
    # checked and echoed is exactly what loads.
    value = Decimal(str(number))
    problem = _out_of_bounds(column, value)
    if problem is not None:
        return problem
    value = value.quantize(_SCALE, rounding=ROUND_HALF_UP).normalize()
    return value.quantize(1) if value.as_tuple().exponent > 0 else value  # 100, not 1E+2


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
