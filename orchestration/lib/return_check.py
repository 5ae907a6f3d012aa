"""One file on its own: read it (the parser), then validate it (its expectation suite)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from orchestration.lib.expectations.validator import ReturnValidator
from orchestration.lib.failpoints import failpoint
from orchestration.lib.findings import NOTICE_CLASS, Finding
from orchestration.lib.return_parser import ParseContext, ParsedReturn, parse_return


def one_per_cell(findings: list[Finding]) -> list[Finding]:
    """A cell gets one problem: the first (reading before rules, rules in suite order)."""
    seen, kept = set(), []
    for f in findings:
        if f.row is not None and f.column and f.rule_class != NOTICE_CLASS:
            key = (f.sheet, f.row, f.column)
            if key in seen:
                continue
            seen.add(key)
        kept.append(f)
    return kept


def validate_return(
    parsed: ParsedReturn, ctx: ParseContext, validator: ReturnValidator
) -> ParsedReturn:
    """The file as read, with its expectation suite's findings added, one per cell."""
    failpoint("validate.file")
    spec = ctx.returns.get(parsed.return_code or "")
    found = validator.validate(spec, parsed) if spec is not None else []
    return dataclasses.replace(parsed, findings=one_per_cell([*parsed.findings, *found]))


def check_return(
    path: Path,
    intake_department: str,
    ctx: ParseContext,
    validator: ReturnValidator,
    parse: Callable[[Path, str, ParseContext], ParsedReturn] = parse_return,
) -> ParsedReturn:
    """``parse`` is the in-process parser, or a sandboxed one (a child process) in the pipeline."""
    return validate_return(parse(path, intake_department, ctx), ctx, validator)
