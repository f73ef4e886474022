"""vmon's four Grafana boards: 管理总览, 单位详情, 点位详情, vmon 自身运行.

Manager boards read the recording rules of alert_rules/ (cheap at 10^5 cameras); detail boards
read vmon's per-camera series directly. Rates are ratios 0-1 shown as percentages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dashboards.boards.camera import camera_board
from dashboards.boards.overview import overview_board
from dashboards.boards.unit import unit_board
from dashboards.boards.vmon import self_board

__all__ = ["BOARDS"]

# File name -> the function that builds the board.
BOARDS: dict[str, Callable[[], dict[str, Any]]] = {
    "overview.json": overview_board,
    "unit.json": unit_board,
    "camera.json": camera_board,
    "vmon.json": self_board,
}
