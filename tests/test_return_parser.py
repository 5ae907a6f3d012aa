"""Parsing real filled templates: what loads, and the finding for each kind of mistake."""

from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from orchestration.contract.findings import load_rules
from orchestration.demo.samples.jobs import jobs_rows


def _rows(reference, **overrides_by_index):
    rows = [
        {
            "street": s,
            "new_jobs": 100 + i,
            "graduates": 40,
            "recruitment_events": 1,
            "training_sessions": 30,
            "social_insurance_expansions": 140,
        }
        for i, s in enumerate(reference.streets)
    ]
    for index, values in overrides_by_index.items():
        rows[int(index.strip("r"))].update(values)
    return rows


def _only(findings, code):
    matching = [f for f in findings if f.rule_code == code]
    assert len(matching) == 1, [f.rule_code for f in findings]
    return matching[0]


def test_a_clean_return_loads_every_street_row(tmp_path, fill_jobs, ctx, check, reference):
    path = fill_jobs(tmp_path / "jobs.xlsx", "2026-03", _rows(reference))
    parsed = check(path, "rsj")
    assert parsed.findings == []
    assert parsed.accepted
    assert (parsed.return_code, parsed.template_version, parsed.period) == ("jobs", "1", "2026-03")
    assert parsed.rows_read == len(reference.streets) == len(parsed.rows)
    first = parsed.rows[0]
    assert first == {
        "source_row": 6,
        "street": "民族街道",
        "new_jobs": 100,
        "graduates": 40,
        "recruitment_events": 1,
        "training_sessions": 30,
        "social_insurance_expansions": 140,
    }


@pytest.mark.parametrize(
    "typed, expected",
    [("１２３", 123), ("1,234", 1234), (" 56 ", 56), ("７，８９０", 7890), (12.0, 12)],
)
def test_human_number_habits_are_read_as_meant(
    tmp_path, fill_jobs, ctx, check, reference, typed, expected
):
    path = fill_jobs(
        tmp_path / "jobs.xlsx", "2026-03", _rows(reference, r2={"new_jobs": typed, "graduates": 0})
    )
    parsed = check(path, "rsj")
    assert parsed.accepted, parsed.findings
    assert parsed.rows[2]["new_jobs"] == expected


@pytest.mark.parametrize("typed", ["2026年3月", "2026.3", "2026/03", "2026-3", "２０２６年３月"])
def test_period_written_the_chinese_way_is_understood(
    tmp_path, fill_jobs, ctx, check, reference, typed
):
    parsed = check(fill_jobs(tmp_path / "j.xlsx", typed, _rows(reference)), "rsj", ctx)
    assert parsed.period == "2026-03", parsed.findings


def test_period_as_an_excel_date_is_understood(tmp_path, fill_jobs, ctx, check, reference):
    import datetime as dt

    parsed = check(
        fill_jobs(tmp_path / "j.xlsx", dt.datetime(2026, 4, 1), _rows(reference)), "rsj", ctx
    )
    assert parsed.period == "2026-04"


@pytest.mark.parametrize(
    "value, code, expected_text",
    [
        (-5, "VALUE_NEGATIVE", "小于 0"),
        ("十二", "VALUE_NOT_INTEGER", "不是整数"),
        (12.5, "VALUE_NOT_INTEGER", "不是整数"),
        (None, "VALUE_REQUIRED", "必须填写"),
    ],
)
def test_a_bad_figure_names_its_cell(
    tmp_path, fill_jobs, ctx, check, reference, value, code, expected_text
):
    rows = _rows(reference, r4={"training_sessions": value})
    parsed = check(fill_jobs(tmp_path / "j.xlsx", "2026-05", rows), "rsj")
    finding = _only(parsed.findings, code)
    assert (finding.sheet, finding.row, finding.column, finding.cell) == (
        "就业情况月报",
        10,
        "职业技能培训人次",
        "E10",
    )
    assert expected_text in finding.message
    assert finding.rule_class == "强制性"
    assert not parsed.accepted and parsed.rows_to_load == []
    assert parsed.rows_read == len(reference.streets)


