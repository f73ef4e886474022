"""The one `vmon` command. Subcommands live in `vmon.commands.*`; this module only wires them."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated

import typer

from vmon import __version__
from vmon.cli_support import AppState, out
from vmon.commands import check, demo, registry, service, setup
from vmon.config import ConfigError, default_config_path, load_settings
from vmon.diagnose import diagnose_command
from vmon.i18n import set_language

__all__ = ["app"]

app = typer.Typer(
    name="vmon",
    help="vmon: 视频监控运维健康监测 (video-surveillance health monitor).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
config_app = typer.Typer(help="配置文件 (configuration).", no_args_is_help=True)
db_app = typer.Typer(help="数据库 (database schema).", no_args_is_help=True)
registry_app = typer.Typer(help="一机一档 (the camera registry).", no_args_is_help=True)
excuse_app = typer.Typer(
    help="报备 (excusals: planned maintenance, power cuts).", no_args_is_help=True
)
app.add_typer(config_app, name="config")
app.add_typer(excuse_app, name="excuse")
app.add_typer(db_app, name="db")
app.add_typer(registry_app, name="registry")

app.command("init")(setup.init)
config_app.command("check")(setup.config_check)
db_app.command("upgrade")(setup.db_upgrade)
db_app.command("status")(setup.db_status)
app.command("import")(registry.import_command)
app.command("export")(registry.export_command)
registry_app.command("stats")(registry.stats_command)
registry_app.command("sample")(registry.sample_command)
registry_app.command("units")(registry.units_command)
app.command("check")(check.check)
app.command("diagnose")(diagnose_command)
app.command("run")(service.run)
app.command("demo")(demo.demo)
app.command("status")(service.status)
app.command("uptime")(service.uptime)
excuse_app.command("add")(service.excuse_add)
excuse_app.command("list")(service.excuse_list)


def _version(value: bool) -> None:
    if value:
        out.print(f"vmon {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="配置文件 YAML (default: $VMON_CONFIG or ./vmon.yaml)"),
    ] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="zh | en (default: $VMON_LANG)")] = (
        None
    ),
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="show the version")
    ] = False,
) -> None:
    """vmon: 视频监控运维健康监测 (video-surveillance health monitor)."""
    state = AppState(config_path=config or default_config_path())
    ctx.obj = state
    if lang:
        set_language(lang)
    elif state.config_path and state.config_path.is_file():
        with contextlib.suppress(ConfigError):  # reported by the command that needs settings
            set_language(load_settings(state.config_path).language)
