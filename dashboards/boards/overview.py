"""管理总览: every unit against its own targets, by class; trends; the furthest below."""

from __future__ import annotations

from typing import Any

from dashboards.boards.common import (
    INTACT_W,
    PASS_FAIL,
    RATE,
    RED_BELOW_ZERO,
    TARGET,
    WINDOWS,
    table,
)
from dashboards.grafana import Grid, Panel, Target, by_name, custom_var, dashboard, query_var

__all__ = ["overview_board"]

Json = dict[str, Any]


def _overview_stats() -> list[Panel]:
    def rate(title: str, sli: str, x: int, what: str) -> Panel:
        target = Target(f"class:{sli}:ratio_$window", "{{class}}类", instant=True)
        desc = f"全市各类点位的{what}（统计周期由“统计周期”选择），按点位时间加权。"
        return Panel("stat", title, desc, "percentunit", [target], Grid(x, 0, 6, 5), defaults=RATE)

    passing = (
        f"(count by (class) ({INTACT_W} >= on (unit, class) {TARGET})\n"
        f" or count by (class) ({TARGET}) * 0)\n"
        f"/ count by (class) ({TARGET})"
    )
    return [
        rate(
            "全市完好率（按类别）",
            "vmon_intact",
            0,
            "完好率：在线且图像无故障的时间 ÷（监测时间 − 报备时间）",
        ),
        rate(
            "全市在线率（按类别）",
            "vmon_online",
            6,
            "在线率：视频可取流的时间 ÷（监测时间 − 报备时间）",
        ),
        rate(
            "全市图像可用率（按类别）",
            "vmon_image_usable",
            12,
            "图像可用率：在线时间中图像无故障的比例",
        ),
        Panel(
            "bargauge",
            "完好率达标单位占比（按类别）",
            "完好率达到本单位目标（一类98%、二类95%、三类80%，可按单位调整）的单位占比。",
            "percentunit",
            [Target(passing, "{{class}}类", instant=True)],
            Grid(18, 0, 6, 5),
            defaults={**RATE, **RED_BELOW_ZERO},
        ),
    ]


def _overviewtable() -> Panel:
    targets = [
        Target(
            f"{INTACT_W}\n* on (unit) group_left (name) group by (unit, name) (vmon_unit_info)",
            instant=True,
            table=True,
        ),
        Target("unit_class:vmon_online:ratio_$window", instant=True, table=True),
        Target("unit_class:vmon_image_usable:ratio_$window", instant=True, table=True),
        Target("unit_class:vmon_intact_target:ratio", instant=True, table=True),
        Target(
            f"{INTACT_W} - on (unit, class) {TARGET}",
            instant=True,
            table=True,
        ),
        Target(
            f"{INTACT_W} >= bool on (unit, class) {TARGET}",
            instant=True,
            table=True,
        ),
    ]
    rename = {
        "unit": "单位编号",
        "name": "单位",
        "class": "类别",
        "Value #A": "完好率",
        "Value #B": "在线率",
        "Value #C": "图像可用率",
        "Value #D": "目标",
        "Value #E": "差距",
        "Value #F": "考核",
    }
    link = {
        "title": "单位详情",
        "url": "/d/vmon-unit/?var-unit=${__data.fields.unit}&${datasource:queryparam}",
    }
    return Panel(
        "table",
        "各单位完好率、在线率、图像可用率与目标",
        "每个单位每类点位在统计周期内的三项指标与本单位目标；“差距”为完好率减目标，"
        "“考核”按完好率是否达到目标着色。点击单位编号进入单位详情。",
        "percentunit",
        targets,
        Grid(0, 5, 24, 11),
        options={"showHeader": True, "sortBy": [{"displayName": "差距", "desc": False}]},
        defaults={"decimals": 2, "custom": {"align": "auto"}},
        overrides=[
            by_name("差距", **RED_BELOW_ZERO, custom={"cellOptions": {"type": "color-text"}}),
            by_name(
                "考核",
                unit="none",
                **PASS_FAIL,
                custom={"cellOptions": {"type": "color-background"}},
            ),
            by_name("单位编号", links=[link]),
        ],
        **table(rename),
    )


def _overview_trends() -> list[Panel]:
    def trend(title: str, expr: str, legend: str, desc: str, grid: Grid) -> Panel:
        return Panel(
            "timeseries",
            title,
            desc,
            "percentunit",
            [Target(expr, legend)],
            grid,
            defaults={"max": 1},
        )

    return [
        Panel(
            "bargauge",
            "距目标最远的单位",
            "完好率与本单位目标之差最小的 10 个单位及类别（负值为未达标）。",
            "percentunit",
            [
                Target(
                    f"bottomk(10, {INTACT_W} - on (unit, class) {TARGET})",
                    "{{unit}} {{class}}类",
                    instant=True,
                )
            ],
            Grid(0, 16, 8, 10),
            options={"orientation": "horizontal", "displayMode": "gradient"},
            defaults=RED_BELOW_ZERO,
        ),
        trend(
            "全市完好率趋势（按类别，近1天滚动）",
            "class:vmon_intact:ratio_1d",
            "{{class}}类",
            "全市各类点位的完好率，每点为截至该时刻的 24 小时。",
            Grid(8, 16, 16, 10),
        ),
        trend(
            "各单位完好率趋势（近1天滚动）",
            'unit:vmon_intact:ratio_1d{unit=~"$unit"}',
            "{{unit}}",
            "所选单位（全部类别合计）的完好率，每点为截至该时刻的 24 小时。",
            Grid(0, 26, 24, 9),
        ),
        trend(
            "全市在线率趋势（按类别）",
            "class:vmon_online:ratio_1d",
            "{{class}}类",
            "全市各类点位的在线率（近 24 小时滚动）。",
            Grid(0, 35, 12, 8),
        ),
        trend(
            "全市图像可用率趋势（按类别）",
            "class:vmon_image_usable:ratio_1d",
            "{{class}}类",
            "在线时间中图像可用的比例（近 24 小时滚动）。",
            Grid(12, 35, 12, 8),
        ),
    ]


def overview_board() -> Json:
    """管理总览: every unit against its own targets, by class; trends; the furthest below."""
    variables = [
        custom_var("window", "统计周期", WINDOWS),
        query_var("unit", "单位", "label_values(vmon_unit_info, unit)", multi=True),
    ]
    panels = [*_overview_stats(), _overviewtable(), *_overview_trends()]
    desc = "各建设单位视频监控点位完好率、在线率、图像可用率与考核目标对照（按点位时间加权）。"
    return dashboard(
        "vmon-overview",
        "vmon 管理总览",
        description=desc,
        time_from="now-30d",
        variables=variables,
        panels=panels,
    )
