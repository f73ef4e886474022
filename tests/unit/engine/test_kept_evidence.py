"""Evidence as the engine keeps it: the same content, its threshold tables and names shared."""

from __future__ import annotations

import pickle
import tracemalloc
from dataclasses import replace
from typing import Any

import numpy as np

from probes.base import Deadline, Measurements, Target
from probes.quality import Evidence, diagnose
from probes.quality.evidence import Verdict
from vmon.engine.kept_evidence import kept
from vmon.engine.runner import Runner
from vmon.sim.scenes import scene

EVIDENCE = diagnose(scene("healthy", seed=3, width=640, height=360))
FROM_A_WORKER = pickle.dumps(EVIDENCE)  # as a picture worker sends it


def arrived() -> Evidence:
    """A fresh copy, as unpickled in the engine: every table and name its own."""
    evidence = pickle.loads(FROM_A_WORKER)
    assert isinstance(evidence, Evidence)
    return evidence


def test_kept_evidence_says_the_same() -> None:
    original = arrived()
    assert kept(original) == original
    assert kept(original).to_dict() == original.to_dict()
    assert kept(original).thumbnail == original.thumbnail


def test_two_cameras_share_their_threshold_tables() -> None:
    first, second = kept(arrived()), kept(arrived())
    for name, verdict in first.verdicts.items():
        assert verdict.thresholds is second.verdicts[name].thresholds
    assert arrived().verdicts["blur"].thresholds is not arrived().verdicts["blur"].thresholds


def test_kept_evidence_takes_less_than_half_the_memory() -> None:
    tracemalloc.start()
    try:
        as_arrived = [arrived() for _ in range(200)]
        arrived_bytes = tracemalloc.get_traced_memory()[0]
        del as_arrived
        tracemalloc.clear_traces()
        kept_copies = [kept(arrived()) for _ in range(200)]
        kept_bytes = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert len(kept_copies) == 200
    assert kept_bytes < arrived_bytes / 2


def test_an_unhashable_threshold_is_kept_as_it_is() -> None:
    verdict = Verdict("blur", 0.5, False, {"zones": [1, 2]}, {"edge": 0.1})
    evidence = replace(arrived(), verdicts={"blur": verdict})
    assert kept(evidence).verdicts["blur"] == verdict


async def test_the_runner_keeps_evidence_in_its_shared_form() -> None:
    class WorkerJudge:
        restarts = 0

        def __call__(self, frames: Any, context: Any, size: Any) -> Evidence:
            return arrived()

        def forget(self, camera_ids: Any) -> None:
            """Nothing kept."""

        def close(self) -> None:
            """Nothing to stop."""

    async def grabs(target: Target, deadline: Deadline) -> Measurements:
        return Measurements(frames=[np.zeros((2, 2, 3), np.uint8)])

    runner = Runner({"frame": grabs}, {"frame": 1.0}, diagnose=WorkerJudge())
    first = await runner.run("frame", Target(host="192.0.2.1", name="c1"))
    second = await runner.run("frame", Target(host="192.0.2.2", name="c2"))
    runner.close()
    assert first.picture == EVIDENCE
    assert first.picture.verdicts["noise"].thresholds is second.picture.verdicts["noise"].thresholds
