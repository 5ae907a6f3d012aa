"""Columns computed for validation only, for rules Great Expectations cannot state itself.

A check names one of these (``derived:`` in a return definition); its boolean column is
then expected to be true, and a failure points at the source column's cell. Each is
computed per file, against what the file is (its year's register, its return, its
department), so one validation can judge the rows of every file of a run together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from orchestration.contract import uscc
from orchestration.contract.reference import Reference, Target


@dataclass(frozen=True)
class FiledAs:
    """What a file's rows are judged against: its year's register, its return, its filer."""

    reference: Reference  # already the register in force for the file's month
    return_code: str
    department_code: str

    def target(self, row: dict) -> Target | None:
        return self.reference.targets.get(row.get("target_code") or "")


def uscc_check_digit_valid(row: dict, filed: FiledAs) -> bool | None:
    code = row.get("credit_code")
    return None if code is None else uscc.is_valid(code)


def unit_matches_register(row: dict, filed: FiledAs) -> bool | None:
    target = filed.target(row)
    if target is None or row.get("unit") is None:
        return None  # an unknown code or a blank unit is reported by its own rule
    return row["unit"] == target.unit


def target_in_register(row: dict, filed: FiledAs) -> bool | None:
    if row.get("target_code") is None:
        return None
    return filed.target(row) is not None


def target_in_return(row: dict, filed: FiledAs) -> bool | None:
    if row.get("target_code") is None:
        return None
    target = filed.target(row)
    return target is not None and target.feeding_return == filed.return_code


def target_of_department(row: dict, filed: FiledAs) -> bool | None:
    if row.get("target_code") is None:
        return None
    target = filed.target(row)
    return (
        target is not None
        and target.feeding_return == filed.return_code
        and target.department_code == filed.department_code
    )


DERIVED: dict[str, Callable[[dict, FiledAs], bool | None]] = {
    "uscc_check_digit_valid": uscc_check_digit_valid,
    "unit_matches_register": unit_matches_register,
    "target_in_register": target_in_register,
    "target_in_return": target_in_return,
    "target_of_department": target_of_department,
}


def _register_unit(row: dict, filed: FiledAs) -> str | None:
    target = filed.target(row)
    return target.unit if target else None


def _responsible_department(row: dict, filed: FiledAs) -> str | None:
    target = filed.target(row)
    if target is None:
        return None
    departments = filed.reference.departments
    return f"{departments.get(target.department_code, target.department_code)}负责的指标"


# What a receipt says is expected, for rules whose expectation depends on the row itself.
EXPECTED_FOR_ROW: dict[str, Callable[[dict, FiledAs], str | None]] = {
    "UNIT_MISMATCH": _register_unit,
    "TARGET_OTHER_DEPARTMENT": _responsible_department,
}
