"""`indicators register check`: each rule broken once, the real register passing."""

import csv
import re
import shutil
from pathlib import Path

import pytest

from orchestration import paths
from orchestration.cli import main
from orchestration.contract.register_check import (
    RegisterProblem,
    check_register_file,
    register_columns,
    register_problems,
)
from orchestration.contract.return_spec import load_returns

SEED = paths.SEEDS_DIR / "target_register.csv"


def _seed_rows() -> list[dict[str, str]]:
    with SEED.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _write(path: Path, rows: list[dict[str, str]], columns: list[str] | None = None) -> Path:
    columns = columns or register_columns()
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _changed(code: str, **cells: str) -> tuple[list[dict[str, str]], int]:
    """The real register with one row's cells changed, and that row's CSV line."""
    rows = _seed_rows()
    index = next(i for i, r in enumerate(rows) if r["target_code"] == code)
    rows[index].update(cells)
    return rows, index + 2


def _found(problems: list[RegisterProblem]) -> list[tuple[int, str, str]]:
    return [(p.line, p.target_code, p.column) for p in problems]


def test_the_real_register_passes(capsys):
    assert register_problems(_seed_rows()) == []
    assert check_register_file(SEED) == 0
    assert capsys.readouterr().out == f"{len(_seed_rows())} targets of year(s) 2026 checked: OK\n"


def test_the_cli_checks_a_register_and_exits_1_on_a_problem(tmp_path, capsys):
    assert main(["register", "check", str(SEED)]) == 0
    assert capsys.readouterr().out.endswith("checked: OK\n")

    rows, line = _changed("JOB_NEW", unit_scale="0")
    path = _write(tmp_path / "register.csv", rows)
    assert main(["register", "check", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"line {line}, JOB_NEW, unit_scale: '0' is not a positive number",
        f"{len(rows)} targets of year(s) 2026 checked: 1 problem",
    ]


# --- 1. the file and its header ------------------------------------------------------


def test_a_header_missing_a_column_is_one_problem(tmp_path, capsys):
    columns = [c for c in register_columns() if c != "register_note"]
    path = _write(tmp_path / "register.csv", _seed_rows(), columns)
    assert check_register_file(path) == 1
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2
    assert out[0].startswith("line 1, header: ") and "missing: register_note" in out[0]
    assert out[1] == "0 targets checked: 1 problem"


def test_a_header_in_another_order_is_a_problem(tmp_path, capsys):
    columns = register_columns()
    columns[1], columns[2] = columns[2], columns[1]
    path = _write(tmp_path / "register.csv", _seed_rows(), columns)
    assert check_register_file(path) == 1
    assert "another order" in capsys.readouterr().out


def test_a_byte_order_mark_is_named(tmp_path, capsys):
    path = tmp_path / "register.csv"
    path.write_bytes(b"\xef\xbb\xbf" + SEED.read_bytes())
    assert check_register_file(path) == 1
    assert "byte-order mark" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (None, "cannot read"),
        ("目标".encode("gbk") + b"\n", "not UTF-8"),
        (b"", "is empty"),
        (",".join(register_columns()).encode() + b"\n", "has no targets"),
    ],
)
def test_an_unreadable_file_is_one_problem_not_a_traceback(tmp_path, capsys, content, said):
    path = tmp_path / "register.csv"
    if content is not None:
        path.write_bytes(content)
    assert check_register_file(path) == 1
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and said in out[0] and out[0].startswith("file: ")


def test_a_row_with_missing_cells_is_named_by_its_line(tmp_path, capsys):
    path = _write(tmp_path / "register.csv", _seed_rows())
    with path.open("a", encoding="utf-8") as f:
        f.write("2026,SHORT_ROW,短行\n")
    assert check_register_file(path) == 1
    assert f"line {len(_seed_rows()) + 2}, SHORT_ROW: 3 cells" in capsys.readouterr().out


def test_lines_count_the_breaks_inside_quoted_cells(tmp_path, capsys):
    rows = _seed_rows()
    rows[0]["register_note"] = "两行\n说明"
    rows[1]["comparator"] = "<"
    path = _write(tmp_path / "register.csv", rows)
    assert check_register_file(path) == 1
    assert f"line 4, {rows[1]['target_code']}, comparator:" in capsys.readouterr().out


# --- 2. year, code and their uniqueness ----------------------------------------------


@pytest.mark.parametrize("year", ["26", "1999", "2100", "", "2026.0", " 2026"])
def test_reporting_year_must_be_a_year(year):
    rows, line = _changed("JOB_NEW", reporting_year=year)
    assert _found(register_problems(rows)) == [(line, "JOB_NEW", "reporting_year")]


