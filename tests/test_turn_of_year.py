"""The turn of the year (issue 20): the year is data, a register per year, 同比 from history."""

import csv
import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_home, query
from openpyxl import load_workbook

from orchestration import paths
from orchestration.cli import main
from orchestration.contract.reference import Target
from orchestration.contract.register_check import check_register_file
from orchestration.contract.return_spec import load_returns
from orchestration.defs.resources import WarehouseResource
from orchestration.read.return_parser import parse_return
from orchestration.runner import archive_only, run_pipeline
from orchestration.templates.filler import fill_template
from orchestration.templates.writer import write_template


def _codes(parsed) -> set[str]:
    return {f.rule_code for f in parsed.findings}


def _received(ctx, month: str, archive_first_year: int | None = None):
    return dataclasses.replace(ctx, received_month=month, archive_first_year=archive_first_year)


# --- reading a return: which months may be filed --------------------------------------


def test_a_january_return_is_accepted_once_january_has_ended_and_refused_before(
    tmp_path, fill_jobs, ctx, check
):
    """Filed on last year's template (the year's template is not sent out yet)."""
    path = fill_jobs(tmp_path / "j.xlsx", "2027-01")
    early = check(path, "rsj", _received(ctx, "2027-01", 2026))
    (finding,) = [f for f in early.findings if f.rule_code == "PERIOD_NOT_ENDED"]
    assert not early.accepted and finding.expected == "2027-02-01"
    on_time = check(path, "rsj", _received(ctx, "2027-02", 2026))
    assert on_time.accepted and on_time.period == "2027-01", on_time.findings


@pytest.mark.parametrize(
    "received, archive_first_year, window",
    [
        ("2027-02", None, ("2026-01", "2027-01")),  # last year's late files, always
        ("2027-02", 2022, ("2022-01", "2027-01")),  # every year the archive holds
        ("2023-03", 2026, ("2022-01", "2023-02")),  # history, received in its own year
        ("2027-01", 2026, ("2026-01", "2026-12")),  # December is due in January
    ],
)
def test_the_years_kept_run_from_the_archive_to_the_year_of_receipt(
    ctx, received, archive_first_year, window
):
    assert _received(ctx, received, archive_first_year).period_window() == window


def test_a_year_the_archive_does_not_hold_is_refused_naming_the_months_it_may_be(
    tmp_path, fill_jobs, ctx, check
):
    path = fill_jobs(tmp_path / "j.xlsx", "2023-05")
    parsed = check(path, "rsj", _received(ctx, "2027-02", 2026))
    (finding,) = [f for f in parsed.findings if f.rule_code == "PERIOD_OUT_OF_RANGE"]
    assert not parsed.accepted and finding.expected == "2026-01 至 2027-01"
    # Loaded as history, received in its own year, the same file is taken.
    assert check(path, "rsj", _received(ctx, "2023-06", 2026)).accepted


# --- templates for a year -------------------------------------------------------------


def _period_list(path: Path) -> list[str]:
    lists = load_workbook(path)["_lists"]
    return [c.value for c in lists["B"][1:] if c.value]


def test_templates_for_a_year_offer_its_months_first(tmp_path, reference):
    assert main(["templates", "--out", str(tmp_path), "--year", "2027"]) == 0
    offered = _period_list(tmp_path / "jobs.xlsx")
    assert offered[:12] == [f"2027-{m:02d}" for m in range(1, 13)]
    assert "2026-12" not in offered
    sheet = load_workbook(tmp_path / "jobs.xlsx")["就业情况月报"]
    (validation,) = [
        dv for dv in sheet.data_validations.dataValidation if "!$B$2:" in (dv.formula1 or "")
    ]
    assert validation.formula1.endswith(f"${len(offered) + 1}") and "2027-03" in validation.error


def test_last_years_template_offers_the_new_years_months_and_its_return_is_taken(
    templates_dir, fill_jobs, tmp_path, ctx, check
):
    assert {"2026-12", "2027-01"} <= set(_period_list(templates_dir / "jobs.xlsx"))
    parsed = check(fill_jobs(tmp_path / "j.xlsx", "2027-01"), "rsj", _received(ctx, "2027-02"))
    assert parsed.accepted and parsed.template_version == str(load_returns()["jobs"].version)


