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


def _median(values: NDArray[np.float32]) -> float:
    k = len(values) // 2
    return float(np.partition(values, k)[k])


def purple(a: float, b: float) -> float:
    """The part of a chroma shift (`a`, `b`) along the pink/purple of infrared light; 0 when
    the shift's hue is far from it (between -80 and +20 degrees counts)."""
    hue = math.degrees(math.atan2(b, a))
    if not -80.0 <= hue <= 20.0:
        return 0.0
    return a * math.cos(_PURPLE) + b * math.sin(_PURPLE)


def chroma(work: Work) -> Chroma:
    """The colour statistics of `work` (computed once per frame)."""
    return work.memo("chroma", lambda: _chroma(work))


def _chroma(work: Work) -> Chroma:
    lab = cv2.cvtColor(work.small, cv2.COLOR_BGR2Lab).reshape(-1, 3)
    valid = (lab[:, 0] > 25) & (lab[:, 0] < 245)
    if np.count_nonzero(valid) < _MIN_VALID:
        return Chroma(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    ab = lab[valid, 1:].astype(np.float32) - 128.0
    # medians: a cast moves every colour, a passing red bus only its own pixels
    mean_a, mean_b = _median(ab[:, 0]), _median(ab[:, 1])
    spread = math.hypot(
        float(np.abs(ab[:, 0] - mean_a).mean()), float(np.abs(ab[:, 1] - mean_b).mean())
    )
    offset = math.hypot(mean_a, mean_b)
    sat = np.hypot(ab[:, 0], ab[:, 1])
    return Chroma(
        a=mean_a,
        b=mean_b,
        offset=offset,
        ratio=offset / max(spread, 1.0),
        purple=purple(mean_a, mean_b),
        saturation=float(sat.mean()),
        saturation_p95=float(np.percentile(sat, 95)),
    )
