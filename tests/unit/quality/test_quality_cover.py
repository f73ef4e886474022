"""Occlusion, the IR-cut filter and day/night without coordinates: the physics of each fault."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from probes.quality import Baseline, Verdict, arbitrate, diagnose, prepare, signature
from probes.quality.compare import compare
from vmon.sim import scenes

from .conftest import MIDNIGHT, NANJING, NOON, SEEDS, H, W, jpeg_frame

STREET = 1


def _day(img: np.ndarray, baseline: Baseline, *, located: bool = True) -> list[str]:
    where = {"lat": NANJING[0], "lon": NANJING[1], "when": NOON} if located else {}
    return diagnose(jpeg_frame(img), baseline=baseline, **where).faults  # type: ignore[arg-type]


def _healthy(seed: int = STREET, t: float = 100.0) -> np.ndarray:
    return scenes.scene("healthy", seed=seed, width=W, height=H, t=t)


def _milky(
    img: np.ndarray, opacity: float, paint: tuple[float, float, float], cover: float
) -> np.ndarray:
    """Milky paint over the left `cover` of the lens (soft-edged): the scene far out of focus
    behind a bright veil there, the sensor's grain and the on-screen clock on top."""
    behind = cv2.GaussianBlur(img.astype(np.float32), (0, 0), 0.02 * W)
    veiled = behind * (1.0 - opacity) + np.array(paint, np.float32) * 255.0 * opacity
    edge = np.zeros((H, W), np.float32)
    edge[:, : int(cover * W)] = 1.0
    mask = (cv2.GaussianBlur(edge, (0, 0), 0.03 * W) if cover < 1.0 else edge)[:, :, None]
    out = img.astype(np.float32) * (1.0 - mask) + veiled * mask
    out += np.random.default_rng(5).normal(0.0, 3.0, out.shape).astype(np.float32)
    return scenes.osd(np.clip(out, 0, 255).astype(np.uint8), t=100.0)


def test_milky_spray_over_a_textured_scene_is_occlusion(baselines: dict[int, Baseline]) -> None:
    """Paint that kept under a tenth of the contrast of a detailed view, over all of it: no
    longer a fogged lens (which keeps a fifth to a half) but a covered one."""
    sprayed = _milky(_healthy(), 0.93, (0.8, 0.82, 0.78), cover=0.75)
    evidence = diagnose(jpeg_frame(sprayed), baseline=baselines[STREET], period="day")
    assert evidence.verdicts["occlusion"].details["veiled"] >= 0.3
    assert "occlusion" in evidence.faults, evidence.to_dict()
    assert "blur" not in evidence.faults


def test_a_fogged_lens_is_blur_not_a_veil(baselines: dict[int, Baseline]) -> None:
    fogged = _milky(_healthy(), 0.6, (0.8, 0.8, 0.8), cover=1.0)
    evidence = diagnose(jpeg_frame(fogged), baseline=baselines[STREET], period="day")
    assert evidence.verdicts["occlusion"].details["veiled"] < 0.3
    assert "blur" in evidence.faults, evidence.to_dict()
    assert "occlusion" not in evidence.faults


def test_a_bus_passing_close_is_not_an_occlusion(baselines: dict[int, Baseline]) -> None:
    """A large, sharp, flat-sided vehicle near the camera covers a fifth of the view for a
    moment: the rest of the view is in place, and the bus is in focus."""
    img = _healthy().copy()
    cv2.rectangle(img, (60, 200), (380, 350), (40, 120, 200), -1)
    for k in range(5):
        x = 80 + k * 60
        cv2.rectangle(img, (x, 215), (x + 40, 270), (60, 50, 40), -1)
    cv2.putText(img, "K8", (180, 330), 0, 1.5, (250, 250, 250), 3)
    faults = _day(img, baselines[STREET])
    assert faults == [], faults


def test_a_dark_cloth_over_the_lens_is_occlusion_not_too_dark(
    baselines: dict[int, Baseline],
) -> None:
    """The whole view under a dark, out-of-focus cloth: too dark, but nothing of the view is
    left in place, which a picture merely short of light keeps."""
    rng = np.random.default_rng(3)
    folds = cv2.resize(rng.uniform(0.6, 1.4, (4, 6)).astype(np.float32), (W, H))
    cloth = cv2.GaussianBlur(np.stack([22.0 * folds] * 3, axis=2), (0, 0), 4.0)
    cloth += np.asarray(rng.normal(0.0, 2.0, cloth.shape), np.float32)
    img = scenes.osd(np.clip(cloth, 0, 255).astype(np.uint8), t=100.0)
    evidence = diagnose(jpeg_frame(img), baseline=baselines[STREET], period="day")
    assert evidence.verdicts["occlusion"].details["opaque"] == 1.0
    assert "occlusion" in evidence.faults, evidence.to_dict()
    assert "too_dark" not in evidence.faults


def test_a_picture_short_of_light_is_too_dark_not_occlusion(
    baselines: dict[int, Baseline],
) -> None:
    dark = scenes.scene("too_dark", seed=STREET, width=W, height=H, t=100.0)
    evidence = diagnose(jpeg_frame(dark), baseline=baselines[STREET], period="day")
    assert evidence.verdicts["occlusion"].details["opaque"] == 0.0
    assert evidence.faults == ["too_dark"], evidence.to_dict()


