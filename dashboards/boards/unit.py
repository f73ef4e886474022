"""单位详情: one unit's cameras by state, faults by type, worst cameras, a map by state."""

from __future__ import annotations

from typing import Any

from dashboards.boards.common import (
    INTACT_W,
    RATE,
    RED_BELOW_ZERO,
    STATE_LEGEND,
    TARGET,
    WINDOWS,
    camera_join,
    table,
)
from dashboards.grafana import (
    STATE_MAPPINGS,
    Grid,
    Panel,
    Target,
    by_name,
    custom_var,
    dashboard,
    query_var,
    state_code,
)

__all__ = ["unit_board"]

Json = dict[str, Any]


def _unit_rates() -> list[Panel]:
    def rate(title: str, sli: str, x: int, desc: str) -> Panel:
        target = Target(
            f'unit_class:{sli}:ratio_$window{{unit="$unit"}}', "{{class}}类", instant=True
        )
        return Panel("stat", title, desc, "percentunit", [target], Grid(x, 0, 6, 5), defaults=RATE)

    gap = Target(
        f'{INTACT_W}{{unit="$unit"}} - on (unit, class) {TARGET}',
        "{{class}}类",
        instant=True,
    )
    return [
        rate("完好率", "vmon_intact", 0, "本单位各类点位在统计周期内的完好率。"),
        rate("在线率", "vmon_online", 6, "本单位各类点位在统计周期内的在线率。"),
        rate("图像可用率", "vmon_image_usable", 12, "在线时间中图像无故障的比例。"),
        Panel(
            "stat",
            "完好率与目标差距",
            "完好率减本单位目标；红色为未达标。",
            "percentunit",
            [gap],
            Grid(18, 0, 6, 5),
            defaults=RED_BELOW_ZERO,
        ),
    ]


def _unit_fleet() -> list[Panel]:
    faults = (
        "count by (fault) (\n  vmon_camera_fault\n"
        '  * on (camera) group_left () group by (camera) (vmon_camera_info{unit="$unit"})\n)'
    )
    return [
        Panel(
            "piechart",
            "点位状态分布",
            "本单位点位当前所处状态的数量：正常、图像故障、离线、已报备、未知（vmon 未检测）。",
            "short",
            [Target('sum by (state) (vmon_unit_cameras{unit="$unit"})', "{{state}}", instant=True)],
            Grid(0, 5, 6, 9),
            options={
                "pieType": "donut",
                "legend": {"displayMode": "table", "placement": "right", "values": ["value"]},
            },
            overrides=STATE_LEGEND,
        ),
        Panel(
            "bargauge",
            "故障类型分布",
            "本单位当前已确认的故障按类型计数（图像故障与离线、不可达）。",
            "short",
            [Target(faults, "{{fault}}", instant=True)],
            Grid(6, 5, 6, 9),
            options={"orientation": "horizontal", "displayMode": "basic"},
        ),
        Panel(
            "timeseries",
            "点位状态变化",
            "本单位各状态点位数随时间的变化。",
            "short",
            [Target('sum by (state) (vmon_unit_cameras{unit="$unit"})', "{{state}}")],
            Grid(12, 5, 12, 9),
            defaults={"custom": {"stacking": {"mode": "normal"}, "fillOpacity": 30}},
            overrides=STATE_LEGEND,
        ),
    ]


def _worsttable(window: str, text: str, y: int) -> Panel:
    expr = (
        f"bottomk(20,\n  last_over_time(camera:vmon_intact:ratio_{window}[2h])\n"
        f"  {camera_join()}\n)"
    )
    target = Target(expr, instant=True, table=True)
    rename = {
        "camera": "点位编码",
        "name": "点位名称",
        "class": "类别",
        "upstream": "上游设备",
        "Value": "完好率",
    }
    link = {
        "title": "点位详情",
        "url": "/d/vmon-camera/?var-unit=$unit&var-camera=${__data.fields.camera}",
    }
    return Panel(
        "table",
        f"最差点位（{text}完好率）",
        f"本单位{text}完好率最低的 20 个点位（每小时更新）。点击点位编码查看详情。",
        "percentunit",
        [target],
        Grid(0 if window == "1d" else 12, y, 12, 10),
        options={"sortBy": [{"displayName": "完好率", "desc": False}]},
        defaults={"decimals": 2},
        overrides=[by_name("点位编码", links=[link])],
        **table(rename),
    )


