"""Brightness statistics of a frame and its uniformity (blank screens)."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from probes.quality.work import Array, Work

__all__ = ["Levels", "levels", "uniformity"]


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
    hist = counts.astype(np.float64) / max(float(counts.sum()), 1.0)
    cum = np.cumsum(hist)
    pct = np.searchsorted(cum, [0.02, 0.05, 0.5, 0.95, 0.98]).astype(float)
    return Levels(
        mean=float(np.dot(hist, np.arange(256))),
        p2=pct[0],
        p5=pct[1],
        p50=pct[2],
        p95=pct[3],
        p98=pct[4],
        bright=float(hist[235:].sum()),
        dark=float(hist[:17].sum()),
    )


def _median(channel: Array) -> float:
    counts = cv2.calcHist([channel], [0], None, [256], [0, 256]).ravel()
    return float(np.searchsorted(np.cumsum(counts), counts.sum() / 2.0))


def uniformity(work: Work) -> float:
    """Fraction (0-1) of the picture within a few levels of its median colour.

    The tolerance is 4 levels, or 4 % of the median's brightest channel if more: a blank
    screen (black, blue, a solid colour, "NO VIDEO" text) scores 0.95-1.0 even with the
    on-screen clock, while a very dark scene still shows more variation than that.
    """

    def compute() -> float:
        small = work.small
        median = [_median(small[:, :, c]) for c in range(3)]
        tolerance = max(4.0, 0.04 * max(median))
        near = np.ones(small.shape[:2], bool)
        for c, m in enumerate(median):
            near &= np.abs(small[:, :, c].astype(np.int16) - round(m)) <= tolerance
        return float(np.count_nonzero(near)) / near.size

    return work.memo("uniformity", compute)
