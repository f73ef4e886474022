"""The few lines an import prints on the terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vmon.registry.errors import pick

if TYPE_CHECKING:
    from vmon.registry.importer import ImportResult

__all__ = ["import_summary"]

_SHOWN_ERRORS = 20


def import_summary(result: ImportResult, lang: str | None = None) -> str:
    """The outcome, the columns set aside and the first errors, in `lang` or the UI language."""
    lines = [_outcome(result, lang), *_column_lines(result, lang), *_error_lines(result, lang)]
    if result.error_report:
        lines.append(
            pick(f"错误报告：{result.error_report}", f"error report: {result.error_report}", lang)
        )
    return "\n".join(lines)


def _column_lines(result: ImportResult, lang: str | None) -> list[str]:
    lines = []
    if result.unrecognised_columns:
        names = "、".join(result.unrecognised_columns)
        lines.append(
            pick(
                f"未识别的列（原样保留）：{names}",
                f"unrecognised columns (kept as written): {names}",
                lang,
            )
        )
    if result.ignored_columns:
        names = "、".join(result.ignored_columns)
        lines.append(
            pick(
                f"已忽略的账号/密码列（未保存）：{names}",
                f"ignored login/password columns (not stored): {names}",
                lang,
            )
        )
    return lines


def _error_lines(result: ImportResult, lang: str | None) -> list[str]:
    lines = []
    for issue in result.errors[:_SHOWN_ERRORS]:
        where = pick(f"第{issue.row}行", f"row {issue.row}", lang) if issue.row else ""
        column = f" [{issue.column}]" if issue.column else ""
        value = f" “{issue.value}”" if issue.value else ""
        lines.append(f"  {where}{column}{value}: {issue.text(lang)}")
    hidden = len(result.errors) - _SHOWN_ERRORS
    if hidden > 0:
        lines.append(pick(f"  ……另有{hidden}条错误", f"  ... and {hidden} more errors", lang))
    return lines


def _outcome(result: ImportResult, lang: str | None) -> str:
    if result.errors:
        return pick(
            f"导入被拒绝：{len(result.errors)}条错误，未写入任何数据（共{result.rows}行）",
            f"import rejected: {len(result.errors)} errors, nothing written ({result.rows} rows)",
            lang,
        )
    counts_zh = f"新增{result.created}，更新{result.updated}，未变{result.unchanged}"
    counts_en = f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged"
    made_zh = (
        f"；新建单位{len(result.units_created)}个、维保单位{len(result.contractors_created)}个、"
        f"上级设备{len(result.devices_created)}台"
    )
    made_en = (
        f"; new: {len(result.units_created)} owner units, {len(result.contractors_created)} "
        f"contractors, {len(result.devices_created)} upstream devices"
    )
    if result.dry_run:
        prefix_zh, prefix_en = "试运行（未写入）", "dry run (nothing written)"
    else:
        prefix_zh, prefix_en = "导入完成", "imported"
    return pick(
        f"{prefix_zh}：{result.rows}行，{counts_zh}{made_zh}",
        f"{prefix_en}: {result.rows} rows, {counts_en}{made_en}",
        lang,
    )