@pytest.mark.parametrize("code", ["job_new", "1JOB", "JOB-NEW", "", "JOB NEW"])
def test_target_code_must_be_upper_case_letters_digits_and_underscores(code):
    rows, line = _changed("JOB_NEW", target_code=code)
    assert _found(register_problems(rows)) == [(line, code, "target_code")]


def test_a_duplicate_code_names_both_lines():
    rows, line = _changed("JOB_TRAIN", target_code="JOB_NEW")
    first = next(i for i, r in enumerate(rows) if r["target_code"] == "JOB_NEW") + 2
    problems = register_problems(rows)
    assert _found(problems) == [(line, "JOB_NEW", "target_code")]
    assert f"also on line {first}" in str(problems[0]) and str(problems[0]).startswith(
        f"line {line},"
    )


def test_the_same_code_in_two_years_is_not_a_duplicate():
    rows = _seed_rows()
    rows += [{**r, "reporting_year": "2027"} for r in _seed_rows()]
    assert register_problems(rows) == []


# --- 3. required cells and numbers ---------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("target_name", ""),
        ("target_name", "  "),
        ("source_sentence", ""),
        ("target_value", "abc"),
        ("target_value", "inf"),
        ("target_value", "nan"),
        ("target_value", "1.8万"),
        ("unit_scale", "0"),
        ("unit_scale", "-10000"),
        ("unit_scale", "万"),
    ],
)
def test_required_cells_and_numbers(column, value):
    rows, line = _changed("JOB_NEW", **{column: value})
    assert _found(register_problems(rows)) == [(line, "JOB_NEW", column)]


# --- 4. units ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cells",
    [
        {"unit": "千人"},  # a unit no register used
        {"unit_scale": "1000"},  # 万人 counted in 人 with the wrong scale
        {"base_unit": "人次"},
    ],
)
def test_a_unit_not_in_the_units_seed_is_unknown(cells):
    rows, line = _changed("JOB_NEW", **cells)
    problems = register_problems(rows)
    assert _found(problems) == [(line, "JOB_NEW", "unit")]
    assert "unknown unit" in problems[0].message


def test_the_units_seed_lists_exactly_the_units_the_register_uses():
    with (paths.SEEDS_DIR / "units.csv").open(encoding="utf-8", newline="") as f:
        units = [(r["unit"], r["base_unit"], r["unit_scale"]) for r in csv.DictReader(f)]
    assert len(units) == len(set(units))
    assert set(units) == {(r["unit"], r["base_unit"], r["unit_scale"]) for r in _seed_rows()}


# --- 5. comparator, measure type, pace, frequency -----------------------------------


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("comparator", "<"),
        ("comparator", ">="),
        ("measure_type", "sum"),
        ("pace", "flat"),
        ("frequency", "weekly"),
    ],
)
def test_closed_lists(column, value):
    rows, line = _changed("JOB_NEW", **{column: value})
    problems = register_problems(rows)
    assert _found(problems) == [(line, "JOB_NEW", column)]
    assert repr(value) in problems[0].message


def test_a_ceiling_is_a_comparator():
    rows, _ = _changed("JOB_NEW", comparator="≤")
    assert register_problems(rows) == []


@pytest.mark.parametrize(
    ("code", "cells", "column"),
    [
        ("GDP_GROWTH", {"pace": "linear"}, "pace"),  # growth_rate
        ("ABOVE_SIZE_FIRMS", {"pace": "linear"}, "pace"),  # year_end_stock
        ("POLICY_FUNDS", {"measure_type": "growth_rate", "pace": "level"}, "unit"),
    ],
)
def test_rates_and_stocks_need_pace_level_and_rates_percent(code, cells, column):
    rows, line = _changed(code, **cells)
    assert _found(register_problems(rows)) == [(line, code, column)]


# --- 6. department and feeding return ------------------------------------------------


def test_department_must_be_in_the_departments_seed():
    rows, line = _changed("JOB_NEW", department_code="xyz")
    assert _found(register_problems(rows)) == [(line, "JOB_NEW", "department_code")]


def test_feeding_return_must_be_a_return_definition():
    rows, line = _changed("JOB_NEW", feeding_return="sales")
    problems = register_problems(rows)
    assert _found(problems) == [(line, "JOB_NEW", "feeding_return")]
    assert "'sales' is not one of" in problems[0].message