def _prelisted(path: Path) -> list[str]:
    ws = load_workbook(path)["综合指标月报"]
    return [ws.cell(row=r, column=1).value for r in range(6, ws.max_row + 1) if ws.cell(r, 1).value]


def _with_2027_register(reference):
    """2027's register: 2026's targets of 商务局 but one, plus one new."""
    swj = reference.targets_reported_by("swj", "indicators")
    kept = {t.code: dataclasses.replace(t, year=2027) for t in swj[1:]}
    new = Target(2027, "NIGHT_MARKETS", "夜市街区", "个", 3, "≥", "ytd_sum", "swj", "indicators")
    registers = {**reference.registers, 2027: {**kept, new.code: new}}
    return dataclasses.replace(reference, registers=registers), swj[0].code


def test_the_indicators_template_lists_last_years_targets_until_the_new_register(
    tmp_path, contract, reference
):
    spec = load_returns()["indicators"]
    swj_2026 = [t.code for t in reference.targets_reported_by("swj", "indicators")]
    before = write_template(spec, "swj", tmp_path / "a.xlsx", contract, reference, year=2027)
    assert _prelisted(before) == swj_2026  # January's figures keep flowing

    with_2027, dropped = _with_2027_register(reference)
    after = write_template(spec, "swj", tmp_path / "b.xlsx", contract, with_2027, year=2027)
    assert "NIGHT_MARKETS" in _prelisted(after) and dropped not in _prelisted(after)
    last_year = write_template(spec, "swj", tmp_path / "c.xlsx", contract, with_2027, year=2026)
    assert _prelisted(last_year) == swj_2026


def test_a_return_is_checked_against_its_own_years_register(tmp_path, fill_return, ctx, reference):
    with_2027, _ = _with_2027_register(reference)
    rows = [
        {"target_code": t.code, "month_value": 1, "ytd_value": 1}
        for t in reference.targets_reported_by("swj", "indicators")
    ]
    path = fill_return("indicators", tmp_path / "i.xlsx", "2027-01", rows, dept="swj")
    ctx_2027 = dataclasses.replace(_received(ctx, "2027-02", 2026), reference=with_2027)
    parsed = parse_return(path, "swj", ctx_2027)
    missing = [f for f in parsed.findings if f.rule_code == "DUE_FIGURE_MISSING"]
    assert [f.value for f in missing] == ["NIGHT_MARKETS（夜市街区）"]
    # The same rows for December 2026 meet 2026's register.
    path = fill_return("indicators", tmp_path / "d.xlsx", "2026-12", rows, dept="swj")
    assert "DUE_FIGURE_MISSING" not in _codes(parse_return(path, "swj", ctx_2027))


# --- two years in the warehouse -------------------------------------------------------

# New jobs per street and month: 2025 is history, loaded with its own receipt times.
NEW_JOBS = {
    "2025-01": 10,
    "2025-02": 10,
    "2026-01": 12,
    "2026-02": 13,
    "2026-12": 5,
    "2027-01": 20,
}
RECEIVED = {
    "2025-01": "2025-02-03T10:00",
    "2025-02": "2025-03-03T10:00",
    "2026-01": "2026-02-03T10:00",
    "2026-02": "2026-03-03T10:00",
    "2026-12": "2027-01-04T10:00",
    "2027-01": "2027-01-20T10:00",  # January still running: returned
}
AS_OF = "2027-02-04"


def _jobs_rows(reference, new_jobs: int) -> list[dict]:
    zero = dict.fromkeys(
        ["graduates", "recruitment_events", "training_sessions", "social_insurance_expansions"], 0
    )
    return [{"street": s, "new_jobs": new_jobs, **zero} for s in reference.streets]


