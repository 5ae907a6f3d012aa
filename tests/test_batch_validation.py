"""One validation per return over all the files of a run judges each file as it would be
judged alone: its own month, its own year's register, uniqueness within the file, and
every failure at its own file's cell."""

from dataclasses import replace

import pytest

from orchestration.contract.return_spec import load_contract, load_returns
from orchestration.demo.samples import all_sample_files
from orchestration.read.return_parser import parse_return
from orchestration.templates.names import template_filename


@pytest.fixture(scope="module")
def batch_files(tmp_path_factory, templates_dir, reference):
    """Three months of every sample return, plus files each breaking a rule that depends
    on the file: an enterprise listed twice, store openings outside the file's month, a target
    of another department, and an exact copy of a clean file (its rows are not duplicates)."""
    returns, contract = load_returns(), load_contract()
    samples = all_sample_files(2026, 3, reference, enterprise_count=40)
    directory = next(s for s in samples if s.return_code == "enterprises" and s.period == "2026-02")
    twice = [dict(r) for r in directory.rows]
    twice[2]["credit_code"] = twice[0]["credit_code"]
    stores = next(s for s in samples if s.return_code == "first_stores" and s.period == "2026-02")
    indicators = next(s for s in samples if s.return_code == "indicators")
    other_dept = next(
        t.code
        for t in reference.targets.values()
        if t.feeding_return == "indicators" and t.department_code != indicators.department_code
    )
    foreign = [dict(r) for r in indicators.rows]
    foreign[0]["target_code"] = other_dept
    broken = [
        replace(directory, rows=twice, file_name="enterprises_twice.xlsx"),
        replace(directory, file_name="enterprises_copy.xlsx"),
        replace(
            stores,
            period="2026-03",
            header={**stores.header, "period": "2026-03"},
            file_name="stores_feb_rows_in_march.xlsx",
        ),
        replace(indicators, rows=foreign, file_name="indicators_foreign.xlsx"),
    ]
    folder = tmp_path_factory.mktemp("batch")
    written = {}
    for sample in samples + broken:
        spec = returns[sample.return_code]
        template = templates_dir / template_filename(spec, sample.department_code, reference)
        path = sample.write(template, folder, spec, contract)
        written[sample.file_name] = (sample.department_code, spec, path)
    return written


def _rows(findings):
    return [f.as_row() for f in findings]


def test_a_batch_judges_every_file_as_it_would_be_judged_alone(batch_files, ctx, validator):
    parsed = {
        name: (spec, parse_return(path, dept, ctx))
        for name, (dept, spec, path) in batch_files.items()
    }
    by_return: dict[str, list[str]] = {}
    for name, (spec, _) in parsed.items():
        by_return.setdefault(spec.code, []).append(name)
    assert set(by_return) == set(load_returns())
    together = {}
    for code, names in by_return.items():
        spec = load_returns()[code]
        found = validator.validate_batch(spec, [parsed[n][1] for n in names])
        together.update(zip(names, found, strict=True))

    for name, (spec, one) in parsed.items():
        assert _rows(together[name]) == _rows(validator.validate(spec, one)), name

    def codes(name):
        return [(f.rule_code, f.cell) for f in together[name]]

    dept, _, path = batch_files["enterprises_twice.xlsx"]
    twice = parse_return(path, dept, ctx)
    column = chr(ord("A") + twice.column_index["credit_code"])
    first_row, third_row = twice.rows[0]["source_row"], twice.rows[2]["source_row"]
    assert codes("enterprises_twice.xlsx") == [
        ("VALUE_DUPLICATED", f"{column}{first_row}"),
        ("VALUE_DUPLICATED", f"{column}{third_row}"),
    ]
    # The same rows in two files of one batch are not duplicates of each other.
    assert codes("enterprises_copy.xlsx") == [] and codes("enterprises_2026-02.xlsx") == []
    # Judged against its own month (March): February's openings are outside it; the
    # February file with the same rows, in the same batch, passes.
    outside = codes("stores_feb_rows_in_march.xlsx")
    assert outside and {rule for rule, _ in outside} == {"OPENING_DATE_OUTSIDE_PERIOD"}
    assert codes("first_stores_2026-02.xlsx") == []
    # Judged against its own department: another department's target, in a row of its own.
    assert "TARGET_OTHER_DEPARTMENT" in [rule for rule, _ in codes("indicators_foreign.xlsx")]
    assert not [
        name
        for name in together
        if name.startswith("indicators_2026")
        and "TARGET_OTHER_DEPARTMENT" in [rule for rule, _ in codes(name)]
    ]


def test_a_batch_of_files_without_rows_or_month_is_not_validated(batch_files, ctx, validator):
    dept, spec, path = batch_files["jobs_2026-01.xlsx"]
    good = parse_return(path, dept, ctx)
    empty = replace(good, rows=[], raw_text=[])
    no_month = replace(good, period=None)
    found = validator.validate_batch(spec, [empty, good, no_month])
    assert found == [[], validator.validate(spec, good), []]
