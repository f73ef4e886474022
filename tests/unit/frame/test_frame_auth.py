"""The per-camera challenge memory: which header goes out first, and how a 401 is answered."""

from __future__ import annotations

import base64

import pytest

from probes.base import Credentials, ProbeError, Reason, Secret
from probes.frame_auth import ChallengeCache, cache_key
from probes.frame_digest import digest_authorization, digest_response, parse_auth_header
from probes.frame_urls import parse_camera_url

CREDS = Credentials("admin", Secret("pa:ss w0rd"))
URL = parse_camera_url("http://10.0.0.7/cgi-bin/snapshot.cgi?channel=1", schemes=("http",))
KEY = cache_key(URL, CREDS)
URI = "/cgi-bin/snapshot.cgi?channel=1"
DIGEST = 'Digest realm="cam", qop="auth", nonce="n0nce", opaque="op", algorithm=MD5'
BASIC = 'Basic realm="cam"'


def _valid(header: str, nc: str) -> bool:
    """Checks a Digest answer the way a camera does."""
    params = parse_auth_header([header])["digest"]
    assert params["nc"] == nc and params["nonce"] == "n0nce" and params["opaque"] == "op"
    expected = digest_response(
        username="admin",
        password="pa:ss w0rd",
        realm="cam",
        nonce="n0nce",
        method="GET",
        uri=URI,
        qop=params["qop"],
        nc=params["nc"],
        cnonce=params["cnonce"],
    )
    return params["response"] == expected and params["uri"] == URI


def test_an_unknown_camera_is_tried_unauthenticated_then_its_challenge_answered() -> None:
    cache = ChallengeCache()
    assert cache.first(KEY, CREDS, "auto", URI) is None
    header = cache.answer(KEY, CREDS, "auto", [BASIC, DIGEST], URI)
    assert header is not None and header.startswith("Digest ")  # Digest preferred to Basic
    assert _valid(header, "00000001")


def test_a_known_camera_gets_the_remembered_nonce_with_the_next_count() -> None:
    cache = ChallengeCache()
    cache.answer(KEY, CREDS, "auto", [DIGEST], URI)
    second = cache.first(KEY, CREDS, "auto", URI)
    third = cache.first(KEY, CREDS, "auto", URI)
    assert second is not None and _valid(second, "00000002")
    assert third is not None and _valid(third, "00000003")


def test_a_refused_camera_is_forgotten_and_a_new_challenge_starts_again() -> None:
    cache = ChallengeCache()
    cache.answer(KEY, CREDS, "auto", [DIGEST], URI)
    cache.forget(KEY)
    assert cache.first(KEY, CREDS, "auto", URI) is None and len(cache) == 0
    fresh = DIGEST.replace("n0nce", "other")
    cache.answer(KEY, CREDS, "auto", [DIGEST], URI)
    header = cache.answer(KEY, CREDS, "auto", [fresh], URI)  # stale nonce replaced
    assert header is not None and 'nonce="other"' in header and "nc=00000001" in header


def test_basic_only_when_the_camera_asks_for_it_or_when_configured() -> None:
    token = base64.b64encode(b"admin:pa:ss w0rd").decode()
    cache = ChallengeCache()
    assert cache.answer(KEY, CREDS, "digest", [BASIC], URI) is None  # digest mode: never Basic
    assert cache.answer(KEY, CREDS, "auto", [BASIC], URI) == f"Basic {token}"
    assert cache.first(KEY, CREDS, "auto", URI) == f"Basic {token}"  # remembered
    assert cache.first(KEY, CREDS, "digest", URI) is None
    assert ChallengeCache().first(KEY, CREDS, "basic", URI) == f"Basic {token}"  # at once
    assert ChallengeCache().answer(KEY, CREDS, "basic", [DIGEST], URI) is None  # already sent


def test_no_credentials_means_no_header() -> None:
    cache = ChallengeCache()
    assert cache.first(KEY, None, "basic", URI) is None
    assert cache.answer(KEY, None, "auto", [DIGEST], URI) is None


def test_the_memory_is_bounded_least_recently_used_first() -> None:
    cache = ChallengeCache(max_cameras=2)
    keys = [("http", f"10.0.0.{i}", 80, "admin") for i in range(3)]
    cache.answer(keys[0], CREDS, "auto", [DIGEST], URI)
    cache.answer(keys[1], CREDS, "auto", [DIGEST], URI)
    assert cache.first(keys[0], CREDS, "auto", URI) is not None  # 0 is now the most recent
    cache.answer(keys[2], CREDS, "auto", [DIGEST], URI)
    assert len(cache) == 2
    assert cache.first(keys[1], CREDS, "auto", URI) is None
    assert cache.first(keys[0], CREDS, "auto", URI) is not None


def test_an_unknown_digest_algorithm_is_not_supported() -> None:
    with pytest.raises(ProbeError) as caught:
        ChallengeCache().answer(KEY, CREDS, "auto", [DIGEST.replace("MD5", "SHA3-999")], URI)
    assert caught.value.reason is Reason.NOT_SUPPORTED
    assert "pa:ss" not in caught.value.message


def test_the_nonce_count_is_signed_into_the_answer() -> None:
    challenge = parse_auth_header([DIGEST])["digest"]
    header = digest_authorization(challenge, "admin", "pa:ss w0rd", "GET", URI, nc=0x1F)
    assert "nc=0000001f" in header and _valid(header, "0000001f")
