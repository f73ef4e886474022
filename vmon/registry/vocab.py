"""The coded fields of 一机一档, written as Chinese labels or as numbers: both are accepted.

Numeric codes follow GB/T 28181 (camera type, fill light, direction, position type) and the
common 一机一档 templates (function type, networked, status). vmon stores a stable English
key (e.g. `vehicle_checkpoint`); exports write the Chinese label, or the English one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from vmon.registry.errors import FieldError
from vmon.registry.values import Cell, cell_text, fold

__all__ = [
    "CAMERA_CLASS",
    "CAMERA_TYPE",
    "DIRECTION",
    "FILL_LIGHT",
    "FUNCTION_TYPE",
    "NETWORK",
    "NETWORKED",
    "POSITION_TYPE",
    "STATUS",
    "Choice",
    "Vocabulary",
    "render_class",
]

_SEPARATORS = str.maketrans({c: "/" for c in "、,，;；|+＋\n"})


@dataclass(frozen=True)
class Choice:
    """One allowed value: its stored key, its number, its labels and other spellings."""

    key: str
    code: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()


class Vocabulary:
    """A closed set of choices; `multi` fields hold several, written `a/b` or `a、b`."""

    def __init__(
        self, name_zh: str, name_en: str, choices: Iterable[Choice], *, multi: bool = False
    ) -> None:
        self.name_zh = name_zh
        self.name_en = name_en
        self.choices = tuple(choices)
        self.multi = multi
        self._by_key = {choice.key: choice for choice in self.choices}
        self._lookup: dict[str, str] = {}
        for choice in self.choices:
            for spelling in (choice.key, choice.code, choice.zh, choice.en, *choice.aliases):
                if spelling:
                    self._lookup.setdefault(fold(spelling), choice.key)

    def parse(self, cell: Cell) -> str:
        """The stored key (keys joined by `,` for multi fields) for what the sheet says."""
        if isinstance(cell, float) and cell.is_integer():
            cell = int(cell)
        text = cell_text(cell)
        parts = text.translate(_SEPARATORS).split("/") if self.multi else [text]
        keys = [self._one(part) for part in parts if part.strip()]
        if not keys:
            raise self._error()
        return ",".join(dict.fromkeys(keys))

    def _one(self, text: str) -> str:
        key = self._lookup.get(fold(text))
        if key is None:
            raise self._error()
        return key

    def _error(self) -> FieldError:
        return FieldError(
            "choice.invalid",
            field=self.name_zh,
            field_en=self.name_en,
            choices="、".join(choice.zh for choice in self.choices),
        )

    def label(self, stored: str, lang: str = "zh") -> str:
        """The label(s) for a stored key (or `,`-joined keys) in `lang`."""
        labels = []
        for key in stored.split(","):
            choice = self._by_key.get(key)
            if choice is None:
                labels.append(key)
            else:
                labels.append(choice.en if lang == "en" else choice.zh)
        return "/".join(labels)

    def all_keys(self) -> tuple[str, ...]:
        """Every stored key, in the catalogue's order."""
        return tuple(choice.key for choice in self.choices)


def _c(key: str, code: str, zh: str, en: str, *aliases: str) -> Choice:
    return Choice(key, code, zh, en, aliases)


CAMERA_CLASS = Vocabulary(
    "点位类别",
    "camera class",
    [
        _c(
            "1",
            "1",
            "一类",
            "class 1",
            "一类点",
            "一类点位",
            "一类视频监控点",
            "Ⅰ类",
            "I类",
            "1类",
            "一级",
        ),
        _c(
            "2",
            "2",
            "二类",
            "class 2",
            "二类点",
            "二类点位",
            "二类视频监控点",
            "Ⅱ类",
            "II类",
            "2类",
            "二级",
        ),
        _c(
            "3",
            "3",
            "三类",
            "class 3",
            "三类点",
            "三类点位",
            "三类视频监控点",
            "Ⅲ类",
            "III类",
            "3类",
            "三级",
        ),
    ],
)

FUNCTION_TYPE = Vocabulary(
    "摄像机功能类型",
    "function type",
    [
        _c("vehicle_checkpoint", "1", "车辆卡口", "vehicle checkpoint", "卡口", "车卡"),
        _c("person_checkpoint", "2", "人员卡口", "person checkpoint", "人卡", "人脸卡口"),
        _c("micro_checkpoint", "3", "微卡口", "micro checkpoint"),
        _c(
            "feature_capture",
            "4",
            "特征采集",
            "feature capture",
            "人脸抓拍",
            "人脸采集",
            "face capture",
        ),
        _c(
            "general",
            "5",
            "普通监控",
            "general surveillance",
            "普通",
            "全景",
            "治安监控",
            "panoramic",
        ),
        _c("high_lookout", "6", "高空瞭望", "high lookout", "高点", "高空"),
        _c("other", "99", "其他", "other", "其它"),
    ],
    multi=True,
)

