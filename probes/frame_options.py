"""The frame probe's options, read from `Target.options` and validated once.

| key | default | meaning |
| --- | --- | --- |
| `rtsp_url` | - | `rtsp://host[:port]/path` or a path joined to the target's host (port 554) |
| `snapshot_url` | - | `http(s)://...` snapshot URL (ONVIF GetSnapshotUri) or a path (port 80) |
| `prefer` | `snapshot` | which source to try first when both are set; the other is the fallback |
| `frames` | 2 | pictures to return, spaced in time (1-10) |
| `frame_spacing_seconds` | 1.0 | time between returned pictures (0-60) |
| `fps_sample_seconds` | 1.0 | RTSP: minimum time over which the frame rate is measured |
| `max_bytes` | 16 MiB | largest snapshot accepted; a bigger answer is cut off (`protocol`) |
| `max_pixels` | 50 M | largest picture a JPEG header may declare (`decode` above) |
| `snapshot_auth` | `auto` | `auto` (answer the camera's challenge), `digest` or `basic` |
| `min_width` | 480 | frames come out reduced (1/2, 1/4, 1/8) but at least this wide; 0: native |

URLs may carry credentials; `Target.credentials`, when set, take precedence.

`min_width` (see `probes.frame_scale`): the picture diagnostics work at 480 pixels wide, so
a 1080p frame comes out 480 wide, a 720p one 640; narrower frames are kept as they are. The
`frame_width` / `frame_height` measurements are the camera's native size whatever it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from probes.base import Credentials, ProbeError, Reason, Target
from probes.frame_jpeg import DEFAULT_MAX_PIXELS
from probes.frame_urls import CameraUrl, parse_camera_url
from probes.quality.work import WORK_WIDTH

__all__ = ["DEFAULT_MIN_WIDTH", "FrameOptions", "Source", "frame_options"]

Source = str  # "rtsp" or "snapshot"
SOURCES = ("snapshot", "rtsp")
AUTH_MODES = ("auto", "digest", "basic")
DEFAULT_MAX_BYTES = 16 * 1024 * 1024
DEFAULT_MIN_WIDTH = WORK_WIDTH


@dataclass(frozen=True)
class FrameOptions:
    """Validated frame probe settings for one target."""

    rtsp_url: CameraUrl | None = None
    snapshot_url: CameraUrl | None = None
    prefer: Source = "snapshot"
    frames: int = 2
    frame_spacing_seconds: float = 1.0
    fps_sample_seconds: float = 1.0
    max_bytes: int = DEFAULT_MAX_BYTES
    max_pixels: int = DEFAULT_MAX_PIXELS
    snapshot_auth: str = "auto"
    min_width: int = DEFAULT_MIN_WIDTH
    credentials: Credentials | None = None

    def sources(self) -> list[Source]:
        """The configured sources, preferred first."""
        available = {"rtsp": self.rtsp_url, "snapshot": self.snapshot_url}
        order = [self.prefer, *(s for s in SOURCES if s != self.prefer)]
        return [s for s in order if available[s] is not None]

    def credentials_for(self, url: CameraUrl) -> Credentials | None:
        """The target's credentials, else those written into `url`."""
        return self.credentials or url.credentials


def _number(options: dict[str, Any], key: str, default: float, low: float, high: float) -> float:
    value = options.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ProbeError(Reason.CONFIG, f"option {key} must be a number in [{low}, {high}]")
    return float(value)


def _integer(options: dict[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = _number(options, key, default, low, high)
    if not value.is_integer():
        raise ProbeError(Reason.CONFIG, f"option {key} must be a whole number")
    return int(value)


def _choice(options: dict[str, Any], key: str, default: str, allowed: tuple[str, ...]) -> str:
    value = options.get(key, default)
    if value not in allowed:
        raise ProbeError(Reason.CONFIG, f"option {key} must be one of {', '.join(allowed)}")
    return str(value)


def _url(target: Target, key: str, schemes: tuple[str, ...]) -> CameraUrl | None:
    raw = target.options.get(key)
    if raw is None or raw == "":
        return None
    return parse_camera_url(raw, schemes=schemes, host=target.host)


def frame_options(target: Target) -> FrameOptions:
    """Read and check the frame probe's options; raise `ProbeError(config)` if unusable."""
    opts = target.options
    rtsp_url = _url(target, "rtsp_url", ("rtsp",))
    snapshot_url = _url(target, "snapshot_url", ("http", "https"))
    if rtsp_url is None and snapshot_url is None:
        raise ProbeError(Reason.CONFIG, "frame probe needs rtsp_url or snapshot_url")
    return FrameOptions(
        rtsp_url=rtsp_url,
        snapshot_url=snapshot_url,
        prefer=_choice(opts, "prefer", "snapshot", SOURCES),
        frames=_integer(opts, "frames", 2, 1, 10),
        frame_spacing_seconds=_number(opts, "frame_spacing_seconds", 1.0, 0.0, 60.0),
        fps_sample_seconds=_number(opts, "fps_sample_seconds", 1.0, 0.0, 60.0),
        max_bytes=_integer(opts, "max_bytes", DEFAULT_MAX_BYTES, 1024, 1 << 30),
        max_pixels=_integer(opts, "max_pixels", DEFAULT_MAX_PIXELS, 1, 1 << 31),
        snapshot_auth=_choice(opts, "snapshot_auth", "auto", AUTH_MODES),
        min_width=_integer(opts, "min_width", DEFAULT_MIN_WIDTH, 0, 1 << 16),
        credentials=target.credentials,
    )
