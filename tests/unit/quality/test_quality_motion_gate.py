"""The motion search's further stage runs only when the view no longer matches in place,
and gating it changes no verdict: a rolled view is still found moved, a still one is not."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from probes.quality import Baseline, diagnose, prepare
from probes.quality import motion as motion_module
from probes.quality.baseline import Reference
from vmon.sim import scenes

from .conftest import NANJING, NOON, H, W, jpeg_frame

STREET = 1


def _rolled(angle: float) -> np.ndarray:
    img = scenes.scene("healthy", seed=STREET, width=W, height=H, t=40.0)
    turn = cv2.getRotationMatrix2D((W / 2, H / 2), angle, 1.0)
    return cv2.warpAffine(img, turn, (W, H), borderMode=cv2.BORDER_REFLECT)


def _judged(img: np.ndarray, baseline: Baseline) -> tuple[list[str], float]:
    evidence = diagnose(
        jpeg_frame(img), baseline=baseline, lat=NANJING[0], lon=NANJING[1], when=NOON
    )
    return evidence.faults, evidence.verdicts["scene_change"].details["displaced"]


def _searched_further(img: np.ndarray, ref: Reference, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Whether judging `img` against `ref` reached the further stage (its Fourier-Mellin
    estimate), watched through the module's own function."""
    calls = []
    real = motion_module._estimated

    def watched(*args: object) -> object:
        calls.append(1)
        return real(*args)  # type: ignore[arg-type]

    with monkeypatch.context() as patch:
        patch.setattr(motion_module, "_estimated", watched)
        motion_module.global_motion(prepare(jpeg_frame(img)), ref)
    return bool(calls)


def _without_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(motion_module, "_IN_PLACE", 2.0)  # no correlation reaches it


def test_a_rolled_view_is_searched_further_and_found_moved(
    baselines: dict[int, Baseline], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 25-degree roll matches no fixed candidate nor the view in place: the further stage
    runs, and finds the roll, with or without the gate."""
    img = _rolled(25.0)
    ref = baselines[STREET].reference("day")
    assert ref is not None
    assert _searched_further(img, ref, monkeypatch)
    gated = _judged(img, baselines[STREET])
    _without_gate(monkeypatch)
    assert gated == _judged(img, baselines[STREET])
    assert gated[0] == ["scene_change"] and gated[1] == 1.0


@pytest.mark.parametrize("kind", ["stripes", "noisy", "covered", "hand"])
def test_a_changed_still_view_is_not_searched_further_and_judged_the_same(
    kind: str, baselines: dict[int, Baseline], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Interference, grain or a cover changes many cells while the view stays where it
    was: it still matches in place, the further stage is skipped, and the verdict is the
    one the full search gives (not moved)."""
    img = scenes.scene(kind, seed=STREET, width=W, height=H, t=40.0)
    ref = baselines[STREET].reference("day")
    assert ref is not None
    work = prepare(jpeg_frame(img))
    identity = motion_module.global_motion(work, ref).identity
    assert identity >= motion_module._IN_PLACE
    assert not _searched_further(img, ref, monkeypatch)
    gated = _judged(img, baselines[STREET])
    _without_gate(monkeypatch)
    assert gated == _judged(img, baselines[STREET])
    assert gated[1] == 0.0