@pytest.mark.parametrize("seed", [1, 2, 4])
def test_a_stuck_ir_cut_filter_by_day_is_ir_cut(baselines: dict[int, Baseline], seed: int) -> None:
    img = scenes.scene("ir_cut", seed=seed, width=W, height=H, t=100.0)
    evidence = diagnose(jpeg_frame(img), baseline=baselines[seed], period="day")
    assert "ir_cut" in evidence.faults, evidence.to_dict()
    assert evidence.verdicts["ir_cut"].details["a"] >= 8.0


def test_a_magenta_cast_is_a_colour_cast(baselines: dict[int, Baseline]) -> None:
    """White balance gone magenta: a colour cast (ir_cut may be raised too: it looks alike)."""
    gains = np.array([1.3, 0.7, 1.3], np.float32)
    img = np.clip(_healthy().astype(np.float32) * gains, 0, 255).astype(np.uint8)
    evidence = diagnose(jpeg_frame(img), baseline=baselines[STREET], period="day")
    assert "color_cast" in evidence.faults, evidence.to_dict()
    assert set(evidence.faults) <= {"color_cast", "ir_cut"}


def test_a_scene_washed_out_toward_gray_is_not_ir_cut(baselines: dict[int, Baseline]) -> None:
    """Fog moves a green-yellow scene's colour toward gray, which is the purple direction
    relative to it; but the picture itself is not pink, and infrared light makes it pink."""
    img = scenes.scene("fogged", seed=STREET, width=W, height=H, t=100.0)
    evidence = diagnose(jpeg_frame(img), baseline=baselines[STREET], period="day")
    assert "ir_cut" not in evidence.faults
    assert not evidence.verdicts["ir_cut"].faulty


def test_without_coordinates_a_colour_cover_is_day_for_an_infrared_camera(
    baselines: dict[int, Baseline],
) -> None:
    """An infrared camera's night pictures have no colour at all: a colourful, clean picture
    is a day picture, however dark the leaves in front of the lens make it."""
    img = scenes.scene("leaves", seed=STREET, width=W, height=H, t=100.0)
    evidence = diagnose(jpeg_frame(img), baseline=baselines[STREET])
    assert evidence.day_night == "day"
    assert "ir_cut" not in evidence.faults


def test_without_coordinates_a_bright_grayscale_cover_is_night(
    baselines: dict[int, Baseline],
) -> None:
    """A cover lit by the camera's own infrared lamp: bright, but grayscale, so night."""
    img = scenes.scene("covered", seed=STREET, width=W, height=H, t=100.0, mode="ir")
    evidence = diagnose(jpeg_frame(img), baseline=baselines[STREET])
    assert evidence.day_night == "night"
    assert "occlusion" in evidence.faults, evidence.to_dict()


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("t", [100.0, 130.0, 400.0])
def test_a_stuck_ir_cut_at_night_stays_night_without_coordinates(
    baselines: dict[int, Baseline], seed: int, t: float
) -> None:
    """A colour picture at night has the night's gain: grainy, so still judged at night.
    Its colour is the fault, not a sign of day (it once decided the street at t=130)."""
    img = scenes.scene("ir_cut_night", seed=seed, width=W, height=H, t=t)
    evidence = diagnose(jpeg_frame(img), baseline=baselines[seed])
    assert evidence.day_night == "night"


def test_a_stuck_ir_cut_at_night_is_found_by_the_sun(baselines: dict[int, Baseline]) -> None:
    img = scenes.scene("ir_cut_night", seed=STREET, width=W, height=H, t=100.0)
    located = diagnose(
        jpeg_frame(img), baseline=baselines[STREET], lat=NANJING[0], lon=NANJING[1], when=MIDNIGHT
    )
    assert "ir_cut" in located.faults, located.to_dict()


def test_at_night_colour_stripes_explain_the_colour() -> None:
    verdicts = {
        "stripes": Verdict("stripes", 2.0, True, {}),
        "ir_cut": Verdict("ir_cut", 6.0, True, {}),
        "occlusion": Verdict("occlusion", 0.5, True, {}),
    }
    assert arbitrate(verdicts, "night")[0] == ["stripes"]
    assert arbitrate(verdicts, "day")[0] == ["stripes", "ir_cut"]


def test_an_opaque_cover_is_not_explained_by_darkness() -> None:
    dark = Verdict("too_dark", 18.0, True, {})
    opaque = {"too_dark": dark, "occlusion": Verdict("occlusion", 0.9, True, {}, {"opaque": 1.0})}
    assert arbitrate(opaque)[0] == ["occlusion"]
    clear = Verdict("occlusion", 0.4, True, {}, {"opaque": 0.0})
    see_through = {"too_dark": dark, "occlusion": clear}
    assert arbitrate(see_through)[0] == ["too_dark"]


def test_veiled_cells_need_lost_contrast_and_lost_focus(baselines: dict[int, Baseline]) -> None:
    """The same picture is not veiled at all; a picture with every cell flat is veiled where
    the baseline had structure."""
    ref = baselines[STREET].reference("day")
    assert ref is not None
    same = prepare(jpeg_frame(scenes.scene("healthy", seed=STREET, width=W, height=H, t=20.0)))
    assert compare(same, ref).veiled < 0.05
    flat = prepare(np.full((H, W, 3), 200, np.uint8))
    assert compare(flat, ref).veiled >= 0.5
    assert signature(flat).shape == signature(same).shape
