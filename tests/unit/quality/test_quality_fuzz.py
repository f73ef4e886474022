"""Property: any input gives an `Evidence` or a classified `ImageError`, never a crash or hang.

Thousands of inputs: random bytes, valid JPEG/PNG/BMP files with bytes flipped, cut or
inserted, and arrays of arbitrary shape and sample type.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from probes.quality import Evidence, ImageError, decode_image, diagnose
from vmon.sim import scenes

_REASONS = {"empty", "decode", "too_small", "too_large", "unsupported"}
_SETTINGS = settings(
    max_examples=700, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


def _encode(ext: str, img: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(ext, img)
    assert ok
    return buf.tobytes()


_SOURCE = scenes.scene("stripes", seed=3, width=96, height=64)
SEEDS = [_encode(".jpg", _SOURCE), _encode(".png", _SOURCE), _encode(".bmp", _SOURCE)]
SEEDS.append(_encode(".jpg", cv2.cvtColor(_SOURCE, cv2.COLOR_BGR2GRAY)))


def _judge(data: bytes) -> None:
    try:
        frame = decode_image(data)
    except ImageError as exc:
        assert exc.reason in _REASONS
        return
    assert frame.dtype == np.uint8 and frame.ndim == 3 and frame.shape[2] == 3
    assert isinstance(diagnose(frame, thumbnail=False), Evidence)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        action = draw(st.sampled_from(["flip", "cut", "insert", "zero"]))
        pos = draw(st.integers(0, len(data) - 1))
        if action == "flip":
            data[pos] = draw(st.integers(0, 255))
        elif action == "cut":
            del data[pos : pos + draw(st.integers(1, 200))]
        elif action == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=50))
        else:
            data[pos : pos + 8] = b"\x00" * 8
        if not data:
            break
    return bytes(data)


@pytest.mark.timeout(120)
@_SETTINGS
@given(st.binary(max_size=3000))
def test_random_bytes(data: bytes) -> None:
    _judge(data)


@pytest.mark.timeout(120)
@_SETTINGS
@given(mutated())
def test_mutated_pictures(data: bytes) -> None:
    _judge(data)


@pytest.mark.timeout(120)
@_SETTINGS
@given(
    arrays(
        dtype=st.sampled_from([np.uint8, np.uint16, np.float32, np.float64, np.int32, np.bool_]),
        shape=st.tuples(st.integers(0, 70), st.integers(0, 70)).flatmap(
            lambda hw: st.sampled_from([hw, (*hw, 1), (*hw, 3), (*hw, 4), (*hw, 2)])
        ),
    )
)
def test_arbitrary_arrays(array: np.ndarray) -> None:
    try:
        evidence = diagnose(array, thumbnail=False)
    except ImageError as exc:
        assert exc.reason in _REASONS
    else:
        assert isinstance(evidence, Evidence)
