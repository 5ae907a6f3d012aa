"""A mixed batch through the whole pipeline: every validation rule, its receipt line, what
loaded, the ledger, the asset checks and Data Docs, and a rebuild from the archive alone.

The department's history (January and February) is received first; then a batch with one
file per rule, received on 3 July.
"""

import datetime as dt
from pathlib import Path

import pytest
from conftest import AS_OF, make_home, query, with_due_indicators
from openpyxl import load_workbook

from orchestration import paths
from orchestration.contract import uscc
from orchestration.contract.reference import load_reference
from orchestration.contract.return_spec import load_contract, load_returns
from orchestration.defs.resources import WarehouseResource
from orchestration.demo.samples.jobs import jobs_rows
from orchestration.runner import archive_only, rebuild, run_pipeline
from orchestration.templates.filler import fill_template
from orchestration.templates.names import template_filename
from orchestration.templates.writer import write_all_templates

pytestmark = pytest.mark.slow
D = dt.date


def _jobs(month, **changes):
    rows = jobs_rows(2026, month, load_reference())
    for index, values in changes.items():
        rows[int(index[1:])].update(values)
    return rows


def _indicator(code, month_value, ytd):
    return {"target_code": code, "month_value": month_value, "ytd_value": ytd}


def _project(code, status, start, total=3.0):
    return {
        "project_code": code,
        "project_name": f"{code}项目",
        "project_category": "产业项目",
        "total_investment": total,
        "project_status": status,
        "start_date": start,
        "investment_this_month": 10,
        "funds_arrived": 0,
        "street": "北湖街道",
    }


def _firm(n, entry="2020-05", check_ok=True, code=None):
    body = f"91420103MA4K0000{n}"
    credit = code or body + uscc.check_character(body)
    if not check_ok:
        credit = credit[:17] + ("0" if credit[17] != "0" else "1")
    return {
        "credit_code": credit,
        "enterprise_name": f"武汉第{n}有限公司",
        "size_category": "规上服务业",
        "industry_section": "租赁和商务服务业",
        "entry_month": entry,
        "street": "花楼街道",
        "is_high_tech": "否",
    }


HISTORY = {
    "2026-02-03T09:30:00": [
        ("jobs", "rsj", "jobs_2026-01.xlsx", "2026-01", _jobs(1)),
        (
            "indicators",
            "swj",
            "indicators_2026-01.xlsx",
            "2026-01",
            with_due_indicators(
                "swj",
                "2026-01",
                [_indicator("TAX_REFUND_SHOPS", 2, 2), _indicator("CONSUMPTION_EVENTS", 8, 8)],
            ),
        ),
    ],
    "2026-03-03T09:30:00": [
        ("jobs", "rsj", "jobs_2026-02.xlsx", "2026-02", _jobs(2)),
        (
            "indicators",
            "swj",
            "indicators_2026-02.xlsx",
            "2026-02",
            with_due_indicators(
                "swj",
                "2026-02",
                [_indicator("TAX_REFUND_SHOPS", 3, 5), _indicator("CONSUMPTION_EVENTS", 9, 17)],
            ),
        ),
    ],
}
BATCH = [
    # March jobs: one street reports ten times its usual figure (an outlier, a warning).
    (
        "jobs",
        "rsj",
        "jobs_2026-03.xlsx",
        "2026-03",
        _jobs(3, r8={"new_jobs": 4800, "graduates": 100}),
    ),
    # April jobs with a 合计 row that adds up, and a hidden helper column; named May.
    ("jobs", "rsj", "jobs_2026-05.xlsx", "2026-04", _jobs(4)),
    # May jobs with a 合计 row that does not add up.
    ("jobs", "rsj", "jobs_may.xlsx", "2026-05", _jobs(5)),
    # June jobs: more graduates than new jobs on one street.
    ("jobs", "rsj", "jobs_2026-06.xlsx", "2026-06", _jobs(6, r2={"new_jobs": 50, "graduates": 80})),
    # March indicators: a year-to-date below February's (its cell's one finding, though it is
    # not the sum of the months either); another not the sum of the months; an outlier.
    (
        "indicators",
        "swj",
        "indicators_2026-03.xlsx",
        "2026-03",
        with_due_indicators(
            "swj",
            "2026-03",
            [
                _indicator("TAX_REFUND_SHOPS", 1, 4),
                _indicator("COMMERCIAL_RENOVATION", 1, 2),
                _indicator("CONSUMPTION_EVENTS", 40, 57),
            ],
        ),
    ),
    (
        "investment",
        "fgj",
        "investment_2026-03.xlsx",
        "2026-03",
        [
            _project("P1", "新开工", None),
            _project("P2", "新开工", D(2026, 4, 2)),
            _project("P3", "续建", D(2025, 5, 1)),
        ],
    ),
    (
        "first_stores",
        "swj",
        "first_stores_2026-03.xlsx",
        "2026-03",
        [
            {
                "store_name": "鹿角咖啡",
                "brand": "鹿角咖啡",
                "store_level": "武汉首店",
                "store_format": "餐饮",
                "opening_date": D(2026, 2, 27),
                "venue": "武汉天地",
                "street": "民族街道",
                "is_famous_dining_brand": "否",
                "is_luxury_hotel": "否",
            }
        ],
    ),
    (
        "enterprises",
        "tjj",
        "enterprises_2026-03.xlsx",
        "2026-03",
        [_firm(1), _firm(2, entry="2026-05"), _firm(3, check_ok=False), _firm(4), _firm(4)],
    ),
]