@pytest.fixture
def seeds_without(tmp_path, monkeypatch):
    """Point the check at a copy of the seeds lacking one return_filers pair."""

    def without(department: str, return_code: str) -> None:
        seeds = tmp_path / "seeds"
        shutil.copytree(paths.SEEDS_DIR, seeds)
        filers = (seeds / "return_filers.csv").read_text(encoding="utf-8").splitlines()
        kept = [f for f in filers if f != f"{department},{return_code}"]
        assert len(kept) == len(filers) - 1
        (seeds / "return_filers.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
        monkeypatch.setattr(paths, "SEEDS_DIR", seeds)

    return without


def test_an_indicators_target_needs_its_department_to_file_indicators(seeds_without):
    seeds_without("czj", "indicators")
    typed_by_czj = {
        r["target_code"]
        for r in _seed_rows()
        if (r["department_code"], r["feeding_return"]) == ("czj", "indicators")
    }
    problems = register_problems(_seed_rows())
    assert "REVENUE_GROWTH" in typed_by_czj
    assert {p.target_code for p in problems} == typed_by_czj
    assert {p.column for p in problems} == {"feeding_return"}
    assert "czj does not file indicators" in problems[0].message


def test_a_return_nobody_files_cannot_feed_a_target(seeds_without):
    seeds_without("tjj", "enterprises")
    enterprise_targets = {
        r["target_code"] for r in _seed_rows() if r["feeding_return"] == "enterprises"
    }
    problems = register_problems(_seed_rows())
    assert {p.target_code for p in problems} == enterprise_targets
    assert {p.column for p in problems} == {"feeding_return"}


def test_another_departments_return_may_feed_a_target():
    """The statistics office's directory counts the commerce bureau's new trade firms."""
    rows, _ = _changed("NEW_TRADE_FIRMS")
    (row,) = [r for r in rows if r["target_code"] == "NEW_TRADE_FIRMS"]
    assert (row["department_code"], row["feeding_return"]) == ("swj", "enterprises")
    assert register_problems(rows) == []


# --- 7. feeding measure --------------------------------------------------------------


def test_an_indicators_target_is_fed_by_its_own_code():
    rows, line = _changed("POLICY_FUNDS", feeding_measure="FUND_SCALE")
    assert _found(register_problems(rows)) == [(line, "POLICY_FUNDS", "feeding_measure")]


def test_a_measure_the_models_do_not_make_is_a_problem():
    rows, line = _changed("JOB_NEW", feeding_measure="new_jobs_total")
    problems = register_problems(rows)
    assert _found(problems) == [(line, "JOB_NEW", "feeding_measure")]
    assert "new_jobs" in problems[0].message  # the measures it could be


def test_a_measure_of_another_return_is_a_problem():
    rows, line = _changed("JOB_NEW", feeding_measure="first_stores")
    assert _found(register_problems(rows)) == [(line, "JOB_NEW", "feeding_measure")]


_YOY = {"measure_type": "yoy_growth", "unit": "%", "base_unit": "%", "unit_scale": "1"}


def test_a_yoy_growth_target_of_a_measured_figure_passes():
    rows, _ = _changed("ABOVE_SIZE_FIRMS", **_YOY)
    assert register_problems(rows) == []


def test_a_yoy_growth_target_needs_a_measured_figure():
    rows, line = _changed("ABOVE_SIZE_FIRMS", **_YOY, feeding_measure="growth")
    assert _found(register_problems(rows)) == [(line, "ABOVE_SIZE_FIRMS", "feeding_measure")]


def test_a_yoy_growth_target_is_not_fed_by_the_indicators_return():
    rows, line = _changed("GDP_GROWTH", measure_type="yoy_growth")
    assert _found(register_problems(rows)) == [(line, "GDP_GROWTH", "measure_type")]


def test_the_measures_are_read_from_the_return_definitions():
    returns = load_returns()
    assert "new_jobs" in returns["jobs"].measures
    assert returns["indicators"].measures == {}
    for spec in returns.values():
        assert all(description.strip() for description in spec.measures.values()), spec.code


def test_every_measure_listed_is_made_by_a_dbt_model():
    """The list is typed in the return definitions: a measure a model dropped or renamed
    would let a register row through that no model feeds."""
    models = paths.DBT_PROJECT_DIR / "models" / "intermediate"
    for code, spec in load_returns().items():
        for measure in spec.measures:
            sql = next(models.glob(f"int_{code.rstrip('s')}*_measures_monthly.sql"))
            assert re.search(rf"\b{measure}\b", sql.read_text(encoding="utf-8")), (code, measure)


# --- 8. source sentences -------------------------------------------------------------


def _report_of(rows: list[dict[str, str]]) -> str:
    """A report quoting the sentences, broken and marked as a published report is."""
    sentences = list(dict.fromkeys(r["source_sentence"] for r in rows))
    first = sentences[0]
    sentences[0] = f"**{first[:10]}**\n\n{first[10:]}"
    return "# 2027 年政府工作报告\n\n" + "\n\n".join(sentences) + "\n"


def test_the_value_must_appear_in_the_sentence():
    rows, line = _changed("GDP_GROWTH", target_value="7")
    problems = register_problems(rows)
    assert _found(problems) == [(line, "GDP_GROWTH", "target_value")]
    # 1.8 does not hide in 11.8 or 1.85
    rows, line = _changed("JOB_NEW", source_sentence="新增就业 11.8 万人，1.85 万人")
    assert _found(register_problems(rows)) == [(line, "JOB_NEW", "target_value")]


def test_a_2026_sentence_must_be_in_section_three_of_the_report():
    review = "全年新增就业 2.35 万人"  # the review of 2025 (section 一), not a target
    assert review in paths.SOURCE_REPORT.read_text(encoding="utf-8")
    rows, line = _changed("JOB_NEW", target_value="2.35", source_sentence=review)
    report = {2026: paths.SOURCE_REPORT.read_text(encoding="utf-8")}
    problems = register_problems(rows, report)
    assert _found(problems) == [(line, "JOB_NEW", "source_sentence")]
    assert "not found in the 2026 report" in problems[0].message
    # The same text read as another year's report is searched whole.
    assert (
        register_problems([{**rows[line - 2], "reporting_year": "2027"}], {2027: report[2026]})
        == []
    )


def test_the_file_check_reads_the_2026_report_itself(tmp_path, capsys):
    rows, line = _changed("JOB_NEW", source_sentence="新增就业 1.8 万人以上。")
    assert check_register_file(_write(tmp_path / "register.csv", rows)) == 1
    out = capsys.readouterr().out
    assert f"line {line}, JOB_NEW, source_sentence: not found in the 2026 report" in out


def test_a_2027_register_with_its_report_passes(tmp_path, capsys):
    rows = [{**r, "reporting_year": "2027"} for r in _seed_rows()]
    path = _write(tmp_path / "register_2027.csv", rows)
    report = tmp_path / "report_2027.txt"
    report.write_text(_report_of(rows), encoding="utf-8")
    assert main(["register", "check", str(path), "--report", str(report)]) == 0
    assert capsys.readouterr().out == f"{len(rows)} targets of year(s) 2027 checked: OK\n"


def test_a_2027_sentence_missing_from_its_report_is_a_problem(tmp_path, capsys):
    rows = [{**r, "reporting_year": "2027"} for r in _seed_rows()]
    report = tmp_path / "report_2027.txt"
    report.write_text(_report_of(rows[:3]), encoding="utf-8")
    rows[5]["source_sentence"] = "力争新开工亿元以上项目 30 个。"
    rows[5]["target_value"] = "30"
    assert check_register_file(_write(tmp_path / "r.csv", rows), report) == 1
    out = capsys.readouterr().out
    assert f"line 7, {rows[5]['target_code']}, source_sentence: not found in the 2027 report" in out


def test_the_whole_register_with_a_new_years_rows_checks_each_against_its_report(tmp_path, capsys):
    new = [{**r, "reporting_year": "2027"} for r in _seed_rows()]
    path = _write(tmp_path / "register.csv", _seed_rows() + new)
    report = tmp_path / "report_2027.txt"
    report.write_text(_report_of(new), encoding="utf-8")
    assert check_register_file(path, report) == 0
    assert capsys.readouterr().out.endswith("of year(s) 2026, 2027 checked: OK\n")


def test_without_a_report_a_new_years_sentences_are_noted_not_failed(tmp_path, capsys):
    rows = [{**r, "reporting_year": "2027"} for r in _seed_rows()]
    assert check_register_file(_write(tmp_path / "register.csv", rows)) == 0
    assert capsys.readouterr().out.splitlines() == [
        "note: source sentences of 2027 not checked: pass --report",
        f"{len(rows)} targets of year(s) 2027 checked: OK",
    ]


def test_an_unreadable_report_is_a_problem(tmp_path, capsys):
    rows = [{**r, "reporting_year": "2027"} for r in _seed_rows()]
    path = _write(tmp_path / "register.csv", rows)
    assert check_register_file(path, tmp_path / "missing.txt") == 1
    assert "cannot read report" in capsys.readouterr().out


def test_without_the_2026_report_its_sentences_are_noted(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(paths, "SOURCE_REPORT", tmp_path / "absent.txt")
    assert check_register_file(SEED) == 0
    assert "note: source sentences of 2026 not checked" in capsys.readouterr().out
