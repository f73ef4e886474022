"""Unreadable input gives a classified `ImageError`, readable oddities a BGR frame."""

from __future__ import annotations

import struct
import zlib

import cv2
import numpy as np
import pytest

from probes.base import ProbeError, Reason
from probes.quality import ImageError, as_bgr, decode_image, diagnose
from vmon.sim import scenes


def _jpeg(img: np.ndarray, quality: int = 85) -> bytes:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return buf.tobytes()


def _png(img: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", img)
    assert ok
    return buf.tobytes()


def _png_header(width: int, height: int) -> bytes:
    """A PNG that announces a huge picture: the start of a decompression bomb."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    body = struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    idat = zlib.compress(b"\x00" * 100000)
    idat_chunk = (
        struct.pack(">I", len(idat))
        + b"IDAT"
        + idat
        + struct.pack(">I", zlib.crc32(b"IDAT" + idat))
    )
    return b"\x89PNG\r\n\x1a\n" + body + idat_chunk


def _jpeg_with_size(width: int, height: int) -> bytes:
    """A real JPEG whose frame header is rewritten to announce another size."""
    data = bytearray(_jpeg(np.zeros((16, 16, 3), np.uint8)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


@pytest.fixture(scope="module")
def picture() -> np.ndarray:
    return scenes.scene("healthy", seed=1, width=1920, height=1080)


def test_full_hd_jpeg_is_decoded_at_reduced_size(picture: np.ndarray) -> None:
    frame = decode_image(_jpeg(picture))
    assert frame.shape == (270, 480, 3) and frame.dtype == np.uint8
    assert diagnose(frame).source_size == (480, 270)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"hello world, not a picture", "unsupported"),
        (b"GIF89a" + b"\x00" * 20, "unsupported"),
        (b"\xff\xd8\xff", "decode"),
    ],
)
def test_garbage_is_classified(data: bytes, reason: str) -> None:
    with pytest.raises(ImageError) as caught:
        decode_image(data)
    assert caught.value.reason == reason


def test_truncated_jpeg_is_a_decode_error(picture: np.ndarray) -> None:
    data = _jpeg(picture)
    for cut in (len(data) // 2, len(data) - 10, 200):
        with pytest.raises(ImageError) as caught:
            decode_image(data[:cut])
        assert caught.value.reason == "decode"


def test_corrupt_jpeg_body_never_crashes(picture: np.ndarray) -> None:
    data = bytearray(_jpeg(picture))
    rng = np.random.default_rng(0)
    for _ in range(20):
        broken = bytearray(data)
        for pos in rng.integers(600, len(data) - 2, 40):
            broken[pos] = int(rng.integers(256))
        try:
            frame = decode_image(bytes(broken))
        except ImageError as exc:
            assert exc.reason in ("decode", "unsupported", "too_large", "too_small")
        else:
            assert frame.ndim == 3


def test_one_pixel_is_too_small() -> None:
    for data in (_png(np.zeros((1, 1, 3), np.uint8)), _jpeg(np.zeros((1, 1, 3), np.uint8))):
        with pytest.raises(ImageError) as caught:
            decode_image(data)
        assert caught.value.reason == "too_small"


def test_grayscale_and_sixteen_bit_pictures_are_read() -> None:
    gray = (np.arange(64 * 48, dtype=np.uint32).reshape(48, 64) % 256).astype(np.uint8)
    assert decode_image(_png(gray)).shape == (48, 64, 3)
    assert decode_image(_jpeg(gray)).shape == (48, 64, 3)
    deep = gray.astype(np.uint16) * 257
    out = decode_image(_png(deep))
    assert out.dtype == np.uint8 and out.shape == (48, 64, 3)
    assert abs(int(out[10, 10, 0]) - int(gray[10, 10])) <= 1


def test_alpha_png_is_read() -> None:
    bgra = np.zeros((40, 40, 4), np.uint8)
    bgra[..., 2] = 200
    assert decode_image(_png(bgra)).shape == (40, 40, 3)


def test_cmyk_jpeg_is_read() -> None:
    import io

    from PIL import Image  # pillow comes with scikit-image

    buf = io.BytesIO()
    Image.new("CMYK", (64, 48), (0, 255, 255, 0)).save(buf, "JPEG")
    out = decode_image(buf.getvalue())
    assert out.shape == (48, 64, 3)
    b, g, r = (int(v) for v in out[20, 20])
    assert r > 200 and g < 60 and b < 60  # CMYK (0, 255, 255, 0) is red


@pytest.mark.parametrize("data", [_png_header(100000, 100000), _jpeg_with_size(65000, 65000)])
def test_decompression_bomb_is_refused_before_decoding(data: bytes) -> None:
    with pytest.raises(ImageError) as caught:
        decode_image(data)
    assert caught.value.reason == "too_large"


def test_oversized_input_is_refused() -> None:
    with pytest.raises(ImageError) as caught:
        decode_image(b"\xff\xd8" + b"\x00" * 100, max_bytes=50)
    assert caught.value.reason == "too_large"


@pytest.mark.parametrize(
    ("array", "reason"),
    [
        (np.zeros((0, 10, 3), np.uint8), "empty"),
        (np.zeros((10, 10, 3), np.uint8), "too_small"),
        (np.zeros((40, 40, 2), np.uint8), "unsupported"),
        (np.zeros((40, 40, 3), np.complex64), "unsupported"),
        (np.zeros((40, 40, 3, 1), np.uint8), "unsupported"),
        ("not an array", "unsupported"),
    ],
)
def test_arrays_that_cannot_be_diagnosed(array: object, reason: str) -> None:
    with pytest.raises(ImageError) as caught:
        diagnose(array)
    assert caught.value.reason == reason


def test_arrays_of_other_types_are_converted() -> None:
    assert as_bgr(np.full((40, 40), 1000, np.uint16)).dtype == np.uint8
    assert int(as_bgr(np.full((40, 40, 3), 0.5, np.float32))[0, 0, 0]) == 127
    assert as_bgr(np.full((40, 40, 1), np.nan, np.float64)).shape == (40, 40, 3)


def test_image_error_maps_to_the_probe_contract() -> None:
    error = ImageError("too_large", "100000x100000 pixels").to_probe_error()
    assert isinstance(error, ProbeError)
    assert error.reason is Reason.DECODE
    assert "too_large" in error.message


def _with_exif_orientation(jpeg: bytes, orientation: int) -> bytes:
    """`jpeg` with an EXIF APP1 segment holding one tag: Orientation (0x0112)."""
    ifd = struct.pack(">H", 1) + struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0)
    tiff = b"MM\x00\x2a" + struct.pack(">I", 8) + ifd + struct.pack(">I", 0)
    body = b"Exif\x00\x00" + tiff
    app1 = b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body
    return jpeg[:2] + app1 + jpeg[2:]


@pytest.mark.parametrize("size", [(640, 360), (1920, 1080)])
def test_exif_orientation_is_ignored(size: tuple[int, int]) -> None:
    """IP cameras keep the sensor's geometry: orientation 6 (rotate 90) must not turn it."""
    width, height = size
    img = scenes.scene("healthy", seed=3, width=width, height=height)
    data = _with_exif_orientation(_jpeg(img), 6)
    rotated = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert rotated is not None
    assert rotated.shape[:2] == (width, height)  # the tag is real: plain decoding turns it
    out = decode_image(data)
    assert out.shape[1] > out.shape[0]
    expect = cv2.resize(img, (out.shape[1], out.shape[0]), interpolation=cv2.INTER_AREA)
    diff = np.abs(out.astype(np.int16) - expect.astype(np.int16))
    assert float(diff.mean()) < 8.0
