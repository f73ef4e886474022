"""Realistic registry sheets for the demo, the tests and the benchmarks.

Nanjing-like data: districts 3201xx with their streets, police sub-bureaus, education and
transport bureaus, communities; names such as "江北大道与浦珠路交叉口东向西"; vendors 海康威视,
大华, 宇视, 天地伟业; positions around 32.06N 118.80E; NVRs every 32 cameras and access
switches every 8. Cells are written the way units write them: classes as 一类视频监控点 or
2, dates as 2017/9/20, 2017年9月20日, Excel serials or date cells, a few positions as
degrees-minutes-seconds text. Deterministic for a given seed.
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from openpyxl import Workbook
from openpyxl.worksheet.cell_range import CellRange

from vmon.registry.fields import FIELDS_BY_KEY
from vmon.registry.sheetio import write_sheets
from vmon.registry.values import Cell

__all__ = [
    "SAMPLE_COLUMNS",
    "SAMPLE_TITLE",
    "SampleUnit",
    "sample_rows",
    "sample_units",
    "write_sample",
    "write_sample_units",
]

SAMPLE_TITLE = "南京市公共视频监控点位登记表（一机一档）"
SAMPLE_COLUMNS: tuple[str, ...] = (
    "gb_code", "name", "owner_unit", "camera_class", "function_type", "longitude", "latitude",
    "address", "area_code", "networked", "network", "host", "port", "mac", "vendor", "model",
    "camera_type", "fill_light", "position_type", "direction", "industry", "managing_unit",
    "managing_contact", "contractor", "retention_days", "status", "install_date", "nvr",
    "switch", "credential_ref", "rtsp_url",
)  # fmt: skip
_NOTES = {
    "gb_code": "必填，20位国标编码",
    "name": "必填",
    "owner_unit": "必填",
    "longitude": "WGS-84",
}
_EXTRA_HEADER = "备注"

_DISTRICTS = (
    ("320102", "玄武区", ("玄武门街道", "新街口街道", "孝陵卫街道")),
    ("320104", "秦淮区", ("夫子庙街道", "中华门街道", "光华路街道")),
    ("320105", "建邺区", ("南苑街道", "兴隆街道", "沙洲街道")),
    ("320106", "鼓楼区", ("宁海路街道", "湖南路街道", "挹江门街道")),
    ("320111", "浦口区", ("江浦街道", "顶山街道", "泰山街道")),
    ("320113", "栖霞区", ("尧化街道", "迈皋桥街道", "仙林街道")),
    ("320114", "雨花台区", ("雨花街道", "铁心桥街道", "板桥街道")),
    ("320115", "江宁区", ("东山街道", "秣陵街道", "淳化街道")),
    ("320116", "六合区", ("雄州街道", "龙池街道", "葛塘街道", "长芦街道")),
    ("320117", "溧水区", ("永阳街道", "柘塘街道", "洪蓝街道")),
    ("320118", "高淳区", ("淳溪街道", "古柏街道", "漆桥街道")),
)
_ROADS = (
    "江北大道", "浦珠路", "雄州路", "龙池路", "中山路", "北京东路", "汉中路", "应天大街", "宁六路",
    "长江路", "虎踞路", "江东中路", "龙蟠路", "珠江路", "卡子门大街", "双龙大道", "天元路",
    "文德路", "大桥北路", "浦口大道", "江山大街", "仙林大道", "秦淮大道", "宁丹路", "金宁路",
)  # fmt: skip
_PLACES = (
    "小学",
    "中学",
    "人民医院",
    "汽车站",
    "农贸市场",
    "社区服务中心",
    "地铁站",
    "广场",
    "公园",
)
_HEADINGS = (("东向西", "西"), ("西向东", "东"), ("南向北", "北"), ("北向南", "南"))
_VENDORS = (
    ("海康威视", ("DS-2CD3T47WD-L", "iDS-2DE7423MX-A", "DS-2CD2T47G2-L"), "hik-default",
     "rtsp://{host}:554/Streaming/Channels/101"),
    ("大华", ("DH-IPC-HFW4433M-I2", "DH-SD6C3432XA-HNR"), "dahua-default",
     "rtsp://{host}:554/cam/realmonitor?channel=1&subtype=0"),
    ("宇视", ("IPC-B314-APKZ", "HIC6622-IR"), "uniview-default", "rtsp://{host}:554/media/video1"),
    ("天地伟业", ("TC-C34WP",), "tiandy-default", None),
)  # fmt: skip
_CONTRACTORS = ("南京智安运维有限公司", "江苏天网信息技术有限公司", "南京城视科技服务有限公司")
_TARGET_TEXT = ["98%", "95%", "80%"]
_CLASS_TEXT = {
    1: ("一类视频监控点", "一类", "1"),
    2: ("二类视频监控点", "二类", "2"),
    3: ("三类", "3"),
}


@dataclass(frozen=True)
class SampleUnit:
    """One owner unit of the sample tree, with the class its cameras usually have."""

    name: str
    parent: str | None
    area_code: str | None
    contractor: str | None
    camera_class: int
    industry: str


def sample_units() -> list[SampleUnit]:
    """The owner-unit tree: districts, their police sub-bureau, bureaus, streets, communities."""
    units: list[SampleUnit] = []
    for index, (code, district, streets) in enumerate(_DISTRICTS):
        contractor = _CONTRACTORS[index % len(_CONTRACTORS)]
        short = district.removesuffix("区")
        units.append(SampleUnit(district, None, code, contractor, 3, "其他"))
        units.append(
            SampleUnit(f"南京市公安局{short}分局", district, code, contractor, 1, "公安机关")
        )
        units.append(SampleUnit(f"{district}教育局", district, code, contractor, 2, "教育"))
        units.append(SampleUnit(f"{district}交通运输局", district, code, contractor, 2, "交通"))
        for number, street in enumerate(streets, start=1):
            street_code = f"{code}{number:02d}"
            units.append(SampleUnit(f"{district}{street}", district, street_code, None, 3, "城管"))
    return units


def sample_rows(n: int, *, seed: int = 0) -> Iterator[dict[str, Cell]]:
    """`n` camera rows (field key -> cell as a unit writes it); codes and hosts are unique."""
    rng = random.Random(seed)
    leaves = [unit for unit in sample_units() if unit.parent is not None]
    serials: dict[str, int] = {}
    for index in range(n):
        unit = leaves[index % len(leaves)] if index < len(leaves) else rng.choice(leaves)
        yield _row(rng, index, unit, serials)


def _row(
    rng: random.Random, index: int, unit: SampleUnit, serials: dict[str, int]
) -> dict[str, Cell]:
    area = unit.area_code or ""
    if len(area) != 8:
        area = f"{area}{rng.randint(1, 3):02d}"
    serials[area] = serials.get(area, 0) + 1
    camera_class = unit.camera_class if rng.random() < 0.85 else rng.choice((1, 2, 3))
    host = str(ipaddress.IPv4Address("10.32.0.1") + index)
    type_code = "132" if rng.random() < 0.9 else "131"
    row = _identity(rng, index, unit, f"{area}00{type_code}0{serials[area]:06d}", camera_class)
    row.update(_equipment(rng, host))
    row.update(_management(rng, index, unit, camera_class))
    row["nvr"] = f"{area}00118{0}{index // 32 + 1:06d}"
    row["switch"] = str(ipaddress.IPv4Address("172.16.0.1") + index // 8)
    return row


def _identity(
    rng: random.Random, index: int, unit: SampleUnit, code: str, camera_class: int
) -> dict[str, Cell]:
    road, other = rng.sample(_ROADS, 2)
    heading, direction = rng.choice(_HEADINGS)
    if rng.random() < 0.7:
        name = f"{road}与{other}交叉口{heading}"
    else:
        name = f"{road}{rng.choice(_PLACES)}门口{heading}"
    lon, lat = 118.80 + rng.uniform(-0.35, 0.35), 32.06 + rng.uniform(-0.35, 0.35)
    position: tuple[Cell, Cell] = (round(lon, 6), round(lat, 6))
    if index % 10 == 3:
        position = (_dms(lon, "E"), _dms(lat, "N"))
    return {
        "gb_code": code,
        "name": f"{name}{index + 1}",
        "owner_unit": unit.name,
        "camera_class": rng.choice(_CLASS_TEXT[camera_class]),
        "function_type": rng.choice(
            ("普通监控", "普通监控", "车辆卡口", "人员卡口/特征采集", "高空瞭望")
        ),
        "longitude": position[0],
        "latitude": position[1],
        "address": f"南京市{_district_of(code)}{road}{rng.randint(1, 300)}号",
        "area_code": code[:6],
        "direction": direction,
        "position_type": rng.choice(
            ("交通干线", "校园周边", "治安复杂区域", "商业中心", "医院周边")
        ),
    }


def _equipment(rng: random.Random, host: str) -> dict[str, Cell]:
    vendor, models, credential, rtsp = rng.choice(_VENDORS)
    return {
        "networked": "已联网",
        "network": rng.choice(("视频专网", "视频专网", "政务网", "互联网")),
        "host": host,
        "port": 80 if rng.random() < 0.8 else 8000,
        "mac": ":".join(f"{rng.randint(0, 255):02X}" for _ in range(6)),
        "vendor": vendor,
        "model": rng.choice(models),
        "camera_type": rng.choice(("球机", "半球", "固定枪机", "固定枪机")),
        "fill_light": rng.choice(("红外补光", "红外补光", "白光补光", "无补光")),
        "credential_ref": credential,
        "rtsp_url": rtsp.format(host=host) if rtsp else None,
    }


def _management(
    rng: random.Random, index: int, unit: SampleUnit, camera_class: int
) -> dict[str, Cell]:
    return {
        "industry": unit.industry,
        "managing_unit": unit.name,
        "managing_contact": f"025-5{rng.randint(1000000, 9999999)}",
        "contractor": unit.contractor or _CONTRACTORS[index % len(_CONTRACTORS)],
        "retention_days": 30 if camera_class == 1 else rng.choice((30, 90)),
        "status": "在用" if rng.random() < 0.95 else rng.choice(("维修", "停用")),
        "install_date": _install_date(rng),
    }


def _district_of(area: str) -> str:
    return next((name for code, name, _ in _DISTRICTS if area.startswith(code)), "")


def _install_date(rng: random.Random) -> Cell:
    day = date(2012, 1, 1) + timedelta(days=rng.randint(0, 4000))
    style = rng.randint(0, 3)
    if style == 0:
        return day
    if style == 1:
        return f"{day.year}/{day.month}/{day.day}"
    if style == 2:
        return f"{day.year}年{day.month}月{day.day}日"
    return (day - date(1899, 12, 30)).days


def _dms(value: float, hemisphere: str) -> str:
    degrees = int(value)
    minutes_full = (value - degrees) * 60
    minutes = int(minutes_full)
    seconds = round((minutes_full - minutes) * 60, 2)
    if seconds >= 60:
        minutes, seconds = minutes + 1, 0.0
    return f"{degrees}°{minutes}′{seconds:g}″{hemisphere}"


def write_sample(
    path: str | Path,
    n: int = 100,
    *,
    seed: int = 0,
    lang: str = "zh",
    title: bool = True,
    notes: bool = True,
    headers: Mapping[str, str] | None = None,
    columns: Sequence[str] = SAMPLE_COLUMNS,
) -> Path:
    """Write an `n`-row camera sheet (XLSX or CSV by suffix) and return its path.

    `headers` overrides the header of chosen fields (e.g. `{"gb_code": "国标编码"}`);
    the sheet also has a 备注 column vmon does not know, filled on some rows.
    """
    target = Path(path)
    names = [(headers or {}).get(key) or FIELDS_BY_KEY[key].header(lang) for key in columns]
    names.append(_EXTRA_HEADER)
    top: list[list[Any]] = [[SAMPLE_TITLE]] if title else []
    top.append(names)
    if notes:
        top.append([_NOTES.get(key, "") for key in columns] + [""])
    body = (_cells(row, columns, index) for index, row in enumerate(sample_rows(n, seed=seed)))
    if target.suffix.lower() == ".xlsx":
        _write_xlsx(target, top, body, len(names), title)
    else:
        write_sheets(target, [("sheet", top[0], [*top[1:], *body])])
    return target


def _cells(row: Mapping[str, Cell], columns: Sequence[str], index: int) -> list[Cell]:
    return [row.get(key) for key in columns] + ["新建点位" if index % 7 == 0 else None]


def _write_xlsx(
    path: Path, top: list[list[Any]], body: Iterator[list[Cell]], width: int, title: bool
) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("点位表")
    for row in top:
        sheet.append(row)
    if title:
        sheet.merged_cells.add(CellRange(min_col=1, min_row=1, max_col=width, max_row=1))
    for row in body:
        sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


def write_sample_units(path: str | Path) -> Path:
    """Write the sample owner-unit tree (YAML, CSV or XLSX by suffix) for `import_units`."""
    target = Path(path)
    if target.suffix.lower() in {".yaml", ".yml"}:
        text = yaml.safe_dump({"units": _unit_records()}, allow_unicode=True, sort_keys=False)
        target.write_text(text, encoding="utf-8")
        return target
    header = [
        "单位名称",
        "上级单位",
        "行政区划代码",
        "维保单位",
        "一类目标",
        "二类目标",
        "三类目标",
    ]
    rows = [
        [
            u.name,
            u.parent,
            u.area_code,
            u.contractor,
            *(_TARGET_TEXT if u.parent is None else [None] * 3),
        ]
        for u in sample_units()
    ]
    write_sheets(target, [("单位", header, rows)])
    return target


def _unit_records() -> list[dict[str, Any]]:
    records = []
    for unit in sample_units():
        record: dict[str, Any] = {
            "name": unit.name,
            "parent": unit.parent,
            "area_code": unit.area_code,
        }
        record["contractor"] = unit.contractor
        if unit.parent is None:
            record["targets"] = {"class1": 0.98, "class2": 0.95, "class3": 0.8}
        records.append({key: value for key, value in record.items() if value is not None})
    return records
