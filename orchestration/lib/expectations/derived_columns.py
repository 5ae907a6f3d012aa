"""Columns computed for validation only, for rules Great Expectations cannot state itself.

A check names one of these (``derived:`` in a return definition); its boolean column is
then expected to be true, and a failure points at the source column's cell.
"""

from __future__ import annotations

from collections.abc import Callable

from orchestration.lib import uscc
from orchestration.lib.reference import Reference


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
