"""Picture judging in worker processes: history stays with the camera's worker, a dead worker
is replaced, removed cameras are forgotten, the engine's pictures cross shrunk."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from probes.quality import DiagnosticsConfig
from vmon.engine.fleet import CameraSpec
from vmon.engine.picture_workers import PictureWorkers
from vmon.sim.scenes import scene

pytestmark = pytest.mark.timeout(120)

SPEC = CameraSpec(id="c1", name="c1", unit="u", camera_class="1")
STILL = scene("frozen", seed=7, width=1280, height=720)


@pytest.fixture
def workers() -> Iterator[PictureWorkers]:
    pool = PictureWorkers(DiagnosticsConfig(), workers=2, timeout=60)
    yield pool
    pool.close()


def test_the_camera_history_lives_in_its_worker(workers: PictureWorkers) -> None:
    first = workers([STILL], SPEC, (1280, 720))
    assert first is not None and "frozen" not in first.faults  # nothing to compare with yet
    second = workers([STILL.copy()], SPEC, (1280, 720))
    assert second is not None and "frozen" in second.faults
    assert second.source_size == (1280, 720)
    other = CameraSpec(id="c2", name="c2", unit="u", camera_class="1")
    alone = workers([STILL.copy()], other, None)
    assert alone is not None and "frozen" not in alone.faults


def test_forgotten_cameras_start_afresh(workers: PictureWorkers) -> None:
    assert workers([STILL], SPEC, None) is not None
    workers.forget(["c1"])
    again = workers([STILL.copy()], SPEC, None)
    assert again is not None and "frozen" not in again.faults


def test_a_dead_worker_is_replaced(workers: PictureWorkers) -> None:
    assert workers([STILL], SPEC, None) is not None
    pool = workers._pools[workers._shard("c1")]
    pids = list(pool._processes or {})
    assert pids, "the worker process runs"
    os.kill(pids[0], signal.SIGKILL)
    assert workers([STILL], SPEC, None) is None  # the grab in flight is lost, not the engine
    assert workers.restarts == 1
    judged = workers([STILL], SPEC, None)
    assert judged is not None and "frozen" not in judged.faults  # its history restarted


def test_what_is_not_a_registry_camera_is_not_judged(workers: PictureWorkers) -> None:
    assert workers([STILL], "not a spec", None) is None
    assert workers([], SPEC, None) is None


_ORPHAN_SCRIPT = """
import sys
from vmon.engine.fleet import CameraSpec
from vmon.engine.picture_workers import PictureWorkers
from vmon.sim.scenes import scene

workers = PictureWorkers(workers=1)
spec = CameraSpec(id="c1", name="c1", unit="u", camera_class="1")
assert workers([scene("healthy", seed=1, width=320, height=180)], spec, None) is not None
print(*workers._pools[0]._processes, flush=True)
sys.stdin.read()
"""


def test_workers_leave_when_vmon_is_killed() -> None:
    engine = subprocess.Popen(
        [sys.executable, "-c", _ORPHAN_SCRIPT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert engine.stdout is not None
        worker = int(engine.stdout.readline())
        engine.kill()  # SIGKILL: nothing in vmon gets to stop its workers
        engine.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(worker), "the picture worker outlived vmon"
    finally:
        engine.kill()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"
