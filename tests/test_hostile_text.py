"""Text from files is data: a file name, a header field or a cell that reads like SQL or a
spreadsheet formula is stored verbatim and echoed inert in the receipt, through a real run."""

import pytest
from conftest import AS_OF, query
from openpyxl import load_workbook

from orchestration.demo.samples.jobs import jobs_rows
from orchestration.runner import run_pipeline

pytestmark = pytest.mark.slow

SQL = "'); DROP TABLE raw.files; --"
FORMULA = "=cmd|' /C calc'!A0"


def test_sql_and_formulas_in_files_are_stored_and_echoed_as_text(
    home, warehouse, fill_jobs, reference
):
    folder = warehouse.intake_root / "rsj"
    accepted_name = f"jobs_2026-01{SQL}.xlsx"
    fill_jobs(folder / accepted_name, "2026-01", filer=SQL)
    rows = jobs_rows(2026, 2, reference)
    rows[0]["street"] = FORMULA
    rejected_name = f"{FORMULA.replace('/', '')}.xlsx"  # "/" would make it a folder
    fill_jobs(folder / rejected_name, "2026-02", rows, filer=FORMULA)

    assert run_pipeline(home, as_of=AS_OF).success
    db = warehouse.published_db
    files = {
        name: (filer, outcome, receipt)
        for name, filer, outcome, receipt in query(
            db, "select original_name, filer, outcome, receipt_path from raw.files"
        )
    }
    # The table the SQL names is still there, with both files, their text as it was typed.
    assert set(files) == {accepted_name, rejected_name}
    assert files[accepted_name][:2] == (SQL, "accepted")
    assert files[rejected_name][:2] == (FORMULA, "rejected")
    assert query(db, "select count(distinct period) from marts.fct_jobs_street_monthly") == [(1,)]
    (value,) = query(
        db,
        "select value from raw.findings f join raw.files using (file_sha256) "
        "where original_name = ? and rule_code = 'STREET_UNKNOWN'",
        [rejected_name],
    )
    assert value == (FORMULA,)

    # The receipt shows the formula, and the file name, as text that cannot run.
    ws = load_workbook(files[rejected_name][2])["回执"]
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    for text in (FORMULA, rejected_name):  # as they were, in text cells quote-prefixed
        echoed = [c for c in cells if c.value == text]
        assert echoed and all(c.data_type == "s" and c.quotePrefix for c in echoed)
    assert not [c.value for c in cells if isinstance(c.value, str) and c.value.startswith("'")]
