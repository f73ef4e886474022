"""Picture judgement per camera: one `Diagnoser` (previous frame, learnt baseline) each.

`PictureJudge` does the work wherever it lives: in a thread of the engine (tests, small
fleets) or inside a picture worker process (`vmon.engine.picture_workers`). Runs of one
camera never overlap (the scheduler runs one frame probe per camera at a time), so each
camera's `Diagnoser` is only touched by one thread at once.
"""

from __future__ import annotations

import contextlib
import math
import time
import zlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from probes.quality import (
    WORK_WIDTH,
    Baseline,
    Diagnoser,
    DiagnosticsConfig,
    Evidence,
    ImageError,
    Thresholds,
    Work,
    as_bgr,
    prepare,
    signature,
    to_width,
)
from vmon.engine.baselines import BaselineKeeper
from vmon.engine.fleet import CameraSpec

__all__ = ["SAVE_EVERY", "CameraKey", "PictureJudge", "camera_key", "shrink"]

SAVE_EVERY = 600.0  # seconds between stores of one camera's baseline (it learns slowly)


class CameraKey(NamedTuple):
    """What judging a camera's pictures needs to know of it (no credentials, picklable)."""

    id: str
    camera_class: str
    lat: float | None
    lon: float | None


def _coordinate(spec: CameraSpec, key: str) -> float | None:
    value = spec.labels.get(key, "")
    try:
        return float(value) if value else None
    except ValueError:
        return None


def camera_key(spec: CameraSpec) -> CameraKey:
    """The picture-judging view of a registry camera."""
    lat, lon = _coordinate(spec, "latitude"), _coordinate(spec, "longitude")
    return CameraKey(spec.id, spec.camera_class, lat, lon)


def shrink(frame: Any) -> Any:
    """The frame at the diagnostics' working width (what `prepare` would make of it anyway),
    when it is at least twice as wide.

    Shrinking before a frame crosses to a worker process moves 0.4 MB instead of 6 MB for
    1080p. A narrower frame (704x576 D1, 640x360) crosses as it is: shrinking it by a
    fraction costs the engine 2.5-5 ms of CPU, which the worker spends instead, and saves
    only copying a few hundred KB.
    """
    bgr = as_bgr(frame)
    return bgr if bgr.shape[1] < 2 * WORK_WIDTH else to_width(bgr, WORK_WIDTH)


