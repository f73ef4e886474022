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

_IMMERKAER = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)


def noise_sigma(work: Work) -> float:
    """Estimated noise standard deviation in gray levels (0 = clean, 10+ = heavy snow)."""
    return work.memo("noise", lambda: _noise(work))


def _noise(work: Work) -> float:
    response = np.abs(cv2.filter2D(work.grayf, cv2.CV_32F, _IMMERKAER))
    mag = gradient(work)[2]
    threshold = float(np.median(mag[::3, ::3]))  # a subsample is plenty for a median
    flat = (mag <= threshold).astype(np.uint8)
    if not flat.any():
        return 0.0
    return math.sqrt(math.pi / 2.0) * float(cv2.mean(response, mask=flat)[0]) / 6.0
