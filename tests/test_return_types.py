"""Parsing the investment, first-store, enterprise and indicators returns: types and rules."""

import dataclasses
import datetime as dt

import pytest
from openpyxl import load_workbook

from orchestration.contract import uscc


def _codes(parsed):
    return sorted(f.rule_code for f in parsed.findings)


def _project(**overrides):
    row = {
        "project_code": "JH2026-001",
        "project_name": "汉口数字产业园项目",
        "project_category": "产业项目",
        "total_investment": 12.5,
        "project_status": "新开工",
        "start_date": dt.date(2026, 3, 8),
        "investment_this_month": 3200,
        "funds_arrived": 0.8,
        "street": "北湖街道",
    }
    return {**row, **overrides}


def test_investment_rows_are_typed(tmp_path, fill_return, ctx, check):
    rows = [_project(), _project(project_code="JH2026-002", start_date="2026年3月9日")]
    parsed = check(fill_return("investment", tmp_path / "i.xlsx", "2026-03", rows), "fgj", ctx)
    # A date typed as text is read as meant, with a note in the receipt.
    assert [(f.rule_code, f.rule_class, f.cell, f.expected) for f in parsed.findings] == [
        ("NORMALIZED_VALUE", "提示", "F7", "2026-03-09")
    ]
    assert parsed.accepted
    first = parsed.rows[0]
    assert str(first["total_investment"]) == "12.5" and first["start_date"] == dt.date(2026, 3, 8)
    assert parsed.rows[1]["start_date"] == dt.date(2026, 3, 9)


@pytest.mark.parametrize(
    "overrides, code, column",
    [
        ({"project_category": "民生项目"}, "VALUE_NOT_ALLOWED", "项目类别"),
        ({"total_investment": 0}, "VALUE_OUT_OF_RANGE", "总投资（亿元）"),
        ({"funds_arrived": -1}, "VALUE_OUT_OF_RANGE", "本月到资（亿元）"),
        ({"start_date": "三月初"}, "VALUE_NOT_DATE", "开工日期"),
        ({"investment_this_month": "三千"}, "VALUE_NOT_NUMBER", "本月完成投资（万元）"),
    ],
)
def test_investment_mistakes(tmp_path, fill_return, ctx, check, overrides, code, column):
    path = fill_return("investment", tmp_path / "i.xlsx", "2026-03", [_project(**overrides)])
    parsed = check(path, "fgj")
    assert [(f.rule_code, f.column, f.row) for f in parsed.findings] == [(code, column, 6)]
    assert not parsed.accepted


def test_a_project_code_twice_is_refused(tmp_path, fill_return, ctx, check):
    path = fill_return("investment", tmp_path / "i.xlsx", "2026-03", [_project(), _project()])
    findings = check(path, "fgj").findings
    assert [(f.rule_code, f.cell) for f in findings] == [
        ("VALUE_DUPLICATED", "A6"),
        ("VALUE_DUPLICATED", "A7"),
    ]


def _store(**overrides):
    row = {
        "store_name": "鹿角咖啡（武汉天地店）",
        "brand": "鹿角咖啡",
        "store_level": "华中首店",
        "store_format": "餐饮",
        "opening_date": dt.date(2026, 4, 18),
        "venue": "武汉天地",
        "street": "民族街道",
        "is_famous_dining_brand": "是",
        "is_luxury_hotel": "否",
    }
    return {**row, **overrides}


def test_first_stores_yes_no_and_levels(tmp_path, fill_return, ctx, check):
    path = fill_return(
        "first_stores",
        tmp_path / "f.xlsx",
        "2026-04",
        [_store(), _store(is_famous_dining_brand="Y")],
    )
    parsed = check(path, "swj")
    assert _codes(parsed) == ["VALUE_NOT_ALLOWED"] and parsed.findings[0].row == 7
    good = check(
        fill_return("first_stores", tmp_path / "g.xlsx", "2026-04", [_store()]), "swj", ctx
    )
    assert (
        good.rows[0]["is_famous_dining_brand"] is True and good.rows[0]["is_luxury_hotel"] is False
    )
    assert parsed.findings[0].expected == "是、否"


