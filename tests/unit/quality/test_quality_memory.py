"""What a camera's picture history costs in memory: derived arrays kept for a few recent
references only, and the previous frame's signature in bytes, not floats."""

from __future__ import annotations

import numpy as np

from probes.quality import Baseline, prepare, signature
from probes.quality.baseline import DERIVED_KEPT
from probes.quality.compare import frozen_difference
from vmon.sim import scenes

from .conftest import H, W, jpeg_frame


def _reference(seed: int) -> Baseline:
    baseline = Baseline()
    frame = prepare(jpeg_frame(scenes.scene("healthy", seed=1 + seed % 4, width=W, height=H)))
    baseline.learn(frame, "day")
    return baseline


def test_only_the_most_recent_references_keep_derived_arrays() -> None:
    refs = [_reference(i).day for i in range(DERIVED_KEPT + 8)]
    for index, ref in enumerate(refs):
        assert ref is not None
        ref.derived("test", lambda index=index: index)  # type: ignore[misc]
    kept = [ref for ref in refs if ref is not None and "test" in ref._derived]
    assert len(kept) == DERIVED_KEPT
    assert kept == refs[-DERIVED_KEPT:]
    first = refs[0]
    assert first is not None
    assert first.derived("test", lambda: -1) == -1  # recomputed once it is used again
    last = refs[-1]
    assert last is not None
    assert last.derived("test", lambda: -2) == len(refs) - 1  # still kept: not recomputed


def test_signature_is_bytes_and_float_signatures_still_compare() -> None:
    img = scenes.scene("healthy", seed=2, width=W, height=H)
    work = prepare(jpeg_frame(img))
    kept = signature(work)
    assert kept.dtype == np.uint8
    assert frozen_difference(prepare(jpeg_frame(img)), kept) == 0.0
    assert frozen_difference(prepare(jpeg_frame(img)), kept.astype(np.float32)) == 0.0
    moved = prepare(jpeg_frame(scenes.scene("healthy", seed=2, width=W, height=H, t=60.0)))
    assert frozen_difference(moved, kept) > 0.3


def test_a_resting_baseline_is_half_the_memory_and_wakes_for_use() -> None:
    from probes.quality import Diagnoser

    baseline = Baseline()
    for t in (0.0, 10.0, 20.0):
        baseline.learn(
            prepare(jpeg_frame(scenes.scene("healthy", seed=1, width=W, height=H, t=t))), "day"
        )
    awake = baseline.to_bytes()
    baseline.rest()
    assert baseline.day is not None and baseline.day.thumb.dtype == np.float16
    stored, before = Baseline.from_bytes(baseline.to_bytes()).day, Baseline.from_bytes(awake).day
    assert stored is not None and before is not None
    assert np.abs(stored.thumb - before.thumb).max() <= 1.0  # stored in whole gray levels
    ref = baseline.reference("day")
    assert ref is not None and ref.thumb.dtype == np.float32
    baseline.rest()
    healthy = jpeg_frame(scenes.scene("healthy", seed=1, width=W, height=H, t=40.0))
    evidence = Diagnoser(baseline=baseline).diagnose(healthy)
    assert evidence.faults == []
    assert baseline.day.frames == 4  # learnt the healthy frame, awake
