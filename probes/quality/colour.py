"""Colour statistics: casts, infrared pictures and the IR-cut filter.

Chroma is read in CIE Lab (OpenCV's 8-bit scaling, so a and b are roughly Lab units) over
the small copy of the frame, ignoring pixels too dark or too bright to carry colour.

- The cast (`offset`) is the distance of the median chroma from neutral gray, and `ratio` is
  that distance over the chroma spread (the "equivalent circle" test of colour-cast
  detection): a cast moves the whole picture's colours, a colourful scene spreads them.
- `purple` is the part of the mean chroma along the pink/purple direction that infrared
  light gives a colour sensor when the IR-cut filter stays open by day.
- `saturation` (mean chroma) is about 0 for the grayscale pictures cameras give in IR mode.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from probes.quality.work import Work

__all__ = ["Chroma", "chroma", "purple"]

_PURPLE = math.radians(-30.0)  # direction of infrared contamination in the a-b plane
_MIN_VALID = 64  # coloured pixels needed; fewer and the statistics are all zero


@dataclass(frozen=True)
class Chroma:
    """Median chroma (`a`, `b`), its distance from gray (`offset`), cast `ratio`, `purple`
    component, mean `saturation` and its 95th percentile (`saturation_p95`), Lab units."""

    a: float
    b: float
    offset: float
    ratio: float
    purple: float
    saturation: float
    saturation_p95: float

    @property
    def hue(self) -> float:
        """Angle of the mean chroma in degrees (0 = red-magenta +a, 90 = yellow +b)."""
        return math.degrees(math.atan2(self.b, self.a))


def _hist_median(hist: NDArray[Any], count: int) -> int:
    """The lower median (the value of rank `count` // 2) of a histogram's samples."""
    return int(np.searchsorted(np.cumsum(hist), count // 2, side="right"))


def _hist_quantile(hist: NDArray[Any], q: float, step: float) -> float:
    """The `q` quantile of samples binned `step` wide from 0, to the bin's middle."""
    cum = np.cumsum(hist)
    return (int(np.searchsorted(cum, q * float(cum[-1]))) + 0.5) * step


def purple(a: float, b: float) -> float:
    """The part of a chroma shift (`a`, `b`) along the pink/purple of infrared light; 0 when
    the shift's hue is far from it (between -90 and +45 degrees counts: infrared adds red
    and blue over green, +a, while washing out the scene's own colours moves b either way)."""
    hue = math.degrees(math.atan2(b, a))
    if not -90.0 <= hue <= 45.0:
        return 0.0
    return a * math.cos(_PURPLE) + b * math.sin(_PURPLE)


def chroma(work: Work) -> Chroma:
    """The colour statistics of `work` (computed once per frame)."""
    return work.memo("chroma", lambda: _chroma(work))


_SAT_STEP = 0.5  # Lab units per bin of the saturation histogram
_SAT_BINS = 400
_LEVELS = np.arange(256, dtype=np.float64) - 128.0


def _chroma(work: Work) -> Chroma:
    # histograms over the pixels that carry colour: OpenCV's a and b are 8-bit, so the
    # medians and spreads are exact, and no per-pixel array is made in numpy
    lab = cv2.cvtColor(work.small, cv2.COLOR_BGR2Lab)
    light, a, b = cv2.split(lab)
    valid = cv2.inRange(light, 26, 244)
    count = cv2.countNonZero(valid)
    if count < _MIN_VALID:
        return Chroma(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    ha = cv2.calcHist([a], [0], valid, [256], [0, 256]).ravel()
    hb = cv2.calcHist([b], [0], valid, [256], [0, 256]).ravel()
    # medians: a cast moves every colour, a passing red bus only its own pixels
    mean_a, mean_b = _hist_median(ha, count) - 128.0, _hist_median(hb, count) - 128.0
    spread = math.hypot(
        float(ha @ np.abs(_LEVELS - mean_a)) / count, float(hb @ np.abs(_LEVELS - mean_b)) / count
    )
    offset = math.hypot(mean_a, mean_b)
    sat = cv2.magnitude(a.astype(np.float32) - 128.0, b.astype(np.float32) - 128.0)
    hist = cv2.calcHist([sat], [0], valid, [_SAT_BINS], [0, _SAT_BINS * _SAT_STEP]).ravel()
    return Chroma(
        a=mean_a,
        b=mean_b,
        offset=offset,
        ratio=offset / max(spread, 1.0),
        purple=purple(mean_a, mean_b),
        saturation=float(cv2.mean(sat, valid)[0]),
        saturation_p95=_hist_quantile(hist, 0.95, _SAT_STEP),
    )