class PictureJudge:
    """Diagnoses the frames of each camera against that camera's own history.

    With a `keeper`, a camera's stored baseline is restored when it is first judged, and
    its baseline is handed back for storage when it changed, at most every `save_every` s.
    """

    def __init__(
        self,
        config: DiagnosticsConfig | None = None,
        keeper: BaselineKeeper | None = None,
        save_every: float = SAVE_EVERY,
    ) -> None:
        self.config = config or DiagnosticsConfig()
        self.keeper = keeper
        self.save_every = save_every
        self._diagnosers: dict[str, Diagnoser] = {}
        self._by_class: dict[str, Thresholds] = {}
        self._exported: dict[str, tuple[float, int]] = {}  # camera -> (when, checksum)
        self.restarts = 0  # no worker processes to replace (see `PictureWorkers`)

    def _thresholds(self, key: CameraKey) -> Thresholds:
        if key.id in self.config.cameras:
            return self.config.for_camera(key.id, key.camera_class)
        if key.camera_class not in self._by_class:
            self._by_class[key.camera_class] = self.config.for_camera(None, key.camera_class)
        return self._by_class[key.camera_class]

    def diagnoser(self, key: CameraKey | CameraSpec, stored: bytes | None = None) -> Diagnoser:
        """The camera's diagnoser, created on first use with its coordinates, thresholds and
        `stored` baseline (a corrupt one is ignored: the camera learns afresh)."""
        if isinstance(key, CameraSpec):
            key = camera_key(key)
        diagnoser = self._diagnosers.get(key.id)
        if diagnoser is None:
            diagnoser = Diagnoser(thresholds=self._thresholds(key), lat=key.lat, lon=key.lon)
            if stored:
                with contextlib.suppress(ValueError):
                    diagnoser.baseline = Baseline.from_bytes(stored)
                    # just read from the store: not due again for `save_every` (at start-up,
                    # every camera's first judgement would otherwise write its baseline back)
                    self._exported[key.id] = (time.monotonic(), zlib.crc32(stored))
            self._diagnosers[key.id] = diagnoser
        return diagnoser

    def knows(self, camera_id: str) -> bool:
        """Whether the camera has been judged here (its history is in memory)."""
        return camera_id in self._diagnosers

    def forget(self, camera_ids: Iterable[str]) -> None:
        """Drop removed cameras' histories."""
        camera_ids = list(camera_ids)
        for camera_id in camera_ids:
            self._diagnosers.pop(camera_id, None)
            self._exported.pop(camera_id, None)
        if self.keeper is not None:
            self.keeper.forget(camera_ids)

    def export(self, camera_id: str, *, now: bool = False) -> bytes | None:
        """The camera's baseline to store, if it changed and was not stored lately (or `now`)."""
        diagnoser = self._diagnosers.get(camera_id)
        last_at, last_sum = self._exported.get(camera_id, (-math.inf, 0))
        moment = time.monotonic()
        if diagnoser is None or (moment - last_at < self.save_every and not now):
            return None
        data = diagnoser.baseline.to_bytes()
        checksum = zlib.crc32(data)
        self._exported[camera_id] = (moment, checksum)
        return data if checksum != last_sum else None

    def export_all(self) -> dict[str, bytes]:
        """Every baseline that changed since it was last stored (at shutdown)."""
        exports = {camera: self.export(camera, now=True) for camera in list(self._diagnosers)}
        return {camera: data for camera, data in exports.items() if data is not None}

    def close(self) -> None:
        """Hand every changed baseline to the keeper."""
        if self.keeper is not None:
            for camera, data in self.export_all().items():
                self.keeper.keep(camera, data)

    def __len__(self) -> int:
        return len(self._diagnosers)

    def __call__(
        self, frames: Sequence[Any], spec: Any, size: tuple[int, int] | None = None
    ) -> Evidence | None:
        """Judge one grab of a registry camera (`spec`); see `judge`."""
        if not isinstance(spec, CameraSpec):
            return None
        key = camera_key(spec)
        stored = self.keeper.restore(key.id) if self.keeper and not self.knows(key.id) else None
        evidence = self.judge(key, frames, size, stored)
        data = self.export(key.id) if self.keeper else None
        if data is not None and self.keeper is not None:
            self.keeper.keep(key.id, data)
        return evidence

    def judge(
        self,
        key: CameraKey,
        frames: Sequence[Any],
        size: tuple[int, int] | None = None,
        stored: bytes | None = None,
    ) -> Evidence | None:
        """Judge the last frame of one grab; the earlier ones only serve the frozen check.

        A grab's frames are a second or so apart, so judging each in full would double the
        CPU for no new verdict: the earlier ones just become the "previous" picture. `size`
        is the camera's native picture size when the frames were shrunk on the way; `stored`
        the camera's stored baseline, used if the camera is new here.

        Only a single-frame grab is compared with the grab before it: a grab of several
        frames brings its own previous picture, so the last one is not kept between grabs
        (8 KB per camera, 80 MB at 10^4 cameras).
        """
        if not frames:
            return None
        diagnoser = self.diagnoser(key, stored)
        try:
            for frame in frames[:-1]:
                diagnoser.previous = signature(prepare(frame))
            last = Work(as_bgr(frames[-1]), size)
            return diagnoser.diagnose(last, when=datetime.now(UTC))
        except ImageError:
            return None
        finally:
            diagnoser.baseline.rest()  # judged again in minutes: half the memory meanwhile
            if len(frames) > 1:
                diagnoser.previous = None
