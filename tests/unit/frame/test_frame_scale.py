"""Reduced frames: the JPEG decode and the RTSP shrink agree on one size per camera."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from probes.frame_jpeg import decode_jpeg, inspect_jpeg
from probes.frame_scale import reduced_size, scale_factor, shrink


def _jpeg(width: int, height: int) -> bytes:
    rng = np.random.default_rng(width * height)
    image = rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
    ok, encoded = cv2.imencode(".jpg", image)
    assert ok
    return encoded.tobytes()


@pytest.mark.parametrize(
    ("width", "min_width", "factor"),
    [
        (3840, 480, 8),
        (2560, 480, 4),
        (1920, 480, 4),
        (1280, 480, 2),
        (959, 480, 1),
        (960, 480, 2),
        (640, 480, 1),
        (320, 480, 1),
        (3840, 0, 1),
        (1920, 1920, 1),
    ],
)
def test_scale_factor_keeps_at_least_min_width(width: int, min_width: int, factor: int) -> None:
    assert scale_factor(width, min_width) == factor
    if factor > 1:
        assert width // factor >= min_width


@pytest.mark.parametrize(
    ("width", "height"), [(1920, 1080), (1280, 720), (2560, 1440), (1001, 563), (704, 576)]
)
def test_jpeg_decode_and_rtsp_shrink_give_the_same_size(width: int, height: int) -> None:
    data = _jpeg(width, height)
    decoded = decode_jpeg(data, min_width=480)
    expected_w, expected_h = reduced_size(width, height, 480)
    assert decoded.shape == (expected_h, expected_w, 3) and decoded.dtype == np.uint8
    full = decode_jpeg(data)
    assert full.shape == (height, width, 3)
    assert shrink(full, 480).shape == decoded.shape
    # the native size still comes from the header
    assert (inspect_jpeg(data).width, inspect_jpeg(data).height) == (width, height)


def test_a_reduced_decode_looks_like_the_full_picture_shrunk() -> None:
    ys, xs = np.mgrid[0:1080, 0:1920]
    image = np.dstack([(xs // 8) % 256, (ys // 5) % 256, ((xs + ys) // 12) % 256]).astype(np.uint8)
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    reduced = decode_jpeg(encoded.tobytes(), min_width=480).astype(np.int16)
    reference = shrink(image, 480).astype(np.int16)
    assert reduced.shape == (270, 480, 3)
    assert float(np.abs(reduced - reference).mean()) < 4.0


def test_shrink_leaves_small_frames_alone() -> None:
    frame = np.zeros((240, 320, 3), np.uint8)
    assert shrink(frame, 480) is frame
    assert shrink(np.zeros((1080, 1920, 3), np.uint8), 0).shape == (1080, 1920, 3)