def test_unknown_street_lists_the_allowed_ones(tmp_path, fill_jobs, ctx, check, reference):
    rows = _rows(reference)
    rows.append(
        {
            "street": "光谷街道",
            "new_jobs": 1,
            "graduates": 0,
            "recruitment_events": 0,
            "training_sessions": 0,
            "social_insurance_expansions": 0,
        }
    )
    parsed = check(fill_jobs(tmp_path / "j.xlsx", "2026-05", rows), "rsj")
    finding = _only(parsed.findings, "STREET_UNKNOWN")
    assert finding.value == "光谷街道" and finding.cell == "A19"
    assert "民族街道" in finding.expected


def test_a_street_twice_is_refused(tmp_path, fill_jobs, ctx, check, reference, jobs_spec):
    path = fill_jobs(tmp_path / "j.xlsx", "2026-05", _rows(reference))
    wb = load_workbook(path)
    ws = wb[jobs_spec.sheet]
    for col in range(1, 7):  # the department copies the first street's row below the table
        ws.cell(row=19, column=col, value=ws.cell(row=6, column=col).value)
    wb.save(path)
    parsed = check(path, "rsj")
    duplicated = [f for f in parsed.findings if f.rule_code == "VALUE_DUPLICATED"]
    assert [(f.cell, f.value) for f in duplicated] == [("A6", "民族街道"), ("A19", "民族街道")]
    assert "第 19 行" in duplicated[0].message and "第 6 行" in duplicated[1].message


def test_missing_period_and_filer(tmp_path, fill_jobs, ctx, check, reference):
    parsed = check(fill_jobs(tmp_path / "j.xlsx", None, _rows(reference), filer=None), "rsj", ctx)
    period = _only(parsed.findings, "HEADER_VALUE_MISSING")
    assert period.column == "报告期" and period.cell == "E2" and period.blocking
    filer = _only(parsed.findings, "HEADER_VALUE_MISSING_SOFT")
    assert filer.column == "填报人" and not filer.blocking


@pytest.mark.parametrize("period", ["2024-12", "2027-01", "2026-13"])
def test_period_outside_the_years_kept_is_refused(
    tmp_path, fill_jobs, ctx, check, reference, period
):
    parsed = check(fill_jobs(tmp_path / "j.xlsx", period, _rows(reference)), "rsj", ctx)
    assert {f.rule_code for f in parsed.findings} & {"PERIOD_OUT_OF_RANGE", "PERIOD_INVALID"}
    assert not parsed.accepted


@pytest.mark.parametrize("period, opens", [("2026-11", "2026-12-01"), ("2026-12", "2027-01-01")])
def test_a_month_not_ended_when_received_is_refused_saying_from_when(
    tmp_path, fill_jobs, ctx, check, reference, period, opens
):
    """ctx receives in November 2026: November is running, December is to come."""
    parsed = check(fill_jobs(tmp_path / "j.xlsx", period, _rows(reference)), "rsj", ctx)
    finding = _only(parsed.findings, "PERIOD_NOT_ENDED")
    assert finding.blocking and finding.cell == "E2" and finding.expected == opens
    assert opens in finding.hint and not parsed.accepted
    assert parsed.period == period  # named in the receipt


def test_the_month_before_receipt_is_accepted(tmp_path, fill_jobs, ctx, check, reference):
    parsed = check(fill_jobs(tmp_path / "j.xlsx", "2026-10", _rows(reference)), "rsj", ctx)
    assert parsed.accepted and parsed.period == "2026-10"


def test_another_departments_name_in_the_header_is_refused(
    tmp_path, fill_jobs, ctx, check, reference
):
    path = fill_jobs(tmp_path / "j.xlsx", "2026-05", _rows(reference), reporting_unit="区商务局")
    finding = _only(check(path, "rsj").findings, "REPORTING_UNIT_MISMATCH")
    assert finding.value == "区商务局" and finding.expected == "区人力资源和社会保障局"


