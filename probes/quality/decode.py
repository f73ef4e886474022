"""Turn bytes or arrays into the 8-bit BGR pictures the checks read, or a classified error.

JPEG snapshots are decoded at a reduced scale (libjpeg's DCT scaling) when the picture is
much wider than the diagnostics' working width: a 1920-wide snapshot is decoded straight to
480 pixels wide, which is several times cheaper than decoding it in full and then shrinking.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from probes.quality.errors import ImageError
from probes.quality.headers import Header, read_header

__all__ = [
    "MAX_BYTES",
    "MAX_PIXELS",
    "MIN_SIDE",
    "as_bgr",
    "decode_image",
]

MAX_BYTES = 32 * 1024 * 1024
MAX_PIXELS = 40_000_000  # 8K UHD is 33 Mpx
MIN_SIDE = 16
MAX_SCANS = 64  # a progressive JPEG with more scans than this is built to burn CPU
# Cameras keep their sensor's geometry: an EXIF orientation tag must not rotate the picture
# (the baseline, the cells and the stripes' direction are all in sensor coordinates).
_KEEP = cv2.IMREAD_IGNORE_ORIENTATION
_FULL = cv2.IMREAD_COLOR | _KEEP
_REDUCED = (
    (8, cv2.IMREAD_REDUCED_COLOR_8 | _KEEP),
    (4, cv2.IMREAD_REDUCED_COLOR_4 | _KEEP),
    (2, cv2.IMREAD_REDUCED_COLOR_2 | _KEEP),
)


def decode_image(
    data: bytes,
    *,
    min_width: int = 480,
    max_pixels: int = MAX_PIXELS,
    max_bytes: int = MAX_BYTES,
) -> NDArray[Any]:
    """Decode a JPEG, PNG or BMP picture to BGR uint8, at least `min_width` wide when it can.

    Grayscale, 16-bit and CMYK pictures come out as 8-bit BGR. Raises `ImageError` for
    empty, corrupt, truncated, tiny, oversized or unsupported input, never anything else.
    """
    if not data:
        raise ImageError("empty", "no bytes")
    if len(data) > max_bytes:
        raise ImageError("too_large", f"{len(data)} bytes")
    header = read_header(bytes(data[:65536]))
    _check_size(header.width, header.height, max_pixels)
    flag = _FULL
    if header.format == "jpeg":
        _check_jpeg(data, header)
        flag = _reduction(header.width, min_width)
    try:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), flag)
    except cv2.error as exc:
        raise ImageError("decode", f"{header.format}: {exc.msg or exc}") from None
    if image is None or image.size == 0:
        raise ImageError("decode", f"{header.format} data could not be decoded")
    return as_bgr(image, max_pixels=max_pixels)


def as_bgr(frame: Any, *, max_pixels: int = MAX_PIXELS) -> NDArray[Any]:
    """Bring a decoded frame (gray, BGR, BGRA; uint8, uint16 or float) to BGR uint8."""
    if not isinstance(frame, np.ndarray):
        raise ImageError("unsupported", f"not an array: {type(frame).__name__}")
    if frame.size == 0:
        raise ImageError("empty", "no pixels")
    if frame.ndim not in (2, 3) or (frame.ndim == 3 and frame.shape[2] not in (1, 3, 4)):
        raise ImageError("unsupported", f"array of shape {frame.shape}")
    _check_size(frame.shape[1], frame.shape[0], max_pixels)
    frame = _to_uint8(frame)
    if frame.ndim == 2 or frame.shape[2] == 1:
        return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    if frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR)
    return np.ascontiguousarray(frame)


def _to_uint8(frame: NDArray[Any]) -> NDArray[Any]:
    if frame.dtype == np.uint8:
        return frame
    if frame.dtype == np.uint16:
        return (frame >> 8).astype(np.uint8)
    if frame.dtype in (np.float32, np.float64):
        finite = np.nan_to_num(frame.astype(np.float64), nan=0.0, posinf=255.0, neginf=0.0)
        scale = 255.0 if float(finite.max(initial=0.0)) <= 1.0 else 1.0
        return np.clip(finite * scale, 0, 255).astype(np.uint8)
    raise ImageError("unsupported", f"sample type {frame.dtype}")


def _check_size(width: int, height: int, max_pixels: int) -> None:
    if width <= 0 or height <= 0:
        raise ImageError("decode", f"declared size {width}x{height}")
    if width < MIN_SIDE or height < MIN_SIDE:
        raise ImageError("too_small", f"{width}x{height} pixels")
    if width * height > max_pixels:
        raise ImageError("too_large", f"{width}x{height} pixels")


def _check_jpeg(data: bytes, header: Header) -> None:
    if header.channels not in (1, 3, 4):
        raise ImageError("unsupported", f"JPEG with {header.channels} components")
    if not data.rstrip(b"\x00").endswith(b"\xff\xd9"):
        raise ImageError("decode", "truncated JPEG (no end-of-image marker)")
    if header.progressive and data.count(b"\xff\xda") > MAX_SCANS:
        raise ImageError("too_large", "progressive JPEG with too many scans")


def _reduction(width: int, min_width: int) -> int:
    for factor, flag in _REDUCED:
        if width // factor >= min_width:
            return flag
    return _FULL
