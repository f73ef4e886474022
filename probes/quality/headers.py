"""Read a picture's format and size from its header, before any pixel is decoded.

This is what stops a decompression bomb: a few bytes can announce a picture of billions of
pixels, so the size is checked first and decoding is refused when it is too large.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from probes.quality.errors import ImageError

__all__ = ["Header", "read_header"]

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_SOF_MARKERS = frozenset(
    {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
)
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})


@dataclass(frozen=True)
class Header:
    """A picture's container format, size and sample layout, as its header declares them."""

    format: str  # "jpeg", "png" or "bmp"
    width: int
    height: int
    channels: int
    progressive: bool = False


def read_header(data: bytes) -> Header:
    """Parse the header of a JPEG, PNG or BMP picture; raise `ImageError` otherwise."""
    if data.startswith(b"\xff\xd8"):
        return _jpeg(data)
    if data.startswith(_PNG_MAGIC):
        return _png(data)
    if data.startswith(b"BM"):
        return _bmp(data)
    raise ImageError("unsupported", "not a JPEG, PNG or BMP picture")


def _jpeg(data: bytes) -> Header:
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise ImageError("decode", "JPEG marker expected")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in _STANDALONE:
            pos += 2
            continue
        (length,) = struct.unpack_from(">H", data, pos + 2)
        if length < 2:
            raise ImageError("decode", "bad JPEG segment length")
        if marker in _SOF_MARKERS:
            return _jpeg_frame(data, pos, marker)
        if marker in (0xDA, 0xD9):
            break
        pos += 2 + length
    raise ImageError("decode", "no frame header (SOF) before the image data")


def _jpeg_frame(data: bytes, pos: int, marker: int) -> Header:
    if pos + 10 > len(data):
        raise ImageError("decode", "truncated JPEG frame header")
    height, width = struct.unpack_from(">HH", data, pos + 5)
    channels = data[pos + 9]
    return Header("jpeg", width, height, channels, progressive=marker in (0xC2, 0xC6, 0xCA, 0xCE))


def _png(data: bytes) -> Header:
    if len(data) < 26 or data[12:16] != b"IHDR":
        raise ImageError("decode", "truncated PNG header")
    width, height, depth, color = struct.unpack_from(">IIBB", data, 16)
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}.get(color)
    if channels is None or depth not in (1, 2, 4, 8, 16):
        raise ImageError("unsupported", f"PNG colour type {color}, depth {depth}")
    return Header("png", width, height, channels)


def _bmp(data: bytes) -> Header:
    if len(data) < 26:
        raise ImageError("decode", "truncated BMP header")
    (size,) = struct.unpack_from("<I", data, 14)
    if size == 12:
        width, height = struct.unpack_from("<HH", data, 18)
    elif size >= 40 and len(data) >= 30:
        width, height = struct.unpack_from("<ii", data, 18)
        (bits,) = struct.unpack_from("<H", data, 28)
        if bits not in (1, 4, 8, 16, 24, 32):
            raise ImageError("unsupported", f"BMP with {bits} bits per pixel")
    else:
        raise ImageError("unsupported", "unknown BMP header")
    return Header("bmp", abs(width), abs(height), 3)
