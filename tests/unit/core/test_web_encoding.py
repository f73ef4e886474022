"""Content negotiation of `/metrics`: gzip when the scraper asks for it, plain otherwise."""

from __future__ import annotations

import gzip

import pytest

from vmon.web.encoding import accepts_gzip, negotiated


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("deflate, GZIP;q=0.5", True),
        ("*", True),
        ("gzip;q=0", False),
        ("gzip; q=0.0", False),
        ("gzip;q=nonsense", False),
        ("gzip;x-level=1", True),
        ("gzip; x=1; q=0", False),
        ("identity", False),
        ("deflate, br", False),
        ("", False),
        (None, False),
    ],
)
def test_accept_encoding_is_read_as_rfc_9110_says(header: str | None, expected: bool) -> None:
    assert accepts_gzip(header) is expected


async def test_a_large_body_is_gzipped_and_comes_back_the_same() -> None:
    body = b"".join(b'vmon_camera_online{camera="%020d"} 1\n' % i for i in range(2000))
    sent, headers = await negotiated(body, "gzip")
    assert headers == {"Vary": "Accept-Encoding", "Content-Encoding": "gzip"}
    assert gzip.decompress(sent) == body
    assert len(sent) < len(body) / 4


async def test_small_or_unasked_bodies_go_as_they_are() -> None:
    assert await negotiated(b"OK\n", "gzip") == (b"OK\n", {"Vary": "Accept-Encoding"})
    body = b"x" * 5000
    assert await negotiated(body, "identity") == (body, {"Vary": "Accept-Encoding"})
