"""The file's name: refused when it cannot be shown safely; noted when it names another
month or department than the workbook declares."""

from __future__ import annotations

import re
from pathlib import Path

from orchestration.contract.findings import Finding
from orchestration.read.return_parser import ParsedReturn

MAX_NAME_CHARS = 120
_CONTROL_OR_SEPARATOR = re.compile(r"[\x00-\x1f\x7f\\]")


def invalid_name_finding(original_name: str, rules) -> Finding | None:
    """A name with control characters, a path separator or an absurd length is refused
    (the file is archived all the same, and the receipt shows the name made harmless)."""
    if _CONTROL_OR_SEPARATOR.search(original_name) or len(original_name) > MAX_NAME_CHARS:
        shown = _CONTROL_OR_SEPARATOR.sub("?", original_name)[:MAX_NAME_CHARS]
        return rules.finding(
            "FILE_NAME_INVALID",
            value=shown,
            expected=f"{MAX_NAME_CHARS} 个字符以内，不含控制字符和反斜杠",
        )
    return None


_PERIOD_IN_NAME = re.compile(r"(20\d{2})\s*[-_.年]?\s*(\d{1,2})(?!\d)")


def filename_findings(
    original_name: str, parsed: ParsedReturn, rules, departments: dict[str, str]
) -> list[Finding]:
    """The period and department in the workbook win over the file name; a disagreement
    gets a note, so the department can rename its files."""
    stem = Path(original_name).stem
    findings = []
    m = _PERIOD_IN_NAME.search(stem)
    if m is not None and parsed.period is not None and 1 <= int(m.group(2)) <= 12:
        named = f"{m.group(1)}-{int(m.group(2)):02d}"
        if named != parsed.period:
            findings.append(
                rules.finding("FILENAME_PERIOD_MISMATCH", value=named, expected=parsed.period)
            )
    if parsed.declared_department in departments:
        tokens = set(re.split(r"[^a-z]+", stem.lower()))
        named_departments = [
            code for code, name in departments.items() if code in tokens or name in stem
        ]
        others = [c for c in named_departments if c != parsed.declared_department]
        if others:
            findings.append(
                rules.finding(
                    "FILENAME_DEPARTMENT_MISMATCH",
                    value=departments[others[0]],
                    expected=departments[parsed.declared_department],
                )
            )
    return findings
