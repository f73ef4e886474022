"""RTSP frame grabs: an RTSP DESCRIBE on the event loop, then OpenCV (FFmpeg) in the frame pool.

The DESCRIBE classifies the common failures (refused, hung, 401, 404) without taking a pool
thread. OpenCV gets its open and read timeouts in the constructor, derived from the deadline,
and the pool bounds the whole grab from outside as well, because a read can still hang.
Kept frames are shrunk in the capture thread (`probes.frame_scale`, `min_width`); the
camera's native size is measured from the first frame.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import cv2

from probes.base import Credentials, Deadline, Measurements, ProbeError, Reason
from probes.frame_describe import DescribeResult, describe
from probes.frame_options import FrameOptions
from probes.frame_pool import FramePool
from probes.frame_scale import shrink
from probes.frame_urls import CameraUrl, with_userinfo

__all__ = ["FFMPEG_CAPTURE_OPTIONS", "StreamGrab", "StreamPlan", "grab_stream", "probe_rtsp"]

log = logging.getLogger("probes.frame")

# OpenCV passes these to FFmpeg on every open. TCP interleaving survives NAT and firewalls;
# no stream analysis means the open returns with the first packet instead of waiting for
# 20 frames to guess a frame rate (4 s at 5 fps). Read once by OpenCV per open, so set it
# here, before any capture thread exists; an operator's own setting wins.
FFMPEG_CAPTURE_OPTIONS = "rtsp_transport;tcp|analyzeduration;0|probesize;32"
os.environ.setdefault("OPENCV_FFMPEG_CAPTURE_OPTIONS", FFMPEG_CAPTURE_OPTIONS)
# By default OpenCV serialises every FFmpeg open behind one process-wide lock, so a single
# camera that stalls during its open would hold up every other capture for its whole open
# timeout. FFmpeg itself has been safe for concurrent opens since 4.0 (no lock manager).
os.environ.setdefault("OPENCV_FFMPEG_IS_THREAD_SAFE", "1")
# OpenCV then warns about that setting on every open, and about every timeout we ask for;
# the probe reports those outcomes itself. An operator's OPENCV_LOG_LEVEL wins.
if "OPENCV_LOG_LEVEL" not in os.environ:
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)

# OpenCV must give up a little before the outer bound, so its own timeout is what fires.
_MARGIN_SECONDS = 0.25
_MARGIN_SHARE = 0.05
# OpenCV times the open (handshake + first packet) and then every read separately, each
# with its own fixed timeout: half the budget each keeps open + first read within it.
_OPEN_SHARE = 0.5
# An open that failed this close to its timeout means "no data came", not "refused to open".
_OPEN_TIMEOUT_SHARE = 0.9
# ...but only a camera given at least this long to open had a fair chance: below it (the grab
# waited for a worker most of its deadline) the verdict is a timeout, not the camera's fault.
_FAIR_OPEN_SECONDS = 1.0


@dataclass(frozen=True)
class StreamPlan:
    """What one capture should do."""

    url: CameraUrl
    credentials: Credentials | None
    end: float  # monotonic time by which the worker returns
    frames: int
    spacing: float
    fps_window: float
    min_width: int = 0  # kept frames are shrunk to at least this wide (0: native size)


@dataclass
class StreamGrab:
    """What one capture got."""

    opened: bool = False
    open_timeout: float = 0.0
    read_timeout: float = 0.0
    open_seconds: float = 0.0
    first_frame_seconds: float | None = None
    native: tuple[int, int] = (0, 0)  # the stream's frame size (width, height)
    frames: list[Any] = field(default_factory=list)
    grabbed: int = 0
    sample_seconds: float = 0.0
    stamps: list[float] = field(default_factory=list)  # the stream's time of each grab, ms

    def stamp(self, position_ms: float) -> None:
        """Note the stream's timestamp of the frame just grabbed (0 when FFmpeg has none)."""
        self.stamps.append(position_ms)

    @property
    def fps(self) -> float | None:
        """Frames per second over the sample (None when too short to tell): by the stream's
        own timestamps when they are known and rise, else by the wall clock. A reader that was
        late finds frames queued, and counting their arrival would overstate the rate (a
        5 fps stream read 0.8 s late gave 4 frames at once)."""
        known = [t for t in self.stamps if t > 0]
        if len(known) >= 2 and all(b > a for a, b in itertools.pairwise(known)):
            return (len(known) - 1) / ((known[-1] - known[0]) / 1000.0)
        if self.grabbed < 2 or self.sample_seconds <= 0:
            return None
        return (self.grabbed - 1) / self.sample_seconds


def _open(url: str, open_timeout: float, read_timeout: float) -> Any:
    params = [
        cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
        max(int(open_timeout * 1000), 1),
        cv2.CAP_PROP_READ_TIMEOUT_MSEC,
        max(int(read_timeout * 1000), 1),
        cv2.CAP_PROP_N_THREADS,
        1,  # many small decodes in parallel: one thread each is cheapest
    ]
    return cv2.VideoCapture(url, cv2.CAP_FFMPEG, params)


