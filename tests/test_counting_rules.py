"""The counting rules, through the whole pipeline on real files over three months.

One warehouse is built once for the module (three months of investment, first-store,
enterprise and indicators returns, archived month by month); each test reads it.
"""

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from conftest import AS_OF, make_home, query, with_due_indicators
from openpyxl import load_workbook

from orchestration import paths
from orchestration.contract import uscc
from orchestration.contract.reference import load_reference
from orchestration.contract.return_spec import load_contract, load_returns
from orchestration.defs.resources import WarehouseResource
from orchestration.defs.transform.project import dbt_command_env, dbt_executable
from orchestration.runner import archive_only, run_pipeline
from orchestration.templates.filler import fill_template
from orchestration.templates.names import template_filename
from orchestration.templates.writer import write_all_templates

pytestmark = pytest.mark.slow
MONTHS = ("2026-01", "2026-02", "2026-03")


def _project(code, category, total, status, street="北湖街道", start=None, funds=0):
    return {
        "project_code": code,
        "project_name": f"{code}项目",
        "project_category": category,
        "total_investment": total,
        "project_status": status,
        "start_date": start,
        "investment_this_month": 100 if status in ("新开工", "续建") else 0,
        "funds_arrived": funds,
        "street": street,
    }


D = dt.date
INVESTMENT = {
    "2026-01": [
        _project("P1", "产业项目", 2, "谋划储备"),
        _project("P3", "招商引资项目", 3, "新开工", start=D(2026, 1, 9), funds=2.0),
        _project("P4", "政府投资项目", 5, "续建", start=D(2025, 6, 1)),
    ],
    "2026-02": [
        _project("P1", "产业项目", 2, "新开工", start=D(2026, 2, 3)),
        _project("P2", "城市更新项目", 0.5, "新开工", start=D(2026, 2, 10)),  # under 1 亿
        _project("P3", "招商引资项目", 3, "新开工", start=D(2026, 1, 9), funds=1.5),  # again
        _project("P4", "政府投资项目", 5, "续建", start=D(2025, 6, 1)),
    ],
    "2026-03": [
        _project("P1", "产业项目", 2, "续建", start=D(2026, 2, 3), funds=0.7),
        _project("P2", "城市更新项目", 0.5, "续建", start=D(2026, 2, 10)),
        _project("P3", "招商引资项目", 3, "续建", start=D(2026, 1, 9)),
        _project("P4", "政府投资项目", 5, "续建", start=D(2025, 6, 1)),
    ],
}


def _store(brand, level, day, month, fmt="零售", dining="否", hotel="否"):
    return {
        "store_name": f"{brand}{level}店",
        "brand": brand,
        "store_level": level,
        "store_format": fmt,
        "opening_date": D(2026, month, day),
        "venue": "武汉天地",
        "street": "民族街道",
        "is_famous_dining_brand": dining,
        "is_luxury_hotel": hotel,
    }


FIRST_STORES = {
    "2026-01": [
        _store("鹿角咖啡", "武汉首店", 8, 1, fmt="餐饮"),
        _store("云栖茶社", "湖北首店", 20, 1, fmt="餐饮", dining="是"),
    ],
    "2026-02": [
        _store("鹿角咖啡", "武汉首店", 14, 2, fmt="餐饮"),  # same brand, same level: once
        _store("鹿角咖啡", "湖北首店", 15, 2, fmt="餐饮"),  # another level: counts
        _store("江屿酒店", "华中首店", 27, 2, fmt="酒店", hotel="是"),
    ],
    "2026-03": [],  # nothing opened: an empty return
}


def _code(body):
    return body + uscc.check_character(body)


E = {n: _code(f"91420103MA4K0000{n}") for n in range(1, 7)}


def _firm(n, category="规上服务业", section="租赁和商务服务业", entry="2020-05", high_tech="否"):
    return {
        "credit_code": E[n],
        "enterprise_name": f"武汉第{n}有限公司",
        "size_category": category,
        "industry_section": section,
        "entry_month": entry,
        "street": "花楼街道",
        "is_high_tech": high_tech,
    }


