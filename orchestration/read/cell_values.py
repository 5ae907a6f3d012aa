"""Reading one cell's value the way a person meant it.

Departments type full-width digits, thousands separators, trailing spaces and numbers
stored as text; none of that is an error. What cannot be read as meant is reported.
"""

from __future__ import annotations

import datetime as dt
import re

_FULL_WIDTH = str.maketrans("０１２３４５６７８９．－＋，", "0123456789.-+,")
_SPACES = " \t\r\n\u3000\u00a0"
# Excel's day zero for date serials (with its 1900 leap-year bug folded in).
EXCEL_EPOCH = dt.date(1899, 12, 30)


def clean_text(value: object) -> str:
    """A cell as trimmed text ("" for empty); full-width spaces count as spaces."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip(_SPACES)


def label_key(value: object) -> str:
    """A label as the parser matches it: trimmed, without a trailing colon."""
    return clean_text(value).rstrip(":：").strip(_SPACES)


def is_blank(value: object) -> bool:
    return clean_text(value) == ""


def parse_number(value: object) -> float | None:
    """A number from a numeric cell or from text like "１，２３４" or "1,234 "; None if not."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = clean_text(value).translate(_FULL_WIDTH).replace(",", "").replace(" ", "")
    if not re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)", text):
        return None
    return float(text)


_PERIOD_PATTERNS = (
    re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(份)?"),
    re.compile(r"(\d{4})(\d{2})"),
)


def parse_period(value: object) -> str | None:
    """A reporting month as "YYYY-MM" from "2026-03", "2026年3月", "2026.3", a date or a serial."""
    if isinstance(value, dt.datetime | dt.date):
        return f"{value.year:04d}-{value.month:02d}"
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if is_number and 20000 < value < 80000:  # an Excel date serial
        day = EXCEL_EPOCH + dt.timedelta(days=int(value))
        return f"{day.year:04d}-{day.month:02d}"
    text = clean_text(value).translate(_FULL_WIDTH)
    for pattern in _PERIOD_PATTERNS:
        m = pattern.fullmatch(text)
        if m:
            year, month = int(m.group(1)), int(m.group(2))
            if 1 <= month <= 12:
                return f"{year:04d}-{month:02d}"
    return None


def month_after(period: str) -> str:
    """The first day of the month after "YYYY-MM", as "YYYY-MM-DD"."""
    year, month = int(period[:4]), int(period[5:7])
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}-01"


def month_before(period: str) -> str:
    """The month before "YYYY-MM", as "YYYY-MM"."""
    year, month = int(period[:4]), int(period[5:7])
    return f"{year - (month == 1):04d}-{(month - 2) % 12 + 1:02d}"


_DATE_PATTERNS = (
    re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)


def parse_date(value: object) -> dt.date | None:
    """A day from a date cell, an Excel serial, or "2026-03-15" / "2026年3月15日" / "2026.3.15"."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if is_number and 20000 < value < 80000:
        return EXCEL_EPOCH + dt.timedelta(days=int(value))
    text = clean_text(value).translate(_FULL_WIDTH)
    for pattern in _DATE_PATTERNS:
        m = pattern.fullmatch(text)
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return None
    return None
