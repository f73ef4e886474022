"""Phase correlation with its spectra kept: the shift between two pictures of the same size.

`cv2.phaseCorrelate` transforms both pictures on every call and reports only its highest
peak. The motion estimate compares one frame with several warped copies of one reference:
here each picture is transformed once (`spectrum`), and `shifts` reports the few highest
peaks, since the highest is not always the true shift (a repeated pattern, a fixed on-screen
clock, a lamp's glow that stays in place each add peaks of their own).
"""

from __future__ import annotations

import cv2
import numpy as np

from probes.quality.work import Array

__all__ = ["Shift", "shifts", "spectrum"]

Shift = tuple[float, float, float]  # dx, dy (pixels, of the second picture against the first), peak


def spectrum(picture: Array, window: Array) -> Array:
    """The windowed picture's Fourier transform (OpenCV's packed layout for real pictures,
    half the work of a complex one)."""
    return cv2.dft(picture * window)


def shifts(first: Array, second: Array, count: int = 1) -> list[Shift]:
    """The `count` highest peaks of the phase correlation of two `spectrum`s, highest first:
    where the second picture's content sits against the first's, to a fraction of a pixel."""
    cross = cv2.mulSpectrums(second, first, 0, conjB=True)
    # |cross| in the same packed layout: cross x conj(cross) is real, its root the magnitude
    magnitude = np.sqrt(np.abs(cv2.mulSpectrums(cross, cross, 0, conjB=True)))
    cross = cv2.divSpectrums(cross, magnitude + np.float32(1e-9), 0)
    surface = cv2.idft(cross, flags=cv2.DFT_REAL_OUTPUT | cv2.DFT_SCALE)
    padded = cv2.copyMakeBorder(surface, 2, 2, 2, 2, cv2.BORDER_WRAP)
    found: list[Shift] = []
    for _ in range(count):
        _, peak, _, (x, y) = cv2.minMaxLoc(surface)
        found.append(_refined(padded, x, y, peak))
        if len(found) < count:
            _blank(surface, x, y)
    return found


def _blank(surface: Array, x: int, y: int) -> None:
    """Lower the 5x5 neighbourhood of a peak found, so the next search finds another."""
    h, w = surface.shape
    if 2 <= y < h - 2 and 2 <= x < w - 2:
        surface[y - 2 : y + 3, x - 2 : x + 3] = -1.0
        return
    rows, cols = [(y + k) % h for k in range(-2, 3)], [(x + k) % w for k in range(-2, 3)]
    surface[np.ix_(rows, cols)] = -1.0


def _refined(padded: Array, x: int, y: int, peak: float) -> Shift:
    """The peak at (x, y) refined to the centroid of its 5x5 neighbourhood (`padded` is the
    surface wrapped by two pixels on each side), as a signed shift. A broad peak (a view
    with little fine detail, a zoom slightly off) needs the wider neighbourhood."""
    h, w = padded.shape[0] - 4, padded.shape[1] - 4
    patch = padded[y : y + 5, x : x + 5]
    total = float(patch.sum())
    fx, fy = float(x), float(y)
    if total > 0:
        fx += float(patch.sum(axis=0) @ _OFFSETS) / total
        fy += float(patch.sum(axis=1) @ _OFFSETS) / total
    dx = fx - w if fx > w / 2 else fx
    dy = fy - h if fy > h / 2 else fy
    return dx, dy, float(peak)


_OFFSETS = np.arange(-2.0, 3.0, dtype=np.float32)
