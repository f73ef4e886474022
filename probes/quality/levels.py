"""Brightness statistics of a frame and its uniformity (blank screens)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from probes.quality.work import Work

__all__ = ["Levels", "levels", "uniformity"]

_GRAY = np.arange(256, dtype=np.float64)


@dataclass(frozen=True)
class Levels:
    """Gray-level statistics (0-255) of the working picture.

    `bright` is the fraction of pixels at 235 or more, `dark` at 16 or less.
    """

    mean: float
    p2: float
    p5: float
    p50: float
    p95: float
    p98: float
    bright: float
    dark: float

    @property
    def contrast(self) -> float:
        """Michelson-like contrast of the 2nd and 98th percentiles, 0 (flat) to 1."""
        return (self.p98 - self.p2) / max(self.p98 + self.p2, 1.0)


def levels(work: Work) -> Levels:
    """The gray-level statistics of `work` (computed once per frame)."""
    return work.memo("levels", lambda: _levels(work))


def _levels(work: Work) -> Levels:
    counts = cv2.calcHist([work.gray], [0], None, [256], [0, 256]).ravel()
    total = float(work.gray.size)
    cum = np.cumsum(counts)
    pct = np.searchsorted(cum, np.array([0.02, 0.05, 0.5, 0.95, 0.98]) * total)
    return Levels(
        mean=float(counts.astype(np.float64) @ _GRAY) / total,  # the histogram's integer sum
        p2=float(pct[0]),
        p5=float(pct[1]),
        p50=float(pct[2]),
        p95=float(pct[3]),
        p98=float(pct[4]),
        bright=1.0 - float(cum[234]) / total,
        dark=float(cum[16]) / total,
    )


def uniformity(work: Work) -> float:
    """Fraction (0-1) of the picture within a few levels of its median colour.

    The tolerance is 4 levels, or 4 % of the median's brightest channel if more: a blank
    screen (black, blue, a solid colour, "NO VIDEO" text) scores 0.95-1.0 even with the
    on-screen clock, while a very dark scene still shows more variation than that.
    """

    def compute() -> float:
        small = work.small
        pixels = small[::2, ::2].reshape(-1, 3)  # every fourth pixel: plenty for a median
        k = len(pixels) // 2
        median = np.partition(pixels, k, axis=0)[k].astype(float).tolist()
        tolerance = max(4.0, 0.04 * max(median))
        lo = tuple(math.ceil(round(m) - tolerance) for m in median)
        hi = tuple(math.floor(round(m) + tolerance) for m in median)
        near = cv2.inRange(small, lo, hi)
        return float(cv2.countNonZero(near)) / near.size

    return work.memo("uniformity", compute)