def _fill(home, code, dept, name, period, rows):
    returns, contract, reference = load_returns(), load_contract(), load_reference()
    spec = returns[code]
    template = home / "templates" / template_filename(spec, dept, reference)
    dest = home / "intake" / dept / name
    fill_template(
        template, dest, spec, contract, {"period": period, "filer": "王芳", "phone": "1"}, rows
    )
    return dest


def _append_total(path, sheet, values_by_column, label_col=1):
    wb = load_workbook(path)
    ws = wb[sheet]
    row = ws.max_row + 1
    ws.cell(row=row, column=label_col, value="合计")
    for col, value in values_by_column.items():
        ws.cell(row=row, column=col, value=value)
    return wb, ws, row


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    home = tmp_path_factory.mktemp("validation") / "home"
    mp = pytest.MonkeyPatch()
    mp.setenv(paths.HOME_ENV_VAR, str(home))
    warehouse = WarehouseResource(home=str(make_home(home)))
    write_all_templates(home / "templates", load_returns(), load_contract(), load_reference())
    for received, files in HISTORY.items():
        for f in files:
            _fill(home, *f)
        assert archive_only(home, received_at=received).success
    paths_by_name = {f[2]: _fill(home, *f) for f in BATCH}

    april = paths_by_name["jobs_2026-05.xlsx"]
    rows = _jobs(4)
    totals = {
        c: sum(r[k] for r in rows) for c, k in zip(range(2, 7), list(rows[0])[1:], strict=True)
    }
    wb, ws, _ = _append_total(april, "就业情况月报", totals)
    for r in range(5, 19):
        ws.cell(row=r, column=8, value="辅助" if r == 5 else 999)
    ws.column_dimensions["H"].hidden = True
    wb.save(april)

    may = paths_by_name["jobs_may.xlsx"]
    rows = _jobs(5)
    total_new = sum(r["new_jobs"] for r in rows)
    wb, ws, _ = _append_total(may, "就业情况月报", {2: total_new + 10})
    wb.save(may)

    assert archive_only(home, received_at="2026-07-03T09:30:00").success
    result = run_pipeline(home, as_of=AS_OF)
    assert result.success
    yield warehouse, result, paths_by_name
    mp.undo()


def _file(warehouse, name):
    rows = query(
        warehouse.published_db,
        "select file_sha256, outcome, rows_read, rows_loaded, rows_rejected, receipt_path, return_code "
        "from marts.intake_ledger where original_name = ?",
        [name],
    )
    assert len(rows) == 1, name
    keys = ("sha", "outcome", "read", "loaded", "rejected", "receipt", "return_code")
    return dict(zip(keys, rows[0], strict=True))