@pytest.fixture(scope="module")
def two_years(tmp_path_factory, templates_dir, contract, reference):
    """rsj's jobs returns of 2025 (history), 2026 and January 2027, with December 2026
    corrected in January 2027 and January 2027 filed too early, then filed again."""
    home = make_home(tmp_path_factory.mktemp("turn") / "home")
    spec = load_returns()["jobs"]
    rsj = home / "intake" / "rsj"

    def drop(name: str, period: str, new_jobs: int, received: str) -> None:
        header = {"period": period, "filer": "王芳", "phone": "027-85880000"}
        rows = _jobs_rows(reference, new_jobs)
        fill_template(templates_dir / "jobs.xlsx", rsj / name, spec, contract, header, rows)
        assert archive_only(home, received_at=received).success

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(paths.HOME_ENV_VAR, str(home))
        for period, new_jobs in NEW_JOBS.items():
            drop(f"jobs_{period}.xlsx", period, new_jobs, RECEIVED[period])
        drop("jobs_2026-12_更正.xlsx", "2026-12", 7, "2027-01-20T10:00")
        drop("jobs_2027-01_再报.xlsx", "2027-01", 15, "2027-02-03T10:00")
        drop("jobs_2023-05.xlsx", "2023-05", 9, "2027-02-03T10:00")  # a year not kept
        assert run_pipeline(home, as_of=AS_OF).success
        yield WarehouseResource(home=str(home))


@pytest.mark.slow
def test_new_year_files_beside_last_years_each_judged_in_its_own_year(two_years):
    db = two_years.published_db
    files = query(db, "select original_name, outcome from raw.files order by received_at")
    outcome = dict(files)
    assert outcome["jobs_2027-01.xlsx"] == "rejected"  # January had not ended
    assert outcome["jobs_2027-01_再报.xlsx"] == "accepted"
    assert outcome["jobs_2023-05.xlsx"] == "rejected"
    assert all(o == "accepted" for n, o in files if n.startswith(("jobs_2025", "jobs_2026")))
    rules = dict(
        query(
            db,
            "select f.original_name, x.rule_code from raw.findings x "
            "join raw.files f using (file_sha256) where x.rule_code like 'PERIOD_%'",
        )
    )
    assert rules == {
        "jobs_2027-01.xlsx": "PERIOD_NOT_ENDED",
        "jobs_2023-05.xlsx": "PERIOD_OUT_OF_RANGE",
    }


def _job_new(db: Path) -> dict[str, tuple]:
    rows = query(
        db,
        "select period, reporting_year, ytd_actual_base, target_value, status,"
        " prior_year_ytd_actual, monthly_yoy_growth_pct, ytd_yoy_growth_pct"
        " from marts.target_progress where target_code = 'JOB_NEW' and period is not null",
    )
    return {r[0]: r[1:] for r in rows}


@pytest.mark.slow
def test_year_to_date_runs_within_each_year_and_a_december_correction_supersedes(
    two_years, reference
):
    streets = len(reference.streets)
    job_new = _job_new(two_years.published_db)
    assert sorted(job_new) == ["2025-01", "2025-02", "2026-01", "2026-02", "2026-12", "2027-01"]
    # 2026's year-to-date: January, February and the corrected December (7, not 5); no
    # 2027 figure counts toward it.
    year, ytd, target, status, *_ = job_new["2026-12"]
    assert (year, float(ytd), float(target)) == (2026, (12 + 13 + 7) * streets, 1.8)
    assert status == "滞后"
    # 2027 starts again from January, and has no target yet.
    year, ytd, target, status, *_ = job_new["2027-01"]
    assert (year, float(ytd), target, status) == (2027, 15 * streets, None, "目标未设定")
    # History before the first register: its actuals, no target.
    assert job_new["2025-02"][0] == 2025 and job_new["2025-02"][3] == "目标未设定"
    statuses_2027 = query(
        two_years.published_db,
        "select distinct status from marts.target_progress where reporting_year = 2027",
    )
    assert statuses_2027 == [("目标未设定",)]


@pytest.mark.slow
def test_same_period_of_last_year_and_the_growth_over_it(two_years, reference):
    """同比 on a constructed history: 10, 10 in 2025; 12, 13 in 2026; 15 in January 2027."""
    streets = len(reference.streets)
    job_new = _job_new(two_years.published_db)
    prior, monthly, ytd = job_new["2026-02"][4:]
    assert float(prior) == pytest.approx(20 * streets / 10000)  # 万人, the target's unit
    assert (monthly, ytd) == (30.0, 25.0)  # 13 over 10; 25 over 20
    assert job_new["2026-01"][5:] == (20.0, 20.0)
    assert job_new["2027-01"][5:] == (25.0, 25.0)  # 15 over January 2026's 12
    assert job_new["2025-01"][4:] == (None, None, None)  # nothing filed a year before
    assert job_new["2026-12"][4:] == (None, None, None)  # December 2025 was not filed


