"""Small hand-made sheets for the registry tests."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook

Counts = Callable[[], dict[str, int]]  # the `counts` fixture: rows per registry table
HEADERS = [
    "设备编码",
    "设备名称",
    "建设单位",
    "点位类别",
    "经度",
    "纬度",
    "IP地址",
    "设备厂商",
    "安装地址",
]
UNIT = "南京市公安局六合分局"


def code(serial: int, area: str = "32011601", kind: str = "132") -> str:
    """A camera (or other device) code in the given area."""
    return f"{area}00{kind}0{serial:06d}"


def camera_row(serial: int, **changes: Any) -> list[Any]:
    """One good row for `HEADERS`."""
    row = {
        "设备编码": code(serial),
        "设备名称": f"雄州路与龙池路交叉口东向西{serial}",
        "建设单位": UNIT,
        "点位类别": "一类视频监控点",
        "经度": 118.84 + serial / 10000,
        "纬度": 32.34,
        "IP地址": f"10.1.0.{serial}",
        "设备厂商": "海康威视",
        "安装地址": f"六合区雄州路{serial}号",
    }
    row.update(changes)
    return [row[header] for header in HEADERS]


def write_xlsx(
    path: Path,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    title: str | None = None,
    notes: Sequence[str] | None = None,
    merges: Sequence[str] = (),
) -> Path:
    """An XLSX as units make them: optional merged title row and notes row."""
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet.append(list(headers))
    if notes:
        sheet.append(list(notes))
    for row in rows:
        sheet.append(list(row))
    for cells in merges:
        sheet.merge_cells(cells)
    workbook.save(path)
    return path


def write_csv(
    path: Path,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    encoding: str = "utf-8-sig",
) -> Path:
    """A CSV in `encoding`."""
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        writer.writerows(rows)
    return path
