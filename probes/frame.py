"""The frame probe: grab pictures from a camera over RTSP or an HTTP snapshot URL.

`probe_frame(target, deadline)` follows the probe contract (`probes.base`). It measures

- `frame_first_seconds`: time until the first picture was decoded (RTSP: DESCRIBE + open +
  first frame; snapshot: request + body + decode),
- `frame_width`, `frame_height`, `frame_count`,
- `frame_rate_fps` (RTSP, measured over at least `fps_sample_seconds`, by the stream's own
  timestamps when it has them),
- `rtsp_describe_seconds` (RTSP) and `snapshot_bytes` (snapshot),

and returns the pictures (numpy BGR arrays, `frames` of them, `frame_spacing_seconds` apart)
in `Measurements.frames` for the picture diagnostics; `info["frame_source"]` says which source
answered. Options are documented in `probes.frame_options`.

Failures: refused, unreachable, dns, timeout (hung), auth (401/403), config (bad URL, 404),
protocol (oversized answer, bad status, unopenable stream), decode (corrupt JPEG, bombs),
no_frame (stream opened but no picture), not_supported (no video track, unknown auth).
With both sources configured, the preferred one is tried first and the other is the fallback;
if both fail, the preferred one's error is raised.

Frames leave the probe reduced to at least `min_width` (480) wide (`probes.frame_scale`:
snapshots decoded at 1/2, 1/4 or 1/8 scale by libjpeg, RTSP frames shrunk in the capture
thread); `frame_width` / `frame_height` are the camera's native size.

Shared resources: the blocking OpenCV work runs in a `FramePool` (`probes.frame_pool`, the
process-wide one unless a pool is given); snapshots go through one aiohttp session per probe
object (`probes.frame_http.SnapshotHttp`, given or made on first use), with each camera's
auth challenge remembered. Credentials appear in no message or log line.
"""

from __future__ import annotations

import logging
import time

from probes.base import Deadline, Measurements, ProbeError, Reason, Secret, Target
from probes.frame_http import SnapshotHttp
from probes.frame_options import FrameOptions, Source, frame_options
from probes.frame_pool import FramePool, default_pool
from probes.frame_rtsp import probe_rtsp
from probes.frame_snapshot import SnapshotClient, install_log_redaction, probe_snapshot
from probes.frame_urls import scrub

__all__ = ["FrameProbe", "default_frame_probe", "probe_frame"]

log = logging.getLogger("probes.frame")

# Below this, a fallback source has no real chance to answer.
MIN_FALLBACK_SECONDS = 0.5


class FrameProbe:
    """A frame probe bound to a worker pool and an HTTP session; call it like `probe_frame`.

    `http_client`: the snapshot session to use (its owner closes it); by default the probe
    makes its own, closed by `aclose`.
    """

    def __init__(
        self, pool: FramePool | None = None, http_client: SnapshotHttp | None = None
    ) -> None:
        self._pool = pool
        self._owns_http = http_client is None
        self._snapshots = SnapshotClient(http_client)
        install_log_redaction()

    @property
    def snapshots(self) -> SnapshotClient:
        """The snapshot client: shared HTTP session and the cameras' remembered challenges."""
        return self._snapshots

    @property
    def pool(self) -> FramePool:
        """The pool in use (the process-wide one unless one was given)."""
        return self._pool or default_pool()

    async def aclose(self) -> None:
        """Close the HTTP session this probe made (a given one is left to its owner)."""
        if self._owns_http:
            await self._snapshots.aclose()

    async def __call__(self, target: Target, deadline: Deadline) -> Measurements:
        """Probe `target` within `deadline` (see the module documentation)."""
        options = frame_options(target)
        first_error: ProbeError | None = None
        for source in options.sources():
            if first_error is not None and _no_time_for_fallback(first_error, deadline):
                break
            try:
                measurements = await self._grab(source, options, deadline)
            except ProbeError as exc:
                error = _scrubbed(exc, options)
                log.debug("frame %s via %s: %s", target.name or target.host, source, error)
                first_error = first_error or error
                continue
            if first_error is not None:
                measurements.info["frame_fallback_reason"] = first_error.reason.value
            return measurements
        assert first_error is not None  # sources() is never empty
        raise first_error

    async def _grab(
        self, source: Source, options: FrameOptions, deadline: Deadline
    ) -> Measurements:
        try:
            if source == "rtsp":
                assert options.rtsp_url is not None
                url = options.rtsp_url
                credentials = options.credentials_for(url)
                return await probe_rtsp(
                    url, credentials, options, deadline=deadline, pool=self.pool
                )
            assert options.snapshot_url is not None
            url = options.snapshot_url
            credentials = options.credentials_for(url)
            return await probe_snapshot(
                self._snapshots, url, credentials, options, deadline=deadline, pool=self.pool
            )
        except ProbeError:
            raise
        except Exception as exc:  # a bug or a library surprise: classified, never a crash
            log.exception("frame probe internal error via %s", source)
            raise ProbeError(Reason.INTERNAL, f"{source}: {type(exc).__name__}") from None


def _no_time_for_fallback(error: ProbeError, deadline: Deadline) -> bool:
    if error.reason is Reason.TIMEOUT:
        return True
    return deadline.expires_at - time.monotonic() < MIN_FALLBACK_SECONDS


def _scrubbed(error: ProbeError, options: FrameOptions) -> ProbeError:
    secrets: list[Secret | None] = [options.credentials.password if options.credentials else None]
    for url in (options.rtsp_url, options.snapshot_url):
        if url is not None and url.credentials is not None:
            secrets.append(url.credentials.password)
    message = scrub(error.message, *secrets)
    return error if message == error.message else ProbeError(error.reason, message)


_default_probe: FrameProbe | None = None


def default_frame_probe() -> FrameProbe:
    """The process-wide frame probe (uses the process-wide pool)."""
    global _default_probe  # noqa: PLW0603 - one shared probe, created on first use
    if _default_probe is None:
        _default_probe = FrameProbe()
    return _default_probe


async def probe_frame(target: Target, deadline: Deadline) -> Measurements:
    """Grab pictures from `target` (the `ProbeFunc` for the frame kind)."""
    return await default_frame_probe()(target, deadline)
