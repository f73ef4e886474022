"""`vmon import FILE`: a camera sheet into the registry, all or nothing.

Every row is read and checked first; if any row is bad nothing is written, and every bad
row is reported (row number as the user sees it, header as written, value, reason in
Chinese and English), also as an XLSX/CSV report next to the input. Good sheets create
cameras, update them by GB code, and create the owner units, contractors and upstream
devices they name. 100,000 rows take about 22 s on 2 cores (SQLite; bench/registry).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from vmon.registry.errors import Issue, RegistryFileError
from vmon.registry.fields import FIELDS, alias_map
from vmon.registry.gbcode import CAMERA_TYPES
from vmon.registry.geo import RegionBox
from vmon.registry.headers import ColumnMap, is_note_row
from vmon.registry.plan import Plan, Planner
from vmon.registry.reader import Sheet, open_sheet
from vmon.registry.report import default_report_path, write_report
from vmon.registry.rowparse import ParsedRow, RowParser
from vmon.registry.snapshot import RegistrySnapshot
from vmon.registry.values import Cell, fold, is_blank
from vmon.registry.writer import apply_plan

__all__ = ["ImportResult", "ProgressCallback", "import_file"]

ProgressCallback = Callable[[int, int | None], None]
_NOTES_WINDOW = 3
_PROGRESS_STEP = 1000


@dataclass
class ImportResult:
    """What an import did (or, with errors or `dry_run`, would have done)."""

    path: Path
    dry_run: bool = False
    sheet: str = ""
    header_row: int = 0
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    units_created: list[str] = field(default_factory=list)
    contractors_created: list[str] = field(default_factory=list)
    devices_created: list[str] = field(default_factory=list)
    unrecognised_columns: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    error_report: Path | None = None
    written: bool = False

    @property
    def ok(self) -> bool:
        """True when no row is bad (the import was written, or would be without `dry_run`)."""
        return not self.errors

    def summary(self, lang: str | None = None) -> str:
        """A few lines for the terminal, in `lang` (zh/en) or the UI language."""
        from vmon.registry.summary import import_summary

        return import_summary(self, lang)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {
            "path": str(self.path),
            "dry_run": self.dry_run,
            "written": self.written,
            "sheet": self.sheet,
            "header_row": self.header_row,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "units_created": self.units_created,
            "contractors_created": self.contractors_created,
            "devices_created": self.devices_created,
            "unrecognised_columns": self.unrecognised_columns,
            "ignored_columns": self.ignored_columns,
            "warnings": [issue.as_dict() for issue in self.warnings],
            "errors": [issue.as_dict() for issue in self.errors],
            "error_report": str(self.error_report) if self.error_report else None,
        }


class _Progress:
    """Counts work units and tells the callback every `_PROGRESS_STEP` of them."""

    def __init__(self, callback: ProgressCallback | None, total: int | None) -> None:
        self.callback = callback
        self.total = total
        self.done = 0
        self._told = 0

    def advance(self, count: int = 1) -> None:
        self.done += count
        if self.callback and self.done - self._told >= _PROGRESS_STEP:
            self.tell()

    def tell(self) -> None:
        if self.callback:
            self._told = self.done
            self.callback(self.done, self.total)


def import_file(
    session: Session,
    path: str | Path,
    *,
    dry_run: bool = False,
    aliases: Mapping[str, Iterable[str]] | None = None,
    region_box: RegionBox | Sequence[float] | None = None,
    error_report: str | Path | None = None,
    progress: ProgressCallback | None = None,
    sheet: str | None = None,
    camera_types: frozenset[str] = CAMERA_TYPES,
) -> ImportResult:
    """Import a CSV/XLSX/XLS/ODS camera sheet; commits on success, writes nothing otherwise.

    `aliases`: extra headers per field key (`{"gb_code": ["视频编号"]}`); `region_box`:
    (min_lon, min_lat, max_lon, max_lat); `error_report`: where the report of a rejected
    import goes (default: next to the input); `progress(done, total)`: called as rows are
    checked and then written (total = rows to check + rows to write). The result's
    `errors` is empty on success. Raises ValueError only for an unknown field in `aliases`.
    """
    source = Path(path)
    result = ImportResult(path=source, dry_run=dry_run)
    headers = alias_map(aliases)
    try:
        data = open_sheet(source, headers, sheet)
    except RegistryFileError as exc:
        result.errors.append(Issue(0, "", "", exc.code, exc.zh, exc.en))
        _report(result, error_report)
        return result
    _describe_columns(result, data)
    parser = RowParser(data.columns, region_box=RegionBox.of(region_box), camera_types=camera_types)
    passes = 1 if dry_run else 2  # check every row, then write every row
    tracker = _Progress(progress, None if data.total_rows is None else data.total_rows * passes)
    plan = _check(session, data, parser, tracker, result)
    if result.errors:
        session.rollback()
        _report(result, error_report)
        return result
    _count(result, plan)
    tracker.total, tracker.done = result.rows * passes, result.rows
    if dry_run:
        session.rollback()
    else:
        _write(session, plan, tracker)
        result.written = True
    tracker.done = tracker.total
    tracker.tell()
    return result


def _check(
    session: Session, data: Sheet, parser: RowParser, tracker: _Progress, result: ImportResult
) -> Plan:
    """Every row on its own, then across rows and against the database; fills `result.errors`."""
    rows, issues = _parse_rows(data, parser, tracker)
    result.rows = len(rows)
    issues.extend(_missing_columns(data.columns))
    if not rows and not issues:
        issues.append(Issue.of(data.columns.header_row, "", "", "sheet.empty"))
    plan = Planner(RegistrySnapshot.load(session), data.columns, parser.present).run(rows)
    result.errors = _sorted(issues + plan.issues, data.columns)
    return plan


def _describe_columns(result: ImportResult, data: Sheet) -> None:
    result.sheet = data.name
    result.header_row = data.columns.header_row
    result.unrecognised_columns = data.columns.unrecognised
    result.ignored_columns = list(data.columns.ignored_credentials)
    result.warnings = list(data.columns.warnings)


def _parse_rows(
    data: Sheet, parser: RowParser, tracker: _Progress
) -> tuple[list[ParsedRow], list[Issue]]:
    columns = data.columns
    code_index = columns.fields.get("gb_code")
    code_header = fold(columns.headers[code_index]) if code_index is not None else None
    rows: list[ParsedRow] = []
    issues: list[Issue] = []
    for number, cells in data.rows:
        tracker.advance()
        if _skip(number, cells, columns, code_index, code_header):
            continue
        parsed, row_issues = parser.parse(number, cells)
        rows.append(parsed)
        issues.extend(row_issues)
    return rows, issues


def _skip(
    number: int,
    cells: list[Cell],
    columns: ColumnMap,
    code_index: int | None,
    code_header: str | None,
) -> bool:
    """Blank rows, notes rows, footers and the header repeated further down."""
    code = cells[code_index] if code_index is not None and code_index < len(cells) else None
    if type(code) is str and len(code) >= 18 and code.lstrip()[:2].isdigit():
        return False  # a row with a device code is data, whatever else it holds
    if all(is_blank(cell) for cell in cells):
        return True
    if isinstance(code, str) and fold(code) == code_header:
        return True
    near_header = number <= columns.header_row + _NOTES_WINDOW
    return is_note_row(cells, columns, near_header=near_header)


def _missing_columns(columns: ColumnMap) -> list[Issue]:
    issues = []
    for spec in FIELDS:
        if spec.required and spec.key not in columns.fields:
            aliases = "、".join((spec.zh, *spec.aliases[:4]))
            issues.append(
                Issue.of(
                    columns.header_row,
                    spec.zh,
                    "",
                    "required_column",
                    field=spec.zh,
                    field_en=spec.en,
                    aliases=aliases,
                )
            )
    return issues


def _sorted(issues: list[Issue], columns: ColumnMap) -> list[Issue]:
    position = {header: index for index, header in enumerate(columns.headers)}
    return sorted(issues, key=lambda issue: (issue.row, position.get(issue.column, len(position))))


def _count(result: ImportResult, plan: Plan) -> None:
    result.created = plan.created
    result.updated = plan.updated
    result.unchanged = plan.unchanged
    result.units_created = [unit.name for unit in plan.new_units.values()]
    result.contractors_created = list(plan.new_contractors.values())
    result.devices_created = [
        device.gb_code or device.host or device.name or "" for device in plan.new_devices.values()
    ]


def _write(session: Session, plan: Plan, tracker: _Progress) -> None:
    try:
        apply_plan(session, plan, progress=tracker.advance)
        session.commit()
    except BaseException:
        session.rollback()
        raise


def _report(result: ImportResult, error_report: str | Path | None) -> None:
    target = Path(error_report) if error_report else default_report_path(result.path)
    try:
        result.error_report = write_report(target, result.errors, result.warnings)
    except OSError as exc:
        result.warnings.append(
            Issue.of(0, "", str(target), "report.unwritable", reason=type(exc).__name__)
        )
