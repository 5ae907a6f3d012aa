"""Findings: one problem found in one file, worded from the rule catalogue.

Findings are rows from the start (file, rule code, class, sheet, row, column, cell, value,
expected, message), so receipts, the ledger and later review workflows read one table.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

import yaml

from orchestration import paths

# A 强制性 finding returns the file to the department; a 核实性 one loads it, to be
# verified; a 提示 is a note (a value read the way the department meant it).
BLOCKING_CLASS = "强制性"
WARNING_CLASS = "核实性"
NOTICE_CLASS = "提示"


@dataclass(frozen=True)
class Rule:
    code: str
    rule_class: str
    message: str
    hint: str


@dataclass(frozen=True)
class Finding:
    rule_code: str
    rule_class: str
    message: str
    hint: str
    sheet: str | None = None
    row: int | None = None  # 1-based, as Excel shows it
    column: str | None = None  # the column's Chinese label
    cell: str | None = None  # "C7"
    value: str | None = None
    expected: str | None = None

    @property
    def blocking(self) -> bool:
        return self.rule_class == BLOCKING_CLASS

    def as_row(self) -> dict:
        return asdict(self)


def cell_address(row: int, col_index: int) -> str:
    """Excel address of a 1-based row and a 0-based column index: (7, 2) -> "C7".

    Not openpyxl.utils: findings are made in the parse child, whose address space is
    capped, and importing openpyxl there (it pulls numpy) takes it from 22 to 157 MB."""
    letters = ""
    n = col_index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row}"


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


class RuleCatalogue:
    def __init__(self, rules: dict[str, Rule]):
        self.rules = rules

    def finding(
        self,
        code: str,
        *,
        sheet: str | None = None,
        row: int | None = None,
        col_index: int | None = None,
        column: str | None = None,
        value: object = None,
        expected: str | None = None,
        detail: str | None = None,
    ) -> Finding:
        rule = self.rules[code]
        shown = None if value is None else str(value)
        fields = _Blank(value=shown or "", expected=expected or "", detail=detail or "")
        fields["column"] = column or ""
        return Finding(
            rule_code=code,
            rule_class=rule.rule_class,
            message=rule.message.format_map(fields),
            hint=rule.hint.format_map(fields),
            sheet=sheet,
            row=row,
            column=column,
            cell=cell_address(row, col_index)
            if row is not None and col_index is not None
            else None,
            value=shown,
            expected=expected,
        )


@cache
def load_rules(path: Path = paths.RULES_FILE) -> RuleCatalogue:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return RuleCatalogue(
        {
            code: Rule(code=code, rule_class=r["class"], message=r["message"], hint=r["hint"])
            for code, r in data.items()
        }
    )
