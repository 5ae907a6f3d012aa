"""Turns one received workbook into header values, typed rows and findings.

Columns are found by their Chinese labels, never by letter, so a department may move
columns; the identity of the template comes from its hidden meta sheet.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.contract.findings import Finding, RuleCatalogue
from orchestration.contract.prefill import prefilled_rows
from orchestration.contract.reference import Reference
from orchestration.contract.return_spec import Contract, ReturnSpec
from orchestration.read.cell_values import (
    clean_text,
    is_blank,
    label_key,
    month_after,
    month_before,
    parse_period,
)
from orchestration.read.column_readers import CellProblem, canonical, read_cell
from orchestration.read.limits import Limits
from orchestration.read.workbook import (
    DEFAULT_LIMITS,
    EncryptedWorkbook,
    UnreadableWorkbook,
    WorkbookTooLarge,
    read_workbook,
)
from orchestration.runtime.failpoints import failpoint
from orchestration.templates.names import template_filename

# How far down the sheet the header area and the column labels may sit.
HEADER_SEARCH_ROWS = 30


@dataclass
class ParsedReturn:
    intake_department: str
    return_code: str | None = None
    template_version: str | None = None
    declared_department: str | None = None
    period: str | None = None
    header: dict[str, str] = field(default_factory=dict)
    sheet_name: str | None = None
    rows: list[dict] = field(default_factory=list)  # typed values + source_row
    rows_read: int = 0
    rows_set_aside: int = 0  # read, not loaded even when accepted (total rows), each noted
    findings: list[Finding] = field(default_factory=list)
    column_index: dict[str, int] = field(default_factory=dict)  # column name -> 0-based index
    raw_text: list[dict[str, str]] = field(default_factory=list)  # each row's cells as typed

    @property
    def accepted(self) -> bool:
        return not any(f.blocking for f in self.findings)

    @property
    def rows_to_load(self) -> list[dict]:
        """A file loads whole or not at all: a partial month would understate the year."""
        return self.rows if self.accepted else []

    @property
    def department_code(self) -> str:
        """The department the file is booked to: the one it declares, if it declares one."""
        return self.declared_department or self.intake_department


@dataclass(frozen=True)
class ParseContext:
    contract: Contract
    returns: dict[str, ReturnSpec]
    reference: Reference
    rules: RuleCatalogue
    received_month: str  # "YYYY-MM": a month's return may be filed once that month has ended
    limits: Limits = DEFAULT_LIMITS
    # The earliest year of the months in the archive (None while it is empty): the years
    # the warehouse keeps run from there to the year of receipt.
    archive_first_year: int | None = None

    def for_period(self, period: str | None) -> ParseContext:
        """The context a return of ``period`` is read in: that year's target register."""
        return dataclasses.replace(self, reference=self.reference.for_period(period))

    def period_window(self) -> tuple[str, str]:
        """The first and last month a return may be filed for when received: last year's
        late files and corrections are always taken; earlier years once the archive holds
        them (history is loaded with the time it was received in its own year)."""
        received_year = int(self.received_month[:4])
        first_year = received_year - 1
        if self.archive_first_year is not None:
            first_year = min(first_year, self.archive_first_year)
        return f"{first_year:04d}-01", month_before(self.received_month)


def parse_return(path: Path, intake_department: str, ctx: ParseContext) -> ParsedReturn:
    failpoint("read.file")
    result = ParsedReturn(intake_department=intake_department)
    sheets = [ctx.contract.meta_sheet] + [s.sheet for s in ctx.returns.values()]
    try:
        workbook = read_workbook(path, sheets, ctx.limits)
    except WorkbookTooLarge as exc:
        result.findings.append(ctx.rules.finding("LIMIT_EXCEEDED", detail=str(exc)))
        return result
    except EncryptedWorkbook:
        result.findings.append(ctx.rules.finding("WORKBOOK_ENCRYPTED"))
        return result
    except UnreadableWorkbook as exc:
        result.findings.append(ctx.rules.finding("FILE_UNREADABLE", detail=str(exc)))
        return result

    spec = _identify(workbook, result, ctx)
    if spec is None:
        _count_rows_of_refused_return(workbook, result, ctx)
        return result
    grid = workbook.grid(spec.sheet)
    if grid is None:
        result.findings.append(ctx.rules.finding("SHEET_MISSING", expected=spec.sheet))
        return result
    result.sheet_name = spec.sheet
    if spec.sheet in workbook.hidden:
        # The figures are the department's own, in our template: read them, and say so.
        result.findings.append(ctx.rules.finding("SHEET_HIDDEN", expected=spec.sheet))
    _report_uncached_formulas(
        workbook.uncached_formulas.get(spec.sheet, []), grid, spec, result, ctx
    )
    _read_header_area(grid, spec, result, ctx)
    _read_table(grid, spec, result, ctx.for_period(result.period))
    return result


