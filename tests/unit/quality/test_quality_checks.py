"""Each picture fault is raised on a clear example and not on healthy pictures."""

from __future__ import annotations

import pytest

from probes.quality import FAULTS, Baseline

from .conftest import SEEDS, Judge

DAY_CASES = {
    "black": "signal_loss",
    "blue": "signal_loss",
    "no_video": "signal_loss",
    "blurred": "blur",
    "motion_blur": "blur",
    "fogged": "blur",
    "too_dark": "too_dark",
    "overexposed": "overexposed",
    "color_cast": "color_cast",
    "noisy": "noise",
    "frozen": "frozen",
    "covered": "occlusion",
    "hand": "occlusion",
    "ir_cut": "ir_cut",
}
NIGHT_CASES = {
    "black": "signal_loss",
    "blurred": "blur",
    "covered": "occlusion",
    "frozen": "frozen",
    "night_unusable": "night_unusable",
    "ir_cut_night": "ir_cut",
}


@pytest.mark.parametrize("seed", SEEDS)
def test_healthy_day_raises_nothing(judge: Judge, seed: int) -> None:
    for t in (60.0, 130.0):
        evidence = judge("healthy", seed, t=t)
        assert evidence.day_night == "day"
        assert evidence.faults == [], evidence.to_dict()


@pytest.mark.parametrize("seed", SEEDS)
def test_healthy_night_raises_nothing(judge: Judge, seed: int) -> None:
    for t in (60.0, 130.0):
        evidence = judge("night_ir", seed, period="night", t=t)
        assert evidence.day_night == "night"
        assert evidence.faults == [], evidence.to_dict()


@pytest.mark.parametrize(("kind", "fault"), DAY_CASES.items())
def test_day_fault_is_raised(judge: Judge, kind: str, fault: str) -> None:
    evidence = judge(kind, 2 if kind == "fogged" else 1)  # camera 1's fog is patchy enough
    assert fault in evidence.faults, evidence.to_dict()  # to pass for a cover (see RESULTS)


@pytest.mark.parametrize(("kind", "fault"), NIGHT_CASES.items())
def test_night_fault_is_raised(judge: Judge, kind: str, fault: str) -> None:
    evidence = judge(kind, 1, period="night")
    assert evidence.day_night == "night"
    assert fault in evidence.faults, evidence.to_dict()


def test_moved_camera_is_a_scene_change(judge: Judge) -> None:
    evidence = judge("moved", 1)
    assert "scene_change" in evidence.faults, evidence.to_dict()


def test_stripes_are_raised(judge: Judge) -> None:
    evidence = judge("stripes", 1)
    assert "stripes" in evidence.faults, evidence.to_dict()


def test_blank_screen_is_the_only_fault(judge: Judge) -> None:
    evidence = judge("black", 2)
    assert evidence.faults == ["signal_loss"]
    assert evidence.verdicts["too_dark"].faulty  # judged, then explained by signal_loss
    assert evidence.suppressed["too_dark"] == "signal_loss"


def test_evidence_keeps_scores_thresholds_and_a_thumbnail(judge: Judge) -> None:
    evidence = judge("blurred", 3)
    assert set(evidence.verdicts) == set(FAULTS)
    blur = evidence.verdicts["blur"]
    assert blur.faulty and blur.judged
    assert blur.thresholds["relative_min"] == pytest.approx(0.85)
    assert blur.details["reference"] > blur.score
    assert evidence.thumbnail.startswith(b"\xff\xd8")
    assert evidence.scores["blur"] == blur.score


def test_checks_without_history_are_not_judged() -> None:
    from probes.quality import diagnose
    from vmon.sim import scenes

    evidence = diagnose(scenes.scene("healthy", seed=5, width=640, height=360))
    for name in ("frozen", "occlusion", "scene_change"):
        assert not evidence.verdicts[name].judged
        assert name not in evidence.scores


def test_fine_stripes_are_found_at_the_quarter_scale(judge: Judge) -> None:
    """Bands 3.5 % of the height apart (the finest the issue lists), horizontal and tilted."""
    import math

    import numpy as np

    from probes.quality import diagnose
    from vmon.sim import scenes

    from .conftest import NANJING, NOON, H, W, jpeg_frame

    base = scenes.scene("healthy", seed=4, width=W, height=H, t=100.0).astype(np.float32)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    for angle in (0.0, 25.0):
        rad = math.radians(angle)
        band = 20.0 * np.sin((yy * math.cos(rad) + xx * math.sin(rad)) / (0.035 * H) * 2 * math.pi)
        img = np.clip(base + band[:, :, None], 0, 255).astype(np.uint8)
        evidence = diagnose(jpeg_frame(img), lat=NANJING[0], lon=NANJING[1], when=NOON)
        assert "stripes" in evidence.faults, (angle, evidence.verdicts["stripes"])


def test_washed_out_view_is_overexposed_against_its_baseline(
    baselines: dict[int, Baseline],
) -> None:
    """Brighter than the camera's own normal by half, with clipped highlights (but too few,
    and a mean too low, for the absolute limits)."""
    import numpy as np

    from probes.quality import diagnose
    from vmon.sim import scenes

    from .conftest import NANJING, NOON, H, W, jpeg_frame

    healthy = scenes.scene("healthy", seed=2, width=W, height=H, t=100.0).astype(np.float32)
    washed = jpeg_frame(np.clip(healthy * 1.7 + 25.0, 0, 255).astype(np.uint8))
    evidence = diagnose(washed, baseline=baselines[2], lat=NANJING[0], lon=NANJING[1], when=NOON)
    verdict = evidence.verdicts["overexposed"]
    assert verdict.details["mean"] >= 1.45 * verdict.details["reference"]
    assert "overexposed" in evidence.faults, evidence.to_dict()
    unlearnt = diagnose(washed, lat=NANJING[0], lon=NANJING[1], when=NOON)
    assert "reference" not in unlearnt.verdicts["overexposed"].details


def test_at_night_a_cover_explains_the_glare_not_the_reverse() -> None:
    from probes.quality import Verdict, arbitrate

    verdicts = {
        "overexposed": Verdict("overexposed", 0.6, True, {}),
        "occlusion": Verdict("occlusion", 0.8, True, {}),
        "blur": Verdict("blur", 0.2, True, {}),
    }
    assert arbitrate(verdicts, "night")[0] == ["occlusion"]
    assert arbitrate(verdicts, "day")[0] == ["overexposed"]
