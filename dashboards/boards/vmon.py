"""vmon 自身运行: probe throughput, scheduler lag, skipped runs, scrape time, event-loop lag."""

from __future__ import annotations

from typing import Any

from dashboards.boards.common import RATE
from dashboards.grafana import Grid, Panel, Target, dashboard, query_var

__all__ = ["self_board"]

Json = dict[str, Any]


def _self_stats() -> list[Panel]:
    up_map = [
        {
            "type": "value",
            "options": {
                "1": {"text": "在线", "color": "green"},
                "0": {"text": "离线", "color": "red"},
            },
        }
    ]
    return [
        Panel(
            "stat",
            "vmon 实例",
            "Prometheus 能否抓取各 vmon 实例（up）。",
            "none",
            [Target('up{job="vmon", instance=~"$instance"}', "{{instance}}", instant=True)],
            Grid(0, 0, 8, 4),
            options={"colorMode": "background"},
            defaults={"mappings": up_map},
        ),
        Panel(
            "stat",
            "登记点位数",
            "vmon 登记在册并启用的点位数。",
            "short",
            [Target('sum(vmon_registry_cameras{instance=~"$instance"})', "点位", instant=True)],
            Grid(8, 0, 4, 4),
        ),
        Panel(
            "stat",
            "版本",
            "各实例运行的 vmon 版本。",
            "none",
            [
                Target(
                    'vmon_build_info{instance=~"$instance"}',
                    "{{instance}} {{version}}",
                    instant=True,
                )
            ],
            Grid(12, 0, 6, 4),
            options={"textMode": "name"},
        ),
        Panel(
            "stat",
            "监测覆盖率（近1小时）",
            "有已知状态的点位时间占比；未知（vmon 未检测）不算点位故障，单独统计。",
            "percentunit",
            [Target("class:vmon_coverage:ratio_1h", "{{class}}类", instant=True)],
            Grid(18, 0, 6, 4),
            defaults=RATE,
        ),
    ]


def _self_series() -> list[Panel]:
    sel = 'instance=~"$instance"'
    runs = f"sum by (probe) (rate(vmon_probe_runs_total{{{sel}}}[$__rate_interval]))"
    ok_runs = (
        f'sum by (probe) (rate(vmon_probe_runs_total{{result="success", {sel}}}[$__rate_interval]))'
    )

    def lag(q: str) -> Target:
        buckets = f"rate(vmon_scheduler_lag_seconds_bucket{{{sel}}}[$__rate_interval])"
        expr = f"histogram_quantile({q}, sum by (probe, le) ({buckets}))"
        return Target(expr, f"{{{{probe}}}} p{round(float(q) * 100)}")

    def series(title: str, desc: str, unit: str, targets: list[Target], grid: Grid) -> Panel:
        return Panel("timeseries", title, desc, unit, targets, grid)

    return [
        series(
            "检测吞吐量",
            "每秒完成的检测次数（按检测类型）。",
            "ops",
            [Target(runs, "{{probe}}")],
            Grid(0, 4, 12, 8),
        ),
        series(
            "检测成功率",
            "成功的检测占全部检测的比例。",
            "percentunit",
            [Target(f"{ok_runs}\n/\n{runs}", "{{probe}}")],
            Grid(12, 4, 12, 8),
        ),
        series(
            "检测失败（按原因）",
            "每秒失败的检测次数，按失败原因（固定集合）。",
            "ops",
            [
                Target(
                    "sum by (probe, reason) (\n"
                    f"  rate(vmon_probe_failures_total{{{sel}}}[$__rate_interval])\n)",
                    "{{probe}} {{reason}}",
                )
            ],
            Grid(0, 12, 12, 8),
        ),
        series(
            "调度延迟",
            "检测实际开始时间晚于计划的秒数（p50 / p90 / p99）。",
            "s",
            [lag("0.5"), lag("0.9"), lag("0.99")],
            Grid(12, 12, 12, 8),
        ),
        series(
            "跳过的检测",
            "因上一次检测尚未结束而跳过的次数。",
            "short",
            [
                Target(
                    "sum by (probe) (\n"
                    f"  increase(vmon_scheduler_skipped_runs_total{{{sel}}}[$__rate_interval])\n)",
                    "{{probe}}",
                )
            ],
            Grid(0, 20, 8, 8),
        ),
        series(
            "进行中的检测",
            "正在进行的检测数（各类检测的并发预算占用）。",
            "short",
            [Target(f"sum by (probe) (vmon_scheduler_inflight{{{sel}}})", "{{probe}}")],
            Grid(8, 20, 8, 8),
        ),
        series(
            "抓取耗时",
            "Prometheus 抓取 vmon /metrics 的耗时，与 vmon 生成指标的耗时。",
            "s",
            [
                Target(f'scrape_duration_seconds{{job="vmon", {sel}}}', "抓取 {{instance}}"),
                Target(f"vmon_collector_duration_seconds{{{sel}}}", "生成 {{instance}}"),
            ],
            Grid(16, 20, 8, 8),
        ),
        series(
            "最久未检测的点位",
            "各类检测中，距离上次检测最久的点位已等待的秒数。",
            "s",
            [
                Target(
                    f"max by (probe) (time() - vmon_probe_last_run_timestamp_seconds{{{sel}}})",
                    "{{probe}}",
                )
            ],
            Grid(0, 28, 12, 8),
        ),
        series(
            "台账写入延迟",
            "距离 vmon 最近一次写入状态台账的秒数。",
            "s",
            [Target(f"time() - vmon_last_ledger_write_timestamp_seconds{{{sel}}}", "{{instance}}")],
            Grid(12, 28, 12, 8),
        ),
        series(
            "事件循环响应",
            "vmon 事件循环执行一次回调所需时间（p99）与每分钟卡顿次数（超过 0.5 秒）。"
            "卡顿会同时推迟检测启动、接口应答和指标抓取；日志中的告警会指出卡顿时运行的代码。",
            "s",
            [
                Target(
                    "histogram_quantile(0.99, sum by (instance, le) (\n"
                    f"  rate(vmon_event_loop_lag_seconds_bucket{{{sel}}}[$__rate_interval])\n))",
                    "p99 {{instance}}",
                ),
                Target(
                    f"60 * rate(vmon_event_loop_stalls_total{{{sel}}}[$__rate_interval])",
                    "卡顿/分钟 {{instance}}",
                ),
            ],
            Grid(0, 36, 12, 8),
        ),
    ]


def self_board() -> Json:
    """vmon 自身运行: probe throughput, scheduler lag, skipped runs, scrape time."""
    variables = [
        query_var("instance", "实例", 'label_values(up{job="vmon"}, instance)', multi=True)
    ]
    desc = "vmon 自身的运行状况：检测吞吐、调度延迟、跳过的检测、抓取耗时。"
    panels = [*_self_stats(), *_self_series()]
    return dashboard(
        "vmon-self",
        "vmon 自身运行",
        description=desc,
        time_from="now-24h",
        variables=variables,
        panels=panels,
    )