def _count_rows_of_refused_return(workbook, result: ParsedReturn, ctx: ParseContext) -> None:
    """One of our returns refused for who filed it (another department's, or a return the
    department does not file) still holds figures: they count as read and rejected, and its
    month is named in the receipt. Its cells are not judged: the file is not this
    department's to file."""
    spec = ctx.returns.get(result.return_code or "")
    grid = workbook.grid(spec.sheet) if spec else None
    if grid is None:
        return
    scratch = ParsedReturn(intake_department=result.intake_department)
    _read_header_area(grid, spec, scratch, ctx)
    _read_table(grid, spec, scratch, ctx.for_period(scratch.period))
    result.rows_read = scratch.rows_read
    result.period = scratch.period  # for the receipt: the return and month it was for


def _report_uncached_formulas(cells, grid, spec: ReturnSpec, result, ctx) -> None:
    """Formulas saved without a result, in the header area or a return column (a helper
    column of the department's own is not read, so its formulas do not matter)."""
    label_row, columns = _find_label_row(grid, spec)
    labels = {i: c.label for c in spec.columns if (i := columns.get(c.name)) is not None}
    for row, col in sorted(cells):
        in_header = label_row is None or row <= label_row + 1
        if not in_header and (col - 1) not in labels:
            continue
        result.findings.append(
            ctx.rules.finding(
                "FORMULA_NOT_CALCULATED",
                sheet=spec.sheet,
                row=row,
                col_index=col - 1,
                column=None if in_header else labels[col - 1],
            )
        )


def _identify(workbook, result: ParsedReturn, ctx: ParseContext) -> ReturnSpec | None:
    """Read the template's identity from its meta sheet and check who may file it."""
    rules = ctx.rules
    meta_grid = workbook.grid(ctx.contract.meta_sheet)
    if meta_grid is None:
        templates = "、".join(
            f"{ctx.returns[r].title}（{template_filename(ctx.returns[r], result.intake_department, ctx.reference)}）"
            for r in ctx.reference.returns_filed_by(result.intake_department)
            if r in ctx.returns
        )
        result.findings.append(
            rules.finding("NOT_A_TEMPLATE", expected=ctx.contract.meta_sheet, detail=templates)
        )
        return None
    meta = {clean_text(r[0]): clean_text(r[2]) for r in meta_grid if len(r) >= 3 and r[0]}
    result.return_code = meta.get("return_code") or None
    result.template_version = meta.get("template_version") or None
    result.declared_department = meta.get("department_code") or None

    spec = ctx.returns.get(result.return_code or "")
    if spec is None:
        result.findings.append(
            rules.finding(
                "UNKNOWN_RETURN",
                value=result.return_code,
                expected="、".join(f"{s.title}（{s.code}）" for s in ctx.returns.values()),
            )
        )
        return None
    if result.template_version != str(spec.version):
        result.findings.append(
            rules.finding(
                "UNSUPPORTED_TEMPLATE_VERSION",
                value=result.template_version,
                expected=str(spec.version),
            )
        )
        return None
    declared = result.declared_department
    if declared != result.intake_department:
        names = ctx.reference.departments
        result.findings.append(
            rules.finding(
                "WRONG_DEPARTMENT",
                value=names.get(declared or "", declared),
                expected=names.get(result.intake_department, result.intake_department),
            )
        )
        return None
    if (declared, spec.code) not in ctx.reference.filers:
        result.findings.append(
            rules.finding(
                "RETURN_NOT_FILED_BY_DEPARTMENT",
                value=ctx.reference.departments.get(declared, declared),
                detail=spec.title,
            )
        )
        return None
    return spec


