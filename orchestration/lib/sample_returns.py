"""Deterministic sample returns, filled into the real templates as departments would.

Realistic street-level figures for 2026, one file a month received a few days after the
month ends, one late file and one correction, so the demo and the tests exercise every
submission state the marts know.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

from orchestration.lib.raw_store import LOCAL_TZ
from orchestration.lib.reference import Reference
from orchestration.lib.return_spec import Contract, ReturnSpec
from orchestration.lib.template_filler import fill_template

SEED = 20260101
# Jobs follow the calendar: the Spring Festival dips February, graduates lift the summer.
SEASON = (0.85, 0.6, 1.15, 1.1, 1.05, 1.1, 1.2, 1.05, 1.0, 1.0, 0.95, 0.95)
# Street shares of the district's activity (the commercial core and the new north).
STREET_WEIGHTS = (0.07, 0.06, 0.07, 0.06, 0.06, 0.07, 0.07, 0.10, 0.11, 0.09, 0.08, 0.08, 0.08)
LATE_MONTH = 6  # June's file arrives after the due day
CORRECTED_MONTH = 3  # March's file is corrected in mid-April
CORRECTED_STREET_INDEX = 8  # the street whose figure was understated


@dataclass(frozen=True)
class SampleFile:
    department_code: str
    return_code: str
    period: str
    file_name: str
    received_at: dt.datetime
    header: dict[str, object]
    rows: list[dict[str, object]]

    def write(self, template: Path, folder: Path, spec: ReturnSpec, contract: Contract) -> Path:
        return fill_template(
            template, folder / self.file_name, spec, contract, self.header, self.rows
        )


def jobs_rows(year: int, month: int, reference: Reference) -> list[dict[str, object]]:
    rng = random.Random(f"{SEED}-jobs-{year}-{month:02d}")
    season = SEASON[month - 1]
    rows = []
    for street, weight in zip(reference.streets, STREET_WEIGHTS, strict=True):
        new_jobs = round(1560 * season * weight * rng.uniform(0.9, 1.1))
        rows.append(
            {
                "street": street,
                "new_jobs": new_jobs,
                "graduates": round(new_jobs * rng.uniform(0.35, 0.55)),
                "recruitment_events": int(rng.random() < 0.35) + int(rng.random() < 0.03),
                "training_sessions": round(430 * weight * rng.uniform(0.7, 1.3)),
                "social_insurance_expansions": round(1870 * weight * rng.uniform(0.85, 1.15)),
            }
        )
    return rows


def sample_jobs_files(year: int, months: int, reference: Reference) -> list[SampleFile]:
    """The jobs files of months 1..``months``, in the order they are received."""
    header = {"filer": "李敏", "phone": "027-85881234"}
    files = []
    for month in range(1, months + 1):
        period = f"{year}-{month:02d}"
        due_month = dt.date(year + month // 12, month % 12 + 1, 1)
        day = 8 if month == LATE_MONTH else 3
        received = dt.datetime(due_month.year, due_month.month, day, 9, 30, tzinfo=LOCAL_TZ)
        rows = jobs_rows(year, month, reference)
        if month == CORRECTED_MONTH:
            corrected = [dict(r) for r in rows]
            rows[CORRECTED_STREET_INDEX]["new_jobs"] -= 60  # the slip the correction fixes
            files.append(
                SampleFile(
                    "rsj",
                    "jobs",
                    period,
                    f"jobs_{period}.xlsx",
                    received + dt.timedelta(days=13, hours=5),
                    {**header, "period": period},
                    corrected,
                )
            )
        files.append(
            SampleFile(
                "rsj",
                "jobs",
                period,
                f"jobs_{period}.xlsx",
                received,
                {**header, "period": period},
                rows,
            )
        )
    return sorted(files, key=lambda f: f.received_at)
