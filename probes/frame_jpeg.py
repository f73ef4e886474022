"""JPEG checks before decoding (decompression bombs, truncation) and the blocking decode.

`inspect_jpeg` reads only marker headers: it finds the frame header (SOFn) and refuses a
picture whose declared size is absurd before a decoder allocates memory for it. `decode_jpeg`
is the CPU work; callers run it in the frame pool, never on the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from probes.base import ProbeError, Reason
from probes.quality.errors import ImageError
from probes.quality.headers import read_header

__all__ = ["DEFAULT_MAX_PIXELS", "JpegInfo", "decode_jpeg", "inspect_jpeg"]

DEFAULT_MAX_PIXELS = 50_000_000  # above an 8K camera (7680x4320 = 33 MP)
SOI = b"\xff\xd8"
EOI = b"\xff\xd9"
EOI_SEARCH_BYTES = 1024  # cameras may pad after EOI
# Cameras do not rotate pictures through EXIF; keep the sensor geometry the header declares.
_IMREAD_FLAGS = cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION


@dataclass(frozen=True)
class JpegInfo:
    """What the JPEG headers declare."""

    width: int
    height: int
    components: int


def inspect_jpeg(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> JpegInfo:
    """Check `data` is a whole JPEG of a sane size; raise `ProbeError(decode)` if not."""
    if not data.startswith(SOI):
        raise ProbeError(Reason.DECODE, "not a JPEG (no SOI marker)")
    if EOI not in data[-EOI_SEARCH_BYTES:]:
        raise ProbeError(Reason.DECODE, "truncated JPEG (no EOI marker at the end)")
    info = _frame_header(data)
    if info.width == 0 or info.height == 0:
        raise ProbeError(
            Reason.DECODE, f"JPEG declares an empty picture {info.width}x{info.height}"
        )
    if info.width * info.height > max_pixels:
        raise ProbeError(
            Reason.DECODE,
            f"JPEG declares {info.width}x{info.height} pixels, above the limit of {max_pixels}",
        )
    return info


def _frame_header(data: bytes) -> JpegInfo:
    """The size the frame header (SOFn) declares; the marker walk is `read_header`'s."""
    try:
        header = read_header(data)
    except ImageError as exc:
        raise ProbeError(Reason.DECODE, f"corrupt JPEG: {exc.message}") from None
    return JpegInfo(width=header.width, height=header.height, components=header.channels)


def decode_jpeg(data: bytes) -> Any:
    """Decode to a BGR array (blocking CPU work); raise `ProbeError(decode)` on failure.

    Check the data with `inspect_jpeg` first: the decoder trusts the header's size.
    """
    frame = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), _IMREAD_FLAGS)
    if frame is None:
        raise ProbeError(Reason.DECODE, "JPEG could not be decoded")
    return frame