def _read_header_area(grid, spec: ReturnSpec, result: ParsedReturn, ctx: ParseContext) -> None:
    rules = ctx.rules
    wanted = {f.label: f for f in ctx.contract.header_fields}
    found: dict[str, tuple[object, int, int]] = {}
    for r, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        for c, cell in enumerate(row):
            key = label_key(cell)
            if key in wanted and wanted[key].name not in found:
                value = row[c + 1] if c + 1 < len(row) else None
                found[wanted[key].name] = (value, r + 1, c + 1)

    for f in ctx.contract.header_fields:
        value, row, col = found.get(f.name, (None, None, None))
        if is_blank(value):
            code = "HEADER_VALUE_MISSING" if f.required else "HEADER_VALUE_MISSING_SOFT"
            result.findings.append(
                rules.finding(code, sheet=spec.sheet, row=row, col_index=col, column=f.label)
            )
            continue
        result.header[f.name] = clean_text(value)
        if f.name == "period":
            _check_period(value, row, col, f.label, spec, result, ctx)
        elif f.name == "reporting_unit":
            expected = ctx.reference.departments.get(result.department_code)
            if expected and clean_text(value) != expected:
                result.findings.append(
                    rules.finding(
                        "REPORTING_UNIT_MISMATCH",
                        sheet=spec.sheet,
                        row=row,
                        col_index=col,
                        column=f.label,
                        value=clean_text(value),
                        expected=expected,
                    )
                )


def _check_period(value, row, col, label, spec, result: ParsedReturn, ctx: ParseContext) -> None:
    rules = ctx.rules
    period = parse_period(value)
    where = dict(sheet=spec.sheet, row=row, col_index=col, column=label, value=clean_text(value))
    if period is None:
        result.findings.append(rules.finding("PERIOD_INVALID", **where))
        return
    first, last = ctx.period_window()
    if first <= period and period > last and period[:4] <= ctx.received_month[:4]:
        # A month's figures exist only once it has ended: a running or future month's
        # return would show as complete (序时进度 100%) for a month still under way.
        result.findings.append(
            rules.finding("PERIOD_NOT_ENDED", expected=month_after(period), **where)
        )
        result.period = period  # identified, only too early: the receipt names it
        return
    if not first <= period <= last:
        result.findings.append(
            rules.finding("PERIOD_OUT_OF_RANGE", expected=f"{first} 至 {last}", **where)
        )
        return
    result.period = period
    if isinstance(value, str) and clean_text(value) != period:
        result.findings.append(rules.finding("NORMALIZED_VALUE", expected=period, **where))


def _find_label_row(grid, spec: ReturnSpec) -> tuple[int | None, dict[str, int]]:
    """The row holding most of the return's column labels, and each label's column index."""
    labels = {c.label: c.name for c in spec.columns}
    best_row, best = None, {}
    for r, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        hits = {labels[label_key(v)]: c for c, v in enumerate(row) if label_key(v) in labels}
        if len(hits) > len(best):
            best_row, best = r, hits
    return best_row, best


# A row a department adds to total the table: checked against the rows, then not loaded.
TOTAL_LABELS = {"合计", "总计", "小计", "总计数"}
_NUMERIC = {"count", "amount", "number"}
_TYPED_FROM_TEXT = _NUMERIC | {"date", "month"}