def _receipt_lines(path):
    rows = [[c.value for c in r] for r in load_workbook(path)["回执"].iter_rows()]
    header = next(r for r in rows if r[0] == "序号")
    return [dict(zip(header, r, strict=False)) for r in rows[rows.index(header) + 1 :]]


def _line(path, rule):
    lines = [x for x in _receipt_lines(path) if x["规则代码"] == rule]
    assert lines, [x["规则代码"] for x in _receipt_lines(path)]
    return lines[0]


def _loaded(warehouse, table, sha):
    return query(
        warehouse.published_db, f"select count(*) from raw.{table} where file_sha256 = ?", [sha]
    )[0][0]


def test_the_ledger_accounts_for_every_file_and_row(batch):
    warehouse, _, _ = batch
    ledger = query(
        warehouse.published_db,
        "select original_name, rows_read, rows_loaded, rows_rejected from marts.intake_ledger",
    )
    assert len(ledger) == 4 + len(BATCH)
    assert all(read == loaded + rejected for _, read, loaded, rejected in ledger)
    outcomes = dict(
        query(warehouse.published_db, "select original_name, outcome from marts.intake_ledger")
    )
    assert outcomes == {
        "jobs_2026-01.xlsx": "accepted",
        "jobs_2026-02.xlsx": "accepted",
        "indicators_2026-01.xlsx": "accepted",
        "indicators_2026-02.xlsx": "accepted",
        "jobs_2026-03.xlsx": "accepted_with_warnings",
        "jobs_2026-05.xlsx": "accepted",
        "jobs_may.xlsx": "rejected",
        "jobs_2026-06.xlsx": "rejected",
        "indicators_2026-03.xlsx": "accepted_with_warnings",
        "investment_2026-03.xlsx": "rejected",
        "first_stores_2026-03.xlsx": "rejected",
        "enterprises_2026-03.xlsx": "rejected",
    }


def test_graduates_above_new_jobs_is_returned(batch):
    warehouse, _, _ = batch
    f = _file(warehouse, "jobs_2026-06.xlsx")
    line = _line(f["receipt"], "GRADUATES_EXCEED_NEW_JOBS")
    assert (line["单元格"], line["栏目"], line["填报值"]) == ("C8", "其中：高校毕业生", "80")
    assert (f["loaded"], f["rejected"]) == (0, 13) and _loaded(warehouse, "jobs", f["sha"]) == 0


def test_a_matching_total_row_is_dropped_with_a_note_and_helper_columns_are_ignored(batch):
    warehouse, _, _ = batch
    f = _file(warehouse, "jobs_2026-05.xlsx")
    assert (f["outcome"], f["read"], f["loaded"], f["rejected"]) == ("accepted", 14, 13, 1)
    note = _line(f["receipt"], "TOTAL_ROW_DROPPED")
    assert note["类别"] == "提示" and note["行号"] == 19
    assert _loaded(warehouse, "jobs", f["sha"]) == 13
    named = _line(f["receipt"], "FILENAME_PERIOD_MISMATCH")  # the file name says May
    assert "2026-05" in named["问题说明"] and "2026-04" in named["问题说明"]


def test_a_total_row_that_does_not_add_up_is_returned(batch):
    warehouse, _, _ = batch
    f = _file(warehouse, "jobs_may.xlsx")
    line = _line(f["receipt"], "TOTAL_ROW_MISMATCH")
    total = sum(r["new_jobs"] for r in _jobs(5))
    assert (line["栏目"], line["填报值"], line["应为"]) == (
        "新增就业人数",
        str(total + 10),
        str(total),
    )
    assert f["loaded"] == 0


def test_an_outlier_against_the_departments_history_is_a_warning(batch):
    warehouse, _, _ = batch
    f = _file(warehouse, "jobs_2026-03.xlsx")
    line = _line(f["receipt"], "OUTLIER_AGAINST_HISTORY")
    assert line["类别"] == "核实性" and line["栏目"] == "新增就业人数"
    assert "3 倍" in line["问题说明"] and line["应为"]  # the median it was compared with
    assert f["loaded"] == 13  # a warning loads


