"""点位详情: one camera's state timeline, probe results, picture scores, ping, clock."""

from __future__ import annotations

from typing import Any

from dashboards.boards.common import RATE, table
from dashboards.grafana import STATE_MAPPINGS, Grid, Panel, Target, dashboard, query_var, state_code

__all__ = ["camera_board"]

Json = dict[str, Any]


def _camera_head() -> list[Panel]:
    info = Target('vmon_camera_info{camera="$camera"}', instant=True, table=True)
    rename = {
        "camera": "点位编码",
        "name": "点位名称",
        "unit": "单位",
        "class": "类别",
        "district": "区域",
        "contractor": "维保单位",
        "vendor": "厂商",
        "model": "型号",
        "function_type": "功能类型",
        "upstream": "上游设备",
        "latitude": "纬度",
        "longitude": "经度",
    }

    def rate(title: str, window: str, x: int) -> Panel:
        expr = f'last_over_time(camera:vmon_intact:ratio_{window}{{camera="$camera"}}[2h])'
        desc = f"本点位{title[:-3]}的完好率（每小时更新）。"
        return Panel(
            "stat",
            title,
            desc,
            "percentunit",
            [Target(expr, instant=True)],
            Grid(x, 5, 4, 4),
            defaults=RATE,
        )

    return [
        Panel(
            "table",
            "一机一档",
            "本点位的登记信息（vmon_camera_info）。",
            "none",
            [info],
            Grid(0, 0, 24, 5),
            **table(rename, hide=("Value",)),
        ),
        Panel(
            "stat",
            "当前状态",
            "本点位当前状态。",
            "none",
            [Target(state_code('camera="$camera"'), "{{state}}", instant=True)],
            Grid(0, 5, 8, 4),
            options={"colorMode": "background", "textMode": "value"},
            defaults={"mappings": STATE_MAPPINGS},
        ),
        rate("近1天完好率", "1d", 8),
        rate("近30天完好率", "30d", 12),
        Panel(
            "table",
            "当前故障",
            "本点位当前已确认的故障。",
            "none",
            [Target('vmon_camera_fault{camera="$camera"}', instant=True, table=True)],
            Grid(16, 5, 8, 4),
            **table({"fault": "故障类型"}, hide=("Value", "camera")),
        ),
    ]


def _camera_timelines() -> list[Panel]:
    probe_map = [
        {
            "type": "value",
            "options": {
                "1": {"text": "成功", "color": "green"},
                "0": {"text": "失败", "color": "red"},
            },
        }
    ]
    night_map = [
        {
            "type": "value",
            "options": {
                "1": {"text": "夜间", "color": "dark-blue"},
                "0": {"text": "白天", "color": "yellow"},
            },
        }
    ]
    return [
        Panel(
            "state-timeline",
            "状态时间线",
            "本点位状态随时间的变化。",
            "none",
            [Target(state_code('camera="$camera"'), "状态")],
            Grid(0, 9, 24, 4),
            options={"mergeValues": True, "showValue": "auto"},
            defaults={"mappings": STATE_MAPPINGS},
        ),
        Panel(
            "state-timeline",
            "检测结果",
            "各项检测（ping、SNMP、ONVIF、取帧）每次运行的成败。",
            "none",
            [Target('vmon_probe_success{camera="$camera"}', "{{probe}}")],
            Grid(0, 13, 24, 6),
            options={"mergeValues": True, "showValue": "never"},
            defaults={"mappings": probe_map},
        ),
        Panel(
            "state-timeline",
            "昼夜判定",
            "按点位经纬度与太阳高度判定的昼夜（夜间图像按夜间标准诊断）。",
            "none",
            [Target('vmon_camera_day_night{camera="$camera"}', "昼夜")],
            Grid(0, 19, 24, 3),
            options={"mergeValues": True, "showValue": "auto"},
            defaults={"mappings": night_map},
        ),
    ]


def _camera_series() -> list[Panel]:
    def series(title: str, desc: str, unit: str, target: Target, grid: Grid, **extra: Any) -> Panel:
        return Panel("timeseries", title, desc, unit, [target], grid, **extra)

    skew_limits = {
        "thresholds": {
            "mode": "absolute",
            "steps": [
                {"color": "red", "value": None},
                {"color": "green", "value": -60},
                {"color": "red", "value": 60},
            ],
        }
    }
    return [
        series(
            "图像诊断得分",
            "各项图像诊断的得分，0-1，越高越可能有故障。",
            "percentunit",
            Target('vmon_camera_picture_score{camera="$camera"}', "{{check}}"),
            Grid(0, 22, 12, 8),
            defaults={"max": 1},
        ),
        series(
            "检测耗时",
            "各项检测最近一次运行的耗时。",
            "s",
            Target('vmon_probe_duration_seconds{camera="$camera"}', "{{probe}}"),
            Grid(12, 22, 12, 8),
        ),
        series(
            "Ping 往返时延",
            "最近一次 ping 的平均往返时间。",
            "s",
            Target('vmon_ping_rtt_seconds{camera="$camera"}', "RTT"),
            Grid(0, 30, 8, 7),
        ),
        series(
            "Ping 丢包率",
            "最近一次 ping 的丢包比例。",
            "percentunit",
            Target('vmon_ping_loss_ratio{camera="$camera"}', "丢包"),
            Grid(8, 30, 8, 7),
            defaults={"max": 1},
        ),
        series(
            "时钟偏差",
            "设备时钟减 vmon 时钟（ONVIF GetSystemDateAndTime）；超过 ±60 秒会告警。",
            "s",
            Target('vmon_onvif_clock_skew_seconds{camera="$camera"}', "偏差"),
            Grid(16, 30, 8, 7),
            defaults=skew_limits,
        ),
        series(
            "首帧时间",
            "最近一次取流拿到第一帧所用的时间。",
            "s",
            Target('vmon_frame_first_seconds{camera="$camera"}', "首帧"),
            Grid(0, 37, 12, 7),
        ),
        series(
            "设备运行时长",
            "SNMP sysUpTime：回落表示设备重启。",
            "dtdurations",
            Target('vmon_snmp_uptime_seconds{camera="$camera"}', "运行时长"),
            Grid(12, 37, 12, 7),
        ),
    ]


def camera_board() -> Json:
    """点位详情: state timeline, probe results, picture scores, ping, clock skew."""
    variables = [
        query_var("unit", "单位", "label_values(vmon_unit_info, unit)"),
        query_var("camera", "点位", 'label_values(vmon_camera_info{unit="$unit"}, camera)'),
    ]
    panels = [*_camera_head(), *_camera_timelines(), *_camera_series()]
    desc = "一个点位的状态时间线、各项检测结果、图像诊断得分、网络与时钟。"
    return dashboard(
        "vmon-camera",
        "vmon 点位详情",
        description=desc,
        time_from="now-24h",
        variables=variables,
        panels=panels,
    )
