"""A frame prepared once for all checks, sharing intermediate results between them.

Every check reads the same small working picture (`WORK_WIDTH` pixels wide): a 1080p frame
is diagnosed at 480x270, which is about the detail an operator judges on a monitor wall,
and costs a few milliseconds. Results several checks need (the gray levels, gradients, a
chroma summary, a thumbnail) are computed on first use and kept (`Work.memo`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import cv2
import numpy as np
from numpy.typing import NDArray

from probes.quality.decode import as_bgr

__all__ = ["SMALL_WIDTH", "THUMB_SIZE", "WORK_WIDTH", "Array", "Work", "prepare", "to_width"]

Array = NDArray[Any]
WORK_WIDTH = 480
SMALL_WIDTH = WORK_WIDTH // 4
THUMB_SIZE = (64, 36)  # width, height of the baseline thumbnail, whatever the aspect ratio
T = TypeVar("T")


def to_width(image: Array, width: int) -> Array:
    """`image` resized to `width` pixels wide, keeping its aspect ratio (area averaging when
    shrinking); the image itself when it is that wide already."""
    h, w = image.shape[:2]
    height = max(2, round(width * h / w))
    if (w, h) == (width, height):
        return image
    method = cv2.INTER_AREA if w > width else cv2.INTER_LINEAR
    return cv2.resize(image, (width, height), interpolation=method)


class Work:
    """The working copies of one frame: `bgr` and `gray` (uint8) at `WORK_WIDTH` wide.

    `source_size` is the (width, height) of the frame as received.
    """

    __slots__ = ("_memo", "bgr", "gray", "source_size")

    def __init__(self, bgr: Array, source_size: tuple[int, int] | None = None) -> None:
        self.source_size = source_size or (int(bgr.shape[1]), int(bgr.shape[0]))
        self.bgr: Array = to_width(bgr, WORK_WIDTH)
        self.gray: Array = cv2.cvtColor(self.bgr, cv2.COLOR_BGR2GRAY)
        self._memo: dict[str, Any] = {}

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """`compute()` once per frame and per `key`; later calls return the kept result."""
        if key not in self._memo:
            self._memo[key] = compute()
        result: T = self._memo[key]
        return result

    @property
    def grayf(self) -> Array:
        """The gray working picture as float32."""
        return self.memo("grayf", lambda: self.gray.astype(np.float32))

    @property
    def half(self) -> Array:
        """A half-size BGR copy (Gaussian pyramid): spectra."""
        return self.memo("half", lambda: cv2.pyrDown(self.bgr))

    @property
    def small(self) -> Array:
        """A quarter-size BGR copy (`SMALL_WIDTH` wide): colour statistics and the thumbnail."""
        return self.memo("small", lambda: cv2.pyrDown(self.half))

    @property
    def thumb(self) -> Array:
        """The gray thumbnail (`THUMB_SIZE`, float32) compared with the camera's baseline."""

        def compute() -> Array:
            gray = cv2.cvtColor(self.small, cv2.COLOR_BGR2GRAY)
            return cv2.resize(gray, THUMB_SIZE, interpolation=cv2.INTER_AREA).astype(np.float32)

        return self.memo("thumb", compute)


def prepare(frame: Any, source_size: tuple[int, int] | None = None) -> Work:
    """Prepare any decoded frame (see `as_bgr`) for diagnosis; `Work` is passed through."""
    if isinstance(frame, Work):
        return frame
    return Work(as_bgr(frame), source_size)
