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
