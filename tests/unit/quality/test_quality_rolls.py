"""A camera rolled or zoomed by any amount is found moved (Fourier-Mellin); a nudge is not."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from probes.quality import Baseline, Evidence, diagnose, prepare, signature
from probes.quality.mellin import log_polar, turn_and_zoom
from probes.quality.motion import _highpass, _window
from probes.quality.phase import shifts, spectrum
from probes.quality.work import THUMB_SIZE
from vmon.sim import scenes

from .conftest import MIDNIGHT, NANJING, NOON, H, W, jpeg_frame

STREET, PARKING, WALL, INDOOR = 1, 2, 3, 4


def _photo() -> np.ndarray:
    from skimage import data

    return cv2.resize(data.camera(), (640, 360)).astype(np.float32)


def _thumb_of(img: np.ndarray) -> np.ndarray:
    return _highpass(cv2.resize(img, THUMB_SIZE, interpolation=cv2.INTER_AREA))


def _turned(img: np.ndarray, angle: float, zoom: float, dx: float = 0.0) -> np.ndarray:
    turn = cv2.getRotationMatrix2D((img.shape[1] / 2, img.shape[0] / 2), angle, zoom)
    turn[0, 2] += dx
    return cv2.warpAffine(img, turn, (img.shape[1], img.shape[0]))


@pytest.mark.parametrize(
    ("angle", "zoom", "dx"),
    [(20.0, 1.0, 0.0), (-17.0, 1.0, 40.0), (0.0, 1.6, 30.0), (8.0, 1.4, -20.0), (-30.0, 1.0, 0.0)],
)
def test_roll_and_zoom_are_found_in_one_step(angle: float, zoom: float, dx: float) -> None:
    photo = _photo()
    reference = log_polar(_thumb_of(photo), _window())
    current = log_polar(_thumb_of(_turned(photo, angle, zoom, dx)), _window())
    estimates = turn_and_zoom(reference, current)
    assert len(estimates) == 1
    found = estimates[0]
    assert found[1] == pytest.approx(angle, abs=1.5)
    assert found[0] == pytest.approx(zoom, rel=0.04)


def test_phase_correlation_finds_the_shift_and_other_peaks() -> None:
    photo = _thumb_of(_photo())
    moved = np.roll(photo, (4, -9), axis=(0, 1))
    ref, cur = spectrum(photo, _window()), spectrum(moved, _window())
    peaks = shifts(ref, cur, 3)
    assert len(peaks) == 3
    dx, dy, peak = peaks[0]
    assert (dx, dy) == pytest.approx((-9.0, 4.0), abs=0.3)
    assert peak > 2 * peaks[1][2]  # a true shift stands out
    (cx, cy), _ = cv2.phaseCorrelate(photo.copy(), moved.copy(), _window())
    assert (dx, dy) == pytest.approx((cx, cy), abs=0.05)  # as OpenCV's own estimate


def _posed(seed: int, pose: scenes.Pose, *, t: float, mode: str) -> np.ndarray:
    lit = scenes.render(seed=seed, width=W, height=H, t=t, mode=mode, pose=pose)
    lit = cv2.GaussianBlur(lit, (0, 0), 0.6 * W / 640)
    sigma = 1.2 if mode == "day" else 2.5
    img = scenes.sensor(lit, np.random.default_rng(int(t)), sigma=sigma)
    return jpeg_frame(scenes.osd(img, t=t, name=f"CAM-{seed:04d}"))


def _judge(baselines: dict[int, Baseline], seed: int, pose: scenes.Pose, night: bool) -> Evidence:
    mode = "ir" if night else "day"
    frame, before = _posed(seed, pose, t=300.0, mode=mode), _posed(seed, pose, t=298.0, mode=mode)
    return diagnose(
        frame, baseline=baselines[seed], previous=signature(prepare(before)),
        lat=NANJING[0], lon=NANJING[1], when=MIDNIGHT if night else NOON,
    )  # fmt: skip


@pytest.mark.parametrize("seed", [STREET, PARKING, INDOOR])
@pytest.mark.parametrize("angle", [20.0, -19.0])
def test_a_view_rolled_twenty_degrees_at_night_is_a_scene_change(
    baselines: dict[int, Baseline], seed: int, angle: float
) -> None:
    evidence = _judge(baselines, seed, scenes.Pose(angle=angle), night=True)
    assert evidence.day_night == "night"
    assert "scene_change" in evidence.faults, evidence.to_dict()
    assert "occlusion" not in evidence.faults
    details = evidence.verdicts["scene_change"].details
    assert details["displaced"] == 1.0


@pytest.mark.parametrize(
    "pose",
    [scenes.Pose(angle=0.8), scenes.Pose(dx=0.01), scenes.Pose(dy=-0.012)],
    ids=["turned", "panned", "tilted"],
)
@pytest.mark.parametrize("night", [False, True], ids=["day", "night"])
def test_a_nudged_view_is_not_a_scene_change(
    baselines: dict[int, Baseline], pose: scenes.Pose, night: bool
) -> None:
    for seed in (STREET, PARKING):
        evidence = _judge(baselines, seed, pose, night=night)
        assert "scene_change" not in evidence.faults, evidence.to_dict()
        assert "occlusion" not in evidence.faults
