"""`vmon check`: one run of every probe against one camera, for an engineer at its side."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from probes.base import Credentials, Secret, Target
from vmon.cli_support import fail, out, print_json, print_table, state
from vmon.i18n import tr

__all__ = ["check"]


def _credentials(
    user: str | None, password_env: str | None, password_file: Path | None, ask: bool
) -> Credentials | None:
    if user is None:
        return None
    if password_env:
        if password_env not in os.environ:
            fail(
                tr(
                    f"环境变量 {password_env} 未设置",
                    f"environment variable {password_env} is not set",
                )
            )
        return Credentials(user, Secret(os.environ[password_env]))
    if password_file:
        try:
            return Credentials(user, Secret(password_file.read_text(encoding="utf-8").strip()))
        except OSError as exc:
            fail(
                tr(
                    f"无法读取 {password_file}: {exc.strerror}",
                    f"cannot read {password_file}: {exc.strerror}",
                )
            )
    if ask:
        return Credentials(user, Secret(typer.prompt(tr("密码", "password"), hide_input=True)))
    return Credentials(user, Secret(""))


def _adhoc_targets(
    host: str,
    onvif: int | None,
    rtsp: str | None,
    snapshot: str | None,
    snmp_community_env: str | None,
    creds: Credentials | None,
) -> dict[str, Target]:
    targets = {"ping": Target(host=host, name=host)}
    if onvif is not None:
        targets["onvif"] = Target(host=host, port=onvif, credentials=creds, name=host)
    if rtsp or snapshot:
        urls = {k: v for k, v in (("rtsp_url", rtsp), ("snapshot_url", snapshot)) if v}
        targets["frame"] = Target(host=host, credentials=creds, options=urls, name=host)
    if snmp_community_env:
        community = os.environ.get(snmp_community_env)
        if community is None:
            fail(
                tr(
                    f"环境变量 {snmp_community_env} 未设置",
                    f"environment variable {snmp_community_env} is not set",
                )
            )
        options: dict[str, Any] = {"snmp_version": "2c", "snmp_community": Secret(community)}
        targets["snmp"] = Target(host=host, port=161, options=options, name=host)
    return targets


def _registry_targets(ctx: typer.Context, camera_id: str) -> dict[str, Target]:
    from vmon.engine.registry_source import RegistrySource

    app_state = state(ctx)
    snapshot = RegistrySource(app_state.engine, app_state.settings)()
    spec = next((c for c in snapshot.cameras if c.id == camera_id), None)
    if spec is None:
        fail(
            tr(
                f"登记中没有在用的摄像机 {camera_id}",
                f"no monitored camera {camera_id} in the registry",
            )
        )
    if not spec.targets:
        fail(tr("该摄像机没有可探测的地址", "the camera has no address to probe"))
    return spec.targets


async def _run_all(targets: dict[str, Target], seconds: float) -> dict[str, dict[str, Any]]:
    from probes.registry import build_all, close_all
    from vmon.engine.runner import Runner
    from vmon.web.app import outcome_json

    probe_map = build_all()
    runner = Runner(probe_map, dict.fromkeys(probe_map, seconds))
    try:
        outcomes = await asyncio.gather(*(runner.run(k, t) for k, t in targets.items()))
    finally:
        await close_all(probe_map)
    return {kind: outcome_json(o) for kind, o in zip(targets, outcomes, strict=True)}


def _summary(result: dict[str, Any]) -> str:
    if not result["success"]:
        return f"[red]{result['reason']}[/]: {result.get('message', '')}"
    values = result.get("values", {})
    info = result.get("info", {})
    parts = [f"{k}={v:.4g}" for k, v in sorted(values.items()) if isinstance(v, float | int)][:6]
    parts += [
        f"{k}={v}"
        for k, v in sorted(info.items())
        if k in {"model", "firmware", "serial", "manufacturer"}
    ]
    return ", ".join(parts)


def check(
    ctx: typer.Context,
    camera_id: Annotated[
        str | None, typer.Argument(help="a camera's GB code from the registry")
    ] = None,
    host: Annotated[
        str | None, typer.Option("--host", help="address to probe (instead of a registry camera)")
    ] = None,
    onvif: Annotated[int | None, typer.Option("--onvif", help="ONVIF port")] = None,
    rtsp: Annotated[str | None, typer.Option("--rtsp", help="RTSP URL")] = None,
    snapshot: Annotated[str | None, typer.Option("--snapshot", help="snapshot URL")] = None,
    snmp_community_env: Annotated[
        str | None, typer.Option("--snmp-community-env", help="env var holding the v2c community")
    ] = None,
    user: Annotated[str | None, typer.Option("--user", help="camera user name")] = None,
    password_env: Annotated[
        str | None, typer.Option("--password-env", help="env var holding the password")
    ] = None,
    password_file: Annotated[
        Path | None, typer.Option("--password-file", help="file holding the password")
    ] = None,
    ask_password: Annotated[
        bool, typer.Option("--ask-password", help="prompt for the password")
    ] = False,
    timeout: Annotated[float, typer.Option("--timeout", help="seconds per probe")] = 10.0,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """现场检测 (run every probe once against one camera and show the results)."""
    if (camera_id is None) == (host is None):
        fail(tr("请给出摄像机编码或 --host (二选一)", "give a camera id or --host, not both"))
    if host is not None:
        creds = _credentials(user, password_env, password_file, ask_password)
        targets = _adhoc_targets(host, onvif, rtsp, snapshot, snmp_community_env, creds)
    else:
        assert camera_id is not None
        targets = _registry_targets(ctx, camera_id)
    results = asyncio.run(_run_all(targets, timeout))
    if as_json:
        print_json(results)
        return
    rows = [
        [
            kind,
            tr("[green]正常[/]", "[green]ok[/]")
            if r["success"]
            else tr("[red]失败[/]", "[red]failed[/]"),
            f"{r['duration_seconds'] * 1000:.0f} ms",
            _summary(r),
        ]
        for kind, r in results.items()
    ]
    columns = [tr("探测", "probe"), tr("结果", "result"), tr("耗时", "time"), tr("详情", "details")]
    print_table(tr("现场检测", "check") + f": {camera_id or host}", columns, rows)
    if not all(r["success"] for r in results.values()):
        out.print(tr("有探测失败 (退出码 1)", "some probes failed (exit code 1)"))
        raise typer.Exit(1)
