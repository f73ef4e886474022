"""The stripe search: spectra of a stack, the candidate peaks, bands in the picture and in its
difference from the camera's usual picture."""

from __future__ import annotations

import math

import numpy as np
import pytest

from probes.quality import Thresholds, prepare
from probes.quality.baseline import Reference
from probes.quality.spectrum import half_spectra, half_spectrum, padded
from probes.quality.stripes import (
    _CANDIDATES,
    _PAD,
    _band,
    _candidates,
    _spread,
    residual_stripes,
    stripes,
)
from vmon.sim import scenes


@pytest.mark.parametrize("shape", [(72, 120), (68, 120), (17, 16), (16, 17), (33, 31)])
def test_half_spectra_of_a_stack_are_each_pictures_half_spectrum(shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(3)
    stack = rng.normal(0, 10, (2, *shape)).astype(np.float32)
    both = half_spectra(stack)
    for i in range(2):
        np.testing.assert_allclose(both[i], half_spectrum(stack[i]), rtol=1e-5, atol=1e-3)


def _brute_candidates(level: np.ndarray, band: np.ndarray) -> set[tuple[int, int, int]]:
    """Top 4 x `_CANDIDATES` band bins, kept if a 5x5 local maximum, best `_CANDIDATES`."""
    out = set()
    ext = padded(level, _PAD)
    for c in range(level.shape[0]):
        ys, xs = np.nonzero(band)
        values = level[c, ys, xs]
        strong = np.sort(values)[-4 * _CANDIDATES]
        found = []
        for y, x, v in zip(ys, xs, values, strict=True):
            window = ext[c, y + _PAD - 2 : y + _PAD + 3, x + _PAD - 2 : x + _PAD + 3]
            if v >= strong and v >= window.max():
                found.append((v, y, x))
        out |= {(c, int(y), int(x)) for _, y, x in sorted(found)[-_CANDIDATES:]}
    return out


def _brute_spread(channel: np.ndarray, fy: int, fx: int) -> float:
    """Median over largest of the frequency's complex amplitude in each of 4x3 tiles."""
    h, w = channel.shape
    ys, xs = np.mgrid[0:h, 0:w]
    wave = channel * np.exp(-2j * np.pi * (fy * ys / h + fx * xs / w))
    rows, cols = np.linspace(0, h, 4).astype(int), np.linspace(0, w, 5).astype(int)
    amps = sorted(
        abs(wave[rows[r] : rows[r + 1], cols[c] : cols[c + 1]].sum())
        for r in range(3)
        for c in range(4)
    )
    return 0.5 * (amps[5] + amps[6]) / amps[-1]


@pytest.mark.parametrize("shape", [(68, 120), (36, 64), (90, 120), (17, 16)])
def test_spread_is_the_tile_amplitudes_median_over_largest(shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(7)
    h, w = shape
    ys, xs = np.mgrid[0:h, 0:w]
    for fy, fx in ((3, 5), (-4, 9), (0, 2), (h // 2 - 1, 1)):
        band = np.cos(2 * np.pi * (fy * ys / h + fx * xs / w))
        local = band * (xs < w // 3)  # a fence over a third of the frame: a low spread
        for picture in (band, local, rng.normal(0, 1, shape)):
            channel = (10 * picture).astype(np.float32)
            assert _spread(channel, fy, fx) == pytest.approx(
                _brute_spread(channel, fy, fx), abs=1e-4
            )


def test_candidates_are_the_strongest_local_maxima() -> None:
    rng = np.random.default_rng(5)
    rows, cols = 68, 60
    level = rng.normal(0, 1, (2, rows, cols)).astype(np.float32)
    band = _band(rows, 120)
    channel, ys, xs = _candidates(level, padded(level, _PAD), band, np.flatnonzero(band))
    got = set(zip(channel.tolist(), ys.tolist(), xs.tolist(), strict=True))
    assert got == _brute_candidates(level, band)


def _striped(angle: float, period: float, chroma: bool) -> np.ndarray:
    img = scenes.scene("healthy", seed=2, width=960, height=540, t=5.0).astype(np.float32)
    yy, xx = np.mgrid[0:540, 0:960].astype(np.float32)
    rad = math.radians(angle)
    band = 25.0 * np.sin((yy * math.cos(rad) + xx * math.sin(rad)) / (period * 540) * 2 * math.pi)
    tint = np.array([1.0, -0.6, 1.0] if chroma else [1.0, 1.0, 1.0], np.float32)
    return np.clip(img + band[:, :, None] * tint, 0, 255).astype(np.uint8)


@pytest.mark.parametrize(
    ("angle", "period", "chroma"),
    [(0.0, 0.05, False), (0.0, 0.2, False), (90.0, 0.08, False), (25.0, 0.1, False),
     (0.0, 0.1, True)],
)  # fmt: skip
def test_stripes_stand_out_at_their_frequency(angle: float, period: float, chroma: bool) -> None:
    healthy = prepare(scenes.scene("healthy", seed=2, width=960, height=540, t=5.0))
    work = prepare(_striped(angle, period, chroma))
    assert stripes(work).score > 0.9 > stripes(healthy).score
    strongest = max(stripes(work).peaks, key=lambda p: p.prominence)
    expected_fy = math.cos(math.radians(angle)) / period
    assert abs(abs(strongest.fy) - abs(expected_fy)) <= 1.5, strongest


def _camera_reference(seed: int) -> Reference:
    ref = Reference.of(prepare(scenes.scene("healthy", seed=seed, width=960, height=540, t=0.0)))
    for t in (10.0, 20.0):
        ref.learn(prepare(scenes.scene("healthy", seed=seed, width=960, height=540, t=t)), 0.05)
    return ref


def _banded(seed: int, period: float, angle: float) -> np.ndarray:
    img = scenes.scene("healthy", seed=seed, width=960, height=540, t=40.0).astype(np.float32)
    yy, xx = np.mgrid[0:540, 0:960].astype(np.float32)
    rad = math.radians(angle)
    band = 15.0 * np.sin((yy * math.cos(rad) + xx * math.sin(rad)) / (period * 540) * 2 * math.pi)
    return np.clip(img + band[:, :, None], 0, 255).astype(np.uint8)


@pytest.mark.parametrize(("period", "angle"), [(0.2, 0.0), (0.15, 20.0), (0.1, 90.0)])
def test_broad_bands_stand_out_in_the_difference_from_the_baseline(
    period: float, angle: float
) -> None:
    ref = _camera_reference(1)
    limit = Thresholds().stripes.residual_min
    healthy = prepare(scenes.scene("healthy", seed=1, width=960, height=540, t=40.0))
    assert residual_stripes(healthy, ref.thumb) < limit
    assert residual_stripes(prepare(_banded(1, period, angle)), ref.thumb) > limit


@pytest.mark.parametrize("kind", ["covered", "moved", "blurred", "overexposed"])
def test_other_changes_are_not_bands(kind: str) -> None:
    """A cover, a new view, a blur or a washed-out picture differ from the baseline a lot,
    but not by one frequency."""
    ref = _camera_reference(1)
    work = prepare(scenes.scene(kind, seed=1, width=960, height=540, t=40.0))
    assert residual_stripes(work, ref.thumb) < Thresholds().stripes.residual_min


def test_a_reference_of_another_size_is_no_evidence() -> None:
    work = prepare(scenes.scene("healthy", seed=1, width=960, height=540, t=40.0))
    assert residual_stripes(work, np.zeros((10, 10), np.float32)) == 0.0
