"""GB/T 28181 device codes: 20 digits that say where a device is and what it is.

Digits 1-8 administrative area (province, city, district, grassroots unit), 9-10 industry,
11-13 device type (131 camera, 132 IP camera, 111 DVR, 118 NVR, 200 platform ...), 14
network marking, 15-20 serial number.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from vmon.registry.errors import FieldError
from vmon.registry.values import Cell, cell_text

__all__ = [
    "CAMERA_TYPES",
    "DEVICE_KINDS",
    "PROVINCES",
    "GbCode",
    "area_prefix",
    "check_camera_code",
    "check_device_code",
    "code_in_area",
    "parse_area_code",
    "parse_gb_code",
]

_PROVINCE_LIST = "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
PROVINCES = frozenset((_PROVINCE_LIST + "61 62 63 64 65 71 81 82").split())
CAMERA_TYPES = frozenset({"131", "132"})
# Upstream device type codes and the kind of device vmon records for each.
DEVICE_KINDS: dict[str, str] = {
    "111": "dvr",
    "112": "encoder",
    "113": "encoder",
    "118": "nvr",
    **{str(code): "platform" for code in range(200, 211)},
}
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?e\+?\d+$", re.IGNORECASE)
_AREA_LENGTHS = frozenset({2, 4, 6, 8, 9, 12})


@dataclass(frozen=True)
class GbCode:
    """A 20-digit code split into its parts."""

    code: str

    @property
    def area(self) -> str:
        """Digits 1-8: the administrative area."""
        return self.code[:8]

    @property
    def industry(self) -> str:
        """Digits 9-10: the industry."""
        return self.code[8:10]

    @property
    def type(self) -> str:
        """Digits 11-13: the device type."""
        return self.code[10:13]

    @property
    def network(self) -> str:
        """Digit 14: the network (0-4 video private, 5 police, 6 government, 7 internet)."""
        return self.code[13]

    @property
    def serial(self) -> str:
        """Digits 15-20: the serial number."""
        return self.code[14:]


def parse_gb_code(cell: Cell) -> GbCode:
    """A structurally valid 20-digit code (digits, length, province)."""
    if isinstance(cell, float):
        raise FieldError("gb_code.numeric_cell")
    text = unicodedata.normalize("NFKC", cell_text(cell)).strip().lstrip("'")
    text = re.sub(r"[\s\-]", "", text)
    if _SCIENTIFIC.match(text):
        raise FieldError("gb_code.numeric_cell")
    if not text.isdigit():
        raise FieldError("gb_code.digits")
    if len(text) != 20:
        raise FieldError("gb_code.length", length=len(text))
    if text[:2] not in PROVINCES:
        raise FieldError("gb_code.province", province=text[:2])
    return GbCode(text)


def check_camera_code(cell: Cell, types: frozenset[str] = CAMERA_TYPES) -> str:
    """A camera's code: valid and with a camera device type."""
    code = parse_gb_code(cell)
    if code.type not in types:
        raise FieldError("gb_code.camera_type", type=code.type, allowed="/".join(sorted(types)))
    return code.code


def check_device_code(cell: Cell) -> tuple[str, str]:
    """An upstream device's code and kind: valid and an NVR/DVR/encoder/platform type."""
    code = parse_gb_code(cell)
    kind = DEVICE_KINDS.get(code.type)
    if kind is None:
        raise FieldError("gb_code.device_type", type=code.type, allowed="111/112/113/118/200-210")
    return code.code, kind


def area_prefix(area_code: str) -> str:
    """The significant prefix of an area code: trailing `00` pairs dropped (320100 -> 3201)."""
    prefix = area_code
    while len(prefix) > 2 and prefix.endswith("00"):
        prefix = prefix[:-2]
    return prefix


def code_in_area(code: str, area_code: str) -> bool:
    """True when a device code lies inside an administrative area."""
    return code.startswith(area_prefix(area_code)[:8])


def parse_area_code(cell: Cell) -> str:
    """An administrative area code of 2-12 digits (6 is the county level, e.g. 320116)."""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    text = unicodedata.normalize("NFKC", cell_text(cell)).strip().lstrip("'")
    if not text.isdigit() or len(text) not in _AREA_LENGTHS or text[:2] not in PROVINCES:
        raise FieldError("area_code.invalid")
    return text
