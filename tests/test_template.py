"""The jobs template: labels, header area, drop-downs, number-only cells, hidden identity."""

from openpyxl import load_workbook

from orchestration.read.cell_values import label_key
from orchestration.templates.writer import write_template


def _labels(ws, max_row=10):
    return {label_key(c.value) for row in ws.iter_rows(max_row=max_row) for c in row if c.value}


def test_template_has_every_label_of_the_definition(templates_dir, jobs_spec, contract):
    ws = load_workbook(templates_dir / "jobs.xlsx")[jobs_spec.sheet]
    labels = _labels(ws)
    assert {c.label for c in jobs_spec.columns} <= labels
    assert {"填报单位", "报告期", "填报人", "联系电话"} <= labels
    assert "街道" in labels and "其中：高校毕业生" in labels


def test_identity_is_kept_in_a_very_hidden_sheet(templates_dir, contract):
    wb = load_workbook(templates_dir / "jobs.xlsx")
    meta = wb[contract.meta_sheet]
    assert meta.sheet_state == "veryHidden"
    values = {row[0].value: row[2].value for row in meta.iter_rows()}
    assert values == {"return_code": "jobs", "template_version": "1", "department_code": "rsj"}
    assert wb.active.title == "就业情况月报"


def test_streets_are_prefilled_and_offered_as_a_drop_down(templates_dir, jobs_spec, reference):
    wb = load_workbook(templates_dir / "jobs.xlsx")
    ws = wb[jobs_spec.sheet]
    street_cells = [ws.cell(row=r, column=1).value for r in range(6, 6 + len(reference.streets))]
    assert street_cells == list(reference.streets)
    street_dv = next(
        dv for dv in ws.data_validations.dataValidation if str(dv.sqref).startswith("A6")
    )
    assert street_dv.type == "list" and "_lists" in street_dv.formula1
    listed = [c.value for c in wb["_lists"]["A"][1:] if c.value]
    assert listed == list(reference.streets)


def test_count_cells_accept_whole_numbers_only(templates_dir, jobs_spec):
    ws = load_workbook(templates_dir / "jobs.xlsx")[jobs_spec.sheet]
    whole = [dv for dv in ws.data_validations.dataValidation if dv.type == "whole"]
    covered = {str(r).split(":")[0][0] for dv in whole for r in dv.sqref.ranges}
    assert covered == {"B", "C", "D", "E", "F"}
    # The bounds the reader holds counts to (the definition's `max:`), offered as typed.
    bounds = {str(c.upper_bound) for c in jobs_spec.columns if c.type == "count"}
    assert all(dv.operator == "between" and dv.formula1 == "0" for dv in whole)
    assert {dv.formula2 for dv in whole} == bounds
    assert ws["B6"].protection.locked is False  # input cells stay editable
    assert ws.protection.sheet is True  # labels do not


def test_instructions_sheet_explains_every_column(templates_dir, jobs_spec, contract):
    ws = load_workbook(templates_dir / "jobs.xlsx")[contract.instructions_sheet]
    text = {c.value for row in ws.iter_rows() for c in row if c.value}
    assert all(c.label in text and c.help in text for c in jobs_spec.columns)
    assert any("intake/rsj/" in t for t in text)


def test_templates_are_byte_for_byte_reproducible(tmp_path, jobs_spec, contract, reference):
    a = write_template(jobs_spec, "rsj", tmp_path / "a.xlsx", contract, reference)
    b = write_template(jobs_spec, "rsj", tmp_path / "b.xlsx", contract, reference)
    assert a.read_bytes() == b.read_bytes()


def test_templates_command_writes_the_jobs_template(tmp_path):
    from orchestration.cli import main

    assert main(["templates", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "jobs.xlsx").exists()


def test_templates_print_on_a4_with_the_column_labels_on_every_page(templates_dir, contract):
    from orchestration.contract.return_spec import load_returns

    for spec in load_returns().values():
        (path,) = [
            p for p in templates_dir.glob("*.xlsx") if load_workbook(p).sheetnames[0] == spec.sheet
        ][:1]
        wb = load_workbook(path)
        ws = wb[spec.sheet]
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert ws.page_setup.orientation == ("landscape" if len(spec.columns) > 6 else "portrait")
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        label_row = next(c.row for c in ws["A"] if c.value == spec.columns[0].label)
        assert ws.print_title_rows == f"${label_row}:${label_row}"
        instructions = wb[contract.instructions_sheet]
        assert instructions.sheet_properties.pageSetUpPr.fitToPage
        long_texts = [
            c for c in instructions["B"] if isinstance(c.value, str) and len(c.value) > 40
        ]
        assert long_texts and all(c.alignment.wrap_text for c in long_texts)
