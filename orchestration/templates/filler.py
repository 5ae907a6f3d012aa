"""Fills a template as a department would: finds the labels, types the figures, saves.

Used by the sample-data generator and the tests, so both exercise the real templates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from openpyxl import load_workbook

from orchestration.contract.return_spec import Contract, ReturnSpec
from orchestration.read.cell_values import label_key
from orchestration.templates.stable_xlsx import save_stable


def fill_template(
    template: Path,
    out_path: Path,
    spec: ReturnSpec,
    contract: Contract,
    header: Mapping[str, object],
    rows: Sequence[Mapping[str, object]],
) -> Path:
    """Write ``header`` (by header-field name) and ``rows`` (by column name) into a copy.

    Rows of a pre-filled template go to the row of their key (street, target code); other
    rows are written one after another below the last used row.
    """
    wb = load_workbook(template)
    ws = wb[spec.sheet]
    labels = {f.label: f.name for f in contract.header_fields}
    column_by_label = {c.label: c.name for c in spec.columns}
    header_cells: dict[str, tuple[int, int]] = {}
    column_index: dict[str, int] = {}
    label_row = None
    for row in ws.iter_rows(min_row=1, max_row=20):
        for cell in row:
            key = label_key(cell.value)
            if key in labels:
                header_cells[labels[key]] = (cell.row, cell.column + 1)
            elif key in column_by_label:
                column_index[column_by_label[key]] = cell.column
                label_row = cell.row
    for name, value in header.items():
        r, c = header_cells[name]
        _type(ws.cell(row=r, column=c), value)

    key = spec.prefill_column
    row_of_key: dict[object, int] = {}
    if key:
        key_col = column_index[key]
        row_of_key = {
            ws.cell(row=r, column=key_col).value: r
            for r in range(label_row + 1, ws.max_row + 1)
            if ws.cell(row=r, column=key_col).value
        }
    next_free = max(row_of_key.values(), default=label_row) + 1
    for values in rows:
        if key and values.get(key) in row_of_key:
            r = row_of_key[values[key]]
        else:
            r = next_free
            next_free += 1
        for name, value in values.items():
            _type(ws.cell(row=r, column=column_index[name]), value)
    return save_stable(wb, out_path)


def _type(cell, value: object) -> None:
    """As typed into a cell: text stays text even where it starts with "=" (typed with
    Excel's leading apostrophe), since openpyxl would otherwise save it as a formula."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
