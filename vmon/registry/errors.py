"""What can be wrong with a registry sheet, in Chinese and English, in one place.

A problem has a stable `code` (for tests and tools) and a message in both languages built
from the catalogue below. Parsers raise `FieldError`; the importer turns it into an `Issue`
that also names the row (as the user sees it in the sheet), the column header as written
and the offending value (masked when it may hold a credential).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "MESSAGES",
    "FieldError",
    "Issue",
    "RegistryFileError",
    "message",
    "pick",
]

# code -> (Chinese, English); `{name}` placeholders are filled from the error's params.
MESSAGES: dict[str, tuple[str, str]] = {
    "required": ("必填项为空", "required value is missing"),
    "required_column": (
        "缺少必填列“{field}”（可用列名：{aliases}）",
        "required column '{field_en}' is missing (accepted headers: {aliases})",
    ),
    "too_long": (
        "内容过长（{length}字，最多{limit}字）",
        "too long ({length} characters, at most {limit})",
    ),
    "text.invalid": ("不是文本", "not text"),
    "gb_code.numeric_cell": (
        "设备编码被存成了数值，Excel已丢失其后几位；请把该列设为文本格式后重新填写",
        "the device code is stored as a number and Excel has lost its last digits; "
        "format the column as text and enter the code again",
    ),
    "gb_code.digits": ("设备编码只能是数字", "the device code must contain digits only"),
    "gb_code.length": (
        "设备编码应为20位，实际{length}位",
        "the device code must have 20 digits, not {length}",
    ),
    "gb_code.province": (
        "设备编码前两位“{province}”不是有效的省级行政区划代码",
        "the first two digits '{province}' are not a province code",
    ),
    "gb_code.camera_type": (
        "设备编码第11-13位类型码{type}不是摄像机（应为{allowed}）",
        "digits 11-13 ({type}) are not a camera type code (expected {allowed})",
    ),
    "gb_code.device_type": (
        "设备编码第11-13位类型码{type}不是NVR/DVR/平台（应为{allowed}）",
        "digits 11-13 ({type}) are not an NVR/DVR/platform type code (expected {allowed})",
    ),
    "gb_code.unit_area": (
        "设备编码前缀{prefix}与所属单位“{unit}”的行政区划代码{area}不一致",
        "the code prefix {prefix} does not match area code {area} of owner unit '{unit}'",
    ),
    "gb_code.row_area": (
        "设备编码前缀{prefix}与本行行政区划代码{area}不一致",
        "the code prefix {prefix} does not match this row's area code {area}",
    ),
    "gb_code.is_device": (
        "设备编码{code}已登记为上级设备（NVR/平台），不能同时作为摄像机",
        "code {code} is registered as an upstream device (NVR/platform), not a camera",
    ),
    "area_code.invalid": (
        "行政区划代码应为2、4、6、8、9或12位数字",
        "the area code must have 2, 4, 6, 8, 9 or 12 digits",
    ),
    "coord.format": ("无法识别的经纬度格式", "unrecognised coordinate format"),
    "coord.range": ("{axis}超出范围（{low}~{high}）", "{axis_en} out of range ({low} to {high})"),
    "coord.swapped": ("经度和纬度可能填反了", "longitude and latitude look swapped"),
    "coord.zero": ("经纬度为0,0，不是有效位置", "coordinates 0,0 are not a real position"),
    "coord.pair": ("经度和纬度应同时填写", "longitude and latitude must be given together"),
    "coord.region": (
        "位置（{lon}, {lat}）不在本地区范围内",
        "position ({lon}, {lat}) is outside the configured region",
    ),
    "class.invalid": (
        "无法识别的点位类别（可填：一类/二类/三类、1/2/3）",
        "unrecognised camera class (use 1/2/3 or 一类/二类/三类)",
    ),
    "choice.invalid": (
        "无法识别的{field}（可填：{choices}）",
        "unrecognised {field_en} (accepted: {choices})",
    ),
    "date.invalid": ("无法识别的日期", "unrecognised date"),
    "date.range": (
        "日期不合理（应在{low}至{high}之间）",
        "implausible date (expected {low} to {high})",
    ),
    "int.invalid": ("应为整数", "must be a whole number"),
    "int.range": ("应在{low}到{high}之间", "must be between {low} and {high}"),
    "bool.invalid": ("应为是/否", "must be yes/no"),
    "ip.invalid": ("不是有效的IP地址或主机名", "not a valid IP address or host name"),
    "mac.invalid": ("不是有效的MAC地址", "not a valid MAC address"),
    "url.invalid": ("不是有效的{scheme}地址", "not a valid {scheme} URL"),
    "url.credentials": (
        "地址中含有用户名/密码，不能写入档案；请改用凭据名称列",
        "the URL contains a user name or password; use the credential column instead",
    ),
    "credential_ref.invalid": (
        "凭据名称只能含字母、数字、点、下划线和横线（不要在此填写密码）",
        "a credential name may hold letters, digits, '.', '_' and '-' only (never a password)",
    ),
    "snmp_version.invalid": ("SNMP版本应为1、2c或3", "SNMP version must be 1, 2c or 3"),
    "dup.code_in_file": ("设备编码与第{row}行重复", "device code repeats row {row}"),
    "dup.host_in_file": ("IP地址与第{row}行重复", "IP address repeats row {row}"),
    "dup.host_in_db": (
        "IP地址已被设备编码为{code}的摄像机使用",
        "IP address is already used by camera {code}",
    ),
    "upstream.conflict": (
        "上级设备与NVR列指向不同设备",
        "the upstream device and NVR columns name different devices",
    ),
    "upstream.ambiguous": (
        "有多台上级设备名为“{name}”，请改填设备编码或IP",
        "several upstream devices are named '{name}': give a code or IP instead",
    ),
    "sheet.no_header": (
        "找不到表头行（需含设备编码、设备名称等列）",
        "no header row found (it needs columns such as device code and name)",
    ),
    "sheet.empty": ("文件中没有数据行", "the file has no data rows"),
    "file.unsupported": (
        "不支持的文件类型“{suffix}”（支持.csv .xlsx .xls .ods）",
        "unsupported file type '{suffix}' (use .csv, .xlsx, .xls or .ods)",
    ),
    "file.unreadable": ("无法读取文件：{reason}", "cannot read the file: {reason}"),
    "report.unwritable": ("无法写入错误报告：{reason}", "cannot write the error report: {reason}"),
    "file.encoding": (
        "无法识别CSV文件编码（支持UTF-8和GBK）",
        "unknown CSV encoding (UTF-8 and GBK work)",
    ),
    "column.credential": (
        "列“{header}”含账号或密码，已忽略且不会保存；请在配置中定义凭据并在“凭据名称”列引用",
        "column '{header}' holds logins or passwords: ignored and not stored; define "
        "credentials in the configuration and name them in the credential column",
    ),
    "column.duplicate": (
        "列“{header}”与列“{first}”含义相同，已忽略",
        "column '{header}' means the same as '{first}': ignored",
    ),
    "column.unrecognised": (
        "未识别的列“{header}”，内容原样保留",
        "unrecognised column '{header}': kept as written",
    ),
    "unit.parse": ("单位表第{row}行：{reason}", "unit sheet row {row}: {reason}"),
    "unit.parent_missing": ("上级单位“{parent}”不存在", "parent unit '{parent}' does not exist"),
    "unit.cycle": ("单位“{name}”的上级关系形成循环", "unit '{name}' is its own ancestor"),
    "target.invalid": (
        "考核目标应为0~100%之间的数（如98%或0.98）",
        "a target must be a share between 0 and 100% (e.g. 98% or 0.98)",
    ),
}


def message(code: str, params: dict[str, Any] | None = None) -> tuple[str, str]:
    """The (Chinese, English) message for `code`, with `params` filled in."""
    zh, en = MESSAGES[code]
    values = _SafeDict(params or {})
    return zh.format_map(values), en.format_map(values)


class _SafeDict(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class FieldError(ValueError):
    """A value that cannot be understood. `code` is a key of `MESSAGES`."""

    def __init__(self, code: str, /, **params: Any) -> None:
        self.code = code
        self.params = params
        self.zh, self.en = message(code, params)
        super().__init__(self.en)


class RegistryFileError(ValueError):
    """The file as a whole cannot be imported (unreadable, unsupported, no header row)."""

    def __init__(self, code: str, /, **params: Any) -> None:
        self.code = code
        self.zh, self.en = message(code, params)
        super().__init__(self.en)

    def text(self, lang: str | None = None) -> str:
        """The message in `lang` (zh/en), or in the UI language when None."""
        return pick(self.zh, self.en, lang)


@dataclass(frozen=True)
class Issue:
    """One problem, placed where the user will look for it.

    `row` is the 1-based row number in the sheet (0 for a whole-file problem), `column`
    the header exactly as written, `value` the cell as written (masked when sensitive).
    """

    row: int
    column: str
    value: str
    code: str
    zh: str
    en: str
    params: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, row: int, column: str, value: str, code: str, /, **params: Any) -> Issue:
        """An issue built from the message catalogue."""
        zh, en = message(code, params)
        return cls(row, column, value, code, zh, en, params)

    @classmethod
    def from_error(cls, row: int, column: str, value: str, error: FieldError) -> Issue:
        """An issue for a `FieldError` raised while parsing one cell."""
        return cls(row, column, value, error.code, error.zh, error.en, error.params)

    def text(self, lang: str | None = None) -> str:
        """The reason in `lang` (zh/en), or in the UI language when None."""
        return pick(self.zh, self.en, lang)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "code": self.code,
            "zh": self.zh,
            "en": self.en,
        }


def pick(zh: str, en: str, lang: str | None = None) -> str:
    """`zh` or `en` by `lang` (zh/en), or by the UI language when `lang` is None."""
    if lang is None:
        from vmon.i18n import get_language

        lang = get_language()
    return en if lang.lower().startswith("en") else zh
