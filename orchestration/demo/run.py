"""The demo: templates, ten months of all five returns received on their real days, a full
run, and the progress table. Running it again changes nothing (same bytes, same hashes)."""

from __future__ import annotations

import itertools
from pathlib import Path

import duckdb

from orchestration.contract.reference import load_reference
from orchestration.contract.return_spec import load_contract, load_returns
from orchestration.defs.resources import WarehouseResource
from orchestration.demo.samples import all_sample_files
from orchestration.publish.progress_report import default_year, latest_progress_rows, progress_text
from orchestration.runner import archive_only, files_waiting, run_pipeline
from orchestration.templates.names import template_filename
from orchestration.templates.writer import write_all_templates

# The sample returns are for the year of the bundled work report (../shared/source).
DEMO_YEAR = 2026


def run_demo(
    home: Path, months: int = 10, as_of: str | None = None, enterprise_count: int = 1930
) -> str:
    warehouse = WarehouseResource(home=str(home))
    warehouse.ensure_folders()
    contract, returns, reference = load_contract(), load_returns(), load_reference()
    templates = home / "templates"
    write_all_templates(templates, returns, contract, reference, DEMO_YEAR)

    samples = all_sample_files(DEMO_YEAR, months, reference, enterprise_count)
    for received_at, batch in itertools.groupby(samples, key=lambda s: s.received_at):
        for sample in batch:
            spec = returns[sample.return_code]
            template = templates / template_filename(spec, sample.department_code, reference)
            sample.write(template, warehouse.intake_root / sample.department_code, spec, contract)
        _archive_batch(home, received_at.isoformat())

    result = run_pipeline(home, as_of=as_of)
    if not result.success:
        raise RuntimeError("the demo run failed; the last good snapshot is kept")
    return progress_report(home)


def _archive_batch(home: Path, received_at: str, attempts: int = 5) -> None:
    """Archive the batch just written, all of it at its time of receipt: files written less
    than intake_settle_seconds ago wait, so a fast run may leave some for another try."""
    for _ in range(attempts):
        if not archive_only(home, received_at=received_at).success:
            raise RuntimeError("archiving the sample returns failed; see the run in the UI")
        if not files_waiting(home):
            return
    raise RuntimeError(f"sample returns still wait in intake after {attempts} runs")


def progress_report(home: Path, year: int | None = None) -> str:
    """The progress table of ``year`` (the latest year whose targets are registered)."""
    published = WarehouseResource(home=str(home)).published_db
    con = duckdb.connect(str(published), read_only=True)
    try:
        year = year if year is not None else default_year(con)
        rows = latest_progress_rows(con, year)
        submissions = con.execute(
            "select status_zh, count(*) from marts.submission_status "
            "where reporting_year = ? group by 1 order by 1",
            [year],
        ).fetchall()
    finally:
        con.close()
    summary = "，".join(f"{s} {n}" for s, n in submissions)
    return (
        f"{year} 年目标完成进度（截至最新报送月份）\n\n"
        + progress_text(rows)
        + f"\n\n报送情况：{summary}\n快照：{published}"
    )
