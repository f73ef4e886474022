"""Comparisons over time: with the previous frame (frozen) and with the baseline (moved,
covered).

The baseline comparison works on a 16x9 grid of cells. A cell's structure is the direction
of the thumbnail's gradients in it: the cosine between the current and the reference
gradients ignores exposure and lighting changes but not a different view. A cell's texture
is its mean gradient at the working scale, and its focus the share of crisp edges in it: an
object right in front of the lens (cloth, a hand, paint) is far out of focus, so the cells
it covers lose their crisp edges, while a camera turned to another view keeps them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from probes.quality.baseline import Reference
from probes.quality.colour import chroma
from probes.quality.daynight import is_grayscale
from probes.quality.noise import noise_sigma
from probes.quality.sharpness import CELL_GRID, crisp_cells, texture_cells
from probes.quality.work import Array, Work

__all__ = ["Comparison", "compare", "frozen_difference", "likeness", "signature"]

_TRIM = 0.05  # share of the most-changed pixels ignored (the on-screen clock, a blinking LED)
_STRUCTURE_MIN = 1.0  # gradient energy (levels/pixel, thumbnail) a cell needs to have structure
_SIMILAR = 0.5  # cosine above which a cell's structure is the same
_ANCHOR_CELLS = 10  # structured cells needed to judge whether part of the view stayed
_FADED = 0.2  # share of its usual gradient energy below which a cell's structure has faded
_LOST = 0.25  # share of the reference's crisp edges below which a cell is blind
_CRISP_MIN = 0.002  # a cell with fewer crisp edge pixels than this shows nothing in focus
_BUSY = 3.0  # texture ratio above which a cell is cluttered by something near the lens
_LEVEL_CHANGE = 30.0  # gray levels (after exposure correction) that make a flat cell differ
_FADED_FOCUSED = 0.05  # share of the energy kept where the view is in focus: paint leaves less
_GONE = 0.01  # share of its gradient energy (a tenth of the contrast) left by a veil


def signature(work: Work) -> Array:
    """The small gray picture (uint8: a quarter of the memory of floats, and the same
    values) kept from the previous frame for the frozen check."""
    return work.memo("signature", lambda: cv2.cvtColor(work.small, cv2.COLOR_BGR2GRAY))


def frozen_difference(work: Work, previous: Array) -> float:
    """Mean absolute difference (gray levels) from the previous frame's `signature`,
    ignoring the 5 % most-changed pixels. 0 means an identical picture; live video, even of
    a still scene, differs by its sensor noise (typically 0.3 or more)."""
    current = signature(work)
    if previous.shape != current.shape:
        return float("inf")
    diff = cv2.absdiff(current, previous.astype(np.uint8, copy=False)).ravel()
    keep = max(1, int(len(diff) * (1.0 - _TRIM)))
    if keep < len(diff):
        diff = np.partition(diff, keep - 1)
    return float(diff[:keep].mean())


@dataclass(frozen=True)
class Comparison:
    """Fractions (0-1) of the grid's cells: `changed` (structure or level differs from the
    reference), `covered` (changed and shows nothing in focus: cloth, hand, paint),
    `restructured` (share of the cells with structure whose structure changed),
    `revealed` (changed and shows far more in focus than before: a new view),
    `cluttered` (changed and far busier than before: leaves, a web), `matched` (same
    structure as the reference), `veiled` (had structure, and kept less than a tenth of
    its contrast and nothing in focus: paint or an opaque veil over that part of the lens,
    whatever happened to the rest of the picture); `texture` is the median texture ratio
    (current over reference) of the changed cells, 1.0 when none changed."""

    changed: float
    restructured: float
    covered: float
    revealed: float
    cluttered: float
    matched: float
    texture: float
    anchored: float
    veiled: float = 0.0


def compare(work: Work, ref: Reference) -> Comparison:
    """Compare `work` with a reference of the same period."""
    return work.memo(f"compare:{id(ref)}", lambda: _compare(work, ref))


def _median(values: Array) -> float:
    """The (upper) median, without `np.median`'s overhead on these small arrays."""
    flat = values.ravel()
    k = len(flat) // 2
    return float(np.partition(flat, k)[k])


