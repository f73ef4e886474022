"""Stripes: interference adds a sinusoid to the whole picture, one sharp spectral peak.

The power spectra of a quarter-size copy of the working picture (120 pixels wide: luma, and
a green-magenta opponent channel for chroma interference) are searched for peaks; bands
down to about 3 % of the picture height apart are still resolved at that size. A
peak's prominence is how far (in decades of power) it rises above its neighbours three bins
away, taking for each of eight directions the lower of the two opposite neighbours, and then
the highest direction. That keeps the long ridges that straight edges leave in a spectrum
from counting as peaks, while a sinusoid spread over the frame stands out in every direction.
A peak's spread is how evenly its frequency fills the frame's 4x3 tiles: interference covers
the whole frame, a fence or a row of windows only part of it.

Scenes have periodic structure of their own (windows, fences, tiles, lane marks): the peaks
of the camera's healthy pictures are kept in its baseline, and a peak found at the same
place only counts by how much it exceeds what the baseline saw there. Broad bands over a busy
backdrop hide among the scene's own peaks: they are also looked for in the difference from
the baseline's thumbnail (`residual_stripes`), where the scene cancels out.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

import cv2
import numpy as np

from probes.quality.spectrum import half_spectra, half_spectrum, padded
from probes.quality.work import Array, Work

__all__ = ["Peak", "Stripes", "residual_stripes", "stripes"]

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
_MAX_FREQ = 0.45  # cycles per pixel of the quarter-size copy: up to about Nyquist
_CANDIDATES = 12
_NEAR = 2  # bins: a peak this close to a baseline peak is the same structure
_KEEP = 8  # peaks per channel worth keeping for the baseline
_SPREAD_PEAKS = 3  # peaks per channel whose spread over the frame is measured
_MEASURE_MIN = 0.6  # decades: a peak rising less than this cannot be interference
_PURE = 0.6  # share of the difference's power a residual peak (3x3 bins) must hold
_OPPONENT = np.array([[-0.5, 1.0, -0.5]], np.float32)
_DECADES = np.float32(1.0 / np.log(10.0))


class Peak(NamedTuple):
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
    """The stripe score of `work`, discounting peaks already `known` from the baseline.

    A peak's spread is measured only while it can still decide the score (most prominent
    excess first), at most `_SPREAD_PEAKS` per channel, and not for peaks rising less than
    `_MEASURE_MIN` above the baseline: far below any limit, they leave the score at 0."""
    peaks = work.memo("stripe_peaks", lambda: _peaks(work))
    known = tuple(known)
    rising = (p for p in peaks if p.prominence > _MEASURE_MIN)  # a rise is at most that
    excess = sorted(((p.prominence - _known_level(p, known), p) for p in rising), key=_first)
    score, measured = 0.0, [0, 0]
    for rise, p in excess:
        if rise <= max(score, _MEASURE_MIN):
            break
        if measured[p.channel] < _SPREAD_PEAKS:
            measured[p.channel] += 1
            score = max(score, rise * _spread_of(work, p))
    strong = tuple(p for p in peaks if p.prominence > 1.0)  # `_peaks` are the strongest first
    return Stripes(score, strong[: 2 * _KEEP])


def _first(item: tuple[float, Peak]) -> float:
    return -item[0]


def _known_level(peak: Peak, known: tuple[Peak, ...]) -> float:
    """The prominence the baseline saw at `peak`'s frequency (or its mirror image)."""
    level = 0.0
    for k in known:
        if k.channel == peak.channel and (
            (abs(k.fy - peak.fy) <= _NEAR and abs(k.fx - peak.fx) <= _NEAR)
            or (abs(k.fy + peak.fy) <= _NEAR and abs(k.fx + peak.fx) <= _NEAR)
        ):
            level = max(level, k.prominence)
    return level


def _channels(work: Work) -> tuple[Array, Array]:
    """(luma, green-magenta opponent) of the quarter-size copy, each less its mean,
    float32."""

    def compute() -> tuple[Array, Array]:
        luma = cv2.cvtColor(work.small, cv2.COLOR_BGR2GRAY).astype(np.float32)
        # chroma at quarter size (JPEG halves its resolution anyway): G - (B + R) / 2
        opponent = cv2.transform(work.small.astype(np.float32), _OPPONENT)
        return luma - float(luma.mean()), opponent - float(opponent.mean())

    return work.memo("stripe_channels", compute)


