"""Finding the header row of a sheet and what each of its columns means.

Sheets put merged title rows above the header and a notes row ("必填", "20位国标编码")
below it. The header is the row, among the first few, whose cells name the most known
fields; it must name the device code or the name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from vmon.registry.errors import Issue
from vmon.registry.fields import FIELDS, header_key, is_credential_header
from vmon.registry.values import Cell, cell_text, fold, is_blank

__all__ = [
    "HEADER_SCAN_ROWS",
    "ColumnMap",
    "header_score",
    "is_note_row",
    "map_columns",
]

HEADER_SCAN_ROWS = 30
_NOTE_WORDS = ("必填", "选填", "填写说明", "填表说明", "说明", "示例", "例:", "例：", "格式",
               "20位", "required", "optional", "e.g.", "example")  # fmt: skip
_FOOTER_WORDS = (
    "填表人",
    "制表人",
    "审核人",
    "填报人",
    "填报单位",
    "负责人",
    "合计",
    "总计",
    "制表日期",
)


@dataclass
class ColumnMap:
    """What the header row says: column index -> field, and the columns set aside."""

    header_row: int
    headers: list[str]
    fields: dict[str, int] = field(default_factory=dict)
    extras: dict[int, str] = field(default_factory=dict)
    ignored_credentials: list[str] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    def header_of(self, key: str) -> str:
        """The header as written for a field (the canonical one when the sheet lacks it)."""
        index = self.fields.get(key)
        if index is None:
            spec = next(spec for spec in FIELDS if spec.key == key)
            return spec.zh
        return self.headers[index]

    @property
    def unrecognised(self) -> list[str]:
        """Headers of the columns no alias matched, as written."""
        return list(self.extras.values())

    def folded_headers(self) -> list[str]:
        """The headers folded, to spot the header repeated further down the sheet."""
        return [fold(header) for header in self.headers]


def header_score(cells: Sequence[Cell], aliases: Mapping[str, str]) -> int:
    """How many distinct known fields a row names; 0 unless it names the code or the name."""
    keys = {header_key(cell_text(cell), aliases) for cell in cells if isinstance(cell, str)}
    keys.discard(None)
    if not keys & {"gb_code", "name"}:
        return 0
    return len(keys)


def map_columns(header_row: int, cells: Sequence[Cell], aliases: Mapping[str, str]) -> ColumnMap:
    """The column map of a header row; warns about credential and duplicate columns."""
    headers = [" ".join(cell_text(cell).split()) for cell in cells]
    columns = ColumnMap(header_row, headers)
    for index, header in enumerate(headers):
        if not header:
            continue
        if is_credential_header(header):
            columns.ignored_credentials.append(header)
            columns.warnings.append(
                Issue.of(header_row, header, "", "column.credential", header=header)
            )
            continue
        key = header_key(header, aliases)
        if key is None:
            columns.extras[index] = header
            columns.warnings.append(
                Issue.of(header_row, header, "", "column.unrecognised", header=header)
            )
        elif key in columns.fields:
            first = headers[columns.fields[key]]
            columns.warnings.append(
                Issue.of(header_row, header, "", "column.duplicate", header=header, first=first)
            )
        else:
            columns.fields[key] = index
    return columns


def is_note_row(cells: Sequence[Cell], columns: ColumnMap, *, near_header: bool) -> bool:
    """True for a notes row under the header, or a signature/total line below the data.

    Neither holds a device code. A notes row (checked only right under the header) has
    words like 必填/示例/格式 in some cell; a footer has at most three filled cells, one of
    them starting with 填表人/审核人/合计 and the like.
    """
    code_index = columns.fields.get("gb_code")
    if code_index is not None and code_index < len(cells):
        digits = sum(char.isdigit() for char in cell_text(cells[code_index]))
        if digits >= 18:
            return False
    texts = [cell_text(cell) for cell in cells if not is_blank(cell)]
    if near_header and any(word in text for text in texts for word in _NOTE_WORDS):
        return True
    return len(texts) <= 3 and any(text.startswith(_FOOTER_WORDS) for text in texts)
