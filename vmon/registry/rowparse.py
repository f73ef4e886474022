"""One sheet row -> one camera record, with every problem of the row reported at once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from vmon.registry.errors import FieldError, Issue
from vmon.registry.fields import FIELDS, FieldSpec
from vmon.registry.gbcode import CAMERA_TYPES, area_prefix, check_camera_code, code_in_area
from vmon.registry.geo import RegionBox, check_position
from vmon.registry.headers import ColumnMap
from vmon.registry.values import Cell, cell_text, is_blank, mask_url

__all__ = ["ParsedRow", "RowParser", "shown_value"]

_SHOWN_LIMIT = 200
# Coded columns repeat a handful of values: each distinct cell is parsed once per import.
_MEMO_LIMIT = 4096
_Outcome = tuple[Any, FieldError | None, str | None]


@dataclass
class ParsedRow:
    """What vmon understood of one row.

    `values` has an entry (None when blank) for every record key the sheet's columns fill;
    `source` the text as written where it differs from what vmon would write back;
    `extra` the unrecognised columns' text by header.
    """

    row: int
    values: dict[str, Any]
    source: dict[str, str] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)


def shown_value(cell: Cell, spec: FieldSpec) -> str:
    """The cell as an error report may show it: URLs lose user info, credential names hidden."""
    text = cell_text(cell)
    if spec.key in {"rtsp_url", "snapshot_url"}:
        return mask_url(text)
    if spec.sensitive:
        return "***"
    return text if len(text) <= _SHOWN_LIMIT else text[:_SHOWN_LIMIT] + "…"


@dataclass(slots=True)
class _Column:
    """A mapped column, with what parsing it needs at hand (this loop runs per cell)."""

    index: int
    spec: FieldSpec
    header: str
    parse: Callable[[Cell], Any]
    single: bool
    memo: dict[tuple[type, Cell], _Outcome] | None = field(default_factory=dict)


class RowParser:
    """Parses the rows of one sheet, given its column map."""

    def __init__(
        self,
        columns: ColumnMap,
        *,
        region_box: RegionBox | None = None,
        camera_types: frozenset[str] = CAMERA_TYPES,
    ) -> None:
        self.columns = columns
        self.region_box = region_box
        specs = [spec for spec in FIELDS if spec.key in columns.fields]
        self._columns = [self._column(spec, camera_types) for spec in specs]
        self._extras = sorted(columns.extras.items())
        self.present = frozenset(key for spec in specs for key in spec.keys)
        self._check_position = bool({"longitude", "latitude"} & self.present)

    def _column(self, spec: FieldSpec, camera_types: frozenset[str]) -> _Column:
        index = self.columns.fields[spec.key]
        parse = (
            partial(check_camera_code, types=camera_types) if spec.key == "gb_code" else spec.parse
        )
        return _Column(index, spec, self.columns.headers[index], parse, len(spec.keys) == 1)

    def parse(self, number: int, cells: Sequence[Cell]) -> tuple[ParsedRow, list[Issue]]:
        """The record of one row and the problems found in it."""
        parsed = ParsedRow(number, {})
        values = parsed.values
        issues: list[Issue] = []
        width = len(cells)
        for column in self._columns:
            cell = cells[column.index] if column.index < width else None
            if cell is None or (type(cell) is str and not cell.strip()):
                for key in column.spec.keys:
                    values.setdefault(key, None)
                if column.spec.required:
                    issues.append(Issue.of(number, column.header, "", "required"))
                    parsed.failed.add(column.spec.key)
                continue
            value, error, original = self._outcome(column, cell)
            if error is not None:
                issues.append(
                    Issue.from_error(number, column.header, shown_value(cell, column.spec), error)
                )
                parsed.failed.add(column.spec.key)
                continue
            _store(parsed, column, value, original)
        issues.extend(self._cross_checks(parsed))
        for index, header in self._extras:
            if index < width and not is_blank(cells[index]):
                parsed.extra[header] = cell_text(cells[index])
        return parsed, issues

    def _outcome(self, column: _Column, cell: Cell) -> _Outcome:
        memo = column.memo
        if memo is None:
            return _evaluate(column, cell)
        key = (type(cell), cell)
        outcome = memo.get(key)
        if outcome is None:
            outcome = _evaluate(column, cell)
            if len(memo) >= _MEMO_LIMIT:
                column.memo = None  # a column of unique values: stop remembering
            else:
                memo[key] = outcome
        return outcome

    def _cross_checks(self, parsed: ParsedRow) -> list[Issue]:
        values, issues = parsed.values, []
        if self._check_position and not {"longitude", "latitude"} & parsed.failed:
            for axis, error in check_position(
                values.get("longitude"), values.get("latitude"), self.region_box
            ):
                key = "longitude" if axis == "lon" else "latitude"
                shown = f"{cell_text(values.get('longitude'))}, {cell_text(values.get('latitude'))}"
                issues.append(
                    Issue.from_error(parsed.row, self.columns.header_of(key), shown, error)
                )
                parsed.failed.add(key)
        code, area = values.get("gb_code"), values.get("area_code")
        if code and area and not code_in_area(code, area):
            prefix = code[: len(area_prefix(area))]
            error = FieldError("gb_code.row_area", prefix=prefix, area=area)
            issues.append(
                Issue.from_error(parsed.row, self.columns.header_of("area_code"), area, error)
            )
        return issues


def _store(parsed: ParsedRow, column: _Column, value: Any, original: str | None) -> None:
    """Put a parsed value in the record; a several-key column does not undo a set key."""
    if column.single:
        parsed.values[column.spec.key] = value
    else:
        for key, part in zip(column.spec.keys, value, strict=True):
            if part is not None or key not in parsed.values:
                parsed.values[key] = part
    if original is not None:
        parsed.source[column.spec.key] = original


def _evaluate(column: _Column, cell: Cell) -> _Outcome:
    """Parse one cell; also the text as written when it differs from what export writes."""
    spec = column.spec
    try:
        value = column.parse(cell)
    except FieldError as error:
        return None, error, None
    if not spec.keep_original:
        return value, None, None
    parts = {spec.key: value} if column.single else dict(zip(spec.keys, value, strict=True))
    original = cell_text(cell)
    return value, None, (None if original == cell_text(spec.render(parts, "zh")) else original)
