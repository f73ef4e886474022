"""`vmon demo`: a simulated fleet of a few hundred cameras, monitored end to end."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Annotated

import typer

from vmon.cli_support import AppState, fail, out
from vmon.i18n import tr

__all__ = ["demo"]


def _announce(url: str, config: Path, sample: str) -> None:
    out.print()
    out.print(
        tr(
            "[bold green]vmon 演示已启动[/] (Ctrl-C 停止)",
            "[bold green]vmon demo running[/] (Ctrl-C to stop)",
        )
    )
    out.print(f"  {tr('指标', 'metrics')}:        {url}/metrics")
    out.print(f"  {tr('摄像机详情', 'a camera')}:    {url}/api/v1/cameras/{sample}")
    out.print(f"  {tr('接口文档', 'API docs')}:      {url}/api/docs")
    out.print(f"  {tr('就绪', 'ready')}:          {url}/-/ready")
    out.print(tr("另开终端查看:", "in another terminal:"))
    out.print(f"  .venv/bin/vmon -c {config} status")
    out.print(f"  .venv/bin/vmon -c {config} uptime")
    out.print(
        tr(
            "故障会按时间表出现和恢复; 约 2 分钟后一台接入交换机故障 5 分钟。",
            "faults come and go; in about 2 minutes an access switch fails for 5 minutes.",
        )
    )


def demo(
    ctx: typer.Context,
    cameras: Annotated[
        int, typer.Option("--cameras", min=20, max=20000, help="how many cameras")
    ] = 300,
    listen: Annotated[str, typer.Option("--listen", help="HTTP address")] = "127.0.0.1:9108",
    workdir: Annotated[Path, typer.Option("--dir", help="the demo's folder")] = Path("var/demo"),
    keep: Annotated[bool, typer.Option("--keep", help="keep the ledger of an earlier run")] = False,
) -> None:
    """演示: 模拟几百台摄像机并全程监测 (a simulated fleet, monitored end to end)."""
    from vmon.engine.serve import serve
    from vmon.sim.demo import prepare_workdir, set_demo_password
    from vmon.sim.fleet import FleetProcess, plan_fleet, write_registry

    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    config = prepare_workdir(workdir, listen, keep=keep)
    set_demo_password()
    app_state = AppState(config_path=config)
    engine = app_state.engine
    plan = plan_fleet(cameras)
    fleet = FleetProcess(plan)
    out.print(tr(f"启动模拟设备 {cameras} 台 ...", f"starting {cameras} simulated cameras ..."))
    try:
        ports = fleet.start()
    except RuntimeError as exc:
        fail(tr(f"模拟设备启动失败: {exc}", f"the simulated fleet did not start: {exc}"))
    try:
        if not keep:
            write_registry(engine, plan, ports)
        sample = next(c.code for c in plan.cameras if c.fault == "black")  # a degraded camera

        async def ready(_monitor: object, url: str) -> None:
            _announce(url, config, sample)

        asyncio.run(serve(app_state.settings, engine, on_ready=ready))
    finally:
        fleet.stop()
    out.print(tr("演示已停止, 台账保存在 ", "demo stopped; the ledger is kept in ") + str(workdir))
