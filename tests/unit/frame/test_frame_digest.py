"""Digest and Basic auth headers against the RFC examples."""

from __future__ import annotations

import base64

from probes.frame_digest import (
    basic_authorization,
    digest_authorization,
    digest_response,
    parse_auth_header,
)


def test_rfc2617_example() -> None:
    response = digest_response(
        username="Mufasa",
        password="Circle Of Life",
        realm="testrealm@host.com",
        nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",
        method="GET",
        uri="/dir/index.html",
        qop="auth",
        nc="00000001",
        cnonce="0a4f113b",
    )
    assert response == "6629fae49393a05397450978507c4ef1"


def test_rfc7616_sha256_example() -> None:
    response = digest_response(
        username="Mufasa",
        password="Circle of Life",
        realm="http-auth@example.org",
        nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
        method="GET",
        uri="/dir/index.html",
        algorithm="SHA-256",
        qop="auth",
        nc="00000001",
        cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
    )
    assert response == "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"


def test_parse_auth_header_reads_quoted_lists() -> None:
    parsed = parse_auth_header(
        ['Digest realm="cam, 1", nonce="abc", qop="auth,auth-int"', 'Basic realm="x"']
    )
    assert parsed["digest"] == {"realm": "cam, 1", "nonce": "abc", "qop": "auth,auth-int"}
    assert parsed["basic"] == {"realm": "x"}


def test_digest_authorization_answers_the_challenge_it_was_given() -> None:
    challenge = {"realm": "r", "nonce": "n", "qop": "auth", "opaque": "o"}
    header = digest_authorization(challenge, "u", "p", "DESCRIBE", "rtsp://cam/ch1")
    params = parse_auth_header([header])["digest"]
    assert params["uri"] == "rtsp://cam/ch1" and params["opaque"] == "o"
    expected = digest_response(
        username="u",
        password="p",
        realm="r",
        nonce="n",
        method="DESCRIBE",
        uri="rtsp://cam/ch1",
        qop="auth",
        nc=params["nc"],
        cnonce=params["cnonce"],
    )
    assert params["response"] == expected


def test_digest_without_qop_is_the_rfc2069_form() -> None:
    header = digest_authorization({"realm": "r", "nonce": "n"}, "u", "p", "DESCRIBE", "rtsp://c/")
    assert "qop" not in header and "cnonce" not in header


def test_basic_authorization() -> None:
    assert basic_authorization("u", "p:w") == "Basic " + base64.b64encode(b"u:p:w").decode()
