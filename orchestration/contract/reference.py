"""Reference data kept as dbt seeds (departments, streets, who files what), read in Python.

The seeds are the single copy: dbt loads them into the warehouse, the templates offer
them as drop-downs, and the parser checks against them.
"""

from __future__ import annotations

import csv
import dataclasses
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from orchestration import paths


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@dataclass(frozen=True)
class Target:
    """One row of the target register (dbt_project/seeds/target_register.csv)."""

    year: int  # the work report's year the target belongs to
    code: str
    name: str
    unit: str
    value: float
    comparator: str
    measure_type: str
    department_code: str
    feeding_return: str
    frequency: str = "monthly"  # monthly, quarterly or annual

    def due_in(self, period: str) -> bool:
        """Whether the figure is due in the return for ``period`` ("YYYY-MM")."""
        month = int(period[5:7])
        if self.frequency == "quarterly":
            return month % 3 == 0
        if self.frequency == "annual":
            return month == 12
        return True

    @property
    def frequency_zh(self) -> str:
        return {"monthly": "月", "quarterly": "季", "annual": "年"}[self.frequency] + "报"


@dataclass(frozen=True)
class Reference:
    departments: dict[str, str]  # code -> name
    streets: dict[str, str]  # name -> code
    filers: frozenset[tuple[str, str]]  # (department_code, return_code)
    industries: tuple[str, ...]  # GB/T 4754 section names
    registers: dict[int, dict[str, Target]]  # year -> code -> target, one per work report
    year: int  # the year ``targets`` are in force for

    @property
    def targets(self) -> dict[str, Target]:
        """The register in force for ``year``: code -> target."""
        return self.registers[self.register_year(self.year)]

    def register_year(self, year: int) -> int:
        """The register a year's returns are checked against and its templates list: its own
        once loaded; until then (January, before the new report is adopted) the latest
        earlier one; for history before the first register, the first one."""
        if year in self.registers:
            return year
        earlier = [y for y in self.registers if y < year]
        return max(earlier) if earlier else min(self.registers)

    def for_year(self, year: int) -> Reference:
        return dataclasses.replace(self, year=year)

    def for_period(self, period: str | None) -> Reference:
        """The reference for a return of ``period`` ("YYYY-MM"); unchanged without one."""
        return self if not period else self.for_year(int(period[:4]))

    def targets_reported_by(self, department_code: str, return_code: str) -> list[Target]:
        """The register targets a department reports through a return, in register order."""
        return [
            t
            for t in self.targets.values()
            if t.department_code == department_code and t.feeding_return == return_code
        ]

    def returns_filed_by(self, department_code: str) -> list[str]:
        return sorted(r for d, r in self.filers if d == department_code)

    def departments_filing(self, return_code: str) -> list[str]:
        return sorted(d for d, r in self.filers if r == return_code)


@cache
def load_reference(seeds_dir: Path = paths.SEEDS_DIR) -> Reference:
    departments = {
        r["department_code"]: r["department_name"] for r in _read_csv(seeds_dir / "departments.csv")
    }
    streets = {r["street_name"]: r["street_code"] for r in _read_csv(seeds_dir / "streets.csv")}
    filers = frozenset(
        (r["department_code"], r["return_code"]) for r in _read_csv(seeds_dir / "return_filers.csv")
    )
    industries = tuple(r["section_name"] for r in _read_csv(seeds_dir / "industry_sections.csv"))
    registers: dict[int, dict[str, Target]] = {}
    for r in _read_csv(seeds_dir / "target_register.csv"):
        year = int(r["reporting_year"])
        registers.setdefault(year, {})[r["target_code"]] = Target(
            year=year,
            code=r["target_code"],
            name=r["target_name"],
            unit=r["unit"],
            value=float(r["target_value"]),
            comparator=r["comparator"],
            measure_type=r["measure_type"],
            department_code=r["department_code"],
            feeding_return=r["feeding_return"],
            frequency=r["frequency"],
        )
    return Reference(
        departments=departments,
        streets=streets,
        filers=filers,
        industries=industries,
        registers=registers,
        year=max(registers),
    )
