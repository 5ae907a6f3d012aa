"""The target register against the work report it is taken from (section 三)."""

import csv
import re
from pathlib import Path

import pytest

from orchestration import paths
from orchestration.contract.register_check import number_in, report_text
from orchestration.contract.return_spec import load_returns

REGISTER = paths.SEEDS_DIR / "target_register.csv"


def _section_three() -> str:
    """Section 三 as running text, as `indicators register check` reads the 2026 report."""
    return report_text(paths.SOURCE_REPORT.read_text(encoding="utf-8"), 2026)


@pytest.fixture(scope="module")
def register() -> list[dict[str, str]]:
    with REGISTER.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_every_quoted_sentence_is_in_the_report(register):
    report = _section_three()
    missing = [r["target_code"] for r in register if r["source_sentence"] not in report]
    assert missing == []


def test_every_target_value_appears_in_its_sentence(register):
    wrong = [
        (r["target_code"], r["target_value"])
        for r in register
        if not number_in(float(r["target_value"]), r["source_sentence"])
    ]
    assert wrong == []


def test_the_register_covers_the_reports_quantified_targets(register):
    codes = {r["target_code"] for r in register}
    assert len(register) >= 70
    # The overall goals of the year, and the figures leaders ask about.
    by_name = {(r["target_name"], r["target_value"], r["unit"]) for r in register}
    assert {
        ("地区生产总值增长", "6", "%"),
        ("社会消费品零售总额增长", "5", "%"),
        ("地方一般公共预算收入增长", "5", "%"),
        ("新增就业", "1.8", "万人"),
        ("新增首店", "100", "家"),
        ("“四上”企业", "2000", "家"),
    } <= by_name
    assert len(codes) == len(register)


def test_each_target_names_a_known_department_and_return(register, reference):
    returns = load_returns()
    for r in register:
        assert r["department_code"] in reference.departments, r["target_code"]
        assert r["feeding_return"] in returns, r["target_code"]
        assert r["measure_type"] in {"ytd_sum", "distinct_count", "year_end_stock", "growth_rate"}
        assert r["comparator"] in {"≥", ">", "≈", "="}
        assert r["pace"] in {"linear", "level"}
        if r["feeding_return"] == "indicators":
            assert r["feeding_measure"] == r["target_code"]


def test_approximate_targets_and_only_they_use_the_approximate_comparator(register):
    for r in register:
        number = float(r["target_value"])
        shown = str(int(number)) if number.is_integer() else str(number)
        after = r["source_sentence"].split(shown, 1)[1][:8]
        assert ("左右" in after) == (r["comparator"] == "≈"), r["target_code"]


def test_every_note_is_chinese_for_the_departments_and_leaders_who_read_it(register):
    for row in register:
        note = row["register_note"]
        assert not re.search(r"[A-Za-z]{3,}", note), (row["target_code"], note)


def test_no_target_is_fed_by_a_part_of_a_figure_smaller_than_itself(register):
    """A 其中 column is part of the column before it: a target fed by it cannot exceed the
    target of the whole (高校毕业生留汉 2.5 万 fed by 新增就业 1.8 万's 其中 would lag for ever)."""
    returns = load_returns()
    target_of = {
        (r["feeding_return"], r["feeding_measure"]): float(r["target_value"])
        * float(r["unit_scale"])
        for r in register
    }
    for row in register:
        spec = returns.get(row["feeding_return"])
        if spec is None or row["feeding_return"] == "indicators":
            continue
        names = [c.name for c in spec.columns]
        if row["feeding_measure"] not in names:
            continue
        column = spec.column(row["feeding_measure"])
        if not column.label.startswith("其中"):
            continue
        whole = names[names.index(column.name) - 1]
        own = float(row["target_value"]) * float(row["unit_scale"])
        assert own <= target_of.get((row["feeding_return"], whole), own), row["target_code"]


def test_graduates_staying_in_wuhan_are_fed_by_their_own_line(register):
    (row,) = [r for r in register if r["target_code"] == "JOB_GRAD"]
    assert (row["feeding_return"], row["feeding_measure"]) == ("indicators", "JOB_GRAD")
    assert row["department_code"] == "rsj" and "综合指标月报" in row["register_note"]


def test_the_progress_table_shows_each_note_beside_its_figure():
    from orchestration.publish.progress_report import ProgressRow, progress_markdown, progress_text

    row = ProgressRow(
        "rsj",
        "区人力资源和社会保障局",
        "JOB_GRAD",
        "高校毕业生留汉创业就业",
        "≥",
        2.5,
        "万人",
        "2026-10",
        2.1,
        0.84,
        0.8333,
        "正常",
        "由区人力资源和社会保障局在综合指标月报中报送",
    )
    lines = progress_text([row]).splitlines()
    assert lines[-1].strip() == "注：由区人力资源和社会保障局在综合指标月报中报送"
    assert "JOB_GRAD" in lines[-2]
    assert (
        progress_markdown([row])
        .splitlines()[-1]
        .endswith("由区人力资源和社会保障局在综合指标月报中报送 |")
    )


def test_mart_columns_of_chinese_business_concepts_have_chinese_descriptions():
    """What analysts and the statistics office read in DuckDB's column comments: every
    column but the technical ones (keys, hashes, codes, lineage) is described in Chinese."""
    import glob

    import yaml

    technical = re.compile(
        r"_key$|_sha256s?$|_code$|version|^(sheet_name|source_row|period_month|month_number"
        r"|target_value_base|file_format|archive_path|measure_type|pace|intake_ledger)$"
    )
    for path in glob.glob(str(paths.DBT_PROJECT_DIR / "models" / "marts" / "*.yml")):
        for model in yaml.safe_load(Path(path).read_text(encoding="utf-8"))["models"]:
            for column in model["columns"]:
                if technical.search(column["name"]):
                    continue
                described = column.get("description", "")
                assert re.search(r"[\u4e00-\u9fff]{2,}", described), (model["name"], column["name"])
