"""Writing sheets users open in Excel or WPS: XLSX (openpyxl, write-only) or CSV (UTF-8 with BOM).

Text is always written as text: an XLSX cell starting with `=` stays a string, never a
formula, and CSV text cells starting with `= + - @` get Excel's leading apostrophe (which
`values.parse_text` drops on import), so a camera name cannot run as a formula on someone's desktop.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

__all__ = ["FORMULA_CHARS", "SheetSpec", "write_sheets"]

# Text starting with these gets a leading apostrophe in CSV (an apostrophe itself, so that
# text which really starts with one survives the round trip).
FORMULA_CHARS = ("=", "+", "-", "@", "\t", "\r", "'")
SheetSpec = tuple[str, Sequence[str], Iterable[Sequence[Any]]]  # (title, headers, rows)


def write_sheets(path: Path, sheets: Sequence[SheetSpec], *, widths: Sequence[int] = ()) -> int:
    """Write `sheets` to `path` (XLSX by suffix, else CSV holding only the first sheet).

    Returns the number of data rows written (all sheets).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".xlsx":
        return _write_xlsx(path, sheets, widths)
    _title, headers, rows = sheets[0]
    return _write_csv(path, headers, rows)


def _write_xlsx(path: Path, sheets: Sequence[SheetSpec], widths: Sequence[int]) -> int:
    workbook = Workbook(write_only=True)
    count = 0
    bold = Font(bold=True)
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        for index, width in enumerate(widths or [16] * len(headers), start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        sheet.append([_cell(sheet, header, bold) for header in headers])
        for row in rows:
            sheet.append([_cell(sheet, value) for value in row])
            count += 1
    workbook.save(path)
    return count


def _cell(sheet: Any, value: Any, font: Font | None = None) -> Any:
    # openpyxl writes any str starting with "=" as a formula; only those need a typed cell.
    if font is None and not (isinstance(value, str) and value.startswith("=")):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    if font is not None:
        cell.font = font
    return cell


def _write_csv(path: Path, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([_csv_value(value) for value in row])
            count += 1
    return count


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_CHARS):
        return "'" + value
    if isinstance(value, date):
        return value.isoformat()
    return value
