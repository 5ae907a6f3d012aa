"""Right answers end to end (issue 12): what a department, an analyst and a leader see."""

import pytest
from conftest import AS_OF, query
from openpyxl import load_workbook

from orchestration.runner import run_pipeline

pytestmark = pytest.mark.slow


def _texts(receipt) -> list:
    return [c for row in load_workbook(receipt)["回执"].iter_rows(values_only=True) for c in row]


def test_a_month_is_filed_only_once_it_has_ended_and_no_mart_shows_a_running_month(
    home, warehouse, fill_jobs
):
    rsj = warehouse.intake_root / "rsj"
    fill_jobs(rsj / "jobs_2026-10.xlsx", "2026-10")
    fill_jobs(rsj / "jobs_2026-11.xlsx", "2026-11")
    fill_jobs(rsj / "jobs_2026-12.xlsx", "2026-12")
    assert run_pipeline(home, as_of="2026-12-02", received_at="2026-12-02T10:00").success
    db = warehouse.published_db
    assert query(db, "select period, outcome from raw.files order by period") == [
        ("2026-10", "accepted"),
        ("2026-11", "accepted"),
        ("2026-12", "rejected"),
    ]
    (receipt,) = warehouse.outbox_root.rglob("jobs_2026-12_回执_*.xlsx")
    texts = _texts(receipt)
    assert "已退回" in texts and "PERIOD_NOT_ENDED" in texts and "2026-12" in texts
    assert any(isinstance(t, str) and "2027-01-01 起" in t for t in texts)
    periods = {p for (p,) in query(db, "select distinct period from marts.target_progress")}
    assert "2026-12" not in periods and "2026-11" in periods

    # December's return, saved again and filed in January, is taken.
    fill_jobs(rsj / "jobs_2026-12.xlsx", "2026-12", phone="027-85880001")
    assert run_pipeline(home, as_of="2027-01-04", received_at="2027-01-04T09:00").success
    assert query(
        db, "select count(*) from raw.files where period = '2026-12' and outcome = 'accepted'"
    ) == [(1,)]
    assert query(
        db,
        "select count(*) from marts.target_progress where period = '2026-12' and target_code = 'JOB_NEW'",
    ) == [(1,)]

    # As of a day inside November, November's figures are not in any mart yet.
    assert run_pipeline(home, as_of="2026-11-20").success
    for mart in ("target_progress", "fct_jobs_street_monthly"):
        months = {
            p
            for (p,) in query(
                db, f"select distinct period from marts.{mart} where period is not null"
            )
        }
        assert months == {"2026-10"}, (mart, months)


def _summary(receipt) -> dict:
    """The receipt's summary block: label -> value (None where the cell is empty)."""
    rows = list(load_workbook(receipt)["回执"].iter_rows(values_only=True))
    return {r[0]: r[1] for r in rows[2:13]}


def test_receipts_name_what_was_identified_and_say_what_to_do(home, warehouse, fill_jobs):
    rsj, swj = warehouse.intake_root / "rsj", warehouse.intake_root / "swj"
    first = fill_jobs(rsj / "jobs_2026-03.xlsx", "2026-03")
    (rsj / "jobs_2026-03_再次.xlsx").write_bytes(first.read_bytes())  # the same file again
    fill_jobs(rsj / "jobs_2026-04.xlsx", "2026-04", filer=None)  # a 核实性 warning
    fill_jobs(swj / "jobs_2026-05.xlsx", "2026-05")  # 人社局's return in 商务局's folder
    assert run_pipeline(home, as_of=AS_OF).success

    receipts = {p.name.split("_回执_")[0]: p for p in warehouse.outbox_root.rglob("*_回执_*")}
    accepted = _summary(receipts["jobs_2026-03"])
    assert accepted["处理结果"] == "已接收" and accepted["说明"] is None  # no lone "'"

    duplicate = _summary(receipts["jobs_2026-03_再次"])
    assert duplicate["处理结果"].startswith("重复报送")
    assert (duplicate["报表"], duplicate["报告期"]) == ("就业情况月报", "2026-03")

    warned = _summary(receipts["jobs_2026-04"])
    assert warned["处理结果"] == "已接收但有警告"
    assert "数据已入库" in warned["说明"] and "核实" in warned["说明"]

    wrong_folder = _summary(receipts["jobs_2026-05"])
    assert wrong_folder["处理结果"] == "已退回"
    assert (wrong_folder["报表"], wrong_folder["报告期"]) == ("就业情况月报", "2026-05")
    # Not counted as 人社局's own returned attempt for May.
    assert query(
        warehouse.published_db,
        "select status from marts.submission_status "
        "where department_code = 'rsj' and return_code = 'jobs' and period = '2026-05'",
    ) != [("rejected",)]


def test_the_investment_template_for_a_month_lists_last_months_projects(
    home, warehouse, fill_return, tmp_path
):
    from orchestration.cli import main
    from orchestration.contract.reference import load_reference
    from orchestration.demo.samples import investment

    (october,) = [
        f for f in investment.sample_files(2026, 10, load_reference()) if f.period == "2026-10"
    ]
    fill_return("investment", warehouse.intake_root / "fgj" / "i.xlsx", "2026-10", october.rows)
    assert run_pipeline(home, as_of=AS_OF).success

    out = tmp_path / "fgj"
    assert main(["templates", "--out", str(out), "--dept", "fgj", "--month", "2026-11"]) == 0
    (template,) = out.glob("investment*.xlsx")
    wb = load_workbook(template)
    ws = wb["重点项目与投资月报"]
    labels = {c.value: c.column for c in ws[5] if c.value}
    rows = [r for r in range(6, ws.max_row + 1) if ws.cell(r, labels["项目编号"]).value]
    listed = {ws.cell(r, labels["项目编号"]).value: r for r in rows}
    assert set(listed) == {p["project_code"] for p in october.rows}
    for p in october.rows:
        r = listed[p["project_code"]]
        status = ws.cell(r, labels["项目状态"]).value
        assert status == ("续建" if p["project_status"] == "新开工" else p["project_status"])
        assert ws.cell(r, labels["本月完成投资（万元）"]).value is None  # this month's, to fill
    period_cell = next(c for row in ws.iter_rows(max_row=4) for c in row if c.value == "报告期")
    assert ws.cell(period_cell.row, period_cell.column + 1).value == "2026-11"

    # Filled in and filed, it is accepted.
    for r in rows:
        ws.cell(r, labels["本月完成投资（万元）"]).value = 100
        ws.cell(r, labels["本月到资（亿元）"]).value = 0
    wb.save(warehouse.intake_root / "fgj" / "investment_2026-11.xlsx")
    assert run_pipeline(home, as_of="2026-12-03").success
    assert query(
        warehouse.published_db,
        "select outcome from raw.files where original_name = 'investment_2026-11.xlsx'",
    ) in ([("accepted",)], [("accepted_with_warnings",)])
