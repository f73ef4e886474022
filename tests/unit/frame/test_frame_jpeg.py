"""JPEG header checks (bombs, truncation, garbage) and decoding."""

from __future__ import annotations

import struct

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probes.base import ProbeError, Reason
from probes.frame_jpeg import decode_jpeg, inspect_jpeg


def _jpeg(width: int = 64, height: int = 48, progressive: bool = False) -> bytes:
    image = np.random.default_rng(1).integers(0, 255, (height, width, 3), dtype=np.uint8)
    params = [cv2.IMWRITE_JPEG_PROGRESSIVE, 1] if progressive else []
    ok, encoded = cv2.imencode(".jpg", image, params)
    assert ok
    return encoded.tobytes()


def _with_size(data: bytes, width: int, height: int) -> bytes:
    patched = bytearray(data)
    for marker in (b"\xff\xc0", b"\xff\xc2"):
        at = patched.find(marker)
        if at >= 0:
            struct.pack_into(">HH", patched, at + 5, height, width)
            return bytes(patched)
    raise AssertionError("no SOF marker")


@pytest.mark.parametrize("progressive", [False, True])
def test_a_good_jpeg_is_inspected_and_decoded(progressive: bool) -> None:
    data = _jpeg(64, 48, progressive)
    info = inspect_jpeg(data)
    assert (info.width, info.height, info.components) == (64, 48, 3)
    frame = decode_jpeg(data)
    assert frame.shape == (48, 64, 3) and frame.dtype == np.uint8


def test_padding_after_the_end_marker_is_accepted() -> None:
    assert inspect_jpeg(_jpeg() + b"\x00" * 200).width == 64


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "no SOI"),
        (b"<html>401</html>", "no SOI"),
        (_jpeg()[: len(_jpeg()) // 2], "truncated"),
        (b"\xff\xd8\xff\xd9", "no frame header"),
        (_with_size(_jpeg(), 0, 48), "empty"),
        (_with_size(_jpeg(), 65000, 65000), "above the limit"),
    ],
)
def test_bad_jpegs_are_decode_errors(data: bytes, words: str) -> None:
    with pytest.raises(ProbeError) as caught:
        inspect_jpeg(data)
    assert caught.value.reason is Reason.DECODE
    assert words in caught.value.message


def test_the_pixel_limit_is_configurable() -> None:
    data = _jpeg(64, 48)
    assert inspect_jpeg(data, max_pixels=64 * 48).width == 64
    with pytest.raises(ProbeError):
        inspect_jpeg(data, max_pixels=64 * 48 - 1)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_random_bytes_never_escape_as_anything_but_decode(data: bytes) -> None:
    try:
        inspect_jpeg(b"\xff\xd8" + data)
        decode_jpeg(b"\xff\xd8" + data)
    except ProbeError as exc:
        assert exc.reason is Reason.DECODE


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=2, max_value=400), st.integers(min_value=0, max_value=255))
def test_mutated_jpegs_never_escape_as_anything_but_decode(position: int, value: int) -> None:
    data = bytearray(_jpeg())
    data[position % len(data)] = value
    try:
        inspect_jpeg(bytes(data))
        decode_jpeg(bytes(data))
    except ProbeError as exc:
        assert exc.reason is Reason.DECODE


def test_min_width_decodes_at_reduced_scale() -> None:
    data = _jpeg(1920, 1080)
    assert decode_jpeg(data, min_width=480).shape == (270, 480, 3)
    assert decode_jpeg(data, min_width=1000).shape == (1080, 1920, 3)
    assert decode_jpeg(data).shape == (1080, 1920, 3)


def test_garbage_padding_after_the_end_marker_still_decodes() -> None:
    data = _jpeg() + b"\x01\x02junk" * 20
    assert inspect_jpeg(data).width == 64
    assert decode_jpeg(data, min_width=480).shape == (48, 64, 3)


def test_the_pixel_limit_binds_the_decoder_too() -> None:
    with pytest.raises(ProbeError) as caught:
        decode_jpeg(_jpeg(64, 48), max_pixels=64 * 48 - 1)
    assert caught.value.reason is Reason.DECODE
