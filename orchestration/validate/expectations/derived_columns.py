"""Columns computed for validation only, for rules Great Expectations cannot state itself.

A check names one of these (``derived:`` in a return definition); its boolean column is
then expected to be true, and a failure points at the source column's cell.
"""

from __future__ import annotations

from collections.abc import Callable

from orchestration.contract import uscc
from orchestration.contract.reference import Reference


def uscc_check_digit_valid(row: dict, reference: Reference) -> bool | None:
    code = row.get("credit_code")
    return None if code is None else uscc.is_valid(code)


def unit_matches_register(row: dict, reference: Reference) -> bool | None:
    target = reference.targets.get(row.get("target_code") or "")
    if target is None or row.get("unit") is None:
        return None  # an unknown code or a blank unit is reported by its own rule
    return row["unit"] == target.unit


DERIVED: dict[str, Callable[[dict, Reference], bool | None]] = {
    "uscc_check_digit_valid": uscc_check_digit_valid,
    "unit_matches_register": unit_matches_register,
}


def _register_unit(row: dict, reference: Reference) -> str | None:
    target = reference.targets.get(row.get("target_code") or "")
    return target.unit if target else None


def _responsible_department(row: dict, reference: Reference) -> str | None:
    target = reference.targets.get(row.get("target_code") or "")
    if target is None:
        return None
    return f"{reference.departments.get(target.department_code, target.department_code)}负责的指标"


# What a receipt says is expected, for rules whose expectation depends on the row itself.
EXPECTED_FOR_ROW: dict[str, Callable[[dict, Reference], str | None]] = {
    "UNIT_MISMATCH": _register_unit,
    "TARGET_OTHER_DEPARTMENT": _responsible_department,
}