E2 = _firm(2, "限上零售业", "批发和零售业")
E4 = _firm(4, section="交通运输、仓储和邮政业", high_tech="是")  # high-tech before 2026
E5 = _firm(5, "限上餐饮业", "住宿和餐饮业", entry="2026-01")  # entered in January
E6 = _firm(6, "限上批发业", "批发和零售业", entry="2026-02", high_tech="是")
ENTERPRISES = {
    "2026-01": [_firm(1), E2, _firm(3), E4, E5],
    "2026-02": [_firm(1), _firm(3), E4, E5, E6],  # E2 leaves
    "2026-03": [_firm(1), E2, _firm(3, high_tech="是"), E4, E5, E6],  # E2 back; E3 certified
}


def _indicator(code, month_value, ytd):
    return {"target_code": code, "month_value": month_value, "ytd_value": ytd}


INDICATORS = {
    "2026-01": [_indicator("TAX_REFUND_SHOPS", 2, 2)],
    "2026-02": [_indicator("TAX_REFUND_SHOPS", 3, 5)],
    "2026-03": [
        _indicator("TAX_REFUND_SHOPS", 1, 9),  # the months sum to 6
        _indicator("ONLINE_RETAIL_GROWTH", 31.0, 27.0),
    ],
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    home = tmp_path_factory.mktemp("counting") / "home"
    mp = pytest.MonkeyPatch()
    mp.setenv(paths.HOME_ENV_VAR, str(home))
    warehouse = WarehouseResource(home=str(make_home(home)))
    returns, contract, reference = load_returns(), load_contract(), load_reference()
    templates = write_all_templates(home / "templates", returns, contract, reference)
    assert templates
    for i, period in enumerate(MONTHS, start=1):
        for code, dept, rows in (
            ("investment", "fgj", INVESTMENT[period]),
            ("first_stores", "swj", FIRST_STORES[period]),
            ("enterprises", "tjj", ENTERPRISES[period]),
            ("indicators", "swj", with_due_indicators("swj", period, INDICATORS[period])),
        ):
            spec = returns[code]
            template = home / "templates" / template_filename(spec, dept, reference)
            header = {"period": period, "filer": "王芳", "phone": "027-1"}
            dest = warehouse.intake_root / dept / f"{code}_{period}.xlsx"
            fill_template(template, dest, spec, contract, header, rows)
        received = f"2026-{i + 1:02d}-03T09:30:00"
        assert archive_only(home, received_at=received).success
    result = run_pipeline(home, as_of=AS_OF)
    assert result.success
    yield warehouse
    mp.undo()


def _ytd(warehouse, code):
    rows = query(
        warehouse.published_db,
        "select period, ytd_actual from marts.target_progress where target_code = ? order by period",
        [code],
    )
    return {p: float(v) for p, v in rows}


def test_a_project_counts_once_in_the_month_it_first_shows_new_start(built):
    assert _ytd(built, "PROJ_NEW_START") == {"2026-01": 0, "2026-02": 1, "2026-03": 1}
    assert _ytd(built, "PROMO_NEW_START") == {"2026-01": 1, "2026-02": 1, "2026-03": 1}
    assert _ytd(built, "PROJ_RESERVE") == {"2026-01": 1, "2026-02": 1, "2026-03": 1}
    assert _ytd(built, "PROJ_KEY_ACTIVE") == {"2026-01": 1, "2026-02": 3, "2026-03": 3}
    assert _ytd(built, "INDUSTRY_FUNDS_ARRIVED") == {"2026-01": 2.0, "2026-02": 3.5, "2026-03": 4.2}


def test_the_project_register_history_records_each_status_change(built):
    history = query(
        built.published_db,
        "select period, previous_status, project_status from marts.fct_project_status_changes "
        "where project_code = 'P1' order by period",
    )
    assert history == [
        ("2026-01", None, "谋划储备"),
        ("2026-02", "谋划储备", "新开工"),
        ("2026-03", "新开工", "续建"),
    ]


def test_a_brands_first_store_of_the_same_level_counts_once(built):
    assert _ytd(built, "FIRST_STORES") == {"2026-01": 2, "2026-02": 4, "2026-03": 4}
    assert _ytd(built, "DINING_BRANDS") == {"2026-01": 1, "2026-02": 1, "2026-03": 1}
    assert _ytd(built, "LUXURY_HOTELS") == {"2026-01": 0, "2026-02": 1, "2026-03": 1}
    counted = query(
        built.published_db,
        "select period, store_level, is_counted from marts.fct_first_stores "
        "where brand = '鹿角咖啡' order by opening_date",
    )
    assert counted == [
        ("2026-01", "武汉首店", True),
        ("2026-02", "武汉首店", False),
        ("2026-02", "湖北首店", True),
    ]


def test_enterprise_entries_and_exits_come_from_comparing_months(built):
    movements = query(
        built.published_db,
        "select period, credit_code, movement from marts.fct_enterprise_movements order by all",
    )
    assert movements == sorted(
        [
            ("2026-01", E[5], "entry"),
            ("2026-02", E[2], "exit"),
            ("2026-02", E[6], "entry"),
            ("2026-03", E[2], "entry"),
        ]
    )
    assert _ytd(built, "ABOVE_SIZE_FIRMS") == {"2026-01": 5, "2026-02": 5, "2026-03": 6}
    assert _ytd(built, "TRANSPORT_FIRMS") == {"2026-01": 1, "2026-02": 1, "2026-03": 1}


def test_an_enterprise_that_leaves_and_returns_is_one_enterprise(built):
    # E2 came back in March: not a new trade enterprise, one row in the dimension.
    assert _ytd(built, "NEW_TRADE_FIRMS") == {"2026-01": 1, "2026-02": 2, "2026-03": 2}
    row = query(
        built.published_db,
        "select count(*), any_value(exits_this_year), any_value(is_new_in_year) "
        "from marts.dim_enterprises where credit_code = ?",
        [E[2]],
    )
    assert row == [(1, 1, False)]


def test_new_high_tech_enterprises_exclude_those_already_certified(built):
    # E6 enters certified in February, E3 is certified in March; E4 already was in January.
    assert _ytd(built, "NEW_HIGH_TECH") == {"2026-01": 0, "2026-02": 1, "2026-03": 2}


def test_a_year_to_date_that_disagrees_with_its_months_is_a_warning_not_a_silent_pick(built):
    assert _ytd(built, "TAX_REFUND_SHOPS") == {"2026-01": 2, "2026-02": 5, "2026-03": 9}
    outcome, receipt = query(
        built.published_db,
        "select outcome, receipt_path from raw.files "
        "where return_code = 'indicators' and period = '2026-03'",
    )[0]
    assert outcome == "accepted_with_warnings"
    rows = [[c.value for c in r] for r in load_workbook(receipt)["回执"].iter_rows()]
    assert dict((r[0], r[1]) for r in rows[2:13])["处理结果"] == "已接收但有警告"
    header = next(r for r in rows if r[0] == "序号")
    finding = dict(zip(header, rows[rows.index(header) + 1], strict=False))
    swj_codes = [t.code for t in load_reference().targets_reported_by("swj", "indicators")]
    row = 6 + swj_codes.index("TAX_REFUND_SHOPS")  # its pre-filled row in the template
    assert finding["规则代码"] == "YTD_MISMATCH" and finding["单元格"] == f"D{row}"
    assert finding["填报值"] == "9" and finding["应为"] == "6"
    assert "1–3 月" in finding["问题说明"]


def test_targets_with_no_data_are_listed_as_not_reported(built, reference):
    rows = query(
        built.published_db,
        "select count(distinct target_code), count(*) filter (where status = '未报送') "
        "from marts.target_progress",
    )
    with_data = len(
        query(
            built.published_db,
            "select distinct target_code from marts.target_progress where period is not null",
        )
    )
    assert rows == [(len(reference.targets), len(reference.targets) - with_data)]
    growth = query(
        built.published_db,
        "select ytd_actual, expected_ratio, status from marts.target_progress "
        "where target_code = 'ONLINE_RETAIL_GROWTH' and period = '2026-03'",
    )
    assert growth == [(27.0, 1.0, "滞后")]  # 27% against 30%: a level, judged in full


def test_the_department_scorecard_counts_targets_and_returns(built):
    card = query(
        built.published_db,
        "select targets, targets_without_data, returns_due, returns_late, returns_missing "
        "from marts.department_scorecard where department_code = 'swj'",
    )
    swj_targets = len([t for t in load_reference().targets.values() if t.department_code == "swj"])
    # swj files first_stores and indicators: Jan–Oct are due by 25 Nov; Jan–Mar came on
    # the 3rd of the next month (on time), April to October never came.
    assert card[0][0] == swj_targets
    assert card[0][2:] == (20, 0, 14)


def test_wide_marts_carry_the_cell_each_row_came_from(built):
    row = query(
        built.published_db,
        "select f.source_row, f.sheet_name, r.archive_path from marts.fct_enterprise_directory_monthly f "
        "join raw.files r using (file_sha256) where f.credit_code = ? and f.period = '2026-01'",
        [E[4]],
    )[0]
    ws = load_workbook(Path(built.root) / "archive" / row[2])[row[1]]
    assert ws.cell(row=row[0], column=1).value == E[4]


def test_first_store_breakdown_by_level_format_and_street(built):
    rows = query(
        built.published_db,
        "select period, store_level, store_format, stores_opened, stores_counted "
        "from marts.first_store_breakdown where period = '2026-02' order by all",
    )
    assert rows == [
        ("2026-02", "华中首店", "酒店", 1, 1),
        ("2026-02", "武汉首店", "餐饮", 1, 0),
        ("2026-02", "湖北首店", "餐饮", 1, 1),
    ]


def test_column_descriptions_reach_duckdb_as_comments(built):
    comments = dict(
        query(
            built.published_db,
            "select column_name, comment from duckdb_columns() "
            "where schema_name = 'marts' and table_name = 'fct_investment_projects_monthly'",
        )
    )
    assert comments["total_investment_100m_yuan"] == "总投资（亿元）"
    assert comments["funds_arrived_100m_yuan"] == "本月到资（亿元）"
    undocumented = query(
        built.published_db,
        "select table_name || '.' || column_name from duckdb_columns() "
        "where schema_name = 'marts' and comment is null",
    )
    assert undocumented == []
    tables = query(
        built.published_db,
        "select table_name from duckdb_tables() where schema_name = 'marts' and comment is null",
    )
    assert tables == []


def test_dbt_unit_tests_of_the_counting_rules_pass_on_the_built_warehouse(built):
    """dbt's unit tests (in the models' YAML) need the upstream relations for their column
    types: the built warehouse has them. The pipeline's build leaves them out."""
    result = subprocess.run(
        [
            dbt_executable(),
            "test",
            "--select",
            "test_type:unit",
            "--target-path",
            str(built.root / "unit-target"),
        ],
        cwd=paths.DBT_PROJECT_DIR,
        env=dbt_command_env(built.root),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    passed = re.search(r"PASS=(\d+) WARN=0 ERROR=0 SKIP=0", result.stdout)
    assert passed and int(passed[1]) >= 2, result.stdout[-3000:]  # none skipped, all ran


def test_an_empty_required_value_fails_the_models_one_not_null_test_naming_the_column(
    built, tmp_path
):
    """The required columns of a model are one dbt test (one asset check): a value emptied
    behind the parser's back fails it, and its rows name the column and how many rows."""
    spec = load_returns()["investment"]
    column = next(c for c in spec.columns if c.required and c.warehouse_name != c.name)
    home = tmp_path / "home"
    (home / "build").mkdir(parents=True)
    copy = home / "build" / built.build_db.name
    shutil.copy(built.build_db, copy)
    con = duckdb.connect(str(copy))
    con.execute(
        f"update raw.investment set {column.name} = null "
        "where source_row = (select min(source_row) from raw.investment)"
    )
    emptied = con.execute(f"select count(*) from raw.investment where {column.name} is null")
    emptied = emptied.fetchone()[0]
    con.close()
    assert emptied >= 1
    target = tmp_path / "target"
    result = subprocess.run(
        [
            dbt_executable(),
            "test",
            "--select",
            "stg_raw__investment,test_name:not_null_columns",
            "--target-path",
            str(target),
        ],
        cwd=paths.DBT_PROJECT_DIR,
        env=dbt_command_env(home),
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0, result.stdout[-3000:]
    assert re.search(r"PASS=0 WARN=0 ERROR=1", result.stdout), result.stdout[-3000:]
    (compiled,) = (target / "compiled").rglob("not_null_columns_*.sql")
    assert query(copy, compiled.read_text()) == [(column.warehouse_name, emptied)]
