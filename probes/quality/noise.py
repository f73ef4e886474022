"""Noise: the standard deviation of random grain, estimated on the flatter half of the picture.

Immerkaer's operator (a 3x3 Laplacian difference that cancels smooth gradients) is applied,
and its mean absolute response is averaged over the pixels whose gradient is below the
median, so edges and texture weigh little. The result is in gray levels at the working
scale (`WORK_WIDTH`): the grain an operator sees at that size.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from probes.quality.sharpness import gradient
from probes.quality.work import Work

__all__ = ["noise_sigma"]

_SECOND = np.array([1, -2, 1], np.float32)  # Immerkaer's operator is this, outer itself


def noise_sigma(work: Work) -> float:
    """Estimated noise standard deviation in gray levels (0 = clean, 10+ = heavy snow)."""
    return work.memo("noise", lambda: _noise(work))


def _noise(work: Work) -> float:
    # the separable operator on the 8-bit picture, in integers: exact, and cheap
    response = cv2.convertScaleAbs(cv2.sepFilter2D(work.gray, cv2.CV_16S, _SECOND, _SECOND))
    mag = gradient(work)[2]
    sample = mag[::3, ::3].ravel()  # a subsample is plenty for a median
    threshold = float(np.partition(sample, len(sample) // 2)[len(sample) // 2])
    flat = cv2.compare(mag, threshold, cv2.CMP_LE)  # type: ignore[call-overload]  # stubs: no scalar
    count = cv2.countNonZero(flat)
    if count == 0:
        return 0.0
    # a masked cv2.mean is a slow scalar loop; zeroing and summing the 8-bit picture is
    # vectorised, and the integer sum is the same
    total = cv2.sumElems(cv2.bitwise_and(response, flat))[0]
    return math.sqrt(math.pi / 2.0) * (total / count) / 6.0
