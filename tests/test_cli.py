"""The `indicators` command as the README uses it: run, progress, demo."""

import io

import pytest
from conftest import AS_OF, query

from orchestration.cli import main
from orchestration.demo.run import run_demo
from orchestration.demo.samples import all_sample_files
from orchestration.demo.samples.jobs import jobs_rows
from orchestration.sql_shell import run_sql

pytestmark = pytest.mark.slow


def test_run_then_progress(home, warehouse, fill_jobs, reference, capsys):
    fill_jobs(warehouse.intake_root / "rsj" / "jobs_2026-02.xlsx", "2026-02")
    month_13 = jobs_rows(2026, 3, reference)
    fill_jobs(warehouse.intake_root / "rsj" / "jobs_2026-13.xlsx", "2026-13", month_13)
    assert main(["run", "--as-of", AS_OF]) == 0
    assert warehouse.published_db.exists()
    # One line per file taken, with its outcome and receipt, then a summary.
    lines = capsys.readouterr().out.splitlines()
    (good,) = [line for line in lines if "jobs_2026-02.xlsx" in line]
    assert good.split()[:3] == ["rsj", "jobs_2026-02.xlsx", "accepted"]
    assert "13/13 rows loaded" in good and "receipt outbox/rsj/jobs_2026-02_回执_" in good
    (bad,) = [line for line in lines if "jobs_2026-13.xlsx" in line]
    assert bad.split()[2] == "rejected"
    assert "2 files taken: 1 accepted, 1 rejected" in lines

    # Analysts query the snapshot with what make installed: one query, or a shell.
    (count,) = query(warehouse.published_db, "select count(*) from marts.target_progress")[0]
    assert main(["sql", "select count(*) as targets from marts.target_progress"]) == 0
    out = capsys.readouterr().out
    assert "targets" in out and str(count) in out
    assert main(["sql", "create table marts.mine (a int)"]) == 1  # the snapshot is read-only
    assert "read-only" in capsys.readouterr().err.lower()
    shell_out = io.StringIO()
    statement = ["select 40 +\n", "2 as answer;\n"]
    assert run_sql(warehouse.published_db, None, shell_out, statement) == 0
    assert "answer" in shell_out.getvalue() and "42" in shell_out.getvalue()

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