def _read_table(grid, spec: ReturnSpec, result: ParsedReturn, ctx: ParseContext) -> None:
    rules = ctx.rules
    label_row, columns = _find_label_row(grid, spec)
    missing = [c for c in spec.columns if c.name not in columns]
    for c in missing:
        result.findings.append(rules.finding("COLUMN_MISSING", sheet=spec.sheet, expected=c.label))
    if label_row is None or missing:
        return
    result.column_index = columns

    def report(code, column, row, value=None, expected=None):
        result.findings.append(
            rules.finding(
                code,
                sheet=spec.sheet,
                row=row,
                col_index=columns[column.name] if column else None,
                column=column.label if column else None,
                value=value,
                expected=expected,
            )
        )

    typed_columns = (
        [c for c in spec.columns if not c.prefilled]
        if spec.skip_blank_prefilled_rows
        else spec.columns
    )
    total_rows = []
    for r in range(label_row + 1, len(grid)):
        cells = grid[r]
        raw = {name: (cells[i] if i < len(cells) else None) for name, i in columns.items()}
        # Each cell trimmed once: a 50,000-row directory has 350,000 of them.
        texts = {name: clean_text(value) for name, value in raw.items()}
        if all(texts[c.name] == "" for c in typed_columns):
            continue  # blank rows are layout; a pre-filled row left blank may be "no figure"
        excel_row = r + 1
        result.rows_read += 1
        if any(text.replace(" ", "") in TOTAL_LABELS for text in texts.values()):
            total_rows.append((excel_row, raw))
            result.rows_set_aside += 1
            continue
        typed: dict[str, object] = {"source_row": excel_row}
        for column in spec.columns:
            text = texts[column.name]
            value = read_cell(column, raw[column.name], ctx.reference, text)
            if isinstance(value, CellProblem):
                report(value.rule_code, column, excel_row, text or None, value.expected)
                value = None
            elif (
                value is not None
                and column.type in _TYPED_FROM_TEXT
                and isinstance(raw[column.name], str)
                and text != canonical(value)
            ):
                report("NORMALIZED_VALUE", column, excel_row, text, canonical(value))
            typed[column.name] = value
        result.rows.append(typed)
        result.raw_text.append(texts)
    if spec.prefill_column and not spec.skip_blank_prefilled_rows:
        _report_missing_prefilled_rows(spec, result, ctx, report)
    elif spec.prefill_column == "target_code" and result.period is not None:
        _report_due_figures_missing(spec, result, ctx, report)
    for excel_row, raw in total_rows:
        _check_total_row(spec, excel_row, raw, result, ctx, report)
    if not result.rows and not spec.allow_empty:
        result.findings.append(rules.finding("NO_DATA_ROWS", sheet=spec.sheet))


def _report_missing_prefilled_rows(spec, result: ParsedReturn, ctx: ParseContext, report) -> None:
    """Every row the template pre-lists must come back filled: a street's row cleared or
    deleted would silently drop its figures from the district's total."""
    key = spec.prefill_column
    present = {row.get(key) for row in result.rows}
    for listed in prefilled_rows(spec, result.department_code, ctx.reference):
        if listed[key] not in present:
            report("PREFILLED_ROW_MISSING", spec.column(key), None, listed[key])


def _report_due_figures_missing(spec, result: ParsedReturn, ctx: ParseContext, report) -> None:
    """A pre-listed target may be left empty only in a month its figure is not due (the
    register's frequency: quarterly figures in March, June, September and December); a
    return with nothing due is taken empty, and its receipt says so."""
    key = spec.prefill_column
    present = {row.get(key) for row in result.rows}
    listed = [
        ctx.reference.targets[r[key]]
        for r in prefilled_rows(spec, result.department_code, ctx.reference)
    ]
    due = [t for t in listed if t.due_in(result.period)]
    for target in due:
        if target.code not in present:
            report(
                "DUE_FIGURE_MISSING",
                spec.column(key),
                None,
                f"{target.code}（{target.name}）",
                target.frequency_zh,
            )
    if not due and not result.rows:
        result.findings.append(ctx.rules.finding("NOTHING_DUE", value=result.period))


def _check_total_row(spec, excel_row, raw, result, ctx, report) -> None:
    """A 合计 row must equal the sum of the rows above; then it is dropped, with a note."""
    matched = True
    for column in spec.columns:
        if column.type not in _NUMERIC or is_blank(raw[column.name]):
            continue
        stated = read_cell(column, raw[column.name], ctx.reference)
        summed = sum((r[column.name] or 0) for r in result.rows)
        if isinstance(stated, CellProblem) or stated != summed:
            matched = False
            report(
                "TOTAL_ROW_MISMATCH",
                column,
                excel_row,
                clean_text(raw[column.name]),
                canonical(summed),
            )
    if matched:
        report("TOTAL_ROW_DROPPED", None, excel_row)