def test_indicator_history_rules_name_both_numbers(batch):
    warehouse, _, _ = batch
    f = _file(warehouse, "indicators_2026-03.xlsx")
    decreased = _line(f["receipt"], "YTD_DECREASED")
    assert (decreased["填报值"], decreased["应为"]) == ("4", "5")
    # One finding per cell: the decrease, not also the sum (4 against 2 + 3 + 1).
    assert [x["单元格"] for x in _receipt_lines(f["receipt"])].count(decreased["单元格"]) == 1
    mismatch = _line(f["receipt"], "YTD_MISMATCH")
    assert (mismatch["填报值"], mismatch["应为"]) == ("2", "1")
    outlier = _line(f["receipt"], "OUTLIER_AGAINST_HISTORY")
    assert (outlier["填报值"], outlier["应为"], outlier["栏目"]) == ("40", "8.5", "本月值")
    # Every figure of 商务局 due in March loads (the two above and the zeros beside them).
    due = len(with_due_indicators("swj", "2026-03", []))
    assert f["outcome"] == "accepted_with_warnings" and f["loaded"] == due


def test_investment_start_dates(batch):
    warehouse, _, _ = batch
    f = _file(warehouse, "investment_2026-03.xlsx")
    required = _line(f["receipt"], "START_DATE_REQUIRED")
    assert (required["单元格"], required["栏目"]) == ("F6", "开工日期")
    after = _line(f["receipt"], "START_DATE_AFTER_PERIOD")
    assert after["单元格"] == "F7" and "2026-03-31" in after["修改建议"]
    assert _loaded(warehouse, "investment", f["sha"]) == 0


def test_first_store_opening_date_must_fall_in_the_period(batch):
    warehouse, _, _ = batch
    f = _file(warehouse, "first_stores_2026-03.xlsx")
    line = _line(f["receipt"], "OPENING_DATE_OUTSIDE_PERIOD")
    assert line["单元格"] == "E6" and "2026-03-01 至 2026-03-31" in line["修改建议"]


def test_enterprise_rules(batch):
    warehouse, _, _ = batch
    f = _file(warehouse, "enterprises_2026-03.xlsx")
    lines = _receipt_lines(f["receipt"])
    found = {(x["规则代码"], x["单元格"]) for x in lines}
    assert ("ENTRY_MONTH_AFTER_PERIOD", "E7") in found
    assert ("USCC_INVALID", "A8") in found
    assert {("VALUE_DUPLICATED", "A9"), ("VALUE_DUPLICATED", "A10")} <= found
    assert f["loaded"] == 0 and f["rejected"] == 5


def test_suite_results_show_as_asset_checks_with_data_docs(batch):
    _, result, _ = batch
    evaluations = {
        e.asset_key.to_user_string(): e
        for e in result.get_asset_check_evaluations()
        if e.check_name == "expectation_suite"
    }
    assert set(evaluations) == {
        "raw/jobs",
        "raw/investment",
        "raw/first_stores",
        "raw/enterprises",
        "raw/indicators",
    }
    jobs = evaluations["raw/jobs"]
    assert not jobs.passed and jobs.severity.value == "ERROR"
    assert jobs.metadata["files_validated"].value == 6  # history and batch: one run
    docs = Path(jobs.metadata["data_docs"].value)
    assert docs.name == "index.html" and docs.exists()
    assert docs.is_relative_to(batch[0].root)  # built under the warehouse home
    indicators = evaluations["raw/indicators"]
    assert not indicators.passed and indicators.severity.value == "WARN"


def test_rebuilding_from_the_archive_alone_gives_the_same_marts(batch):
    warehouse, _, _ = batch
    marts = [
        t
        for (t,) in query(
            warehouse.published_db,
            "select table_name from duckdb_tables() where schema_name = 'marts'",
        )
    ]

    def snapshot():
        return {
            t: query(warehouse.published_db, f"select * from marts.{t} order by all") for t in marts
        }

    before = snapshot()
    receipts = {p: p.stat().st_mtime_ns for p in (warehouse.outbox_root).rglob("*.xlsx")}
    assert rebuild(warehouse.root, as_of=AS_OF).success
    assert snapshot() == before
    assert {p: p.stat().st_mtime_ns for p in (warehouse.outbox_root).rglob("*.xlsx")} == receipts
