"""What the boards share: windows, colour rules, table transformations, the camera join."""

from __future__ import annotations

from typing import Any

from dashboards.grafana import by_name

__all__ = [
    "INTACT_W",
    "PASS_FAIL",
    "RATE",
    "RED_BELOW_ZERO",
    "STATE_LEGEND",
    "TARGET",
    "UNIT_SEL",
    "WINDOWS",
    "camera_join",
    "table",
]

Json = dict[str, Any]
WINDOWS = [("本月", "month"), ("近30天", "30d"), ("近7天", "7d"), ("近1天", "1d")]
RED_BELOW_ZERO = {
    "thresholds": {
        "mode": "absolute",
        "steps": [{"color": "red", "value": None}, {"color": "green", "value": 0}],
    }
}
PASS_FAIL = {
    "mappings": [
        {
            "type": "value",
            "options": {
                "1": {"text": "达标", "color": "green"},
                "0": {"text": "未达标", "color": "red"},
            },
        }
    ]
}
RATE = {"min": 0, "max": 1, "decimals": 2}
STATE_LEGEND = [
    by_name(state, displayName=text, color={"mode": "fixed", "fixedColor": color})
    for state, (text, color) in {
        "ok": ("正常", "green"),
        "degraded": ("图像故障", "yellow"),
        "offline": ("离线", "red"),
        "excused": ("已报备", "blue"),
        "unknown": ("未知", "gray"),
    }.items()
]


def table(rename: dict[str, str], hide: tuple[str, ...] = ()) -> Json:
    """Transformations merging instant table queries and naming their columns in Chinese."""
    excluded = {name: True for name in ("Time", "__name__", "job", "instance", *hide)}
    return {
        "transformations": [
            {"id": "merge", "options": {}},
            {"id": "organize", "options": {"excludeByName": excluded, "renameByName": rename}},
        ]
    }


UNIT_SEL = 'unit="$unit"'
TARGET = "unit_class:vmon_intact_target:ratio"
INTACT_W = "unit_class:vmon_intact:ratio_$window"


def camera_join(unit_selector: str = UNIT_SEL, labels: str = "name, class, upstream") -> str:
    info = f"group by (camera, {labels}) (vmon_camera_info{{{unit_selector}}})"
    return f"* on (camera) group_left ({labels}) {info}"
