"""Dates as registry sheets write them.

2017-09-20, 2017/9/20, 2017.9.20, 2017年9月20日, 20170920, "2017-09-20 10:30", datetime
cells, Excel serial numbers (43000, as a number or as text) and year-month alone (2017年9月,
read as the first of the month).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta

from vmon.registry.errors import FieldError
from vmon.registry.values import Cell, cell_text

__all__ = ["EARLIEST", "parse_date"]

EARLIEST = date(1980, 1, 1)
_EXCEL_EPOCH = date(1899, 12, 30)
_FULL = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:\s*[T ]?\s*\d{1,2}[:时]\d{1,2}(?:[:分]\d{1,2}(?:\.\d+)?秒?)?)?(?:Z|[+-]\d{2}:?\d{2})?"
)
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")
_SERIAL = re.compile(r"\d{4,5}(?:\.\d+)?")


def parse_date(cell: Cell, *, today: date | None = None) -> date:
    """The date a cell means; refuses dates before 1980 or more than a year ahead."""
    value = _to_date(cell)
    latest = (today or date.today()) + timedelta(days=366)
    if not EARLIEST <= value <= latest:
        raise FieldError("date.range", low=EARLIEST.isoformat(), high=latest.isoformat())
    return value


def _to_date(cell: Cell) -> date:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    if isinstance(cell, bool):
        raise FieldError("date.invalid")
    if isinstance(cell, int | float):
        return _from_number(float(cell))
    text = unicodedata.normalize("NFKC", cell_text(cell)).strip()
    return _from_text(text)


def _from_number(number: float) -> date:
    if 19000101 <= number <= 29991231 and number.is_integer():
        return _from_text(str(int(number)))
    if not 1 <= number < 2958466:
        raise FieldError("date.invalid")
    return _EXCEL_EPOCH + timedelta(days=int(number))


def _from_text(text: str) -> date:
    for pattern in (_FULL, _COMPACT):
        match = pattern.fullmatch(text)
        if match:
            return _make(int(match[1]), int(match[2]), int(match[3]))
    match = _MONTH.fullmatch(text)
    if match:
        return _make(int(match[1]), int(match[2]), 1)
    if _SERIAL.fullmatch(text):
        return _from_number(float(text))
    raise FieldError("date.invalid")


def _make(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise FieldError("date.invalid") from None
