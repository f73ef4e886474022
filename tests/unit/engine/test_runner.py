"""The runner: owns timing, bounds a probe from outside, classifies escapes, drops frames."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np

from probes.base import Deadline, Measurements, ProbeError, Reason, Target
from vmon.engine.runner import Runner

TARGET = Target(host="192.0.2.1", name="c1")


async def grabs(target: Target, deadline: Deadline) -> Measurements:
    values = {"frame_width": 1920.0, "frame_height": 1080.0}
    return Measurements(values=values, frames=[np.zeros((2, 2, 3), np.uint8)] * 2)


async def hangs(target: Target, deadline: Deadline) -> Measurements:
    await asyncio.sleep(3600)  # ignores its deadline, as a buggy probe might
    raise AssertionError


async def crashes(target: Target, deadline: Deadline) -> Measurements:
    raise KeyError("bug")


async def refuses(target: Target, deadline: Deadline) -> Measurements:
    raise ProbeError(Reason.REFUSED, "connection refused")


async def test_frames_are_judged_then_dropped() -> None:
    seen: list[Any] = []

    class Judge:
        restarts = 0

        def __call__(self, frames: Any, context: Any, size: Any) -> str:
            seen.append((len(frames), context, size))
            return "verdict"

        def forget(self, camera_ids: Any) -> None:
            raise AssertionError("nothing to forget")

        def close(self) -> None:
            seen.append("closed")

    runner = Runner({"frame": grabs}, {"frame": 1.0}, diagnose=Judge())
    outcome = await runner.run("frame", TARGET, "spec")
    assert outcome.success and outcome.picture == "verdict"
    assert seen == [(2, "spec", (1920, 1080))]  # the native size, frames may be shrunk
    assert outcome.measurements is not None and outcome.measurements.frames == []
    runner.close()
    assert seen[-1] == "closed"


async def test_a_probe_ignoring_its_deadline_is_cut_off_from_outside() -> None:
    outcome = await Runner({"onvif": hangs}, {"onvif": 0.2}).run("onvif", TARGET)
    assert outcome.error is not None and outcome.error.reason is Reason.TIMEOUT
    assert 0.2 <= outcome.duration < 0.4


async def test_escaping_exceptions_and_unknown_kinds_are_classified() -> None:
    runner = Runner({"ping": crashes, "snmp": refuses}, {})
    crashed, refused, unknown = [await runner.run(k, TARGET) for k in ("ping", "snmp", "rtsp")]
    assert crashed.error is not None and crashed.error.reason is Reason.INTERNAL
    assert refused.error is not None and refused.error.reason is Reason.REFUSED
    assert unknown.error is not None and unknown.error.reason is Reason.CONFIG
