"""Sample jobs returns: street-level figures with the calendar's seasons, one late, one corrected."""

from __future__ import annotations

import datetime as dt
import random

from orchestration.contract.reference import Reference
from orchestration.demo.samples import SEED, SampleFile, routine_arrival, sample_file

# Jobs follow the calendar: the Spring Festival dips February, graduates lift the summer.
SEASON = (0.85, 0.6, 1.15, 1.1, 1.05, 1.1, 1.2, 1.05, 1.0, 1.0, 0.95, 0.95)
# Street shares of the district's activity (the commercial core and the new north).
STREET_WEIGHTS = (0.07, 0.06, 0.07, 0.06, 0.06, 0.07, 0.07, 0.10, 0.11, 0.09, 0.08, 0.08, 0.08)
LATE_MONTH = 6  # June's file arrives after the due day
CORRECTED_MONTH = 3  # March's file is corrected in mid-April
CORRECTED_STREET_INDEX = 8  # the street whose figure was understated


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


def sample_files(year: int, months: int, reference: Reference) -> list[SampleFile]:
    files = []
    for month in range(1, months + 1):
        period = f"{year}-{month:02d}"
        received = routine_arrival(year, month, day=8 if month == LATE_MONTH else 3)
        rows = jobs_rows(year, month, reference)
        if month == CORRECTED_MONTH:
            corrected = [dict(r) for r in rows]
            rows[CORRECTED_STREET_INDEX]["new_jobs"] -= 60  # the slip the correction fixes
            later = received + dt.timedelta(days=13, hours=5)
            files.append(sample_file("rsj", "jobs", period, later, corrected))
        files.append(sample_file("rsj", "jobs", period, received, rows))
    return files
