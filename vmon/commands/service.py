"""The service and its ledger: `vmon run`, `vmon status`, `vmon uptime`, `vmon excuse ...`."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

import typer
from sqlmodel import Session, col, select

from vmon.cli_support import err, fail, out, print_json, print_table, state
from vmon.i18n import tr

__all__ = ["excuse_add", "excuse_list", "run", "status", "uptime"]


def run(ctx: typer.Context) -> None:
    """运行监测服务 (run the monitor: probes, ledger, /metrics, API)."""
    from vmon.engine.serve import serve

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # APScheduler logs two INFO lines per job run: with the 0.1 s dispatch tick, 20 lines a
    # second. Its warnings (missed runs) and errors (a job that raised) still come through.
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
    app_state = state(ctx)
    settings, engine = app_state.settings, app_state.engine

    async def announce(_monitor: object, url: str) -> None:
        out.print(
            tr(
                f"vmon 运行中: {url}/metrics  (Ctrl-C 停止)",
                f"vmon running: {url}/metrics  (Ctrl-C to stop)",
            )
        )

    try:
        asyncio.run(serve(settings, engine, on_ready=announce))
    except OSError as exc:
        fail(
            tr(
                f"无法监听 {settings.http.listen}: {exc.strerror}",
                f"cannot listen on {settings.http.listen}: {exc.strerror}",
            )
        )


def _parse_time(text: str, *, end: bool = False) -> float:
    """An ISO date or date-time (local time when no zone is given) as unix time."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text) + (timedelta(days=1) if end else timedelta())
            return datetime(day.year, day.month, day.day).astimezone().timestamp()
        moment = datetime.fromisoformat(text)
    except ValueError:
        fail(
            tr(
                f"无法识别的时间: {text} (例: 2026-11-01 或 2026-11-01T08:00)",
                f"not a time: {text} (e.g. 2026-11-01 or 2026-11-01T08:00)",
            )
        )
    return (moment if moment.tzinfo else moment.astimezone()).timestamp()


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.2f}%"


