"""Across files: a year-to-date figure must equal the sum of the months' own figures.

Only for targets measured as a year-to-date sum. A disagreement is a 核实性 finding with
both numbers: the statistics office decides, the warehouse never silently picks one.
"""

from __future__ import annotations

from orchestration.lib.findings import Finding, RuleCatalogue
from orchestration.lib.raw_store import RawStore
from orchestration.lib.reference import Reference
from orchestration.lib.return_parser import ParsedReturn
from orchestration.lib.return_spec import ReturnSpec

# Rounding in departments' spreadsheets: half a unit in the last of four decimals.
TOLERANCE = 0.00005


def _fmt(x: float) -> str:
    return f"{x:,.4f}".rstrip("0").rstrip(".")


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
    for row in parsed.rows:
        target = reference.targets.get(row.get("target_code"))
        if target is None or target.measure_type != "ytd_sum":
            continue
        if row.get("month_value") is None or row.get("ytd_value") is None:
            continue
        earlier = store.earlier_month_values(parsed.department_code, target.code, parsed.period)
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
