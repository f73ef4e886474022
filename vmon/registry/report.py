"""The error report of a rejected import: a sheet the user opens next to the one they fix."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from vmon.registry.errors import Issue
from vmon.registry.sheetio import write_sheets

__all__ = ["REPORT_HEADERS", "default_report_path", "write_report"]

REPORT_HEADERS = ("行号 Row", "列 Column", "内容 Value", "原因", "Reason", "代码 Code")
_WIDTHS = (10, 18, 30, 60, 60, 22)


def default_report_path(source: Path) -> Path:
    """Where the report goes when no path is given: next to the input, `<name>.errors.xlsx|csv`."""
    suffix = ".csv" if source.suffix.lower() in {".csv", ".txt", ".tsv"} else ".xlsx"
    return source.with_name(f"{source.stem}.errors{suffix}")


def write_report(path: Path, errors: Sequence[Issue], warnings: Sequence[Issue] = ()) -> Path:
    """Write the errors (and, in XLSX, the warnings on a second sheet) to `path`."""
    sheets = [("错误 Errors", REPORT_HEADERS, [_row(issue) for issue in errors])]
    if warnings and path.suffix.lower() == ".xlsx":
        sheets.append(("提示 Warnings", REPORT_HEADERS, [_row(issue) for issue in warnings]))
    write_sheets(path, sheets, widths=_WIDTHS)
    return path


def _row(issue: Issue) -> tuple[int | str, str, str, str, str, str]:
    return (issue.row or "", issue.column, issue.value, issue.zh, issue.en, issue.code)
