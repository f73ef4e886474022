"""The columns of a camera sheet: what each field is called, how it is read and written back.

`FIELDS` is in export order. Each field lists the headers units actually use (full names,
short names, English); the configuration adds more (`registry.header_aliases`, field key ->
extra headers). `targets` are the record keys a field fills: most fill their own key, the
联网属性 column can fill both `networked` and `network` ("视频专网" says both).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from vmon.registry import vocab
from vmon.registry.dates import parse_date
from vmon.registry.errors import FieldError
from vmon.registry.gbcode import check_camera_code, parse_area_code
from vmon.registry.geo import parse_coordinate
from vmon.registry.values import (
    Cell,
    fold,
    parse_bool,
    parse_credential_ref,
    parse_host,
    parse_int,
    parse_mac,
    parse_snmp_version,
    parse_text,
    parse_url,
)

__all__ = [
    "FIELDS",
    "FIELDS_BY_KEY",
    "REFERENCE_KEYS",
    "FieldSpec",
    "alias_map",
    "header_key",
    "is_credential_header",
]

Render = Callable[[Mapping[str, Any], str], Cell]


@dataclass(frozen=True)
class FieldSpec:
    """One column: its key, canonical headers, accepted aliases, parser and renderer."""

    key: str
    zh: str
    en: str
    aliases: tuple[str, ...]
    parse: Callable[[Cell], Any]
    render: Render
    required: bool = False
    keep_original: bool = False
    sensitive: bool = False
    targets: tuple[str, ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        """The record keys this column fills."""
        return self.targets or (self.key,)

    def header(self, lang: str) -> str:
        """The canonical header in `lang`."""
        return self.en if lang == "en" else self.zh


def _plain(key: str) -> Render:
    return lambda record, _lang: record.get(key)


def _text(limit: int) -> Callable[[Cell], str]:
    return lambda cell: parse_text(cell, limit)


def _choice(key: str, vocabulary: vocab.Vocabulary) -> tuple[Callable[[Cell], str], Render]:
    def render(record: Mapping[str, Any], lang: str) -> Cell:
        value = record.get(key)
        return None if value is None else vocabulary.label(value, lang)

    return vocabulary.parse, render


def _parse_class(cell: Cell) -> int:
    try:
        return int(vocab.CAMERA_CLASS.parse(cell))
    except FieldError:
        raise FieldError("class.invalid") from None


def _render_class(record: Mapping[str, Any], lang: str) -> Cell:
    value = record.get("camera_class")
    return None if value is None else vocab.render_class(value, lang)


def _parse_area(cell: Cell) -> tuple[str | None, str | None]:
    text = parse_text(cell, 100)
    if re.fullmatch(r"[\d'\s]+", text) or isinstance(cell, int | float):
        return parse_area_code(cell), None
    return None, text


def _render_area(record: Mapping[str, Any], _lang: str) -> Cell:
    return record.get("area_code") or record.get("area_name")


def _parse_networked(cell: Cell) -> tuple[bool, str | None]:
    try:
        return vocab.NETWORKED.parse(cell) == "yes", None
    except FieldError:
        try:
            return True, vocab.NETWORK.parse(cell)
        except FieldError:
            pass
        raise


def _render_networked(record: Mapping[str, Any], lang: str) -> Cell:
    value = record.get("networked")
    return None if value is None else vocab.NETWORKED.label("yes" if value else "no", lang)


def _render_bool(key: str) -> Render:
    def render(record: Mapping[str, Any], lang: str) -> Cell:
        value = record.get(key)
        if value is None:
            return None
        return ("yes" if value else "no") if lang == "en" else ("是" if value else "否")

    return render


def _render_date(record: Mapping[str, Any], _lang: str) -> Cell:
    value: Cell = record.get("install_date")
    return value


def _port(cell: Cell) -> int:
    return parse_int(cell, 1, 65535)


def _f(  # noqa: PLR0917  (a table row: positional reads best)
    key: str,
    zh: str,
    en: str,
    aliases: str,
    parse: Callable[[Cell], Any],
    render: Render | None = None,
    **options: Any,
) -> FieldSpec:
    return FieldSpec(
        key, zh, en, tuple(aliases.split("|")), parse, render or _plain(key), **options
    )


_function_type = _choice("function_type", vocab.FUNCTION_TYPE)
_network = _choice("network", vocab.NETWORK)
_camera_type = _choice("camera_type", vocab.CAMERA_TYPE)
_fill_light = _choice("fill_light", vocab.FILL_LIGHT)
_position_type = _choice("position_type", vocab.POSITION_TYPE)
_direction = _choice("direction", vocab.DIRECTION)
_status = _choice("status", vocab.STATUS)

FIELDS: tuple[FieldSpec, ...] = (
    _f("gb_code", "设备编码", "device code",
       "国标编码|点位编码|设备ID|设备国标编码|国标ID|国标编号|摄像机编码|通道编码|通道国标编码|"
       "视频通道编码|编码|GB编码|gb code|gb28181 code|gb_code|device id|deviceid|channel id|code",
       check_camera_code, required=True),
    _f("name", "设备名称", "name",
       "点位名称|监控点名称|摄像机名称|通道名称|名称|点位名|device name|camera name|channel name",
       _text(200), required=True),
    _f("owner_unit", "建设单位", "owner unit",
       "所属单位|权属单位|建设单位名称|所属单位名称|业主单位|owner|owning unit|owner_unit",
       _text(200), required=True),
    _f("camera_class", "点位类别", "class",
       "监控点位类型|点位类型|点位级别|监控点类别|点位分类|类别|监控点位类别|点位等级|"
       "camera class|point class|camera_class",
       _parse_class, _render_class, keep_original=True),
    _f("function_type", "摄像机功能类型", "function type",
       "功能类型|摄像机功能|功能|点位功能|function|function_type", *_function_type,
       keep_original=True),
    _f("longitude", "经度", "longitude", "东经|经度坐标|lon|lng|long|x", parse_coordinate,
       keep_original=True),
    _f("latitude", "纬度", "latitude", "北纬|纬度坐标|lat|y", parse_coordinate, keep_original=True),
    _f("address", "安装地址", "address",
       "安装位置|地址|点位地址|详细地址|安装地点|install address|location", _text(500)),
    _f("area_code", "行政区划代码", "area code",
       "行政区域|行政区划|区划代码|所属辖区|辖区|行政区域代码|所属区域|civil code|region code|"
       "district code|area_code",
       _parse_area, _render_area, targets=("area_code", "area_name")),
    _f("networked", "联网属性", "networked", "是否联网|network attribute", _parse_networked,
       _render_networked, keep_original=True, targets=("networked", "network")),
    _f("network", "所属网络", "network", "网络类型|接入网络|网络|网络属性|network type", *_network,
       keep_original=True),
    _f("host", "IP地址", "IP address",
       "IPV4地址|IP|设备IP|IPv4|摄像机IP|设备IP地址|ip address|host|ipv4 address", parse_host),
    _f("port", "端口", "port", "端口号|设备端口|服务端口|port", _port),
    _f("mac", "MAC地址", "MAC address", "MAC|物理地址|mac address", parse_mac),
    _f("vendor", "设备厂商", "vendor",
       "厂商|生产厂商|品牌|厂家|制造商|设备品牌|manufacturer|brand", _text(100)),
    _f("model", "设备型号", "model", "型号|规格型号|设备规格|model", _text(100)),
    _f("camera_type", "摄像机类型", "camera type",
       "摄像机结构类型|摄像机形态|设备形态|ptz type|camera_type", *_camera_type,
       keep_original=True),
    _f("fill_light", "补光属性", "fill light", "补光类型|补光方式|supply light|fill_light",
       *_fill_light, keep_original=True),
    _f("position_type", "摄像机位置类型", "position type",
       "位置类型|点位位置类型|点位场所类型|场所类型|position_type", *_position_type,
       keep_original=True),
    _f("direction", "监视方位", "direction", "监视方向|朝向|方向|监控方向|拍摄方向|direction",
       *_direction, keep_original=True),
    _f("industry", "所属部门/行业", "industry", "所属行业|行业|所属部门|行业类别|department",
       _text(100)),
    _f("managing_unit", "管理单位", "managing unit", "使用单位|管理单位名称|managing_unit",
       _text(200)),
    _f("managing_contact", "管理单位联系方式", "contact",
       "联系方式|联系电话|联系人|管理联系人|管理单位联系人|managing contact", _text(200)),
    _f("contractor", "维护单位", "contractor",
       "维保单位|运维单位|维护厂商|维修单位|运维厂商|maintenance contractor|maintainer",
       _text(200)),
    _f("retention_days", "录像保存天数", "retention days",
       "存储天数|录像天数|保存天数|录像存储天数|retention|retention_days",
       lambda cell: parse_int(cell, 0, 3650)),
    _f("status", "设备状态", "status", "状态|使用状态|status", *_status, keep_original=True),
    _f("install_date", "安装时间", "install date",
       "建设时间|安装日期|建设日期|投入使用时间|启用时间|投用日期|竣工日期|建成时间|"
       "commissioning date|installed|install_date",
       parse_date, _render_date, keep_original=True),
    _f("upstream", "上级设备编码", "upstream device",
       "上级设备|父设备编码|父节点ID|上级平台编码|所属平台|parent id|parent|upstream",
       _text(200)),
    _f("nvr", "NVR", "NVR", "所属NVR|NVR编码|NVR IP|NVRIP|录像机|硬盘录像机|存储设备|DVR|recorder",
       _text(200)),
    _f("switch", "接入交换机", "access switch",
       "交换机|交换机IP|上联交换机|所属交换机|交换机地址|switch", _text(200)),
    _f("credential_ref", "凭据名称", "credential",
       "凭据|认证凭据|登录凭据|账号配置|凭证|credential ref|credentials|credential_ref",
       parse_credential_ref, sensitive=True),
    _f("onvif_port", "ONVIF端口", "ONVIF port", "onvif_port", _port),
    _f("rtsp_url", "RTSP地址", "RTSP URL",
       "取流地址|视频流地址|码流地址|RTSP|实时流地址|stream url|rtsp_url",
       lambda cell: parse_url(cell, ("rtsp", "rtsps")), sensitive=True),
    _f("snapshot_url", "抓图地址", "snapshot URL", "快照地址|截图地址|图片地址|snapshot_url",
       lambda cell: parse_url(cell, ("http", "https")), sensitive=True),
    _f("snmp_version", "SNMP版本", "SNMP version", "snmp_version", parse_snmp_version),
    _f("snmp_port", "SNMP端口", "SNMP port", "snmp_port", _port),
    _f("snmp_auth", "SNMP凭据", "SNMP auth", "SNMP认证|SNMP凭据名称|snmp credential|snmp_auth",
       parse_credential_ref, sensitive=True),
    _f("enabled", "是否启用", "enabled", "启用|监测|是否监测|纳入监测|monitored|enabled",
       parse_bool, _render_bool("enabled"), keep_original=True),
)  # fmt: skip

FIELDS_BY_KEY: dict[str, FieldSpec] = {spec.key: spec for spec in FIELDS}
# Fields that name another record (resolved to ids by the planner), not camera columns.
REFERENCE_KEYS = frozenset({"owner_unit", "contractor", "upstream", "nvr", "switch"})

_BRACKETED = re.compile(r"[(（\[【].*?[)）\]】]")
_SECRET_WORDS = ("密码", "口令", "password", "passwd", "pwd", "密钥", "secret", "token",
                 "community", "团体名", "共同体")  # fmt: skip
_LOGIN_HEADERS = frozenset(
    fold(word) for word in ("用户名", "账号", "帐号", "登录名", "登录账号", "用户", "username",
                            "user", "login", "user name", "账户")
)  # fmt: skip


def alias_map(extra: Mapping[str, Iterable[str]] | None = None) -> dict[str, str]:
    """Folded header -> field key, built-in aliases first, then those from the configuration.

    Raises ValueError naming an unknown field key in `extra`.
    """
    mapping: dict[str, str] = {}
    for spec in FIELDS:
        for header in (spec.zh, spec.en, spec.key, *spec.aliases):
            mapping.setdefault(fold(header), spec.key)
    for key, headers in (extra or {}).items():
        if key not in FIELDS_BY_KEY:
            known = ", ".join(FIELDS_BY_KEY)
            raise ValueError(f"header_aliases: unknown field {key!r} (known: {known})")
        for header in headers:
            mapping[fold(header)] = key
    return mapping


def header_key(header: str, aliases: Mapping[str, str]) -> str | None:
    """The field a header names, trying it whole and then without bracketed notes."""
    key = aliases.get(fold(header))
    if key is None:
        key = aliases.get(fold(_BRACKETED.sub("", header)))
    return key


def is_credential_header(header: str) -> bool:
    """True for a column of logins or passwords, which the registry never stores."""
    folded = fold(header)
    return folded in _LOGIN_HEADERS or any(word in folded for word in _SECRET_WORDS)
