"""Camera positions: WGS-84 longitude and latitude, in decimal degrees or written as DMS text.

Sheets hold `118.8034`, `118°48'12.2"E`, `东经118度48分12.2秒`, `N32:03:36` and the like;
all become decimal degrees rounded to 1e-7 (about 1 cm), so a re-import is stable.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from vmon.registry.errors import FieldError
from vmon.registry.values import Cell, cell_text

__all__ = ["RegionBox", "check_axis", "check_position", "parse_coordinate"]

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_DMS_CHARS = re.compile(r"[\d.\s°度:'′分\"″秒]+")
_NEGATIVE = ("S", "W", "南纬", "西经")
_HEMISPHERES = ("东经", "西经", "北纬", "南纬", "E", "W", "N", "S")
_AXES = {"lon": ("经度", "longitude", 180.0), "lat": ("纬度", "latitude", 90.0)}


@dataclass(frozen=True)
class RegionBox:
    """A lon/lat rectangle the cameras of this deployment must lie in."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    @classmethod
    def of(
        cls, value: RegionBox | Sequence[float] | Mapping[str, float] | None
    ) -> RegionBox | None:
        """A box from a box, a `(min_lon, min_lat, max_lon, max_lat)` tuple or a mapping."""
        if value is None or isinstance(value, RegionBox):
            return value
        if isinstance(value, Mapping):
            return cls(value["min_lon"], value["min_lat"], value["max_lon"], value["max_lat"])
        min_lon, min_lat, max_lon, max_lat = (float(v) for v in value)
        return cls(min_lon, min_lat, max_lon, max_lat)

    def contains(self, lon: float, lat: float) -> bool:
        """True when the point lies inside the box (edges included)."""
        return self.min_lon <= lon <= self.max_lon and self.min_lat <= lat <= self.max_lat


def parse_coordinate(cell: Cell) -> float:
    """Decimal degrees from a number, decimal text or degrees-minutes-seconds text."""
    if isinstance(cell, bool):
        raise FieldError("coord.format")
    if isinstance(cell, int | float):
        return round(float(cell), 7)
    text = unicodedata.normalize("NFKC", cell_text(cell)).replace("''", '"').upper().strip()
    sign, text = _strip_hemisphere(text)
    if text.startswith("-"):
        sign, text = -sign, text[1:]
    parts = [float(number) for number in _NUMBER.findall(text)]
    if not _DMS_CHARS.fullmatch(text) or not 1 <= len(parts) <= 3:
        raise FieldError("coord.format")
    degrees, minutes, seconds = [*parts, 0.0, 0.0][:3]
    if minutes >= 60 or seconds >= 60 or (len(parts) > 1 and not degrees.is_integer()):
        raise FieldError("coord.format")
    return round(sign * (degrees + minutes / 60 + seconds / 3600), 7)


def _strip_hemisphere(text: str) -> tuple[float, str]:
    for marker in _HEMISPHERES:
        if text.startswith(marker):
            return (-1.0 if marker in _NEGATIVE else 1.0), text.removeprefix(marker).strip()
        if text.endswith(marker):
            return (-1.0 if marker in _NEGATIVE else 1.0), text.removesuffix(marker).strip()
    return 1.0, text


def check_axis(value: float, axis: str) -> float:
    """The value when it is a possible longitude (`lon`) or latitude (`lat`)."""
    name_zh, name_en, limit = _AXES[axis]
    if not -limit <= value <= limit:
        raise FieldError(
            "coord.range", axis=name_zh, axis_en=name_en, low=f"{-limit:g}", high=f"{limit:g}"
        )
    return value


def check_position(
    lon: float | None, lat: float | None, box: RegionBox | None
) -> list[tuple[str, FieldError]]:
    """Everything wrong with a position, each with the column to blame: `lon`, `lat` or both.

    Swapped columns are recognised before the ranges are checked, so the user reads the
    likely cause rather than "latitude out of range".
    """
    if lon is None or lat is None:
        return (
            []
            if lon is None and lat is None
            else [("lon" if lon is None else "lat", FieldError("coord.pair"))]
        )
    if abs(lat) > 90 and abs(lon) <= 90 and abs(lat) <= 180:
        return [("lon", FieldError("coord.swapped"))]
    problems = []
    for axis, value in (("lon", lon), ("lat", lat)):
        try:
            check_axis(value, axis)
        except FieldError as error:
            problems.append((axis, error))
    if problems:
        return problems
    if lon == 0 and lat == 0:
        return [("lon", FieldError("coord.zero"))]
    if box is not None and not box.contains(lon, lat):
        code = "coord.swapped" if box.contains(lat, lon) else "coord.region"
        return [("lon", FieldError(code, lon=f"{lon:g}", lat=f"{lat:g}"))]
    return []
