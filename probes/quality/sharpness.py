"""Sharpness: how steep the picture's strongest edges are, whatever their contrast.

The gray picture is first smoothed a little (sigma 1 px) so sensor noise does not pass for
detail. For each edge pixel (a local maximum of the gradient with enough local contrast),
the gradient is divided by the local range (max - min in a 9x9 window): about 0.3 for a
crisp step, 1/w for an edge blurred over w pixels. The score is twice the 75th percentile
of that ratio, taken per edge orientation and then the lowest orientation, so a motion blur
(which softens edges across the motion only) is caught as well as a defocus; the
percentile leaves out the few crisp edges the on-screen clock keeps on a blurred picture.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from probes.quality.work import Array, Work

__all__ = ["CELL_GRID", "Sharpness", "crisp_cells", "gradient", "sharpness", "texture_cells"]

CELL_GRID = (16, 9)  # columns, rows of the texture grid compared with the baseline
_SMOOTH = 1.0
# local contrast (levels) an edge needs to count: far above sensor noise. An integer: the
# local range is 8-bit, and numpy compares 8-bit pixels with a float in float64 (10x slower)
_MIN_RANGE = 20
_MIN_EDGES = 40  # edge pixels an orientation needs before it is judged
_RANGE_KERNEL = np.ones((9, 9), np.uint8)
_PERCENTILE = 75
_CRISP = 0.2  # steepness ratio of an edge in focus (a blurred edge is 0.1-0.15)
_KERNEL3 = np.ones((3, 3), np.uint8)
_GAUSS = cv2.getGaussianKernel(5, _SMOOTH, cv2.CV_32F)


@dataclass(frozen=True)
class Sharpness:
    """`score`: 0 (no sharp edge) to about 0.7 (crisp steps; 0.5-0.65 for a healthy camera);
    `overall`: all orientations pooled; `edges`: fraction of pixels that are usable edges."""

    score: float
    overall: float
    edges: float


def gradient(work: Work) -> tuple[Array, Array, Array]:
    """(gx, gy, magnitude) of the gray working picture smoothed by `_SMOOTH`, in levels
    per pixel; shared by the sharpness, noise and texture measures."""

    def compute() -> tuple[Array, Array, Array]:
        # straight from the 8-bit picture to float (one pass, no float copy of it first)
        smooth = cv2.sepFilter2D(work.gray, cv2.CV_32F, _GAUSS, _GAUSS)
        gx = cv2.Sobel(smooth, cv2.CV_32F, 1, 0, ksize=3, scale=0.125)
        gy = cv2.Sobel(smooth, cv2.CV_32F, 0, 1, ksize=3, scale=0.125)
        work.memo("smooth", lambda: smooth)
        return gx, gy, cv2.magnitude(gx, gy)

    return work.memo("gradient", compute)


def sharpness(work: Work) -> Sharpness:
    """The edge-steepness measure of `work` (computed once per frame)."""
    return work.memo("sharpness", lambda: _sharpness(work))


def _edges(work: Work) -> tuple[Array, Array, Array, Array]:
    """Edge pixels of the smoothed picture: (rows, columns, steepness ratio, angle)."""

    def compute() -> tuple[Array, Array, Array, Array]:
        gx, gy, mag = gradient(work)
        gray = cv2.convertScaleAbs(work.memo("smooth", lambda: work.grayf))
        local = cv2.subtract(cv2.dilate(gray, _RANGE_KERNEL), cv2.erode(gray, _RANGE_KERNEL))
        peak = mag >= cv2.dilate(mag, _KERNEL3)
        # flat indices: numpy's 2-D nonzero is many times slower on a sparse mask
        ys, xs = np.divmod(np.flatnonzero(peak & (local >= _MIN_RANGE)), mag.shape[1])
        ratio = mag[ys, xs] / local[ys, xs].astype(np.float32)
        angle = np.degrees(np.arctan2(gy[ys, xs], gx[ys, xs])) % 180.0
        return ys, xs, ratio, angle

    return work.memo("edges", compute)


def _sharpness(work: Work) -> Sharpness:
    ys, _, ratio, angle = _edges(work)
    edges = len(ys) / work.gray.size
    if len(ys) < _MIN_EDGES:
        return Sharpness(0.0, 0.0, edges)
    per_orientation = []
    bins = ((angle + 22.5) // 45.0).astype(np.int32) % 4  # 0, 45, 90, 135 degrees
    for b in range(4):
        values = ratio[bins == b]
        if len(values) >= _MIN_EDGES:
            per_orientation.append(_quantile(values, _PERCENTILE / 100.0))
    overall = 2.0 * _quantile(ratio, _PERCENTILE / 100.0)
    score = 2.0 * min(per_orientation) if per_orientation else overall
    return Sharpness(score, overall, edges)


def _quantile(values: Array, q: float) -> float:
    """The `q` quantile (lower value), without `np.percentile`'s overhead."""
    k = min(int(q * len(values)), len(values) - 1)
    return float(np.partition(values, k)[k])


def crisp_cells(work: Work) -> Array:
    """Per cell of `CELL_GRID`: the share of its pixels that are crisp edges (steepness ratio
    0.2 or more), float32 rows x columns. A lens-near object (cloth, hand, paint) has none."""

    def compute() -> Array:
        ys, xs, ratio, _ = _edges(work)
        h, w = work.gray.shape
        cols, rows = CELL_GRID
        crisp = ratio >= _CRISP
        index = (ys[crisp] * rows // h) * cols + xs[crisp] * cols // w
        counts = np.bincount(index, minlength=rows * cols).astype(np.float32)
        return counts.reshape(rows, cols) * (rows * cols / float(h * w))

    return work.memo("crisp_cells", compute)


def texture_cells(work: Work) -> Array:
    """Mean gradient magnitude per cell of `CELL_GRID` (float32, rows x columns)."""

    def compute() -> Array:
        mag = gradient(work)[2]
        return cv2.resize(mag, CELL_GRID, interpolation=cv2.INTER_AREA)

    return work.memo("texture_cells", compute)
