"""Covers that change the light (a pale cover, paint over the whole lens, a cover lit by the
infrared lamp) and mild IR-cut faults: what each is told apart from."""

from __future__ import annotations

import cv2
import numpy as np

from probes.quality import Baseline, Thresholds, Verdict, arbitrate, diagnose
from probes.quality.checks import _covered
from probes.quality.compare import Comparison
from vmon.sim import scenes

from .conftest import H, W, jpeg_frame

STREET = 1


def _healthy(mode: str = "day", t: float = 100.0) -> np.ndarray:
    kind = "healthy" if mode == "day" else "night_ir"
    return scenes.scene(kind, seed=STREET, width=W, height=H, t=t)


def _flat(level: tuple[int, int, int], grain: float) -> np.ndarray:
    """A flat field of `level` with the on-screen clock: `grain` 0 is an encoder's screen,
    more is what a live sensor sees through paint."""
    img = np.empty((H, W, 3), np.float32)
    img[:] = level
    img += np.random.default_rng(7).normal(0.0, grain, (H, W, 1)).astype(np.float32)
    return scenes.osd(np.clip(img, 0, 255).astype(np.uint8), t=100.0)


def test_a_lens_painted_over_is_occlusion_not_signal_loss(
    baselines: dict[int, Baseline],
) -> None:
    """Lit and grainy: the sensor still sees, something is in front of it."""
    painted = _flat((150, 160, 158), grain=2.0)
    evidence = diagnose(jpeg_frame(painted), baseline=baselines[STREET], period="day")
    assert evidence.verdicts["occlusion"].details["painted"] == 1.0
    assert evidence.faults == ["occlusion"], evidence.to_dict()


def test_an_encoder_screen_stays_signal_loss(baselines: dict[int, Baseline]) -> None:
    """The same flat colour drawn by the encoder, without grain, and a black dead sensor."""
    for screen in (_flat((150, 160, 158), grain=0.0), _flat((2, 2, 2), grain=1.2)):
        evidence = diagnose(jpeg_frame(screen), baseline=baselines[STREET], period="day")
        assert evidence.verdicts["occlusion"].details["painted"] == 0.0
        assert evidence.faults == ["signal_loss"], evidence.to_dict()


def _pale_paint(img: np.ndarray, cover: float, level: float) -> np.ndarray:
    """Opaque pale paint over the left `cover` of the view (soft-edged), the grain on top."""
    edge = np.zeros((H, W), np.float32)
    edge[:, : int(cover * W)] = 1.0
    mask = cv2.GaussianBlur(edge, (0, 0), 0.03 * W)[:, :, None]
    out = img.astype(np.float32) * (1.0 - mask) + level * mask
    out += np.random.default_rng(5).normal(0.0, 2.0, out.shape).astype(np.float32)
    return scenes.osd(np.clip(out, 0, 255).astype(np.uint8), t=100.0)


def test_a_pale_cover_is_occlusion_not_overexposed(baselines: dict[int, Baseline]) -> None:
    """Bright, but not clipped: the cover is why the picture is bright."""
    img = _pale_paint(_healthy(), cover=0.85, level=225.0)
    evidence = diagnose(jpeg_frame(img), baseline=baselines[STREET], period="day")
    assert evidence.verdicts["occlusion"].details["lit"] == 1.0
    assert "occlusion" in evidence.faults, evidence.to_dict()
    assert "overexposed" not in evidence.faults


def test_a_clipped_picture_stays_overexposed(baselines: dict[int, Baseline]) -> None:
    img = scenes.scene("overexposed", seed=STREET, width=W, height=H, t=100.0)
    evidence = diagnose(jpeg_frame(img), baseline=baselines[STREET], period="day")
    assert evidence.verdicts["occlusion"].details["lit"] == 0.0
    assert "overexposed" in evidence.faults, evidence.to_dict()


def test_lit_arbitration_needs_the_detail() -> None:
    bright = Verdict("overexposed", 0.6, True, {})
    lit = {"overexposed": bright, "occlusion": Verdict("occlusion", 0.7, True, {}, {"lit": 1.0})}
    assert arbitrate(lit)[0] == ["occlusion"]
    unlit = {"overexposed": bright, "occlusion": Verdict("occlusion", 0.7, True, {}, {"lit": 0.0})}
    assert arbitrate(unlit)[0] == ["overexposed"]