def _unit_cameras() -> list[Panel]:
    faulty = Target(
        f'vmon_camera_state{{state=~"offline|degraded"}}\n{camera_join()}',
        instant=True,
        table=True,
    )
    rename = {
        "camera": "点位编码",
        "name": "点位名称",
        "class": "类别",
        "upstream": "上游设备",
        "state": "状态",
        "cause": "原因",
    }
    on_map = Target(
        f"(\n{state_code('')}\n)\n{camera_join(labels='name, latitude, longitude')}",
        instant=True,
        table=True,
    )
    return [
        _worsttable("1d", "近1天", 14),
        _worsttable("30d", "近30天", 14),
        Panel(
            "table",
            "当前故障点位",
            "本单位当前离线或图像故障的点位；原因 upstream 表示上游设备（交换机、NVR、平台）故障。",
            "none",
            [faulty],
            Grid(0, 24, 12, 12),
            **table(rename, hide=("Value",)),
        ),
        Panel(
            "geomap",
            "点位地图",
            "本单位点位按当前状态着色：绿正常、黄图像故障、红离线、蓝已报备、灰未知。",
            "none",
            [on_map],
            Grid(12, 24, 12, 12),
            options=_geomap_options(),
            defaults={"mappings": STATE_MAPPINGS},
            transformations=[
                {
                    "id": "convertFieldType",
                    "options": {
                        "conversions": [
                            {"targetField": "latitude", "destinationType": "number"},
                            {"targetField": "longitude", "destinationType": "number"},
                        ]
                    },
                }
            ],
        ),
    ]


def _geomap_options() -> Json:
    layer = {
        "type": "markers",
        "name": "点位",
        "location": {"mode": "coords", "latitude": "latitude", "longitude": "longitude"},
        "config": {
            "size": {"fixed": 6},
            "color": {"field": "Value", "fixed": "green"},
            "showLegend": True,
        },
        "tooltip": True,
    }
    view = {"id": "fit", "lat": 32.2, "lon": 118.7, "zoom": 10, "allLayers": True}
    return {
        "view": view,
        "controls": {"showZoom": True},
        "basemap": {"type": "default"},
        "layers": [layer],
    }


def _unit_trend() -> Panel:
    return Panel(
        "timeseries",
        "完好率与目标（按类别，近1小时滚动）",
        "本单位各类点位每小时滚动的完好率，与本单位目标（虚线）对照。",
        "percentunit",
        [
            Target('unit_class:vmon_intact:ratio_1h{unit="$unit"}', "{{class}}类"),
            Target('unit_class:vmon_intact_target:ratio{unit="$unit"}', "{{class}}类目标"),
        ],
        Grid(0, 36, 24, 9),
        defaults={"max": 1},
        overrides=[
            {
                "matcher": {"id": "byRegexp", "options": ".*目标"},
                "properties": [
                    {"id": "custom.lineStyle", "value": {"fill": "dash", "dash": [10, 10]}}
                ],
            }
        ],
    )


def unit_board() -> Json:
    """单位详情: cameras by state, faults by type, the worst cameras, a map coloured by state."""
    variables = [
        query_var("unit", "单位", "label_values(vmon_unit_info, unit)"),
        custom_var("window", "统计周期", WINDOWS),
    ]
    panels = [*_unit_rates(), *_unit_fleet(), *_unit_cameras(), _unit_trend()]
    desc = "一个建设单位的点位状态、故障类型、最差点位与点位地图。"
    return dashboard(
        "vmon-unit",
        "vmon 单位详情",
        description=desc,
        time_from="now-7d",
        variables=variables,
        panels=panels,
    )
