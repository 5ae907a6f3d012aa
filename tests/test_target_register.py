"""The target register against the work report it is taken from (section 三)."""

import csv
import re

import pytest

from orchestration import paths
from orchestration.lib.return_spec import load_returns

REGISTER = paths.SEEDS_DIR / "target_register.csv"


def _section_three() -> str:
    """Section 三 as running text: headings dropped, bold marks and page breaks removed.

    The report breaks lines at page ends inside sentences ("超过 300\\n\\n亿元"), so the
    register quotes each sentence with those breaks joined.
    """
    text = paths.SOURCE_REPORT.read_text(encoding="utf-8")
    section = text[text.index("### 三、2026 年工作安排") : text.index("## 名词解释")]
    lines = [line.strip() for line in section.splitlines() if not line.lstrip().startswith("#")]
    return "".join(lines).replace("**", "")


@pytest.fixture(scope="module")
def register() -> list[dict[str, str]]:
    with REGISTER.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _number_in(value: str, sentence: str) -> bool:
    number = float(value)
    shown = str(int(number)) if number.is_integer() else str(number)
    return re.search(rf"(?<![\d.]){re.escape(shown)}(?![\d.])", sentence) is not None


def test_every_quoted_sentence_is_in_the_report(register):
    report = _section_three()
    missing = [r["target_code"] for r in register if r["source_sentence"] not in report]
    assert missing == []


def test_every_target_value_appears_in_its_sentence(register):
    wrong = [
        (r["target_code"], r["target_value"])
        for r in register
        if not _number_in(r["target_value"], r["source_sentence"])
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