def test_a_month_without_first_stores_is_a_valid_empty_return(tmp_path, fill_return, ctx, check):
    parsed = check(fill_return("first_stores", tmp_path / "f.xlsx", "2026-04", []), "swj", ctx)
    assert parsed.accepted and parsed.rows_read == 0 and parsed.findings == []


def _enterprise(code="91420103MA4K00001", **overrides):
    row = {
        "credit_code": code + uscc.check_character(code),
        "enterprise_name": "武汉汉江商贸有限公司",
        "size_category": "限上批发业",
        "industry_section": "批发和零售业",
        "entry_month": "2025-06",
        "street": "花楼街道",
        "is_high_tech": "否",
    }
    return {**row, **overrides}


def test_credit_codes_are_checked_under_gb_32100(tmp_path, fill_return, ctx, check):
    good = _enterprise()
    bad_digit = _enterprise("91420103MA4K00002")
    bad_digit["credit_code"] = bad_digit["credit_code"][:17] + (
        "0" if bad_digit["credit_code"][17] != "0" else "1"
    )
    rows = [good, bad_digit, _enterprise(credit_code="9142010312345")]
    parsed = check(fill_return("enterprises", tmp_path / "e.xlsx", "2026-04", rows), "tjj", ctx)
    assert [(f.rule_code, f.row) for f in parsed.findings] == [
        ("USCC_INVALID", 7),
        ("USCC_INVALID", 8),
    ]
    assert uscc.is_valid("91350100M000100Y43")  # a published example code


def test_enterprise_month_and_industry(tmp_path, fill_return, ctx, check):
    rows = [
        _enterprise(entry_month="2025年6月"),
        _enterprise("91420103MA4K00003", industry_section="批发业", entry_month="去年"),
    ]
    parsed = check(fill_return("enterprises", tmp_path / "e.xlsx", "2026-04", rows), "tjj", ctx)
    # Row 6's "2025年6月" is read as meant (a note); row 7 is wrong twice.
    assert [(f.rule_code, f.row) for f in parsed.findings] == [
        ("NORMALIZED_VALUE", 6),
        ("VALUE_NOT_MONTH", 7),
        ("VALUE_NOT_ALLOWED", 7),
    ]
    good = check(fill_return("enterprises", tmp_path / "g.xlsx", "2026-04", rows[:1]), "tjj", ctx)
    assert good.rows[0]["entry_month"] == "2025-06"


def test_indicators_template_lists_the_departments_own_targets(templates_dir, reference):
    ws = load_workbook(templates_dir / "indicators_swj.xlsx")["综合指标月报"]
    codes = [ws.cell(row=r, column=1).value for r in range(6, 40) if ws.cell(row=r, column=1).value]
    expected = [t.code for t in reference.targets_reported_by("swj", "indicators")]
    assert codes == expected and "TAX_REFUND_SHOPS" in codes
    assert ws.cell(row=6, column=5).value == reference.targets[codes[0]].unit


def _due(reference, dept, period, **rows_by_code):
    """A row for every target of ``dept`` due in ``period`` (1 and 1), unless given."""
    rows = {
        t.code: {"target_code": t.code, "month_value": 1, "ytd_value": 1}
        for t in reference.targets_reported_by(dept, "indicators")
        if t.due_in(period)
    }
    for code, row in rows_by_code.items():
        rows[code] = None if row is None else {"target_code": code, **row}
    return [row for row in rows.values() if row is not None]


def test_a_monthly_figure_left_blank_is_refused_by_its_code(
    tmp_path, fill_return, ctx, check, reference
):
    rows = _due(reference, "swj", "2026-04", TAX_REFUND_SHOPS=None)
    parsed = check(
        fill_return("indicators", tmp_path / "x.xlsx", "2026-04", rows, dept="swj"), "swj", ctx
    )
    (finding,) = parsed.findings
    assert finding.rule_code == "DUE_FIGURE_MISSING" and finding.blocking
    assert "TAX_REFUND_SHOPS" in finding.message and "月报" in finding.message
    assert not parsed.accepted