def test_a_file_in_another_departments_folder_is_refused(
    tmp_path, fill_jobs, ctx, check, reference
):
    parsed = check(fill_jobs(tmp_path / "j.xlsx", "2026-05"), "swj")
    finding = _only(parsed.findings, "WRONG_DEPARTMENT")
    assert "区人力资源和社会保障局" in finding.message and "区商务局" in finding.message
    # Its figures are counted as read, and none is loaded.
    assert parsed.rows_to_load == [] and parsed.rows_read == len(jobs_rows(2026, 5, reference))


def test_a_renamed_column_label_is_reported(tmp_path, fill_jobs, ctx, check, reference, jobs_spec):
    path = fill_jobs(tmp_path / "j.xlsx", "2026-05", _rows(reference))
    wb = load_workbook(path)
    wb[jobs_spec.sheet]["D5"] = "招聘会场次"
    wb.save(path)
    finding = _only(check(path, "rsj").findings, "COLUMN_MISSING")
    assert finding.expected == "招聘活动场次"


def test_a_workbook_that_is_not_our_template(tmp_path, ctx, check):
    wb = Workbook()
    wb.active["A1"] = "街道"
    wb.save(tmp_path / "mine.xlsx")
    parsed = check(tmp_path / "mine.xlsx", "rsj")
    assert [f.rule_code for f in parsed.findings] == ["NOT_A_TEMPLATE"]


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"street,new_jobs\n\xe6\xb0\x91\xe6\x97\x8f,1\n",
        b"%PDF-1.4\n%...\n",
        b"PK\x03\x04broken",
    ],
)
def test_files_that_are_not_workbooks(tmp_path, ctx, check, content):
    path = Path(tmp_path / "jobs.xlsx")
    path.write_bytes(content)
    parsed = check(path, "rsj")
    finding = _only(parsed.findings, "FILE_UNREADABLE")
    assert "无法作为 Excel 工作簿打开" in finding.message


def test_a_period_typed_the_chinese_way_gets_a_note(tmp_path, fill_jobs, ctx, check, reference):
    parsed = check(fill_jobs(tmp_path / "j.xlsx", "2026年3月", _rows(reference)), "rsj")
    note = _only(parsed.findings, "NORMALIZED_VALUE")
    assert (note.rule_class, note.cell, note.value, note.expected) == (
        "提示",
        "E2",
        "2026年3月",
        "2026-03",
    )
    assert parsed.accepted


@pytest.mark.parametrize(
    "name, codes",
    [
        ("jobs_2026-03.xlsx", []),
        ("jobs_2026-04.xlsx", ["FILENAME_PERIOD_MISMATCH"]),
        ("区商务局_就业_2026年3月.xlsx", ["FILENAME_DEPARTMENT_MISMATCH"]),
        ("swj-jobs-202603.xlsx", ["FILENAME_DEPARTMENT_MISMATCH"]),
        ("rsj_jobs_2026.3.xlsx", []),
    ],
)
def test_the_workbook_wins_over_the_file_name(
    tmp_path, fill_jobs, ctx, check, reference, name, codes
):
    from orchestration.validate.file_name import filename_findings

    parsed = check(fill_jobs(tmp_path / "j.xlsx", "2026-03", _rows(reference)), "rsj")
    findings = filename_findings(name, parsed, load_rules(), reference.departments)
    assert [f.rule_code for f in findings] == codes
    assert all(f.rule_class == "提示" for f in findings)


@pytest.mark.parametrize("how", ["cleared", "deleted"])
def test_a_pre_listed_street_cleared_or_deleted_is_refused_by_its_name(
    tmp_path, fill_jobs, jobs_spec, check, reference, how
):
    path = fill_jobs(tmp_path / "j.xlsx", "2026-05", _rows(reference))
    wb = load_workbook(path)
    ws = wb[jobs_spec.sheet]
    street = list(reference.streets)[3]
    (row,) = [c.row for c in ws["A"] if c.value == street]
    if how == "cleared":
        for cell in ws[row]:
            cell.value = None
    else:
        ws.delete_rows(row)
    wb.save(path)
    parsed = check(path, "rsj")
    finding = _only(parsed.findings, "PREFILLED_ROW_MISSING")
    assert finding.blocking and finding.value == street and finding.column == "街道"
    assert street in finding.message and not parsed.accepted
    assert parsed.rows_read == len(reference.streets) - 1
