"""Saves an openpyxl workbook byte for byte the same every time.

openpyxl stamps the save time into docProps/core.xml and the zip entries; the same
template or sample return saved twice would then differ, and a re-run of the demo would
look like a correction instead of a duplicate.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

_FIXED_ZIP_TIME = (2026, 1, 1, 0, 0, 0)
_STAMP = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def save_stable(wb, path: Path, stamp: str = "2026-01-01T00:00:00Z") -> Path:
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _STAMP.sub(rb"\g<1>" + stamp.encode() + rb"\g<3>", data)
            dst.writestr(
                zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME),
                data,
                compress_type=zipfile.ZIP_DEFLATED,
            )
    tmp.replace(path)
    return path
