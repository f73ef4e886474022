"""How small a frame may leave the probe: the picture diagnostics work at 480 pixels wide.

A frame is reduced by the largest of 1/2, 1/4, 1/8 that keeps it at least `min_width`
wide: the factors libjpeg's DCT scaling decodes a JPEG at directly (a 1920-wide snapshot
is decoded to 480, several times cheaper than decoding it in full). RTSP frames, decoded in
full by FFmpeg, are shrunk to the same size in the capture thread, so one camera's frames
have one size whichever source gave them. `min_width=0` keeps the native size.
"""

from __future__ import annotations

from typing import Any

import cv2

__all__ = ["FACTORS", "reduced_size", "scale_factor", "shrink"]

FACTORS = (8, 4, 2)


def scale_factor(width: int, min_width: int) -> int:
    """The reduction (1, 2, 4 or 8) for a frame `width` wide; 1 when `min_width` is 0."""
    if min_width <= 0:
        return 1
    for factor in FACTORS:
        if width // factor >= min_width:
            return factor
    return 1


def reduced_size(width: int, height: int, min_width: int) -> tuple[int, int]:
    """The (width, height) after reduction, rounded up as libjpeg's scaled decode does."""
    factor = scale_factor(width, min_width)
    return -(-width // factor), -(-height // factor)


def shrink(frame: Any, min_width: int) -> Any:
    """`frame` reduced by `scale_factor` with area averaging (itself when not reduced)."""
    height, width = frame.shape[:2]
    size = reduced_size(width, height, min_width)
    if size == (width, height):
        return frame
    return cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
