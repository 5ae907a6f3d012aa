"""The target progress table as people read it: a year's latest month per target, by department."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import duckdb

_LATEST_SQL = """
select
    department_code,
    department_name,
    target_code,
    target_name,
    comparator,
    target_value,
    unit,
    period,
    ytd_actual,
    completion_ratio,
    expected_ratio,
    status,
    register_note
from marts.target_progress
where reporting_year = $year
qualify row_number() over (partition by target_code order by period desc nulls last) = 1
order by department_code, target_code
"""

# The year leaders ask about by default: the latest whose targets are registered.
_DEFAULT_YEAR_SQL = """
select coalesce(max(reporting_year) filter (where has_target), max(reporting_year))
from marts.target_progress
"""


@dataclass(frozen=True)
class ProgressRow:
    department_code: str
    department_name: str
    target_code: str
    target_name: str
    comparator: str
    target_value: float
    unit: str
    period: str | None
    ytd_actual: float | None
    completion_ratio: float | None
    expected_ratio: float | None
    status: str
    note: str | None = None  # the register's note on how the target is measured (Chinese)


def default_year(con: duckdb.DuckDBPyConnection) -> int | None:
    return con.execute(_DEFAULT_YEAR_SQL).fetchone()[0]


def latest_progress_rows(
    con: duckdb.DuckDBPyConnection, year: int | None = None
) -> list[ProgressRow]:
    """Every target of ``year`` (the latest registered year) with its latest month's
    progress (未报送 when it has none, 目标未设定 while the year's register is not loaded)."""
    year = year if year is not None else default_year(con)
    return [ProgressRow(*row) for row in con.execute(_LATEST_SQL, {"year": year}).fetchall()]


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    value = float(value)
    return f"{value:,.0f}" if value.is_integer() else f"{value:,.4g}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _cells(r: ProgressRow) -> list[str]:
    return [
        r.target_code,
        r.target_name,
        f"{r.comparator}{_num(r.target_value)} {r.unit}" if r.target_value is not None else "-",
        r.period or "-",
        _num(r.ytd_actual),
        _pct(r.completion_ratio),
        _pct(r.expected_ratio),
        r.status,
    ]


HEADERS = ["代码", "目标", "年度目标", "最新月份", "累计完成", "完成率", "序时进度", "状态"]


def progress_markdown(rows: list[ProgressRow]) -> str:
    headers = [*HEADERS, "口径说明"]
    lines = ["| 单位 | " + " | ".join(headers) + " |", "|" + "---|" * (len(headers) + 1)]
    lines += [
        f"| {r.department_name} | " + " | ".join([*_cells(r), r.note or ""]) + " |" for r in rows
    ]
    return "\n".join(lines)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def progress_text(rows: list[ProgressRow]) -> str:
    """A plain-text table grouped by department, aligned for CJK terminals."""
    table = [_cells(r) for r in rows]
    widths = [max(_width(h), *(_width(row[i]) for row in table)) for i, h in enumerate(HEADERS)]
    out = []
    current = None
    for r, cells in zip(rows, table, strict=True):
        if r.department_code != current:
            current = r.department_code
            out += ["", f"{r.department_name}（{r.department_code}）"]
            out.append("  " + "  ".join(_pad(h, w) for h, w in zip(HEADERS, widths, strict=True)))
        out.append("  " + "  ".join(_pad(c, w) for c, w in zip(cells, widths, strict=True)))
        if r.note:  # beside the figure it qualifies, where a leader reads it
            out.append(f"    注：{r.note}")
    return "\n".join(out).lstrip("\n")