CAMERA_TYPE = Vocabulary(
    "摄像机类型",
    "camera type",
    [
        _c("dome", "1", "球机", "dome", "球型", "球型摄像机", "PTZ", "高速球"),
        _c("half_dome", "2", "半球", "half dome", "半球机", "半球型"),
        _c("fixed_bullet", "3", "固定枪机", "fixed bullet", "枪机", "固定枪", "bullet"),
        _c("ptz_bullet", "4", "遥控枪机", "remote bullet", "遥控枪"),
        _c("checkpoint_bullet", "5", "卡口枪机", "checkpoint bullet", "卡口枪"),
        _c("unknown", "99", "未知", "unknown", "其他", "其它"),
    ],
)

FILL_LIGHT = Vocabulary(
    "补光属性",
    "fill light",
    [
        _c("none", "1", "无补光", "none", "无"),
        _c("infrared", "2", "红外补光", "infrared", "红外", "IR"),
        _c("white", "3", "白光补光", "white light", "白光"),
        _c("laser", "4", "激光补光", "laser", "激光"),
        _c("other", "9", "其他", "other", "其它", "混合补光", "智能补光"),
    ],
)

DIRECTION = Vocabulary(
    "监视方位",
    "direction",
    [
        _c("east", "1", "东", "east", "东向", "西向东", "朝东", "E"),
        _c("west", "2", "西", "west", "西向", "东向西", "朝西", "W"),
        _c("south", "3", "南", "south", "南向", "北向南", "朝南", "S"),
        _c("north", "4", "北", "north", "北向", "南向北", "朝北", "N"),
        _c("southeast", "5", "东南", "southeast", "东南向", "西北向东南", "SE"),
        _c("northeast", "6", "东北", "northeast", "东北向", "西南向东北", "NE"),
        _c("southwest", "7", "西南", "southwest", "西南向", "东北向西南", "SW"),
        _c("northwest", "8", "西北", "northwest", "西北向", "东南向西北", "NW"),
    ],
)

POSITION_TYPE = Vocabulary(
    "摄像机位置类型",
    "position type",
    [
        _c("provincial_checkpoint", "1", "省际检查站", "provincial checkpoint"),
        _c("government", "2", "党政机关", "government offices"),
        _c("station_port", "3", "车站码头", "station or port", "车站", "码头"),
        _c("central_square", "4", "中心广场", "central square", "广场"),
        _c("stadium", "5", "体育场馆", "stadium"),
        _c("commercial", "6", "商业中心", "commercial centre", "商圈"),
        _c("religious", "7", "宗教场所", "religious site"),
        _c("campus", "8", "校园周边", "around a school", "校园"),
        _c("public_order", "9", "治安复杂区域", "complex public-order area"),
        _c("traffic_artery", "10", "交通干线", "traffic artery"),
        _c("hospital", "11", "医院周边", "around a hospital", "医院"),
        _c("financial", "12", "金融机构周边", "around a bank", "金融机构"),
        _c("hazardous", "13", "危险物品场所周边", "around hazardous goods"),
        _c("museum", "14", "博物馆展览馆", "museum or exhibition hall", "博物馆", "展览馆"),
        _c("waterway", "15", "重点水域、航道", "key waterway", "重点水域", "航道"),
        _c("city_checkpoint", "96", "市际公安检查站", "inter-city checkpoint"),
        _c("foreign_affairs", "97", "涉外场所", "foreign-affairs site"),
        _c("border", "98", "边境沿线", "border"),
        _c("scenic", "99", "旅游景区", "scenic area", "景区"),
    ],
    multi=True,
)

NETWORKED = Vocabulary(
    "联网属性",
    "networked",
    [
        _c("yes", "0", "已联网", "networked", "联网", "是"),
        _c("no", "1", "未联网", "not networked", "不联网", "否"),
    ],
)

NETWORK = Vocabulary(
    "所属网络",
    "network",
    [
        _c(
            "video_private",
            "",
            "视频专网",
            "video private network",
            "公安视频专网",
            "视频传输网",
            "监控专网",
        ),
        _c("police", "", "公安信息网", "police information network", "公安网", "信息网"),
        _c("government", "", "政务网", "government network", "电子政务外网", "政务外网"),
        _c("internet", "", "互联网", "internet", "公网"),
        _c("social", "", "社会资源接入网", "social resource network", "社会资源网"),
    ],
)

STATUS = Vocabulary(
    "设备状态",
    "status",
    [
        _c("in_use", "1", "在用", "in use", "正常", "使用中", "启用"),
        _c("repair", "2", "维修", "under repair", "报修", "故障", "维修中"),
        _c("stopped", "3", "停用", "stopped", "报停", "暂停"),
        _c("removed", "4", "拆除", "removed", "已拆除", "报废"),
    ],
)


def render_class(value: int, lang: str = "zh") -> str:
    """The camera class as exports write it: 一类 / 1."""
    return CAMERA_CLASS.label(str(value), lang) if lang != "en" else str(value)
