"""The simulated scenes: shapes, determinism, motion, and the faults' signatures."""

from __future__ import annotations

import numpy as np
import pytest

from vmon.sim import scenes


@pytest.mark.parametrize("kind", scenes.KINDS)
def test_every_kind_renders(kind: str) -> None:
    img = scenes.scene(kind, seed=3, width=320, height=240, t=1.5)
    assert img.shape == (240, 320, 3) and img.dtype == np.uint8
    assert np.array_equal(img, scenes.scene(kind, seed=3, width=320, height=240, t=1.5))


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown scene kind"):
        scenes.scene("sunny", seed=1)


def test_healthy_scene_moves_with_time_but_frozen_does_not() -> None:
    a = scenes.scene("healthy", seed=1, t=0.0).astype(np.int16)
    b = scenes.scene("healthy", seed=1, t=2.0).astype(np.int16)
    moving = np.abs(a - b).max(axis=2) > 40  # people and cars, beyond the sensor noise
    assert 0.002 < moving.mean() < 0.3
    assert np.array_equal(
        scenes.scene("frozen", seed=1, t=0.0), scenes.scene("frozen", seed=1, t=9.0)
    )


def test_cameras_differ_by_seed() -> None:
    a, b = scenes.scene("healthy", seed=1), scenes.scene("healthy", seed=2)
    assert np.abs(a.astype(np.int16) - b.astype(np.int16)).mean() > 10


def test_night_kinds_look_like_night() -> None:
    ir = scenes.scene("night_ir", seed=1)
    assert np.array_equal(ir[:, :, 0], ir[:, :, 1]) and np.array_equal(ir[:, :, 1], ir[:, :, 2])
    day = scenes.scene("healthy", seed=1).mean()
    assert scenes.scene("night", seed=1).mean() < day
    assert scenes.scene("night_unusable", seed=1).mean() < 40


def test_every_fault_kind_names_its_fault() -> None:
    from probes.quality import FAULTS

    assert set(scenes.FAULT_OF_KIND) == set(scenes.KINDS)
    assert {f for f in scenes.FAULT_OF_KIND.values() if f} <= set(FAULTS)


def test_degrade_any_picture() -> None:
    rng = np.random.default_rng(0)
    img = scenes.scene("healthy", seed=1, width=200, height=120)
    for kind in (*scenes.OPTICAL_KINDS, *scenes.SIGNAL_KINDS):
        out = scenes.degrade(kind, img, rng)
        assert out.shape == img.shape and out.dtype == np.uint8
    with pytest.raises(ValueError):
        scenes.degrade("moved", img, rng)


def test_photo_backdrop_is_a_world() -> None:
    photo = np.zeros((100, 150, 3), np.uint8)
    photo[:, 75:] = (30, 160, 40)
    layout = scenes.add_backdrop("test-halves", photo)
    img = scenes.scene("healthy", seed=1, width=320, height=240, layout=layout)
    assert img[120, 10, 1] < img[120, 310, 1]  # the green half is on the right
