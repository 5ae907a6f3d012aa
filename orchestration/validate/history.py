"""Checks across files, against the department's own earlier months (current versions).

- A year-to-date figure must equal the sum of the months' own figures (year-to-date sums).
- A year-to-date figure must not go down from the month before.
- A month's figure over three times the median of the earlier months is an outlier.

All are 核实性 findings with the numbers compared: the statistics office decides, the
warehouse never silently picks one.
"""

from __future__ import annotations

from orchestration.contract.findings import Finding, RuleCatalogue
from orchestration.contract.reference import Reference
from orchestration.contract.return_spec import ReturnSpec
from orchestration.load.raw_store import RawStore
from orchestration.read.return_parser import ParsedReturn

# Rounding in departments' spreadsheets: half a unit in the last of four decimals.
TOLERANCE = 0.00005
OUTLIER_FACTOR = 3
MIN_HISTORY_MONTHS = 2  # a median of fewer months says little


def _fmt(x: float) -> str:
    return f"{x:,.4f}".rstrip("0").rstrip(".")


def history_findings(parsed, spec, store, reference, rules) -> list[Finding]:
    if spec is None or not parsed.accepted or parsed.period is None or not parsed.rows:
        return []
    # In this order: a cell keeps the first. A year-to-date that went down is seldom also the
    # sum of the months; said first, the decrease is the one the department reads.
    return (
        ytd_decrease_findings(parsed, spec, store, reference, rules)
        + ytd_findings(parsed, spec, store, reference, rules)
        + outlier_findings(parsed, spec, store, rules)
    )


def _ytd_sum_rows(parsed, spec, reference):
    """The indicators rows of targets measured as a year-to-date sum that give 本年累计值."""
    if spec.code != "indicators":
        return
    for row in parsed.rows:
        target = reference.targets.get(row.get("target_code"))
        if (
            target is not None
            and target.measure_type == "ytd_sum"
            and row.get("ytd_value") is not None
        ):
            yield row, target


def ytd_decrease_findings(parsed, spec, store, reference, rules) -> list[Finding]:
    findings = []
    previous_by_target = None
    for row, target in _ytd_sum_rows(parsed, spec, reference):
        if previous_by_target is None:
            previous_by_target = store.previous_ytd(parsed.department_code, parsed.period)
        previous = previous_by_target.get(target.code)
        if previous is not None and float(row["ytd_value"]) < previous - TOLERANCE:
            findings.append(
                rules.finding(
                    "YTD_DECREASED",
                    sheet=parsed.sheet_name,
                    row=row["source_row"],
                    col_index=parsed.column_index.get("ytd_value"),
                    column=spec.column("ytd_value").label,
                    value=_fmt(float(row["ytd_value"])),
                    expected=_fmt(previous),
                )
            )
    return findings


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def outlier_findings(parsed, spec, store, rules) -> list[Finding]:
    """Column totals (or, for indicators, each target's 本月值) against the earlier months."""
    findings = []
    if spec.code == "indicators":
        column = spec.column("month_value")
        by_target = store.earlier_month_values(parsed.department_code, parsed.period)
        for row in parsed.rows:
            if row.get("month_value") is None or row.get("target_code") is None:
                continue
            earlier = by_target.get(row["target_code"], {})
            value = float(row["month_value"])
            finding = _outlier(
                rules, parsed, column, value, list(earlier.values()), row["source_row"]
            )
            findings += finding
        return findings
    summable = [c for c in spec.summed_columns if not c.prefilled]
    if not summable:
        return []
    history = store.earlier_column_totals(spec, parsed.department_code, parsed.period, summable)
    for column in summable:
        value = float(sum((r.get(column.name) or 0) for r in parsed.rows))
        findings += _outlier(rules, parsed, column, value, history.get(column.name, []), None)
    return findings


def _outlier(rules, parsed, column, value, earlier, source_row) -> list[Finding]:
    if len(earlier) < MIN_HISTORY_MONTHS:
        return []
    median = _median(earlier)
    if median <= 0 or value <= OUTLIER_FACTOR * median:
        return []
    return [
        rules.finding(
            "OUTLIER_AGAINST_HISTORY",
            sheet=parsed.sheet_name,
            row=source_row,
            col_index=parsed.column_index.get(column.name) if source_row else None,
            column=column.label,
            value=_fmt(value),
            expected=_fmt(median),
        )
    ]


def ytd_findings(
    parsed: ParsedReturn,
    spec: ReturnSpec | None,
    store: RawStore,
    reference: Reference,
    rules: RuleCatalogue,
) -> list[Finding]:
    if spec is None or spec.code != "indicators" or not parsed.accepted or parsed.period is None:
        return []
    ytd_label = spec.column("ytd_value").label
    findings = []
    month = int(parsed.period[5:7])
    by_target = None
    for row, target in _ytd_sum_rows(parsed, spec, reference):
        if row.get("month_value") is None:
            continue
        if by_target is None:
            by_target = store.earlier_month_values(parsed.department_code, parsed.period)
        earlier = by_target.get(target.code, {})
        total = sum(earlier.values()) + float(row["month_value"])
        ytd = float(row["ytd_value"])
        if abs(total - ytd) <= TOLERANCE * max(1.0, abs(ytd)):
            continue
        missing = [
            f"{m} 月" for m in range(1, month) if f"{parsed.period[:4]}-{m:02d}" not in earlier
        ]
        span = f"1–{month} 月" if month > 1 else "1 月"
        if missing:
            span += f"（其中 {'、'.join(missing)} 未报送）"
        findings.append(
            rules.finding(
                "YTD_MISMATCH",
                sheet=parsed.sheet_name,
                row=row["source_row"],
                col_index=parsed.column_index.get("ytd_value"),
                column=ytd_label,
                value=_fmt(ytd),
                expected=_fmt(total),
                detail=span,
            )
        )
    return findings
