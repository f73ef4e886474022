"""What every CLI command shares: consoles, the error exit, lazily loaded settings and engine."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import sqlalchemy as sa
import typer
from rich.console import Console
from rich.table import Table

from vmon.config import ConfigError, Settings, load_settings
from vmon.i18n import tr

__all__ = ["AppState", "err", "fail", "out", "print_json", "print_table", "state"]

out = Console()
err = Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print an error the user can act on and exit (code 2 by default)."""
    err.print(f"[bold red]{tr('错误', 'error')}:[/] {message}", highlight=False, markup=True)
    raise typer.Exit(code)


@dataclass
class AppState:
    """What the global options chose; settings and engine are loaded on first use."""

    config_path: Path | None = None
    _settings: Settings | None = None
    _engine: sa.Engine | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        """The validated settings; exits with every problem listed when they are invalid."""
        if self._settings is None:
            try:
                self._settings = load_settings(self.config_path)
            except ConfigError as exc:
                fail(tr("配置无效", "invalid configuration") + ":\n  " + "\n  ".join(exc.problems))
        return self._settings

    @property
    def engine(self) -> sa.Engine:
        """The database engine, its schema brought up to date."""
        if self._engine is None:
            from vmon.db import create_engine_for, migrate, safe_url

            settings = self.settings
            try:
                url = settings.database_url()
                self._engine = create_engine_for(url, pool_size=settings.database.pool_size)
                migrate(self._engine)
            except ConfigError as exc:
                fail("\n".join(exc.problems))
            except sa.exc.OperationalError as exc:
                message = tr("无法打开数据库", "cannot open the database")
                fail(f"{message} {safe_url(url)}: {type(exc.orig).__name__}")
        return self._engine


def state(ctx: typer.Context) -> AppState:
    """The AppState the root command put on the context."""
    obj = ctx.find_root().obj
    assert isinstance(obj, AppState)
    return obj


def print_table(title: str, columns: list[str], rows: list[list[str]]) -> None:
    """Print rows as a table."""
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    out.print(table)


def print_json(data: object) -> None:
    """Print data as one JSON document (UTF-8, Chinese kept readable)."""
    print(json.dumps(data, ensure_ascii=False, default=str, indent=2))