def _peaks(work: Work) -> list[Peak]:
    """The prominent peaks of both channels (same shape), found together, the most
    prominent first."""
    luma, opponent = _channels(work)
    h, w = luma.shape
    window = _window(h, w)
    windowed = np.stack([luma * window, opponent * window])
    # decades of power: log10(|F|^2) = ln(|F|^2) / ln 10, with OpenCV's fast log
    power = half_spectra(windowed)
    level = cv2.log(power + 1e-4) * _DECADES
    ext = padded(level, _PAD)
    channel, ys, xs = _candidates(level, ext, _band(h, w), _band_flat(h, w))
    one = ext[channel, ys + _DY + _PAD, xs + _DX + _PAD]  # directions x candidates
    other = ext[channel, ys - _DY + _PAD, xs - _DX + _PAD]
    prominence = level[channel, ys, xs] - np.minimum(one, other).max(axis=0)
    order = np.argsort(-prominence, kind="stable")
    fys = np.where(ys <= h // 2, ys, ys - h)
    columns = (channel[order], fys[order], xs[order], prominence[order])
    return [Peak(*row) for row in zip(*(c.tolist() for c in columns), strict=True)]


def _spread_of(work: Work, peak: Peak) -> float:
    """How evenly `peak`'s frequency fills 4x3 tiles of its channel."""
    channel = _channels(work)[peak.channel]
    return _spread(channel, peak.fy, peak.fx)


def _spread(channel: Array, fy: int, fx: int) -> float:
    """How evenly the DFT frequency (`fy`, `fx`) fills 4x3 tiles of `channel` (median over
    largest tile amplitude): its complex amplitude in each tile is a separable sum, done
    as two small matrix products (columns, then rows, by tile)."""
    h, w = channel.shape
    by_row = channel @ _column_waves(w, fx)  # h x 8: per row, each column tile's cos, sin
    cos_y, sin_y = _row_waves(h, fy)
    c, s = cos_y @ by_row, sin_y @ by_row  # 3 x 8
    # sum of channel * exp(-i (wx x + wy y)) over each tile: real and imaginary parts
    amps = np.hypot(c[:, :4] - s[:, 4:], s[:, :4] + c[:, 4:])
    ordered = np.sort(amps.ravel())  # 12 tiles: the median is the mean of 6th and 7th
    return float(0.5 * (ordered[5] + ordered[6]) / max(float(ordered[-1]), 1e-9))


@functools.lru_cache(maxsize=256)
def _column_waves(width: int, cycles: int) -> Array:
    """width x 8: cos, then sin, of `cycles` periods over `width`, each of the 4 column
    tiles in its own column (zero elsewhere), float32."""
    cos_x, sin_x = _wave(width, cycles)
    tile = np.searchsorted(_tiles(1, width)[1], np.arange(width), side="right") - 1
    out = np.zeros((width, 8), np.float32)
    out[np.arange(width), tile], out[np.arange(width), 4 + tile] = cos_x, sin_x
    return out


@functools.lru_cache(maxsize=256)
def _row_waves(height: int, cycles: int) -> tuple[Array, Array]:
    """3 x height each: cos and sin of `cycles` periods over `height`, each of the 3 row
    tiles in its own row (zero elsewhere), float32."""
    cos_y, sin_y = _wave(height, cycles)
    tile = np.searchsorted(_tiles(height, 1)[0], np.arange(height), side="right") - 1
    c, s = np.zeros((3, height), np.float32), np.zeros((3, height), np.float32)
    c[tile, np.arange(height)], s[tile, np.arange(height)] = cos_y, sin_y
    return c, s


def residual_stripes(work: Work, thumb: Array) -> float:
    """Stripes in what differs from the camera's usual picture (its baseline `thumb`,
    64x36 gray): the thumbnail, scaled to the reference's exposure, less the reference.
    The scene's own structure cancels out, so broad bands over a busy backdrop (a photo,
    gravel, a coffee cup) stand out even where the scene's spectrum hides them; what a
    healthy frame leaves (people, cars, noise) is local and broadband. The score is the
    strongest peak's prominence times its spread, counted only when the peak holds most
    (`_PURE`) of the difference's power: a cover, a new view or a blur also leaves a
    large difference, but not one made of a single frequency. 0 when there is none."""
    return work.memo(f"residual_stripes:{id(thumb)}", lambda: _residual(work.thumb, thumb))


def _residual(current: Array, reference: Array) -> float:
    if current.shape != reference.shape:
        return 0.0
    a, b = current.ravel(), reference.ravel()
    gain = float(np.vdot(a, b)) / max(float(np.vdot(a, a)), 1e-6)  # least squares
    diff = gain * current - reference
    h, w = diff.shape
    diff -= float(diff.mean())
    power = half_spectrum(diff * _window(h, w))
    band = _band(h, w)
    # the strongest frequency of the difference; most of its power, or no interference
    inband = power * band  # the slow swell of a cover or a new view lies below the band
    flat = _band_flat(h, w)
    y, x = divmod(int(flat[np.argmax(inband.ravel()[flat])]), power.shape[1])
    near = sum(_at(inband, y + dy, x + dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1))
    if near < _PURE * float(inband.sum()):
        return 0.0
    around = max(
        min(_at(power, y + dy, x + dx), _at(power, y - dy, x - dx)) for dy, dx in _DIRECTIONS
    )
    prominence = math.log10((_at(power, y, x) + 1e-4) / (around + 1e-4))
    return prominence * _spread(diff, y if y <= h // 2 else y - h, x)


def _at(half: Array, y: int, x: int) -> float:
    """The `half_spectrum` value at any bin (`y`, `x`): rows wrap around, negative `x` is
    read through the symmetry |F(-f)| = |F(f)|, `x` past the last column is clipped."""
    if x < 0:
        y, x = -y, -x
    return float(half[y % half.shape[0], min(x, half.shape[1] - 1)])


@functools.lru_cache(maxsize=8)
def _band_flat(height: int, width: int) -> Array:
    """Flat indices of `_band(height, width)`, in its order."""
    return np.flatnonzero(_band(height, width))


@functools.lru_cache(maxsize=256)
def _wave(length: int, cycles: int) -> tuple[Array, Array]:
    """cos and sin of `cycles` periods over `length` samples, float32."""
    phase = 2.0 * np.pi * cycles * np.arange(length) / length
    return np.cos(phase).astype(np.float32), np.sin(phase).astype(np.float32)


@functools.lru_cache(maxsize=8)
def _tiles(height: int, width: int) -> tuple[Array, Array]:
    """First row of each of 3 tile rows, first column of each of 4 tile columns."""
    return np.linspace(0, height, 4)[:-1].astype(int), np.linspace(0, width, 5)[:-1].astype(int)


@functools.lru_cache(maxsize=8)
def _window(height: int, width: int) -> Array:
    return np.outer(np.hanning(height), np.hanning(width)).astype(np.float32)


@functools.lru_cache(maxsize=8)
def _band(height: int, width: int) -> Array:
    """Mask, over a `half_spectrum` of a height x width picture, of the bins whose
    frequency can be interference (each frequency once: fx = 0 only for fy > 0)."""
    cols = (width - 1) // 2 + 1
    fy = np.fft.fftfreq(height)[:, None]
    fx = (np.arange(cols) / width)[None, :]
    freq = np.hypot(fy, fx)
    return (freq >= _MIN_CYCLES / height) & (freq <= _MAX_FREQ) & ((fx > 0) | (fy > 0))


_PAD = _DISTANCE
_DY = np.array([d[0] for d in _DIRECTIONS])[:, None]
_DX = np.array([d[1] for d in _DIRECTIONS])[:, None]
_KERNEL5 = np.ones((5, 5), np.uint8)


def _candidates(
    level: Array, ext: Array, band: Array, band_flat: Array
) -> tuple[Array, Array, Array]:
    """(channel, row, column) of the `_CANDIDATES` strongest local maxima (5x5) of the
    interference band (`band`, and its flat indices `band_flat`), per channel of the
    stacked `level`. The channels' padded spectra are dilated as one picture: each has
    `_PAD` >= 2 rows of its own around it."""
    channels, rows, cols = level.shape
    around = cv2.dilate(ext.reshape(-1, ext.shape[-1]), _KERNEL5).reshape(ext.shape)
    # among the strongest bins of the band only: weak local maxima are the noise floor's
    # (taken by index: a boolean mask over the stack is twice as slow)
    inband = np.take(level.reshape(channels, -1), band_flat, axis=1)
    keep = min(4 * _CANDIDATES, inband.shape[1])
    strong = np.partition(inband, inband.shape[1] - keep, axis=1)[:, -keep, None, None]
    peak = band & (level >= strong) & (level >= around[:, _PAD : _PAD + rows, _PAD : _PAD + cols])
    flat = np.flatnonzero(peak)
    values = level.ravel()[flat]
    found = []
    for c in range(channels):
        lo, hi = np.searchsorted(flat, [c * rows * cols, (c + 1) * rows * cols])
        count = int(hi - lo)
        keep = min(_CANDIDATES, count)
        if keep:
            top = np.argpartition(values[lo:hi], count - keep)[count - keep :]
            found.append(flat[lo:hi][top])
    chosen = np.concatenate(found) if found else np.zeros(0, np.intp)
    channel, rest = np.divmod(chosen.astype(np.intp), rows * cols)
    ys, xs = np.divmod(rest, cols)
    return channel, ys, xs