def test_a_quarterly_figure_is_due_in_the_quarters_last_month_only(
    tmp_path, fill_return, ctx, check, reference
):
    assert reference.targets["GDP_GROWTH"].frequency == "quarterly"
    april = check(
        fill_return(
            "indicators",
            tmp_path / "a.xlsx",
            "2026-04",
            _due(reference, "tjj", "2026-04"),
            dept="tjj",
        ),
        "tjj",
        ctx,
    )
    assert april.accepted and "GDP_GROWTH" not in {r["target_code"] for r in april.rows}
    june_rows = _due(reference, "tjj", "2026-06", GDP_GROWTH=None)
    june = check(
        fill_return("indicators", tmp_path / "j.xlsx", "2026-06", june_rows, dept="tjj"), "tjj", ctx
    )
    assert [f.rule_code for f in june.findings] == ["DUE_FIGURE_MISSING"]
    assert "GDP_GROWTH" in june.findings[0].message and "季报" in june.findings[0].message


def test_a_blank_return_is_refused_when_figures_are_due(tmp_path, fill_return, ctx, check):
    parsed = check(
        fill_return("indicators", tmp_path / "x.xlsx", "2026-04", [], dept="swj"), "swj", ctx
    )
    missing = [f for f in parsed.findings if f.rule_code == "DUE_FIGURE_MISSING"]
    assert missing and not parsed.accepted and parsed.rows_read == 0


def test_a_wrong_unit_names_the_registers_unit(tmp_path, fill_return, ctx, check, reference):
    row = {"target_code": "TAX_REFUND_SHOPS", "month_value": 2, "ytd_value": 5, "unit": "个"}
    rows = _due(reference, "swj", "2026-04", TAX_REFUND_SHOPS=row)
    path = fill_return("indicators", tmp_path / "x.xlsx", "2026-04", rows, dept="swj")
    finding = next(f for f in check(path, "swj").findings if f.rule_code == "UNIT_MISMATCH")
    assert (finding.value, finding.expected, finding.column) == ("个", "家", "计量单位")


@pytest.mark.parametrize(
    "row, code",
    [
        (
            {"target_code": "TAX_REFUND_SHOPS", "month_value": 2, "ytd_value": 5, "unit": "个"},
            "UNIT_MISMATCH",
        ),
        (
            {"target_code": "NO_SUCH_TARGET", "month_value": 1, "ytd_value": 1, "unit": "家"},
            "TARGET_UNKNOWN",
        ),
        (
            {"target_code": "FIRST_STORES", "month_value": 1, "ytd_value": 1, "unit": "家"},
            "TARGET_NOT_IN_RETURN",
        ),
    ],
)
def test_indicator_rows_must_be_register_targets_of_this_return_in_its_unit(
    tmp_path, fill_return, ctx, check, row, code
):
    parsed = check(
        fill_return("indicators", tmp_path / "x.xlsx", "2026-04", [row], dept="swj"), "swj", ctx
    )
    assert code in _codes(parsed) and not parsed.accepted


def test_another_departments_target_loads_with_a_query(
    tmp_path, fill_return, ctx, check, reference
):
    row = {"target_code": "TECH_SME", "month_value": 50, "ytd_value": 200, "unit": "家"}
    rows = _due(reference, "swj", "2026-04") + [row]
    parsed = check(
        fill_return("indicators", tmp_path / "x.xlsx", "2026-04", rows, dept="swj"), "swj", ctx
    )
    assert _codes(parsed) == ["TARGET_OTHER_DEPARTMENT"] and parsed.accepted
    assert "TECH_SME" in parsed.findings[0].message and parsed.findings[0].cell == "A20"
    assert parsed.findings[0].expected == "区科学技术和经济信息化局负责的指标"


def test_a_blank_return_with_nothing_due_is_taken_and_says_so(
    tmp_path, fill_return, ctx, check, reference
):
    """Were all of 商务局's figures quarterly, April's return could be blank."""
    quarterly = {
        code: dataclasses.replace(t, frequency="quarterly") for code, t in reference.targets.items()
    }
    quarter_ctx = dataclasses.replace(
        ctx, reference=dataclasses.replace(reference, registers={2026: quarterly}, year=2026)
    )
    path = fill_return("indicators", tmp_path / "x.xlsx", "2026-04", [], dept="swj")
    parsed = check(path, "swj", quarter_ctx)
    assert parsed.accepted and parsed.rows == []
    (note,) = parsed.findings
    assert note.rule_code == "NOTHING_DUE" and note.rule_class == "提示"
    assert "2026-04" in note.message and "空表已接收" in note.message
