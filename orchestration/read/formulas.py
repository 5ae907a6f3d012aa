"""Formula cells saved without their result, in an .xlsx/.xlsm.

Excel and WPS save each formula's last result beside it, and calamine reads that result.
A workbook written by a script (openpyxl, a report tool) often saves the formula alone:
calamine then sees an empty cell where the department meant a figure. Such cells are
found here, in the sheet XML itself, so the receipt can name them instead of calling
them blank. The container has passed ``check_container`` (sizes capped, no DTD) first.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path

from defusedxml.ElementTree import fromstring, iterparse

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
# A formula element, <f> or <x:f ...>, as raw bytes: most returns hold none, and a scan of
# the bytes costs a small part of parsing every cell of a 50,000-row sheet as XML.
_CELL_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_CHUNK = 1 << 20


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its XML part, from the workbook and its relationships."""
    workbook = fromstring(archive.read("xl/workbook.xml"))
    rels = fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") or "" for r in rels}
    parts = {}
    for sheet in workbook.iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_REL}id"), "")
        part = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        parts[sheet.get("name")] = posixpath.normpath(part)
    return parts


def _row_col(ref: str) -> tuple[int, int] | None:
    """'C7' -> (7, 3), both 1-based (not openpyxl.utils: see findings.cell_address)."""
    m = _CELL_REF.match(ref or "")
    if m is None:
        return None
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


def _has_result(cell) -> bool:
    """Whether a formula cell holds its saved result. Excel and LibreOffice save an empty
    text result as an empty <v> of type "str"; openpyxl saves an empty <v/> with no type."""
    value = cell.find(f"{_MAIN}v")
    if value is None:
        return False
    return bool((value.text or "").strip()) or cell.get("t") == "str"


def _has_formula(archive: zipfile.ZipFile, part: str) -> bool:
    tail = b""
    with archive.open(part) as stream:
        while chunk := stream.read(_CHUNK):
            if _FORMULA_TAG.search(tail + chunk):
                return True
            tail = chunk[-64:]  # a tag split across two chunks
    return False


def uncached_formula_cells(path: Path, sheet_names: list[str]) -> dict[str, list[tuple[int, int]]]:
    """(row, column) of each formula without a saved result, for the named sheets present."""
    if not zipfile.is_zipfile(path):
        return {}
    found: dict[str, list[tuple[int, int]]] = {}
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
            return {}  # not OOXML (an .ods): LibreOffice always saves results
        for sheet, part in _sheet_parts(archive).items():
            if sheet not in sheet_names or part not in names:
                continue
            if not _has_formula(archive, part):
                continue
            cells = []
            with archive.open(part) as stream:
                for _, element in iterparse(stream, events=("end",)):
                    if element.tag != f"{_MAIN}c":
                        continue
                    if element.find(f"{_MAIN}f") is not None and not _has_result(element):
                        where = _row_col(element.get("r"))
                        if where is not None:
                            cells.append(where)
                    element.clear()
            if cells:
                found[sheet] = cells
    return found
