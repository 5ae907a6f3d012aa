"""Deterministic sample returns for 2026, filled into the real templates as departments would.

One module per return makes its figures; this module says when each file arrives. Files
arrive on the 3rd of the next month, with a few departures from routine so the demo and
the tests meet every submission state: a late file, a correction, a returned file that is
then refiled, a missing month, and a year-to-date figure that disagrees with its months.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from orchestration.contract.return_spec import Contract, ReturnSpec
from orchestration.load.raw_store import LOCAL_TZ
from orchestration.templates.filler import fill_template

SEED = 20260101
FILER = {"filer": "李敏", "phone": "027-85881234"}


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


def routine_arrival(year: int, month: int, day: int = 3) -> dt.datetime:
    """09:30 on ``day`` of the month after ``month``: before the 5th is on time."""
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return dt.datetime(nxt.year, nxt.month, day, 9, 30, tzinfo=LOCAL_TZ)


def sample_file(dept: str, return_code: str, period: str, received: dt.datetime, rows, name=None):
    return SampleFile(
        department_code=dept,
        return_code=return_code,
        period=period,
        file_name=name or f"{return_code}_{period}.xlsx",
        received_at=received,
        header={**FILER, "period": period},
        rows=rows,
    )


def all_sample_files(year: int, months: int, reference, enterprise_count: int = 1930):
    """Every sample file of months 1..``months``, in the order they are received."""
    from orchestration.demo.samples import enterprises, first_stores, indicators, investment, jobs

    files = (
        jobs.sample_files(year, months, reference)
        + investment.sample_files(year, months, reference)
        + first_stores.sample_files(year, months, reference)
        + enterprises.sample_files(year, months, reference, enterprise_count)
        + indicators.sample_files(year, months, reference)
    )
    return sorted(files, key=lambda f: (f.received_at, f.department_code, f.file_name))