def grab_stream(plan: StreamPlan, grab: StreamGrab, abort: threading.Event) -> None:
    """Open the stream, read the first frame, then keep frames `spacing` apart (blocking).

    Fills `grab` as it goes, so a caller that gave up waiting still finds the frames that
    came. Returns by about `plan.end`, unless a read hangs past OpenCV's own timeout; stops
    early once `abort` is set.
    """
    started = time.monotonic()
    budget = max(plan.end - started, 0.002)
    grab.open_timeout = budget * _OPEN_SHARE
    grab.read_timeout = budget * (1 - _OPEN_SHARE)
    # The only place credentials enter a URL: the string handed to FFmpeg, never kept.
    url = with_userinfo(plan.url, plan.credentials)
    capture = _open(url, grab.open_timeout, grab.read_timeout)
    try:
        grab.opened = bool(capture.isOpened())
        grab.open_seconds = time.monotonic() - started
        if grab.opened and not abort.is_set():
            _sample(capture, plan, abort, grab, started)
    finally:
        capture.release()


def _sample(
    capture: Any, plan: StreamPlan, abort: threading.Event, grab: StreamGrab, started: float
) -> None:
    ok, frame = capture.read()
    if not ok:
        return
    first = time.monotonic()
    grab.first_frame_seconds = first - started
    grab.native = (int(frame.shape[1]), int(frame.shape[0]))
    grab.frames.append(shrink(frame, plan.min_width))
    grab.grabbed = 1
    sample_end = first + max((plan.frames - 1) * plan.spacing, plan.fps_window)
    while len(grab.frames) < plan.frames or first + grab.sample_seconds < sample_end:
        if abort.is_set() or time.monotonic() >= plan.end or not capture.grab():
            break
        now = time.monotonic()
        grab.grabbed += 1
        grab.stamp(capture.get(cv2.CAP_PROP_POS_MSEC))
        grab.sample_seconds = now - first
        if len(grab.frames) < plan.frames and now >= first + len(grab.frames) * plan.spacing:
            ok, frame = capture.retrieve()
            if ok:
                grab.frames.append(shrink(frame, plan.min_width))


def _plan(
    url: CameraUrl, credentials: Credentials | None, options: FrameOptions, end: float
) -> StreamPlan:
    return StreamPlan(
        url=url,
        credentials=credentials,
        end=end,
        frames=options.frames,
        spacing=options.frame_spacing_seconds,
        fps_window=options.fps_sample_seconds,
        min_width=options.min_width,
    )


def _worker_end(deadline: Deadline) -> float:
    left = deadline.remaining()
    return deadline.expires_at - min(_MARGIN_SECONDS, left * _MARGIN_SHARE)


def _failure(grab: StreamGrab) -> ProbeError | None:
    if not grab.opened:
        waited = f"{grab.open_seconds:.1f} s"
        if grab.open_seconds < _OPEN_TIMEOUT_SHARE * grab.open_timeout:
            return ProbeError(
                Reason.PROTOCOL, "stream answered DESCRIBE but FFmpeg could not open it"
            )
        if grab.open_timeout < _FAIR_OPEN_SECONDS:
            return ProbeError(Reason.TIMEOUT, f"only {waited} were left to open the stream")
        return ProbeError(Reason.NO_FRAME, f"stream answered DESCRIBE but sent no data in {waited}")
    if not grab.frames:
        return ProbeError(Reason.NO_FRAME, "stream opened but no frame could be decoded in time")
    return None


def _measurements(grab: StreamGrab, described: DescribeResult) -> Measurements:
    width, height = grab.native
    values = {
        "frame_first_seconds": described.seconds + (grab.first_frame_seconds or 0.0),
        "rtsp_describe_seconds": described.seconds,
        "frame_width": float(width),
        "frame_height": float(height),
        "frame_count": float(len(grab.frames)),
    }
    if grab.fps is not None:
        values["frame_rate_fps"] = grab.fps
    return Measurements(values=values, info={"frame_source": "rtsp"}, frames=grab.frames)


async def probe_rtsp(
    url: CameraUrl,
    credentials: Credentials | None,
    options: FrameOptions,
    *,
    deadline: Deadline,
    pool: FramePool,
) -> Measurements:
    """Grab `options.frames` frames from an RTSP stream; raise a classified `ProbeError`."""
    described = await describe(url, credentials, deadline)
    if not described.has_video:
        raise ProbeError(Reason.NOT_SUPPORTED, "RTSP stream offers no video track")
    plan = _plan(url, credentials, options, _worker_end(deadline))
    grab = StreamGrab()
    try:
        await pool.run(partial(grab_stream, plan, grab), deadline, lane="capture", what="RTSP grab")
    except ProbeError as exc:
        if exc.reason is not Reason.TIMEOUT or not grab.opened:
            raise
        # The stream opened, then stalled (after some frames: the camera is online, keep what
        # came; before any: it sent nothing decodable in the whole deadline, `_failure` says).
        grab = replace(grab, frames=list(grab.frames))
        log.debug("rtsp %s: stalled after %d frames", url, len(grab.frames))
    failure = _failure(grab)
    if failure is not None:
        raise failure
    log.debug(
        "rtsp %s: %d frames, first after %.3f s", url, len(grab.frames), grab.first_frame_seconds
    )
    return _measurements(grab, described)
