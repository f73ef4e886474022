"""Setting up: `vmon init`, `vmon config check`, `vmon db upgrade|status`."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from vmon.cli_support import fail, out, print_json, print_table, state
from vmon.config import DEFAULT_CONFIG_NAME, ConfigError, Settings, load_settings
from vmon.i18n import tr

__all__ = ["config_check", "db_status", "db_upgrade", "init"]


def init(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="where to write the config")] = Path(
        DEFAULT_CONFIG_NAME
    ),
    force: Annotated[bool, typer.Option("--force", help="overwrite an existing file")] = False,
) -> None:
    """创建配置文件和数据库 (write a starter config and create the database)."""
    if path.exists() and not force:
        out.print(tr(f"已存在 {path}, 保留不动 (--force 覆盖)", f"{path} exists, kept (--force)"))
    else:
        template = resources.files("vmon.templates").joinpath("vmon.yaml").read_text("utf-8")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template, encoding="utf-8")
        out.print(tr(f"已写入配置 {path}", f"wrote {path}"))
    app_state = state(ctx)
    app_state.config_path = path
    engine = app_state.engine
    from vmon.db import safe_url

    out.print(tr(f"数据库就绪: {safe_url(str(engine.url))}", f"database ready: {engine.url!r}"))
    out.print(tr("下一步: vmon import 点位表.xlsx", "next: vmon import cameras.xlsx"))


def _schedule_rows(settings: Settings) -> list[list[str]]:
    rows = []
    for kind in ("ping", "snmp", "onvif", "frame"):
        schedule = getattr(settings.probes, kind)
        extra = ", ".join(f"{c}类 {s:g}s" for c, s in sorted(schedule.class_intervals.items()))
        timing = [f"{schedule.interval:g}", f"{schedule.timeout:g}", str(schedule.concurrency)]
        rows.append([kind, *timing, extra])
    return rows


def config_check(
    file: Annotated[Path, typer.Argument(help="the YAML file to check")],
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """检查配置文件 (validate a config file; secrets are checked for presence, never shown)."""
    try:
        settings = load_settings(file)
    except ConfigError as exc:
        fail(tr("配置无效", "invalid configuration") + ":\n  " + "\n  ".join(exc.problems))
    from vmon.db import safe_url

    refs = settings.secret_refs()
    secrets = {path: (ref.describe(), ref.problem()) for path, ref in refs.items()}
    problems = [f"{path}: {problem}" for path, (_, problem) in secrets.items() if problem]
    if as_json:
        print_json(
            {
                "ok": not problems,
                "database": safe_url(settings.database.url),
                "secrets": {path: source for path, (source, _) in secrets.items()},
                "problems": problems,
            }
        )
    else:
        out.print(tr("数据库", "database") + f": {safe_url(settings.database.url)}")
        out.print("HTTP: " + settings.http.listen)
        columns = [tr("探测", "probe"), tr("周期 s", "interval s"), tr("超时 s", "timeout s")]
        print_table(
            tr("巡检周期", "schedules"),
            [*columns, tr("并发", "concurrency"), ""],
            _schedule_rows(settings),
        )
        for path, (source, problem) in secrets.items():
            status = problem or tr("可读取", "readable")
            out.print(f"  {path}: {source} ({status})", highlight=False)
    if problems:
        fail(tr("配置引用的密钥不可用", "secrets not available") + ":\n  " + "\n  ".join(problems))
    if not as_json:
        out.print(tr("[green]配置有效[/]", "[green]configuration is valid[/]"))


def db_upgrade(ctx: typer.Context) -> None:
    """升级数据库结构 (bring the schema to the newest revision)."""
    from vmon.db import current_revision

    engine = state(ctx).engine  # migrates on open
    out.print(tr("数据库版本", "schema revision") + f": {current_revision(engine)}")


def db_status(ctx: typer.Context) -> None:
    """数据库版本 (show the schema revision without changing anything)."""
    from vmon.db import create_engine_for, current_revision, head_revision, safe_url

    settings = state(ctx).settings
    engine = create_engine_for(settings.database_url())
    current, head = current_revision(engine), head_revision()
    out.print(f"{safe_url(settings.database_url())}: {current or '-'} (head {head})")
    if current != head:
        out.print(tr("需要升级: vmon db upgrade", "an upgrade is due: vmon db upgrade"))
