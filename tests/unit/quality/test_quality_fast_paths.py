"""The fast measures give what the plain formulas give (spectra, noise, colour, levels)."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from probes.quality import Work, prepare
from probes.quality.colour import chroma
from probes.quality.levels import levels, uniformity
from probes.quality.noise import noise_sigma
from probes.quality.sharpness import gradient
from probes.quality.spectrum import half_spectrum, padded
from vmon.sim import scenes

KINDS = ("healthy", "night_ir", "night", "color_cast", "ir_cut", "noisy", "too_dark", "black")


@pytest.mark.parametrize("shape", [(135, 240), (68, 120), (17, 16), (16, 17), (33, 31)])
def test_half_spectrum_is_the_power_spectrum(shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(0, 10, shape).astype(np.float32)
    full = np.abs(np.fft.fft2(x.astype(np.float64))) ** 2
    half = half_spectrum(x)
    cols = (shape[1] - 1) // 2 + 1
    assert half.shape == (shape[0], cols)
    np.testing.assert_allclose(half, full[:, :cols], rtol=1e-3, atol=1e-2 * full.max() * 1e-4)
    pad = 3
    ext = padded(half, pad)
    ys = rng.integers(-pad, shape[0] + pad, 500)
    xs = rng.integers(-pad, cols - 1, 500)
    np.testing.assert_allclose(
        ext[ys + pad, xs + pad], full[ys % shape[0], xs % shape[1]], rtol=1e-3, atol=1e-2
    )


def _frame(kind: str) -> Work:
    return prepare(scenes.scene(kind, seed=2, width=960, height=540, t=7.0))


@pytest.mark.parametrize("kind", KINDS)
def test_noise_is_immerkaers_estimate(kind: str) -> None:
    work = _frame(kind)
    kernel = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float64)
    response = np.abs(cv2.filter2D(work.gray.astype(np.float64), -1, kernel))
    mag = gradient(work)[2]
    flat = mag <= np.median(mag[::3, ::3])
    expected = math.sqrt(math.pi / 2) * response[flat].mean() / 6
    assert noise_sigma(work) == pytest.approx(expected, rel=0.02, abs=0.02)


@pytest.mark.parametrize("kind", KINDS)
def test_chroma_is_the_median_and_mean_chroma(kind: str) -> None:
    work = _frame(kind)
    lab = cv2.cvtColor(work.small, cv2.COLOR_BGR2Lab).reshape(-1, 3)
    valid = (lab[:, 0] > 25) & (lab[:, 0] < 245)
    c = chroma(work)
    if valid.sum() < 64:
        assert c.saturation == 0.0
        return
    ab = lab[valid, 1:].astype(np.float64) - 128
    k = len(ab) // 2
    assert c.a == np.partition(ab[:, 0], k)[k] and c.b == np.partition(ab[:, 1], k)[k]
    sat = np.hypot(ab[:, 0], ab[:, 1])
    assert c.saturation == pytest.approx(sat.mean(), rel=1e-4, abs=1e-4)
    assert c.saturation_p95 == pytest.approx(np.percentile(sat, 95), abs=0.5)


@pytest.mark.parametrize("kind", KINDS)
def test_levels_are_the_gray_statistics(kind: str) -> None:
    work = _frame(kind)
    gray = work.gray.astype(np.float64)
    lv = levels(work)
    assert lv.mean == pytest.approx(gray.mean())
    assert lv.bright == pytest.approx((gray >= 235).mean())
    assert lv.dark == pytest.approx((gray <= 16).mean())
    assert lv.p50 == pytest.approx(np.percentile(gray, 50), abs=1.0)
    assert 0.0 <= uniformity(work) <= 1.0
