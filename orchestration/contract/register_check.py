"""Check a target register before it is used: ``indicators register check FILE``.

A new year's register is typed by hand from the work report once it is published. A wrong
unit, department or feeding column does not fail anywhere loudly: the target just shows a
wrong status for months. So every row is checked against what the warehouse knows (the
seeds, the return definitions and the measures the dbt models make of them) and against
the report it quotes, and every problem is listed with its line before the file is used.

``--report`` is the report of the newest year in the file (the register being added);
rows of 2026 are checked against the 2026 report in the shared folder.
"""

from __future__ import annotations

import contextlib
import csv
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from orchestration import paths
from orchestration.contract.return_spec import ReturnSpec, load_returns

COMPARATORS = ("≥", ">", "≈", "=", "≤")
MEASURE_TYPES = ("ytd_sum", "year_end_stock", "growth_rate", "distinct_count", "yoy_growth")
PACES = ("linear", "level")
FREQUENCIES = ("monthly", "quarterly", "annual")
# A rate or a stock is judged against the full target all year, not a share of it.
LEVEL_ONLY = ("growth_rate", "yoy_growth", "year_end_stock")
PERCENT_ONLY = ("growth_rate", "yoy_growth")
# The indicators return carries one row per target, so the target's code is its measure.
INDICATORS = "indicators"
CODE_PATTERN = re.compile(r"[A-Z][A-Z0-9_]*")
FIRST_REPORT_YEAR = 2026
# The 2026 register quotes section 三 (the year's plan) only: the review of 2025 before it
# states figures of the same shape that are not targets.
PLAN_2026 = ("### 三、2026 年工作安排", "## 名词解释")


@dataclass(frozen=True)
class RegisterProblem:
    line: int  # CSV line (header = 1); 0 for the file as a whole
    target_code: str
    column: str
    message: str

    def __str__(self) -> str:
        where = [f"line {self.line}" if self.line else "file", self.target_code, self.column]
        return f"{', '.join(w for w in where if w)}: {self.message}"


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def register_columns() -> list[str]:
    """The register's columns, as the seed's header has them."""
    with (paths.SEEDS_DIR / "target_register.csv").open(encoding="utf-8", newline="") as f:
        return next(csv.reader(f))


def report_text(text: str, year: int) -> str:
    """A report as running text: headings dropped, line breaks and bold marks removed.

    The report breaks lines at page ends inside sentences, so the register quotes each
    sentence with those breaks joined.
    """
    start, end = PLAN_2026
    if year == FIRST_REPORT_YEAR and start in text and end in text:
        text = text[text.index(start) : text.index(end)]
    lines = [line.strip() for line in text.splitlines() if not line.lstrip().startswith("#")]
    return "".join(lines).replace("**", "")


