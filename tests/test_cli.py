"""The `indicators` command as the README uses it: run, progress, demo."""

import pytest
from conftest import AS_OF, query

from orchestration.cli import main
from orchestration.demo import run_demo
from orchestration.lib.samples import all_sample_files

pytestmark = pytest.mark.slow


def test_run_then_progress(home, warehouse, fill_jobs, capsys):
    fill_jobs(warehouse.intake_root / "rsj" / "jobs_2026-02.xlsx", "2026-02")
    assert main(["run", "--as-of", AS_OF]) == 0
    assert warehouse.published_db.exists()
    capsys.readouterr()
    assert main(["progress"]) == 0
    out = capsys.readouterr().out
    assert "区人力资源和社会保障局（rsj）" in out
    new_jobs = next(line for line in out.splitlines() if "JOB_NEW" in line)
    assert "新增就业" in new_jobs and "2026-02" in new_jobs and "≥1.8 万人" in new_jobs


def test_demo_fills_months_with_a_late_and_a_corrected_return_and_reruns_idempotently(
    home, reference
):
    report = run_demo(home, months=6, as_of=AS_OF, enterprise_count=40)
    assert "新增就业" in report and "2026-06" in report
    assert "区发展和改革局（fgj）" in report and "新增首店" in report
    db = home / "indicators.duckdb"
    statuses = dict(
        query(
            db,
            "select period, status from marts.submission_status "
            "where return_code = 'jobs' and period <= '2026-06'",
        )
    )
    assert statuses == {
        "2026-01": "accepted",
        "2026-02": "accepted",
        "2026-03": "corrected",
        "2026-04": "accepted",
        "2026-05": "accepted",
        "2026-06": "late",
    }
    before = query(db, "select * from marts.target_progress order by all")

    run_demo(home, months=6, as_of=AS_OF, enterprise_count=40)  # same bytes: duplicates only
    assert query(db, "select * from marts.target_progress order by all") == before
    files = len(all_sample_files(2026, 6, reference, enterprise_count=40))
    assert query(
        db, "select count(*), count(*) filter (where is_duplicate) from raw.deliveries"
    ) == [(2 * files, files)]
    # Every filer's every return was received for each of the six months.
    filed = query(
        db,
        "select count(*) from marts.submission_status where period <= '2026-06' "
        "and status in ('accepted', 'corrected', 'late')",
    )
    assert filed == [(len(reference.filers) * 6,)]