def uptime(
    ctx: typer.Context,
    unit: Annotated[
        str | None, typer.Option("--unit", help="owner unit name (with its sub-units)")
    ] = None,
    start: Annotated[
        str | None,
        typer.Option("--from", help="start (ISO date/time); default: first of this month"),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option("--to", help="end (ISO date/time, a date is inclusive); default: now"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """完好率/在线率/图像可用率 (uptime from the ledger, per unit and class, against targets)."""
    from vmon.reports.ledger_report import uptime_report

    today = date.today()
    period_start = _parse_time(start) if start else _parse_time(today.replace(day=1).isoformat())
    period_end = _parse_time(end, end=True) if end else time.time()
    if period_end <= period_start:
        fail(tr("结束时间须晚于开始时间", "--to must be after --from"))
    app_state = state(ctx)
    try:
        rows = uptime_report(app_state.engine, app_state.settings, period_start, period_end, unit)
    except LookupError:
        fail(tr(f"没有这个单位: {unit}", f"no such owner unit: {unit}"))
    if as_json:
        print_json([row.as_dict() for row in rows])
        return
    columns = [
        tr("单位", "unit"),
        tr("类别", "class"),
        tr("点位", "cameras"),
        tr("完好率", "intact"),
        tr("在线率", "online"),
        tr("图像可用率", "image usable"),
        tr("目标", "target"),
        tr("达标", "pass"),
        tr("未知时长", "unknown h"),
    ]
    verdict = {
        True: tr("[green]达标[/]", "[green]pass[/]"),
        False: tr("[red]未达标[/]", "[red]fail[/]"),
        None: "-",
    }
    table = [
        [
            row.unit,
            row.camera_class,
            str(row.cameras),
            _pct(row.intact_rate),
            _pct(row.online_rate),
            _pct(row.image_usability),
            _pct(row.target),
            verdict[row.passed],
            f"{row.unknown_seconds / 3600:.1f}",
        ]
        for row in rows
    ]
    title = tr("完好率 (按台账)", "uptime from the ledger")
    first, last = datetime.fromtimestamp(period_start), datetime.fromtimestamp(period_end)
    period = f"{first:%Y-%m-%d %H:%M} ~ {last:%Y-%m-%d %H:%M}"
    print_table(f"{title}  {period}", columns, table)


def status(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """当前状态汇总 (fleet summary: cameras per state, by unit and class)."""
    from vmon.reports.ledger_report import current_states

    rows = current_states(state(ctx).engine)
    if as_json:
        print_json(rows)
        return
    states = ["ok", "degraded", "offline", "excused", "unknown"]
    names = {
        "ok": tr("完好", "ok"),
        "degraded": tr("图像异常", "degraded"),
        "offline": tr("离线", "offline"),
        "excused": tr("报备", "excused"),
        "unknown": tr("未知", "unknown"),
    }
    columns = [tr("单位", "unit"), tr("类别", "class"), tr("点位", "cameras")] + [
        names[s] for s in states
    ]
    table = [
        [r["unit"], r["class"], str(r["cameras"]), *(str(r["states"].get(s, 0)) for s in states)]
        for r in rows
    ]
    print_table(tr("设备状态汇总", "fleet status"), columns, table)


def excuse_add(
    ctx: typer.Context,
    reason: Annotated[
        str, typer.Option("--reason", help="planned_maintenance | power_cut | construction | other")
    ],
    start: Annotated[str, typer.Option("--from", help="start (ISO date/time)")],
    end: Annotated[
        str | None, typer.Option("--to", help="end (ISO date/time); open-ended if left out")
    ] = None,
    camera: Annotated[str | None, typer.Option("--camera", help="camera GB code")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="owner unit name")] = None,
    device: Annotated[
        str | None, typer.Option("--device", help="upstream device GB code or name")
    ] = None,
    note: Annotated[str | None, typer.Option("--note")] = None,
) -> None:
    """报备 (excuse a camera, unit or device for a period: left out of uptime, still shown)."""
    from vmon.reports.excusals import ExcusalError, add_excusal

    if sum(x is not None for x in (camera, unit, device)) != 1:
        fail(
            tr(
                "请指定且只指定一个: --camera, --unit 或 --device",
                "give exactly one of --camera, --unit, --device",
            )
        )
    starts = datetime.fromtimestamp(_parse_time(start), UTC)
    ends = datetime.fromtimestamp(_parse_time(end, end=True), UTC) if end else None
    try:
        excusal_id = add_excusal(
            state(ctx).engine,
            reason=reason,
            starts_at=starts,
            ends_at=ends,
            camera=camera,
            unit=unit,
            device=device,
            note=note,
        )
    except ExcusalError as exc:
        fail(str(exc))
    out.print(tr(f"已登记报备 #{excusal_id}", f"excusal #{excusal_id} recorded"))


def excuse_list(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """报备列表 (excusals in force or to come)."""
    from vmon.registry.models import Excusal

    now = datetime.now(UTC)
    with Session(state(ctx).engine) as session:
        rows = session.exec(
            select(Excusal).where((col(Excusal.ends_at).is_(None)) | (col(Excusal.ends_at) > now))
        ).all()
    data = [row.model_dump(mode="json") for row in rows]
    if as_json:
        print_json(data)
        return
    if not data:
        err.print(tr("没有生效的报备", "no excusals in force"))
        return
    columns = ["#", tr("范围", "scope"), tr("原因", "reason"), tr("开始", "from"), tr("结束", "to")]
    table = [
        [
            str(d["id"]),
            f"camera={d['camera_id']} device={d['device_id']} unit={d['owner_unit_id']}",
            d["reason"],
            str(d["starts_at"]),
            str(d["ends_at"] or "-"),
        ]
        for d in data
    ]
    print_table(tr("报备", "excusals"), columns, table)
