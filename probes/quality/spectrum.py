"""Power spectra of real pictures, at the cost of a real DFT.

A real picture's spectrum is symmetric (|F(-f)| = |F(f)|), so half of it says everything.
OpenCV's real DFT packs that half into the picture's own shape ("CCS"): computing it and
unpacking the power is three to four times cheaper than asking for the full complex
spectrum. `half_spectrum` returns the power for the horizontal frequencies 0 to
(width - 1) // 2 and every vertical frequency (rows in DFT order: 0, 1, ..., -1);
`padded` extends it so that it can be read around any frequency.
"""

from __future__ import annotations

import cv2
import numpy as np

from probes.quality.work import Array

__all__ = ["half_spectra", "half_spectrum", "padded"]


def half_spectrum(x: Array) -> Array:
    """|DFT(x)|^2 (power) of a real float32 picture (rows x cols) for horizontal
    frequencies 0 .. (cols - 1) // 2: a rows x ((cols - 1) // 2 + 1) float32 array."""
    rows, cols = x.shape
    packed = cv2.dft(np.ascontiguousarray(x, np.float32))
    k = (cols - 1) // 2
    out = np.empty((rows, k + 1), np.float32)
    # interior columns: (re, im) pairs for fx = 1 .. k, for every row
    re, im = packed[:, 1 : 2 * k : 2], packed[:, 2 : 2 * k + 1 : 2]
    out[:, 1:] = re * re + im * im
    out[:, 0] = _first_column(packed[:, 0])
    return out


def half_spectra(stack: Array) -> Array:
    """`half_spectrum` of each picture of a stack (n x rows x cols, float32), unpacked
    together (one set of array operations for the whole stack)."""
    n, rows, cols = stack.shape
    packed = np.stack([cv2.dft(stack[i]) for i in range(n)])
    k = (cols - 1) // 2
    out = np.empty((n, rows, k + 1), np.float32)
    re, im = packed[:, :, 1 : 2 * k : 2], packed[:, :, 2 : 2 * k + 1 : 2]
    out[:, :, 1:] = re * re + im * im
    first = packed[:, :, 0]  # the fx = 0 column: a 1-D real DFT packed along the rows
    kk = (rows - 1) // 2
    out[:, 0, 0] = first[:, 0] ** 2
    re, im = first[:, 1 : 2 * kk : 2], first[:, 2 : 2 * kk + 1 : 2]
    out[:, 1 : kk + 1, 0] = re * re + im * im
    if rows % 2 == 0:
        out[:, rows // 2, 0] = first[:, rows - 1] ** 2
    out[:, rows - kk :, 0] = out[:, kk:0:-1, 0]
    return out


def _first_column(packed: Array) -> Array:
    """Power of the fx = 0 column, packed along the rows as a 1-D real DFT."""
    rows = len(packed)
    kk = (rows - 1) // 2
    col = np.empty(rows, np.float32)
    col[0] = packed[0] ** 2
    re, im = packed[1 : 2 * kk : 2], packed[2 : 2 * kk + 1 : 2]
    col[1 : kk + 1] = re * re + im * im
    if rows % 2 == 0:
        col[rows // 2] = packed[rows - 1] ** 2
    col[rows - kk :] = col[1 : kk + 1][::-1]
    return col


def padded(level: Array, pad: int) -> Array:
    """`level` (a `half_spectrum`-shaped array, or a stack of them: the last two axes)
    with `pad` bins added on every side, so that `padded(level, pad)[..., y + pad, x + pad]`
    is the spectrum at vertical bin y (rows wrap around) and horizontal bin x, negative x
    read through the symmetry |F(-f)| = |F(f)| and x beyond the last column clipped to
    it; for -pad <= y < rows + pad and -pad <= x < cols + pad."""
    rows = level.shape[-2]
    mirrored = (-np.arange(-pad, rows + pad)) % rows
    left = level[..., mirrored[:, None], np.arange(pad, 0, -1)[None, :]]
    middle = np.concatenate([level[..., rows - pad :, :], level, level[..., :pad, :]], axis=-2)
    right = np.repeat(middle[..., -1:], pad, axis=-1)
    return np.concatenate([left, middle, right], axis=-1)