def _cell_mean(values: Array) -> Array:
    return cv2.resize(values, CELL_GRID, interpolation=cv2.INTER_AREA)


def _anchored(cosine: Array, had: Array) -> float:
    """Mean cosine of the best-matching fifth of the reference's structured cells: about 1
    when part of the view is still exactly in place (a partial cover, passers-by), lower
    when the whole view moved."""
    values = np.sort(cosine[had])
    if len(values) < _ANCHOR_CELLS:
        return 1.0
    return float(values[int(len(values) * 0.8) :].mean())


@dataclass(frozen=True)
class _RefCells:
    """What the comparison derives from a reference's thumbnail, once per reference."""

    gx: Array
    gy: Array
    energy: Array
    had: Array
    median: float
    levels: Array


def _ref_cells(ref: Reference) -> _RefCells:
    def compute() -> _RefCells:
        thumb = ref.thumb
        gx, gy = cv2.Sobel(thumb, cv2.CV_32F, 1, 0), cv2.Sobel(thumb, cv2.CV_32F, 0, 1)
        energy = _cell_mean(gx * gx + gy * gy)
        had = energy >= (8.0 * _STRUCTURE_MIN) ** 2
        return _RefCells(gx, gy, energy, had, _median(thumb), _cell_mean(thumb))

    return ref.derived("compare", compute)


def _structure(
    current: Array, ref: _RefCells, focused: Array | None = None
) -> tuple[Array, Array, float, Array]:
    """Per cell: whether its structure differs from the reference's, and whether either
    has structure at all. Structure differs when the gradients point elsewhere (cosine
    under `_SIMILAR`) or have faded far more than in the rest of the picture (`_FADED`),
    or than in the cells still in focus (`_FADED_FOCUSED`, when a cover hides most of the
    view): a veil over part of the lens, not the whole picture's loss of contrast."""
    cx, cy = cv2.Sobel(current, cv2.CV_32F, 1, 0), cv2.Sobel(current, cv2.CV_32F, 0, 1)
    dot = _cell_mean(cx * ref.gx + cy * ref.gy)
    energy_c = _cell_mean(cx * cx + cy * cy)
    energy_r, had = ref.energy, ref.had
    cosine = dot / np.sqrt(np.maximum(energy_c * energy_r, 1e-6))
    informative = np.maximum(energy_c, energy_r) >= (8.0 * _STRUCTURE_MIN) ** 2
    kept = energy_c / np.maximum(energy_r, 1e-6)
    typical = _median(kept[had]) if had.any() else 1.0
    faded = had & (kept < _FADED * typical)
    # and against the contrast kept where the view is still in focus, when enough of it is
    # (a cover over most of the view sets the median): far less of it, as paint leaves
    # (a veil of fog over the whole lens thins the contrast more evenly)
    sharp = had & focused if focused is not None else had
    if np.count_nonzero(sharp) >= _ANCHOR_CELLS:
        faded |= had & (kept < _FADED_FOCUSED * _median(kept[sharp]))
    gone = had & (kept < _GONE)
    return (cosine < _SIMILAR) | faded, informative, _anchored(cosine, had), gone


def _exposure(current: Array, levels: Array, cells: _RefCells, in_place: Array) -> Array:
    """The cells' levels brought to the reference's brightness. From the cells whose
    structure is still in place when there are enough of them, as a gain and an offset (an
    exposure change scales the light, a veil of fog adds its own): a bright cover over most
    of the view would otherwise set the picture's median and pass for an exposure change.
    Else by the ratio of the whole pictures' medians."""
    if np.count_nonzero(in_place) >= _ANCHOR_CELLS:
        x, y = levels[in_place].astype(np.float64), cells.levels[in_place].astype(np.float64)
        mean_x, mean_y = float(x.mean()), float(y.mean())
        dx, dy = x - mean_x, y - mean_y  # products: numpy's var costs more than the sums here
        spread = float(dx @ dx) / len(x)
        gain = float(dx @ dy) / len(x) / spread if spread > 1.0 else 1.0
        gain = min(max(gain, 0.25), 4.0)
        return levels * gain + (mean_y - gain * mean_x)
    gain = cells.median / max(_median(current), 1.0)
    return levels * min(max(gain, 0.25), 4.0)


