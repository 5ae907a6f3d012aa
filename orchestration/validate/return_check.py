"""The one place a file's findings are assembled: the reader's, its expectation suite's,
its department's history and its name, kept one per cell; and the outcome they decide."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from orchestration.contract.findings import NOTICE_CLASS, WARNING_CLASS, Finding
from orchestration.load.raw_store import RawStore
from orchestration.read.return_parser import ParseContext, ParsedReturn, parse_return
from orchestration.runtime.failpoints import failpoint
from orchestration.validate.expectations.validator import ReturnValidator
from orchestration.validate.file_name import filename_findings
from orchestration.validate.history import history_findings


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
    parsed: ParsedReturn,
    ctx: ParseContext,
    suite_findings: list[Finding],
    history: RawStore | None = None,
    file_name: str | None = None,
) -> ParsedReturn:
    """The file as read, with every check's findings added, one per cell: its suite's (run
    over the run's batch of files), then (given the raw store) its department's history,
    then (given the name) its name's."""
    failpoint("validate.file")
    spec = ctx.returns.get(parsed.return_code or "")
    found = list(suite_findings)
    if history is not None:
        found += history_findings(parsed, spec, history, ctx.reference, ctx.rules)
    if file_name is not None:
        found += filename_findings(file_name, parsed, ctx.rules, ctx.reference.departments)
    return dataclasses.replace(parsed, findings=one_per_cell([*parsed.findings, *found]))


def outcome_of(parsed: ParsedReturn) -> str:
    """Returned with any 强制性 finding; accepted with warnings with any 核实性 one."""
    if not parsed.accepted:
        return "rejected"
    if any(f.rule_class == WARNING_CLASS for f in parsed.findings):
        return "accepted_with_warnings"
    return "accepted"


def check_return(
    path: Path,
    intake_department: str,
    ctx: ParseContext,
    validator: ReturnValidator,
    parse: Callable[[Path, str, ParseContext], ParsedReturn] = parse_return,
) -> ParsedReturn:
    """``parse`` is the in-process parser, or a sandboxed one (a child process) in the pipeline."""
    parsed = parse(path, intake_department, ctx)
    spec = ctx.returns.get(parsed.return_code or "")
    found = validator.validate(spec, parsed) if spec is not None else []
    return validate_return(parsed, ctx.for_period(parsed.period), found)
