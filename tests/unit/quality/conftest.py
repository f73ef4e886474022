"""Fixtures for the picture-diagnostics tests: simulated cameras with learnt baselines."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
import pytest

from probes.quality import Baseline, Evidence, decode_image, diagnose, prepare, signature
from vmon.sim import scenes

W, H = 640, 360
NANJING = (32.06, 118.80)
NOON = datetime(2024, 5, 1, 4, 0, tzinfo=UTC)  # 12:00 in Nanjing
MIDNIGHT = datetime(2024, 5, 1, 16, 0, tzinfo=UTC)  # 00:00 in Nanjing
SEEDS = (1, 2, 3, 4)  # street, parking, wall, indoor


def jpeg_frame(img: np.ndarray, quality: int = 80) -> np.ndarray:
    """The frame as a camera sends it: through JPEG, then decoded as the probe does."""
    return decode_image(_encode(img, quality))


def _encode(img: np.ndarray, quality: int) -> bytes:
    import cv2

    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return buf.tobytes()


def _learnt(seed: int) -> Baseline:
    baseline = Baseline()
    for t in (0.0, 10.0, 20.0, 30.0):
        day = scenes.scene("healthy", seed=seed, width=W, height=H, t=t)
        night = scenes.scene("night_ir", seed=seed, width=W, height=H, t=t)
        baseline.learn(prepare(jpeg_frame(day)), "day")
        baseline.learn(prepare(jpeg_frame(night)), "night")
    return baseline


@pytest.fixture(scope="session")
def baselines() -> dict[int, Baseline]:
    """A learnt baseline (day: colour, night: infrared) for each camera of `SEEDS`."""
    return {seed: _learnt(seed) for seed in SEEDS}


Judge = Callable[..., Evidence]


@pytest.fixture(scope="session")
def judge(baselines: dict[int, Baseline]) -> Judge:
    """Diagnose `kind` on camera `seed` as a service would: sun, baseline, previous frame."""

    def run(
        kind: str, seed: int, *, period: str = "day", t: float = 100.0, mode: str | None = None
    ) -> Evidence:
        when = NOON if period == "day" else MIDNIGHT
        if mode is None and period == "night":
            mode = "ir"
        frame = jpeg_frame(scenes.scene(kind, seed=seed, width=W, height=H, t=t, mode=mode))
        before = jpeg_frame(scenes.scene(kind, seed=seed, width=W, height=H, t=t - 2.0, mode=mode))
        return diagnose(
            frame, baseline=baselines[seed], previous=signature(prepare(before)),
            lat=NANJING[0], lon=NANJING[1], when=when,
        )  # fmt: skip

    return run
