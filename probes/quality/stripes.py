"""Stripes: interference adds a sinusoid to the whole picture, one sharp spectral peak.

The power spectrum of the working picture (luma) and of a green-magenta opponent channel
(chroma interference) is searched for peaks; a peak's prominence is how far (in decades of
power) it rises above its neighbours three bins away, taking for each of eight directions
the lower of the two opposite neighbours, and then the highest direction. That keeps the
long ridges that straight edges leave in a spectrum from counting as peaks, while a sinusoid
spread over the frame stands out in every direction.

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
_MAX_FREQ = 0.25  # cycles per pixel: finer than 4 px is not resolved after JPEG
_CANDIDATES = 16
_NEAR = 2  # bins: a peak this close to a baseline peak is the same structure
_KEEP = 8  # peaks per channel worth keeping for the baseline
_SPREAD_PEAKS = 5  # peaks per channel whose spread over the frame is measured


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
    half = cv2.resize(
        work.bgr, (work.bgr.shape[1] // 2, work.bgr.shape[0] // 2), interpolation=cv2.INTER_AREA
    ).astype(np.float32)
    opponent = half[:, :, 1] - 0.5 * (half[:, :, 0] + half[:, :, 2])
    return _spread(work.grayf, _channel_peaks(work.grayf, 0)) + _spread(
        opponent, _channel_peaks(opponent, 1)
    )


def _spread(channel: Array, peaks: list[Peak]) -> list[Peak]:
    """Measure the spread of the `_SPREAD_PEAKS` most prominent peaks over 4x3 tiles.

    The frequency's complex amplitude in each tile is a separable sum, so it costs two
    small matrix products per peak, not a pass over the whole picture."""
    h, w = channel.shape
    x = channel - float(channel.mean())
    rows, cols = np.arange(h), np.arange(w)
    row_tiles, col_tiles = np.array_split(rows, 3), np.array_split(cols, 4)
    out = []
    for i, p in enumerate(sorted(peaks, key=lambda p: -p.prominence)):
        if i >= _SPREAD_PEAKS:
            out.append(Peak(p.channel, p.fy, p.fx, p.prominence, 0.0))
            continue
        ex = np.exp(-2j * np.pi * p.fx * cols / w)
        ey = np.exp(-2j * np.pi * p.fy * rows / h)
        by_col = np.stack([x[:, c] @ ex[c] for c in col_tiles], axis=1)  # h x 4
        amps = np.abs(np.stack([ey[r] @ by_col[r] for r in row_tiles]))  # 3 x 4
        spread = float(np.median(amps) / max(float(amps.max()), 1e-9))
        out.append(Peak(p.channel, p.fy, p.fx, p.prominence, spread))
    return out


@functools.lru_cache(maxsize=8)
def _window(height: int, width: int) -> Array:
    return np.outer(np.hanning(height), np.hanning(width)).astype(np.float32)


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
    power = spectrum[:, :, 0] ** 2 + spectrum[:, :, 1] ** 2
    level = np.log10(power + 1e-3)
    local_max = level >= cv2.dilate(level, np.ones((5, 5), np.uint8))
    ys, xs = np.nonzero(local_max & _band(h, w))
    if len(ys) == 0:
        return []
    top = np.argsort(level[ys, xs])[-_CANDIDATES:]
    ys, xs = ys[top], xs[top]
    around = np.full(len(ys), -np.inf, np.float32)
    for dy, dx in _DIRECTIONS:
        one = level[(ys + dy) % h, (xs + dx) % w]
        other = level[(ys - dy) % h, (xs - dx) % w]
        around = np.maximum(around, np.minimum(one, other))
    prominence = level[ys, xs] - around
    return [
        Peak(index, int(y if y <= h // 2 else y - h), int(x if x <= w // 2 else x - w), float(p))
        for y, x, p in zip(ys, xs, prominence, strict=True)
    ]