def _number(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def number_in(number: float, sentence: str) -> bool:
    """Whether ``number`` appears in ``sentence`` as a number of its own (6 not in 16 or 6.5)."""
    shown = str(int(number)) if number.is_integer() else str(number)
    return re.search(rf"(?<![\d.]){re.escape(shown)}(?![\d.])", sentence) is not None


def _year(value: str) -> int | None:
    return int(value) if re.fullmatch(r"\d{4}", value) and 2000 <= int(value) <= 2099 else None


@dataclass(frozen=True)
class _Known:
    """What a register row may name: the seeds and the return definitions."""

    departments: frozenset[str]
    filers: frozenset[tuple[str, str]]  # (department_code, return_code)
    returns: Mapping[str, ReturnSpec]
    units: frozenset[tuple[str, str, float]]

    @classmethod
    def load(cls) -> _Known:
        # Read the seeds directly, not through load_reference(): that also parses the
        # register, and the file checked may be that very seed, broken.
        seeds = paths.SEEDS_DIR
        return cls(
            departments=frozenset(
                r["department_code"] for r in _read_csv(seeds / "departments.csv")
            ),
            filers=frozenset(
                (r["department_code"], r["return_code"])
                for r in _read_csv(seeds / "return_filers.csv")
            ),
            returns=load_returns(),
            units=frozenset(
                (r["unit"], r["base_unit"], float(r["unit_scale"]))
                for r in _read_csv(seeds / "units.csv")
            ),
        )


def register_problems(
    rows: list[dict[str, str]],
    reports: Mapping[int, str] | None = None,
    lines: Sequence[int] | None = None,
) -> list[RegisterProblem]:
    """Every problem of a register's rows (dicts keyed by the seed's columns).

    ``reports`` maps a year to its work report's text as read: rows of a year in it must
    quote a sentence of it. ``lines`` gives each row's CSV line (default: row i on line
    i + 2, below the header).
    """
    known = _Known.load()
    texts = {year: report_text(text, year) for year, text in (reports or {}).items()}
    problems: list[RegisterProblem] = []
    first_line: dict[tuple[str, str], int] = {}
    for line, raw in zip(lines or range(2, len(rows) + 2), rows, strict=True):
        row = {column: value or "" for column, value in raw.items()}
        code = row["target_code"]
        key = (row["reporting_year"], code)
        if key in first_line:
            message = f"{code} of {key[0]} is also on line {first_line[key]}"
            problems.append(RegisterProblem(line, code, "target_code", message))
        first_line.setdefault(key, line)
        problems += (
            RegisterProblem(line, code, column, message)
            for column, message in _row_problems(row, known, texts)
        )
    return problems


def _not_one_of(row: dict[str, str], column: str, allowed: Sequence[str]) -> str | None:
    if row[column] in allowed:
        return None
    return f"{row[column]!r} is not one of {', '.join(allowed)}"


def _row_problems(
    row: dict[str, str], known: _Known, texts: Mapping[int, str]
) -> Iterator[tuple[str, str]]:
    """(column, message) for each problem of one row on its own."""
    code = row["target_code"]
    year = _year(row["reporting_year"])
    if year is None:
        yield "reporting_year", f"{row['reporting_year']!r} is not a year 2000-2099"
    if not CODE_PATTERN.fullmatch(code):
        yield "target_code", f"{code!r} is not a code like JOB_NEW (A-Z, 0-9, _)"
    for column in ("target_name", "source_sentence"):
        if not row[column].strip():
            yield column, "is empty"

    value = _number(row["target_value"])
    if value is None:
        yield "target_value", f"{row['target_value']!r} is not a number"
    scale = _number(row["unit_scale"])
    if scale is None or scale <= 0:
        yield "unit_scale", f"{row['unit_scale']!r} is not a positive number"
    elif (row["unit"], row["base_unit"], scale) not in known.units:
        yield (
            "unit",
            f"unknown unit {row['unit']!r} (base unit {row['base_unit']!r}, scale "
            f"{row['unit_scale']}): not a row of dbt_project/seeds/units.csv",
        )

    for column, allowed in (
        ("comparator", COMPARATORS),
        ("measure_type", MEASURE_TYPES),
        ("pace", PACES),
        ("frequency", FREQUENCIES),
    ):
        if message := _not_one_of(row, column, allowed):
            yield column, message
    measure_type = row["measure_type"]
    if measure_type in LEVEL_ONLY and row["pace"] != "level":
        yield "pace", f"a {measure_type} target needs pace level"
    if measure_type in PERCENT_ONLY and row["unit"] != "%":
        yield "unit", f"a {measure_type} target is stated in %"

    department, feeding = row["department_code"], row["feeding_return"]
    if department not in known.departments:
        yield "department_code", f"{department!r} is not in the departments seed"
    if feeding not in known.returns:
        yield "feeding_return", f"{feeding!r} is not one of {', '.join(known.returns)}"
    elif feeding == INDICATORS:
        # The responsible department types an indicators figure into its own template;
        # another return may feed a target of a department that does not file it (the
        # statistics office's directory counts the commerce bureau's new trade firms).
        if department in known.departments and (department, feeding) not in known.filers:
            yield "feeding_return", f"{department} does not file {feeding} (return_filers seed)"
    elif feeding not in {r for _, r in known.filers}:
        yield "feeding_return", f"no department files {feeding} (return_filers seed)"

    measure = row["feeding_measure"]
    if feeding == INDICATORS:
        if measure != code:
            yield "feeding_measure", f"{measure!r}: an indicators target is fed by its own code"
        if measure_type == "yoy_growth":
            # The growth is computed from a figure a return measures over two years; a rate
            # a department reports itself is a growth_rate target.
            yield "measure_type", "a yoy_growth target is fed by a measure of another return"
    elif feeding in known.returns and measure not in known.returns[feeding].measures:
        names = ", ".join(known.returns[feeding].measures)
        yield "feeding_measure", f"{measure!r} is not a measure of {feeding} ({names})"

    sentence = row["source_sentence"]
    if value is not None and sentence.strip() and not number_in(value, sentence):
        yield "target_value", f"{row['target_value']} does not appear in the source sentence"
    if year in texts and sentence.strip() and sentence not in texts[year]:
        yield "source_sentence", f"not found in the {year} report"


def _read_register(path: Path) -> tuple[list[dict[str, str]], list[int], list[RegisterProblem]]:
    """The rows of a register file, their lines, and the problems of its shape."""
    columns = register_columns()
    try:
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            records = [(reader.line_num - _breaks(record), record) for record in reader]
    except OSError as e:
        message = f"cannot read {path}: {e.strerror or e}"
    except UnicodeDecodeError as e:
        message = f"{path} is not UTF-8 text (byte {e.start}): save it as CSV UTF-8"
    except csv.Error as e:
        message = f"{path} is not a CSV file the seed loader reads: {e}"
    else:
        message = None
    if message:
        return [], [], [RegisterProblem(0, "", "", message)]
    if header is None:
        return [], [], [RegisterProblem(0, "", "", f"{path} is empty")]
    if header != columns:
        return [], [], [RegisterProblem(1, "", "header", _header_message(header, columns))]
    rows, lines, problems = [], [], []
    for line, record in records:
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(columns):
            code = record[1] if len(record) > 1 else ""
            message = f"{len(record)} cells, the header has {len(columns)}"
            problems.append(RegisterProblem(line, code, "", message))
            continue
        rows.append(dict(zip(columns, record, strict=True)))
        lines.append(line)
    if not rows and not problems:
        problems.append(RegisterProblem(0, "", "", f"{path} has no targets"))
    return rows, lines, problems


def _header_message(header: list[str], columns: list[str]) -> str:
    if header and header[0].startswith("\ufeff"):
        return "the file starts with a byte-order mark: save it as UTF-8 without BOM"
    missing = [c for c in columns if c not in header]
    extra = [c for c in header if c not in columns]
    differences = [
        f"{label}: {', '.join(names)}"
        for label, names in (("missing", missing), ("unexpected", extra))
        if names
    ] or ["same columns in another order"]
    return f"not the register's columns ({'; '.join(differences)}); expected {','.join(columns)}"


def _breaks(record: list[str]) -> int:
    """Line breaks inside a record's quoted cells (the reader counts to its last line)."""
    return sum(cell.count("\n") for cell in record)


def check_register_file(path: Path, report: Path | None = None) -> int:
    """Print every problem of a register file, a summary line; 1 if there is a problem."""
    rows, lines, problems = _read_register(path)
    years = sorted({y for r in rows if (y := _year(r["reporting_year"])) is not None})
    reports: dict[int, str] = {}
    if report is not None and years:
        try:
            reports[years[-1]] = report.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            problems.append(RegisterProblem(0, "", "", f"cannot read report {report}: {e}"))
    if FIRST_REPORT_YEAR in years and FIRST_REPORT_YEAR not in reports:
        # Without it (a copy of the repository alone) the year is noted as not checked.
        with contextlib.suppress(OSError):
            reports[FIRST_REPORT_YEAR] = paths.SOURCE_REPORT.read_text(encoding="utf-8")
    if rows:
        problems += register_problems(rows, reports, lines)
    for problem in sorted(problems, key=lambda p: p.line):
        print(problem)
    for year in years:
        if year not in reports:
            print(f"note: source sentences of {year} not checked: pass --report")
    of_years = f" of year(s) {', '.join(map(str, years))}" if years else ""
    verdict = f"{len(problems)} problem{'s' * (len(problems) != 1)}" if problems else "OK"
    print(f"{len(rows)} targets{of_years} checked: {verdict}")
    return 1 if problems else 0