def test_a_bright_cover_over_most_of_an_infrared_view_is_occlusion(
    baselines: dict[int, Baseline],
) -> None:
    """The infrared lamp lights paint near the lens: the picture's median is the paint's, so
    the exposure is judged from the part of the view still in place."""
    img = _pale_paint(_healthy("ir"), cover=0.7, level=175.0)
    gray = cv2.cvtColor(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    evidence = diagnose(jpeg_frame(gray), baseline=baselines[STREET], period="night")
    assert "occlusion" in evidence.faults, evidence.to_dict()


def test_a_brighter_infrared_night_is_not_occlusion(baselines: dict[int, Baseline]) -> None:
    """The lamp or the gain up by a third: an exposure change, not a cover."""
    img = np.clip(_healthy("ir").astype(np.float32) * 1.3 + 10.0, 0, 255).astype(np.uint8)
    evidence = diagnose(jpeg_frame(img), baseline=baselines[STREET], period="night")
    assert "occlusion" not in evidence.faults, evidence.to_dict()


def _ir_flood(img: np.ndarray, strength: float) -> np.ndarray:
    """Infrared over every pixel (R > B > G), the scene's own colours washed out."""
    light = img.astype(np.float32) / 255.0
    gray = light.mean(axis=2, keepdims=True)
    washed = light * 0.6 + gray * 0.4 + gray * strength * np.array([0.75, 0.35, 1.0], np.float32)
    return np.clip(washed * 255.0, 0, 255).astype(np.uint8)


def test_a_mild_infrared_flood_is_ir_cut(baselines: dict[int, Baseline]) -> None:
    """A weak leak shifts the colour less, but every colour moves together to pink."""
    img = _ir_flood(_healthy(), strength=0.3)
    evidence = diagnose(jpeg_frame(img), baseline=baselines[STREET], period="day")
    verdict = evidence.verdicts["ir_cut"]
    assert verdict.details["ratio"] >= 2.5
    assert "ir_cut" in evidence.faults, evidence.to_dict()


def test_a_pink_bus_is_not_ir_cut(baselines: dict[int, Baseline]) -> None:
    """A pink vehicle filling a sixth of the view moves the colour its own way only."""
    img = _healthy().copy()
    cv2.rectangle(img, (40, 220), (300, 350), (200, 120, 230), -1)
    evidence = diagnose(jpeg_frame(img), baseline=baselines[STREET], period="day")
    assert "ir_cut" not in evidence.faults, evidence.to_dict()


def test_a_faint_colour_at_night_on_an_infrared_camera_is_ir_cut(
    baselines: dict[int, Baseline],
) -> None:
    """Dark and at high gain the colour is faint, but an infrared picture has none at all."""
    img = _healthy("ir").astype(np.float32) * 0.5
    img *= np.array([0.9, 1.0, 1.15], np.float32)
    frame = jpeg_frame(np.clip(img, 0, 255).astype(np.uint8))
    evidence = diagnose(frame, baseline=baselines[STREET], period="night")
    assert evidence.verdicts["ir_cut"].faulty, evidence.to_dict()
    healthy = diagnose(jpeg_frame(_healthy("ir")), baseline=baselines[STREET], period="night")
    assert not healthy.verdicts["ir_cut"].faulty


def test_a_purple_white_balance_drift_is_not_ir_cut(baselines: dict[int, Baseline]) -> None:
    """Every colour moves toward purple, but no light is added: not infrared."""
    gains = np.array([1.06, 0.94, 1.06], np.float32)
    img = np.clip(_healthy().astype(np.float32) * gains, 0, 255).astype(np.uint8)
    evidence = diagnose(jpeg_frame(img), baseline=baselines[STREET], period="day")
    assert evidence.verdicts["ir_cut"].details["brighter"] < 1.15
    assert "ir_cut" not in evidence.faults, evidence.to_dict()


def test_part_of_the_view_replaced_with_the_rest_in_place_is_occlusion() -> None:
    """Leaves as detailed as the busy view they hide: not blind, not cluttered, nothing
    newly sharp; but the rest of the view is exactly in place, which a camera that moved
    (even slightly) never keeps."""
    limits = Thresholds().occlusion
    leaves = Comparison(
        changed=0.6, restructured=0.6, covered=0.02, revealed=0.0, cluttered=0.0,
        matched=0.4, texture=1.0, anchored=1.0,
    )  # fmt: skip
    assert _covered(leaves, limits)
    moved = Comparison(
        changed=0.6, restructured=0.6, covered=0.02, revealed=0.0, cluttered=0.0,
        matched=0.4, texture=1.0, anchored=0.975,
    )  # fmt: skip
    assert not _covered(moved, limits)


def test_a_moved_camera_is_not_a_replaced_view(baselines: dict[int, Baseline]) -> None:
    img = scenes.scene("moved", seed=STREET, width=W, height=H, t=100.0)
    evidence = diagnose(jpeg_frame(img), baseline=baselines[STREET], period="day")
    assert "occlusion" not in evidence.faults, evidence.to_dict()
