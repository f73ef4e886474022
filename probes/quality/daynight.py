"""Day or night: from the sun's elevation at the camera, else from the picture itself.

Night begins when the sun is more than 6 degrees below the horizon (the end of civil
twilight): by then street lights are on and day/night cameras have switched to infrared.
Between sunset and that point the sky still lights the scene, so day thresholds apply.
Without coordinates (or a time), a grayscale picture is taken for an infrared night picture:
cameras in IR mode send no colour at all, while even a dull day scene keeps some. But a
dark picture without grain is a day picture short of light (an iris or shutter stuck, a
dirty dome): at night a camera raises its gain, and a dark night picture is grainy.
"""

from __future__ import annotations

from datetime import UTC, datetime

from astral import Observer
from astral.sun import elevation

from probes.quality.colour import chroma
from probes.quality.levels import levels
from probes.quality.noise import noise_sigma
from probes.quality.work import Work

__all__ = ["NIGHT_ELEVATION", "day_or_night", "is_grayscale", "is_underexposed", "sun_elevation"]

NIGHT_ELEVATION = -6.0  # degrees: civil twilight
_GRAY_SATURATION = 1.5  # mean chroma (Lab units) below which a picture has no colour
_GRAY_SATURATION_P95 = 4.0
_DARK_MEAN = 35.0  # gray level under which a picture is dark (see `DarkLimits.mean_max`)
_CLEAN_NOISE = 0.8  # noise sigma (levels) under which a dark picture was taken at low gain


def sun_elevation(lat: float, lon: float, when: datetime) -> float:
    """The sun's elevation in degrees at (`lat`, `lon`) and `when` (naive means UTC)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return float(elevation(Observer(latitude=lat, longitude=lon), when))


def is_grayscale(work: Work) -> bool:
    """True for a picture without colour, as cameras send in infrared mode."""
    c = chroma(work)
    return c.saturation < _GRAY_SATURATION and c.saturation_p95 < _GRAY_SATURATION_P95


def is_underexposed(work: Work) -> bool:
    """True for a dark picture without grain: short of light at a day-time gain."""
    return levels(work).mean < _DARK_MEAN and noise_sigma(work) < _CLEAN_NOISE


def day_or_night(
    work: Work | None,
    *,
    lat: float | None = None,
    lon: float | None = None,
    when: datetime | None = None,
) -> str:
    """ "day" or "night": by the sun when `lat`, `lon` and `when` are all given, else by
    whether the picture is grayscale and not merely underexposed (and "day" when there is
    no picture either)."""
    if lat is not None and lon is not None and when is not None:
        return "night" if sun_elevation(lat, lon, when) < NIGHT_ELEVATION else "day"
    if work is not None and is_grayscale(work) and not is_underexposed(work):
        return "night"
    return "day"
