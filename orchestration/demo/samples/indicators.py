"""Sample indicators returns: every department's register targets, month by month.

Sums accumulate towards the target at a pace a little above or below linear; growth rates
hover around their target; stocks rise towards it. Each figure is filed in the months its
register frequency makes it due (GDP and services growth: quarterly). One department misses September, one file is
returned for a wrong unit and refiled, and one year-to-date figure disagrees with its months.
"""

from __future__ import annotations

import datetime as dt
import math
import random

from orchestration.contract.reference import Reference, Target
from orchestration.demo.samples import SEED, SampleFile, routine_arrival, sample_file

MISSING = ("wlj", 9)  # 区文化和旅游局 does not file September
WRONG_UNIT = ("czj", 7)  # 区财政局's July file gives one figure in a wrong unit; refiled next day
YTD_SLIP = ("kjj", 5, "TECH_SME", 10)  # May's 本年累计值 is 10 too high
_WHOLE_UNITS = {"个", "家", "场", "项", "栋", "支", "条", "处", "套", "人", "名", "亩"}


def _pace(rng: random.Random) -> float:
    return rng.uniform(0.88, 1.18)


def _series(t: Target, year: int, months: int) -> dict[int, tuple[float, float]]:
    """(本月值, 本年累计值) per month."""
    rng = random.Random(f"{SEED}-indicator-{t.code}")
    out: dict[int, tuple[float, float]] = {}
    if t.measure_type == "ytd_sum":
        pace = _pace(rng)
        previous = 0.0
        for m in range(1, months + 1):
            ytd = t.value * pace * m / 12
            ytd = float(math.floor(ytd)) if t.unit in _WHOLE_UNITS else round(ytd, 2)
            ytd = max(ytd, previous)
            out[m] = (round(ytd - previous, 2), ytd)
            previous = ytd
    elif t.measure_type == "growth_rate":
        for m in range(1, months + 1):
            if not t.due_in(f"{year}-{m:02d}"):
                continue
            ytd = round(t.value * rng.uniform(0.85, 1.15), 1)
            out[m] = (round(ytd + rng.uniform(-1.0, 1.0), 1), ytd)
    else:  # year-end stock, rising towards the target
        start = rng.uniform(0.8, 0.95)
        for m in range(1, months + 1):
            level = t.value * (start + (1.04 - start) * m / 12)
            level = float(round(level)) if t.unit in _WHOLE_UNITS else round(level, 2)
            if t.unit == "%" and t.comparator == "=":
                level = t.value
            out[m] = (0.0, level)
    return out


def sample_files(year: int, months: int, reference: Reference) -> list[SampleFile]:
    files = []
    departments = sorted({d for d, r in reference.filers if r == "indicators"})
    for dept in departments:
        targets = reference.targets_reported_by(dept, "indicators")
        series = {t.code: _series(t, year, months) for t in targets}
        for m in range(1, months + 1):
            if (dept, m) == MISSING:
                continue
            period = f"{year}-{m:02d}"
            rows = []
            for t in targets:
                if m not in series[t.code]:
                    continue
                month_value, ytd = series[t.code][m]
                if (dept, m, t.code) == YTD_SLIP[:3]:
                    ytd += YTD_SLIP[3]
                rows.append({"target_code": t.code, "month_value": month_value, "ytd_value": ytd})
            received = routine_arrival(year, m)
            if (dept, m) == WRONG_UNIT and rows:
                wrong = [dict(rows[0], unit="万元")] + rows[1:]
                files.append(sample_file(dept, "indicators", period, received, wrong))
                received += dt.timedelta(days=1)
            files.append(sample_file(dept, "indicators", period, received, rows))
    return files
