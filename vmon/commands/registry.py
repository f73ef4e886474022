"""The registry (一机一档): `vmon import`, `vmon export`, `vmon registry stats`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlmodel import Session

from vmon.cli_support import err, fail, out, print_json, print_table, state
from vmon.i18n import tr

__all__ = ["export_command", "import_command", "sample_command", "stats_command", "units_command"]


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


def import_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV or XLSX: 点位表")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="validate, write nothing")] = False,
    errors: Annotated[
        Path | None, typer.Option("--errors", help="where to write the error report (XLSX/CSV)")
    ] = None,
) -> None:
    """导入点位表 (import cameras; all or nothing: any bad row and nothing is written)."""
    from vmon.registry.importer import import_file

    if not file.is_file():
        fail(tr(f"文件不存在: {file}", f"no such file: {file}"))
    app_state = state(ctx)
    settings = app_state.settings
    with _progress() as progress, Session(app_state.engine) as session:
        task = progress.add_task(tr("导入", "importing"), total=None)

        def report(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total)

        result = import_file(
            session,
            file,
            dry_run=dry_run,
            aliases=settings.registry.header_aliases,
            region_box=settings.registry.region_box,
            error_report=errors,
            progress=report,
        )
    _print_import_result(result, dry_run)


def _print_import_result(result: object, dry_run: bool) -> None:
    summary = getattr(result, "summary", None)
    out.print(summary() if callable(summary) else str(result), highlight=False, soft_wrap=True)
    if getattr(result, "errors", None):
        raise typer.Exit(2)
    if dry_run:
        out.print(tr("(试运行, 未写入)", "(dry run: nothing written)"))


def export_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV or XLSX to write")],
    lang: Annotated[str, typer.Option("--headers", help="zh | en column headers")] = "zh",
) -> None:
    """导出点位表 (export the registry as CSV or XLSX)."""
    from vmon.registry.exporter import export_file

    if file.suffix.lower() not in {".csv", ".xlsx"}:
        fail(tr("只支持 .csv 或 .xlsx", "only .csv or .xlsx"))
    with Session(state(ctx).engine) as session:
        count = export_file(session, file, lang=lang)
    out.print(tr(f"已导出 {count} 条到 {file}", f"exported {count} cameras to {file}"))


def stats_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """建档率 (registry completeness per owner unit)."""
    from vmon.registry.completeness import completeness

    with Session(state(ctx).engine) as session:
        rows = completeness(session)
    if as_json:
        print_json([row.as_dict() for row in rows])
        return
    columns = [
        tr("单位", "unit"),
        tr("点位数", "cameras"),
        tr("完整", "complete"),
        tr("建档率", "completeness"),
        tr("常缺字段", "most often missing"),
    ]
    print_table(tr("建档率", "registry completeness"), columns, [row.as_row() for row in rows])


def sample_command(
    file: Annotated[Path, typer.Argument(help="XLSX or CSV to write")],
    rows: Annotated[int, typer.Option("--rows", min=1, max=1_000_000)] = 50,
    units_file: Annotated[
        Path | None, typer.Option("--units", help="also write the sample unit tree (YAML/CSV/XLSX)")
    ] = None,
) -> None:
    """示例点位表 (write a realistic sample sheet with Chinese headers, to try an import)."""
    from vmon.registry.samples import write_sample, write_sample_units

    write_sample(file, rows)
    out.print(tr(f"已写入示例点位表 {file} ({rows} 行)", f"wrote {file} ({rows} rows)"))
    if units_file is not None:
        write_sample_units(units_file)
        out.print(tr(f"已写入示例单位树 {units_file}", f"wrote {units_file}"))


def units_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="unit tree: YAML, CSV or XLSX")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="validate, write nothing")] = False,
) -> None:
    """导入单位树 (owner units: parent, area code, contractor, targets per class)."""
    from vmon.registry.units import import_units

    if not file.is_file():
        fail(tr(f"文件不存在: {file}", f"no such file: {file}"))
    with Session(state(ctx).engine) as session:
        result = import_units(session, file, dry_run=dry_run)
    for issue in result.errors:
        err.print(f"  {issue.text()}", highlight=False)
    if result.errors:
        fail(
            tr(
                f"单位树有 {len(result.errors)} 处错误, 未写入",
                f"{len(result.errors)} errors, nothing written",
            )
        )
    out.print(
        tr(
            f"新建 {result.created}, 更新 {result.updated}, 未变 {result.unchanged}",
            f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}",
        )
    )