def _compare(work: Work, ref: Reference) -> Comparison:
    current, cells = work.thumb, _ref_cells(ref)
    crisp = crisp_cells(work)
    focused = (crisp >= _LOST * ref.crisp) & (ref.crisp >= _CRISP_MIN)
    structure_differs, informative, anchored, gone = _structure(current, cells, focused)
    levels = _exposure(current, _cell_mean(current), cells, informative & ~structure_differs)
    level_diff = np.abs(levels - cells.levels)
    differs = np.where(informative, structure_differs, level_diff > _LEVEL_CHANGE)
    ratio = (texture_cells(work) + 0.5) / (ref.cells + 0.5)
    blind = crisp < np.maximum(_LOST * ref.crisp, _CRISP_MIN)
    sharper = crisp > np.maximum(ref.crisp / _LOST, _CRISP_MIN)
    total = float(differs.size)
    structured = max(float(np.count_nonzero(informative)), 1.0)
    return Comparison(
        changed=float(np.count_nonzero(differs)) / total,
        restructured=float(np.count_nonzero(differs & informative)) / structured,
        covered=float(np.count_nonzero(differs & blind)) / total,
        revealed=float(np.count_nonzero(differs & sharper)) / total,
        cluttered=float(np.count_nonzero(differs & (ratio > _BUSY))) / total,
        matched=float(np.count_nonzero(~differs & informative)) / total,
        texture=_median(ratio[differs]) if differs.any() else 1.0,
        anchored=anchored,
        veiled=float(np.count_nonzero(gone & blind)) / total,
    )


_GRAY_REFERENCE = 1.5  # mean chroma under which a reference is an infrared (grayscale) one
_OTHER_MODE = 1000.0  # distance of a picture from a reference in the other colour mode
_NIGHT_GRAIN = 0.9  # share of the night's noise a colour picture at night has at least
_NIGHT_GRAIN_MAX = 5.0  # ... and at most: a stuck IR-cut filter's pictures measured 1.1-2.9x
# the infrared pictures' noise, snow by day 8.6-13x (bench/diagnostics, tests/unit/quality)
_NOISE_WEIGHT = 8.0  # likeness units per unit of log-noise difference


def likeness(work: Work, ref: Reference) -> float:
    """How far `work` looks from a reference in brightness, colour and grain (0 = the
    same): mean absolute thumbnail difference in levels, plus 3x the saturation difference,
    plus the difference of the log of the noise (a camera raises its gain at night).

    The colour mode decides first: a camera in infrared mode sends no colour at all, so a
    grayscale picture is not like a colour reference, and a colour picture is not like an
    infrared (grayscale) reference unless it is as grainy as that reference's pictures (an
    IR-cut filter stuck at night gives a dark colour picture at the night's high gain). When
    its grain is the night's, its colour is that fault, not a sign of the hour: the
    saturation is left out (far grainier, it is snow, and judged on everything)."""
    level = float(np.abs(work.thumb - ref.thumb).mean())
    stats, sat = ref.stats, chroma(work).saturation
    noise = noise_sigma(work)
    grain = _NOISE_WEIGHT * abs(math.log((noise + 0.3) / (stats["noise"] + 0.3)))
    distance = level + 3.0 * abs(sat - stats["saturation"]) + grain
    gray_ref = stats["saturation"] < _GRAY_REFERENCE
    if is_grayscale(work) and not gray_ref:
        return distance + _OTHER_MODE
    if gray_ref and not is_grayscale(work):
        if noise < _NIGHT_GRAIN * stats["noise"]:
            return distance + _OTHER_MODE
        if noise <= _NIGHT_GRAIN_MAX * stats["noise"]:
            return level + grain
    return distance
