"""Picture judging in worker processes, so diagnosis CPU never holds the engine's GIL.

Each camera always goes to the same worker, chosen by a stable hash of its id, because its
history (previous frame, learnt baseline) lives there. The first grab a worker sees of a
camera carries the camera's stored baseline; the worker hands changed baselines back for
storing. Frames are shrunk to the working width before they cross (0.4 MB instead of 6 MB
for 1080p). A worker that dies (a bug, the OOM killer) is replaced and restores its cameras'
stored baselines; the engine carries on.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
import zlib
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from probes.quality import DiagnosticsConfig, Evidence, ImageError
from vmon.engine.baselines import BaselineKeeper
from vmon.engine.fleet import CameraSpec
from vmon.engine.pictures import SAVE_EVERY, CameraKey, PictureJudge, camera_key, shrink

__all__ = ["PictureWorkers"]

log = logging.getLogger(__name__)

_judge: PictureJudge | None = None  # the worker process's own judge
PARENT_CHECK_SECONDS = 1.0


def _start_worker(config: dict[str, Any], save_every: float, engine_pid: int) -> None:
    # Ctrl-C goes to the whole process group: the engine stops its workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    global _judge  # noqa: PLW0603 - one judge per worker process
    _judge = PictureJudge(DiagnosticsConfig.model_validate(config), save_every=save_every)
    threading.Thread(target=_exit_with_parent, args=(engine_pid,), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    """A worker outlives a vmon killed with SIGKILL (its call queue never closes): leave
    when the parent is gone (the worker is re-parented), even before it got here."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


def _judge_in_worker(
    key: CameraKey, frames: Sequence[Any], size: tuple[int, int] | None, stored: bytes | None
) -> tuple[Evidence | None, bytes | None]:
    """The grab's evidence, and the camera's baseline when it is due for storing."""
    assert _judge is not None
    evidence = _judge.judge(key, frames, size, stored)
    return evidence, _judge.export(key.id)


def _export_all_in_worker() -> dict[str, bytes]:
    assert _judge is not None
    return _judge.export_all()


def _forget_in_worker(camera_ids: list[str]) -> int:
    assert _judge is not None
    _judge.forget(camera_ids)
    return len(_judge)


class PictureWorkers:
    """A `Runner` diagnose callable that judges in `workers` processes (see module doc).

    Called from the runner's thread pool: each call blocks its thread, not the event loop.
    """

    def __init__(
        self,
        config: DiagnosticsConfig | None = None,
        workers: int = 1,
        *,
        keeper: BaselineKeeper | None = None,
        timeout: float = 60.0,
        save_every: float = SAVE_EVERY,
    ) -> None:
        if workers < 1:
            raise ValueError("picture workers: at least one")
        self._initargs = ((config or DiagnosticsConfig()).model_dump(), save_every, os.getpid())
        # spawn: workers are vmon's own children (no fork of a threaded process, no server
        # process left behind), so they can tell when vmon is gone
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._pools = [self._new_pool() for _ in range(workers)]
        self._known: list[set[str]] = [set() for _ in range(workers)]  # cameras each has seen
        self.keeper = keeper
        self.timeout = timeout
        self.restarts = 0

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=1,
            mp_context=self._context,
            initializer=_start_worker,
            initargs=self._initargs,
        )

    def _shard(self, camera_id: str) -> int:
        return zlib.crc32(camera_id.encode()) % len(self._pools)

    def __call__(
        self, frames: Sequence[Any], spec: Any, size: tuple[int, int] | None = None
    ) -> Evidence | None:
        """Judge one grab of `spec` (a `CameraSpec`) in the camera's worker."""
        if not isinstance(spec, CameraSpec) or not frames:
            return None
        try:
            small = [shrink(frame) for frame in frames]
        except ImageError:
            return None
        key = camera_key(spec)
        shard = self._shard(key.id)
        pool, known = self._pools[shard], self._known[shard]
        stored = None
        if self.keeper is not None and key.id not in known:
            stored = self.keeper.restore(key.id)
        try:
            future = pool.submit(_judge_in_worker, key, small, size, stored)
            evidence, data = future.result(timeout=self.timeout)
        except BrokenProcessPool:
            self._replace(shard, pool)
            return None
        except FutureTimeout:
            log.warning("picture worker %d took over %.0f s for one grab", shard, self.timeout)
            return None
        known.add(key.id)
        if data is not None and self.keeper is not None:
            self.keeper.keep(key.id, data)
        return evidence

    def _replace(self, shard: int, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pools[shard] is not broken:
                return  # another thread already replaced it
            log.error("picture worker %d died; starting a new one", shard)
            self._pools[shard] = self._new_pool()
            self._known[shard] = set()  # the new worker restores its cameras' stored baselines
            self.restarts += 1
        broken.shutdown(wait=False, cancel_futures=True)

    def forget(self, camera_ids: Iterable[str]) -> None:
        """Drop removed cameras' histories in their workers (does not wait)."""
        by_shard: dict[int, list[str]] = {}
        for camera_id in camera_ids:
            by_shard.setdefault(self._shard(camera_id), []).append(camera_id)
        if self.keeper is not None:
            self.keeper.forget([camera for ids in by_shard.values() for camera in ids])
        for shard, ids in by_shard.items():
            self._known[shard].difference_update(ids)
            try:
                self._pools[shard].submit(_forget_in_worker, ids)
            except (BrokenProcessPool, RuntimeError):
                continue  # a dead or closed worker holds no history to drop

    def close(self) -> None:
        """Collect the workers' changed baselines, then stop them."""
        for pool in self._pools:
            self._collect(pool)
            pool.shutdown(wait=True, cancel_futures=True)

    def _collect(self, pool: ProcessPoolExecutor) -> None:
        if self.keeper is None:
            return
        try:
            exports = pool.submit(_export_all_in_worker).result(timeout=self.timeout)
        except (BrokenProcessPool, FutureTimeout, RuntimeError):
            return  # a dead worker's baselines are the ones stored last
        for camera, data in exports.items():
            self.keeper.keep(camera, data)
