"""Page setup for what departments print: A4, fit to the page's width, headings repeated."""

from __future__ import annotations

from openpyxl.utils import get_column_letter


def fit_a4(ws, *, landscape: bool, repeat_rows: str | None = None) -> None:
    """Print ``ws`` on A4, as wide as the page (as many pages long as it needs), with
    ``repeat_rows`` (e.g. "5:5") at the top of every page and its used range as print area."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # any number of pages down
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    if repeat_rows:
        ws.print_title_rows = repeat_rows
    ws.print_area = f"A1:{get_column_letter(ws.max_column)}{ws.max_row}"