@pytest.mark.slow
def test_submission_status_and_scorecard_are_keyed_by_year_across_the_turn(two_years):
    db = two_years.published_db
    status = {
        (r, p): (due, s)
        for r, p, due, s in query(
            db,
            "select return_code, period, strftime(due_date, '%Y-%m-%d'), status"
            " from marts.submission_status where department_code = 'rsj'"
            " and period in ('2026-12', '2027-01')",
        )
    }
    assert status[("jobs", "2026-12")] == ("2027-01-05", "corrected")
    assert status[("indicators", "2026-12")] == ("2027-01-05", "missing")  # due in January
    assert status[("indicators", "2027-01")] == ("2027-02-05", "pending")
    years = query(db, "select distinct reporting_year from marts.submission_status order by 1")
    assert years == [(2025,), (2026,), (2027,)]
    scorecard = {
        y: (t, n)
        for y, t, n in query(
            db,
            "select reporting_year, targets, targets_not_set from marts.department_scorecard"
            " where department_code = 'rsj'",
        )
    }
    rsj_targets = len([t for t in _register_rows() if t["department_code"] == "rsj"])
    assert scorecard[2026] == (rsj_targets, 0)
    assert scorecard[2027] == (0, rsj_targets)


def _register_rows() -> list[dict[str, str]]:
    with (paths.SEEDS_DIR / "target_register.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.slow
def test_a_new_years_register_once_checked_sets_its_targets_and_growth_targets(two_years, tmp_path):
    """2027's register added (checked first), the models rebuilt by dbt: 2027's targets
    apply to 2027's figures only, and a target stated as growth of an absolute figure
    (新增就业同比增长 10%) is measured on the warehouse's own history."""
    project = tmp_path / "dbt_project"
    shutil.copytree(paths.DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    rows = _register_rows()
    new = [{**r, "reporting_year": "2027"} for r in rows]
    for r in new:
        if r["target_code"] == "JOB_NEW":
            r.update(target_value="2", source_sentence="新增就业 2 万人。")
    growth = {
        **next(r for r in new if r["target_code"] == "JOB_NEW"),
        "target_code": "JOB_NEW_GROWTH",
        "target_name": "新增就业增长",
        "unit": "%",
        "base_unit": "%",
        "unit_scale": "1",
        "target_value": "10",
        "measure_type": "yoy_growth",
        "pace": "level",
        "source_sentence": "新增就业同比增长 10%。",
    }
    seed = project / "seeds" / "target_register.csv"
    with seed.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows([*rows, *new, growth])
    report = tmp_path / "report_2027.txt"
    report.write_text("\n".join(r["source_sentence"] for r in [*new, growth]), encoding="utf-8")
    assert check_register_file(seed, report=report) == 0

    home = tmp_path / "home"
    (home / "build").mkdir(parents=True)
    shutil.copy(two_years.build_db, home / "build" / "indicators.duckdb")
    dbt = Path(sys.executable).parent / "dbt"
    build = subprocess.run(
        [str(dbt), "build", "--project-dir", str(project), "--profiles-dir", str(project)]
        + ["--vars", json.dumps({"as_of_date": AS_OF})],
        env={**os.environ, paths.HOME_ENV_VAR: str(home)},
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stdout[-3000:]
    progress = {
        (code, period): (float(ytd) if ytd is not None else None, target, status)
        for code, period, ytd, target, status in query(
            home / "build" / "indicators.duckdb",
            "select target_code, period, ytd_actual, target_value, status"
            " from marts.target_progress where target_code like 'JOB_NEW%' and period is not null",
        )
    }
    assert progress[("JOB_NEW_GROWTH", "2027-01")] == (25.0, 10, "超前")  # 15 over 12
    assert progress[("JOB_NEW", "2027-01")][1:] == (2, "滞后")  # 2027's own target
    assert float(progress[("JOB_NEW", "2026-12")][1]) == 1.8  # 2026's untouched
    assert ("JOB_NEW_GROWTH", "2026-12") not in progress  # not a 2026 target
