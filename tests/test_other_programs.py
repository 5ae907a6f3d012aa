"""Returns saved by other programs: LibreOffice itself re-saves our filled template as
.xlsx, legacy .xls and .ods, the way WPS and LibreOffice users' files come in."""

import shutil
import subprocess

import pytest
from openpyxl import Workbook

FORMATS = {
    "xlsx": "xlsx:Calc MS Excel 2007 XML",
    "xls": "xls:MS Excel 97",
    "ods": "ods",
}


def resave(path, target: str, out_dir):
    """Open ``path`` in LibreOffice and save it in another format, as a department would."""
    soffice = shutil.which("soffice")
    assert soffice, ".ci/run installs libreoffice-calc-nogui; install it to run these tests"
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = out_dir / "lo-profile"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            FORMATS[target],
            "--outdir",
            str(out_dir),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    saved = out_dir / f"{path.stem}.{target}"
    assert saved.exists()
    return saved


@pytest.mark.parametrize("target", ["xlsx", "xls", "ods"])
def test_our_template_resaved_by_libreoffice_is_accepted_with_the_same_figures(
    tmp_path, fill_jobs, check, target
):
    original = fill_jobs(tmp_path / "jobs_2026-03.xlsx", "2026-03")
    resaved = resave(original, target, tmp_path / "out")
    ours, theirs = check(original, "rsj"), check(resaved, "rsj")
    assert theirs.accepted, [f.message for f in theirs.findings]
    assert (theirs.return_code, theirs.template_version, theirs.period) == ("jobs", "1", "2026-03")
    assert theirs.rows == ours.rows  # every figure, street and source row


def test_an_investment_return_with_dates_survives_a_legacy_xls(tmp_path, fill_return, check):
    import datetime as dt

    rows = [
        {
            "project_code": "JH-1",
            "project_name": "汉口项目",
            "project_category": "产业项目",
            "total_investment": 12.5,
            "project_status": "新开工",
            "start_date": dt.date(2026, 3, 8),
            "investment_this_month": 3200.5,
            "funds_arrived": 0.8,
            "street": "北湖街道",
        }
    ]
    original = fill_return("investment", tmp_path / "inv.xlsx", "2026-03", rows)
    parsed = check(resave(original, "xls", tmp_path / "out"), "fgj")
    assert parsed.accepted, [f.message for f in parsed.findings]
    row = parsed.rows[0]
    assert row["start_date"] == dt.date(2026, 3, 8) and str(row["total_investment"]) == "12.5"


@pytest.mark.parametrize("target", ["xls", "ods"])
def test_a_workbook_that_is_not_our_template_is_told_which_template_to_use(tmp_path, check, target):
    wb = Workbook()
    wb.active.append(["街道", "新增就业人数"])
    wb.active.append(["民族街道", 12])
    wb.save(tmp_path / "mine.xlsx")
    parsed = check(resave(tmp_path / "mine.xlsx", target, tmp_path / "out"), "rsj")
    assert [f.rule_code for f in parsed.findings] == ["NOT_A_TEMPLATE"]
    assert "就业情况月报（jobs.xlsx）" in parsed.findings[0].hint
    assert "indicators_rsj.xlsx" in parsed.findings[0].hint
