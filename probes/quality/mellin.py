"""How far a view rolled and zoomed, in one step: the Fourier-Mellin estimate.

The magnitude of a picture's spectrum does not depend on where its content sits; it turns
as the view rolls and shrinks as the view is magnified. Resampled on log-polar axes (rows:
directions over half a turn, since a real picture's spectrum is symmetric; columns: the
logarithm of the spatial frequency), a roll and a zoom become a plain shift, which phase
correlation finds whatever its size. The thumbnail is 64x36: the frequency grid is denser
across than down, and the sampling map accounts for it, so no padding is needed.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np

from probes.quality.phase import shifts, spectrum
from probes.quality.work import THUMB_SIZE, Array

__all__ = ["log_polar", "turn_and_zoom"]

_TURNS, _RADII = 64, 40  # angle bins over half a turn, log-frequency bins
_LOWEST, _HIGHEST = 0.04, 0.5  # cycles per pixel sampled (the high-pass keeps little below)
_MAX_ZOOM = 2.5  # zooms considered: within 1 / this and this
_MAX_ROLL = 45.0  # rolls considered, degrees either way (a camera knocked askew, not upturned)
_PEAKS = 3  # correlation peaks considered


def log_polar(highpass: Array, window: Array) -> Array:
    """The log magnitude spectrum of a high-passed, `window`ed thumbnail on log-polar axes,
    transformed for phase correlation."""
    dft = cv2.dft(highpass * window, flags=cv2.DFT_COMPLEX_OUTPUT)
    magnitude = cv2.magnitude(dft[..., 0], dft[..., 1])
    magnitude = np.fft.fftshift(cv2.log(magnitude + np.float32(1.0)))
    map_x, map_y = _sampling()
    polar = cv2.remap(magnitude, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return spectrum(polar, _ones())


def turn_and_zoom(reference: Array, current: Array, count: int = 1) -> list[tuple[float, float]]:
    """(zoom, roll in degrees) that turn the reference's view into the current one, from
    their `log_polar` spectra: a roll shifts the rows, a zoom the columns (the other way:
    a magnified view has a smaller spectrum). The highest correlation peak that is a
    plausible roll (within `_MAX_ROLL`) and zoom (within `_MAX_ZOOM`) wins: a grid of bricks
    or tiles looks much the same turned by a quarter turn. The `count` highest plausible
    peaks, highest first (fewer when fewer are plausible)."""
    found = []
    for dr, da, _ in shifts(reference, current, _PEAKS):
        angle = (-da * 180.0 / _TURNS + 90.0) % 180.0 - 90.0
        zoom = float(np.exp(-dr * _log_step()))
        if abs(angle) <= _MAX_ROLL and 1 / _MAX_ZOOM <= zoom <= _MAX_ZOOM:
            found.append((zoom, float(angle)))
    return found[:count]


def _log_step() -> float:
    return float(np.log(_HIGHEST / _LOWEST)) / (_RADII - 1)


@functools.cache
def _sampling() -> tuple[Array, Array]:
    """Where each log-polar bin samples the DFT, its zero frequency shifted to the middle."""
    w, h = THUMB_SIZE
    theta = np.arange(_TURNS, dtype=np.float64)[:, None] * np.pi / _TURNS
    freq = _LOWEST * np.exp(np.arange(_RADII, dtype=np.float64)[None, :] * _log_step())
    map_x = (freq * np.cos(theta) * w + w // 2).astype(np.float32)
    map_y = (freq * np.sin(theta) * h + h // 2).astype(np.float32)
    return map_x, map_y


@functools.cache
def _ones() -> Array:
    return np.ones((_TURNS, _RADII), np.float32)
