"""JPEG checks before decoding (decompression bombs, truncation) and the blocking decode.

`inspect_jpeg` reads only marker headers: it finds the frame header (SOFn) and refuses a
picture whose declared size is absurd before a decoder allocates memory for it; it also
gives the camera's native size. `decode_jpeg` is the CPU work, at reduced scale when asked
(`probes.frame_scale`, libjpeg's DCT scaling through `probes.quality.decode.decode_image`);
callers run it in the frame pool, never on the event loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from probes.base import ProbeError, Reason
from probes.quality.decode import decode_image
from probes.quality.errors import ImageError
from probes.quality.headers import read_header

__all__ = ["DEFAULT_MAX_PIXELS", "JpegInfo", "decode_jpeg", "inspect_jpeg"]

DEFAULT_MAX_PIXELS = 50_000_000  # above an 8K camera (7680x4320 = 33 MP)
SOI = b"\xff\xd8"
EOI = b"\xff\xd9"
EOI_SEARCH_BYTES = 1024  # cameras may pad after EOI
_NO_REDUCTION = 1 << 30  # a min_width no picture reaches: decode at full size


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


def decode_jpeg(data: bytes, *, min_width: int = 0, max_pixels: int = DEFAULT_MAX_PIXELS) -> Any:
    """Decode to a BGR uint8 array (blocking CPU work); raise `ProbeError(decode)` on failure.

    With `min_width`, the picture is decoded at 1/2, 1/4 or 1/8 scale when that keeps it at
    least `min_width` wide (`probes.frame_scale`); 0 decodes at full size. Check the data
    with `inspect_jpeg` first: the decoder trusts the header's size.
    """
    try:
        return decode_image(
            _trimmed(data),
            min_width=min_width if min_width > 0 else _NO_REDUCTION,
            max_pixels=max_pixels,
            max_bytes=max(len(data), 1),
        )
    except ImageError as exc:
        raise ProbeError(Reason.DECODE, f"JPEG could not be decoded: {exc.message}") from None


def _trimmed(data: bytes) -> bytes:
    """`data` up to its end marker: cameras may pad after it, which the decoder refuses."""
    if data.rstrip(b"\x00").endswith(EOI):
        return data
    end = data.rfind(EOI, max(len(data) - EOI_SEARCH_BYTES, 0))
    return data[: end + len(EOI)] if end >= 0 else data
