"""Reference data kept as dbt seeds (departments, streets, who files what), read in Python.

The seeds are the single copy: dbt loads them into the warehouse, the templates offer
them as drop-downs, and the parser checks against them.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from orchestration import paths


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@dataclass(frozen=True)
class Reference:
    departments: dict[str, str]  # code -> name
    streets: dict[str, str]  # name -> code
    filers: frozenset[tuple[str, str]]  # (department_code, return_code)

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
    return Reference(departments=departments, streets=streets, filers=filers)
