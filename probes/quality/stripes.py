"""Stripes: interference adds a sinusoid to the whole picture, one sharp spectral peak.

The power spectrum of a half-size copy of the working picture (luma) and of a green-magenta
opponent channel of a quarter-size copy (chroma interference) is searched for peaks. A
peak's prominence is how far (in decades of power) it rises above its neighbours three bins
away, taking for each of eight directions the lower of the two opposite neighbours, and then
the highest direction. That keeps the long ridges that straight edges leave in a spectrum
from counting as peaks, while a sinusoid spread over the frame stands out in every direction.
A peak's spread is how evenly its frequency fills the frame's 4x3 tiles: interference covers
the whole frame, a fence or a row of windows only part of it.

Scenes have periodic structure of their own (windows, fences, tiles, lane marks): the peaks
of the camera's healthy pictures are kept in its baseline, and a peak found at the same
place only counts by how much it exceeds what the baseline saw there.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

import cv2
import numpy as np

from probes.quality.work import Array, Work

__all__ = ["Peak", "Stripes", "stripes"]

_DISTANCE = 3
_DIRECTIONS = (
    (_DISTANCE, 0),
    (0, _DISTANCE),
    (_DISTANCE, _DISTANCE),
    (_DISTANCE, -_DISTANCE),
    (1, _DISTANCE),
    (_DISTANCE, 1),
    (-1, _DISTANCE),
    (_DISTANCE, -1),
)
_MIN_CYCLES = 3.5  # per picture height: slower bands are scene layout, not interference
_MAX_FREQ = 0.45  # cycles per pixel of the half-size copy: up to about Nyquist
_CANDIDATES = 12
_NEAR = 2  # bins: a peak this close to a baseline peak is the same structure
_KEEP = 8  # peaks per channel worth keeping for the baseline
_SPREAD_PEAKS = 3  # peaks per channel whose spread over the frame is measured
_DECADES = np.float32(2.0 / np.log(10.0))


@dataclass(frozen=True)
class Peak:
    """A spectral peak: `channel` (0 luma, 1 chroma), bin (`fy`, `fx`), `prominence`
    (decades), and `spread` (0-1): how evenly the frequency fills the frame's 4x3 tiles
    (median over largest tile amplitude), about 1 for interference, low for a fence."""

    channel: int
    fy: int
    fx: int
    prominence: float
    spread: float = 1.0


@dataclass(frozen=True)
class Stripes:
    """`score`: the largest prominence (decades of power) not explained by the baseline,
    times the peak's spread over the frame; about 0.2-0.8 for natural scenes, 1 and more
    for interference. `peaks`: the prominent peaks found (for the baseline)."""

    score: float
    peaks: tuple[Peak, ...]


def stripes(work: Work, known: Iterable[Peak] = ()) -> Stripes:
    """The stripe score of `work`, discounting peaks already `known` from the baseline."""
    peaks = work.memo("stripe_peaks", lambda: _peaks(work))
    known = tuple(known)
    score = max(((p.prominence - _known_level(p, known)) * p.spread for p in peaks), default=0.0)
    strong = tuple(p for p in sorted(peaks, key=lambda p: -p.prominence) if p.prominence > 1.0)
    return Stripes(max(score, 0.0), strong[: 2 * _KEEP])


def _known_level(peak: Peak, known: tuple[Peak, ...]) -> float:
    level = 0.0
    for k in known:
        if (
            k.channel == peak.channel
            and abs(k.fy - peak.fy) <= _NEAR
            and abs(k.fx - peak.fx) <= _NEAR
        ):
            level = max(level, k.prominence)
    return level


def _peaks(work: Work) -> list[Peak]:
    luma = cv2.cvtColor(work.half, cv2.COLOR_BGR2GRAY).astype(np.float32)
    small = work.small.astype(np.float32)  # chroma: JPEG halves its resolution anyway
    opponent = small[:, :, 1] - 0.5 * (small[:, :, 0] + small[:, :, 2])
    return _spread(luma, _channel_peaks(luma, 0)) + _spread(opponent, _channel_peaks(opponent, 1))


def _spread(channel: Array, peaks: list[Peak]) -> list[Peak]:
    """Measure how evenly the `_SPREAD_PEAKS` most prominent peaks fill 4x3 tiles.

    Its complex amplitude in each tile is a separable sum: one pass of complex products and
    tile sums per peak (element-wise, so no BLAS threads are started)."""
    h, w = channel.shape
    x = (channel - float(channel.mean())).astype(np.complex64)
    rows, cols = np.arange(h), np.arange(w)
    row_starts, col_starts = _tiles(h, w)
    out = []
    for i, p in enumerate(sorted(peaks, key=lambda p: -p.prominence)):
        if i >= _SPREAD_PEAKS:
            out.append(Peak(p.channel, p.fy, p.fx, p.prominence, 0.0))
            continue
        ex = np.exp(-2j * np.pi * p.fx * cols / w).astype(np.complex64)
        ey = np.exp(-2j * np.pi * p.fy * rows / h).astype(np.complex64)
        by_col = np.add.reduceat(x * ex[None, :], col_starts, axis=1)  # h x 4
        amps = np.abs(np.add.reduceat(by_col * ey[:, None], row_starts, axis=0))  # 3 x 4
        ordered = np.sort(amps.ravel())  # 12 tiles: the median is the mean of 6th and 7th
        spread = float(0.5 * (ordered[5] + ordered[6]) / max(float(ordered[-1]), 1e-9))
        out.append(Peak(p.channel, p.fy, p.fx, p.prominence, spread))
    return out


@functools.lru_cache(maxsize=8)
def _tiles(height: int, width: int) -> tuple[Array, Array]:
    """First row of each of 3 tile rows, first column of each of 4 tile columns."""
    return np.linspace(0, height, 4)[:-1].astype(int), np.linspace(0, width, 5)[:-1].astype(int)


@functools.lru_cache(maxsize=8)
def _window(height: int, width: int) -> Array:
    return np.outer(np.hanning(height), np.hanning(width)).astype(np.float32)


@functools.lru_cache(maxsize=8)
def _band_index(height: int, width: int) -> Array:
    """Flat indices of `_band`."""
    return np.flatnonzero(_band(height, width))


@functools.lru_cache(maxsize=8)
def _band(height: int, width: int) -> Array:
    """Bins of the half-plane whose frequency can be interference (unshifted layout)."""
    fy = np.fft.fftfreq(height)[:, None]
    fx = np.fft.fftfreq(width)[None, :]
    freq = np.hypot(fy, fx)
    band = (freq >= _MIN_CYCLES / height) & (freq <= _MAX_FREQ)
    half_plane = (fy > 0) | ((fy == 0) & (fx > 0))
    return band & half_plane


def _channel_peaks(channel: Array, index: int) -> list[Peak]:
    h, w = channel.shape
    x = (channel - float(channel.mean())) * _window(h, w)
    spectrum = cv2.dft(x, flags=cv2.DFT_COMPLEX_OUTPUT)
    # decades of power: log10(|F|^2) = 2 ln|F| / ln 10, with OpenCV's fast log
    level = cv2.log(cv2.magnitude(spectrum[:, :, 0], spectrum[:, :, 1]) + 1e-2) * _DECADES
    ys, xs = _candidates(level)
    if len(ys) == 0:
        return []
    around = np.full(len(ys), -np.inf, np.float32)
    for dy, dx in _DIRECTIONS:
        one = level[(ys + dy) % h, (xs + dx) % w]
        other = level[(ys - dy) % h, (xs - dx) % w]
        around = np.maximum(around, np.minimum(one, other))
    prominence = (level[ys, xs] - around).tolist()
    fys = np.where(ys <= h // 2, ys, ys - h).tolist()
    fxs = np.where(xs <= w // 2, xs, xs - w).tolist()
    return [Peak(index, fy, fx, p) for fy, fx, p in zip(fys, fxs, prominence, strict=True)]


def _candidates(level: Array) -> tuple[Array, Array]:
    """The `_CANDIDATES` strongest local maxima (5x5) of the interference band."""
    h, w = level.shape
    band = _band_index(h, w)
    values = level.ravel()[band]
    keep = min(4 * _CANDIDATES, len(values))
    top = band[np.argpartition(values, len(values) - keep)[-keep:]]
    ys, xs = np.divmod(top, w)
    neighbourhood = np.full(len(top), -np.inf, np.float32)
    for dy in range(-2, 3):
        for dx in range(-2, 3):
            if dy or dx:
                neighbourhood = np.maximum(neighbourhood, level[(ys + dy) % h, (xs + dx) % w])
    peak = level[ys, xs] >= neighbourhood
    ys, xs = ys[peak], xs[peak]
    order = np.argsort(level[ys, xs])[-_CANDIDATES:]
    return ys[order], xs[order]
