"""The simulated device's WS-Security checks."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

import pytest

from vmon.sim.onvif.security import (
    WSSE_NS,
    WSU_NS,
    AuthFailure,
    AuthPolicy,
    NonceCache,
    parse_xs_datetime,
    password_digest,
    verify_username_token,
)

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
POLICY = AuthPolicy("admin", "pw", window_seconds=60)
TEXT = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText"


def header(
    *, user: str = "admin", password: str = "pw", created: str = "2025-01-02T03:04:05Z",
    nonce: bytes = b"n" * 16, kind: str = "Digest", raw_nonce: str | None = None,
) -> ET.Element:  # fmt: skip
    value = password_digest(nonce, created, password) if kind == "Digest" else password
    kind_uri = TEXT.replace("Text", kind)
    nonce_text = raw_nonce if raw_nonce is not None else base64.b64encode(nonce).decode()
    xml = (
        f'<h xmlns:wsse="{WSSE_NS}" xmlns:wsu="{WSU_NS}"><wsse:Security><wsse:UsernameToken>'
        f"<wsse:Username>{user}</wsse:Username>"
        f'<wsse:Password Type="{kind_uri}">{value}</wsse:Password>'
        f"<wsse:Nonce>{nonce_text}</wsse:Nonce><wsu:Created>{created}</wsu:Created>"
        "</wsse:UsernameToken></wsse:Security></h>"
    )
    return ET.fromstring(xml)


def test_valid_token() -> None:
    verify_username_token(header(), POLICY, NOW, NonceCache(120))


@pytest.mark.parametrize(
    ("kwargs", "why"),
    [
        ({"password": "wrong"}, "digest"),
        ({"user": "root"}, "unknown user"),
        ({"created": "2025-01-02T03:02:04Z"}, "freshness"),
        ({"created": "2025-01-02T03:06:06Z"}, "freshness"),
        ({"created": "yesterday"}, "xs:dateTime"),
        ({"raw_nonce": "%%%"}, "base64"),
        ({"kind": "Text"}, "not accepted"),
    ],
)
def test_refusals(kwargs: dict[str, str], why: str) -> None:
    with pytest.raises(AuthFailure, match=why):
        verify_username_token(header(**kwargs), POLICY, NOW, NonceCache(120))  # type: ignore[arg-type]


def test_window_edges_and_offsets() -> None:
    cache = NonceCache(120)
    verify_username_token(
        header(created="2025-01-02T03:03:05Z", nonce=b"a" * 16), POLICY, NOW, cache
    )
    verify_username_token(
        header(created="2025-01-02T11:04:05.250+08:00", nonce=b"b" * 16), POLICY, NOW, cache
    )


def test_missing_token() -> None:
    with pytest.raises(AuthFailure, match="UsernameToken"):
        verify_username_token(None, POLICY, NOW, NonceCache(120))
    with pytest.raises(AuthFailure, match="UsernameToken"):
        verify_username_token(ET.fromstring("<h/>"), POLICY, NOW, NonceCache(120))


def test_replayed_nonce_is_refused_once_accepted() -> None:
    cache = NonceCache(120)
    verify_username_token(header(), POLICY, NOW, cache)
    with pytest.raises(AuthFailure, match="replayed"):
        verify_username_token(header(), POLICY, NOW, cache)


def test_refused_token_does_not_burn_its_nonce() -> None:
    cache = NonceCache(120)
    with pytest.raises(AuthFailure):
        verify_username_token(header(password="wrong"), POLICY, NOW, cache)
    verify_username_token(header(), POLICY, NOW, cache)


def test_password_text_when_the_device_allows_it() -> None:
    policy = AuthPolicy("admin", "pw", accept_password_text=True)
    verify_username_token(header(kind="Text"), policy, NOW, NonceCache(120))
    with pytest.raises(AuthFailure, match="wrong password"):
        verify_username_token(header(kind="Text", password="x"), policy, NOW, NonceCache(120))


def test_nonce_cache_expires_and_is_bounded() -> None:
    cache = NonceCache(ttl=10, max_entries=3)
    assert cache.check_and_add(b"a", now=0)
    assert not cache.check_and_add(b"a", now=5)
    assert cache.check_and_add(b"a", now=11)  # expired, accepted again
    for i, nonce in enumerate([b"b", b"c", b"d", b"e"]):
        assert cache.check_and_add(nonce, now=12 + i)
    assert len(cache) == 3


def test_parse_xs_datetime() -> None:
    assert parse_xs_datetime("2025-01-02T03:04:05Z") == NOW
    assert parse_xs_datetime("2025-01-02T04:04:05+01:00") == NOW
    assert parse_xs_datetime("2025-01-02T03:04:05") == NOW
    assert parse_xs_datetime("2025-01-02T03:04:05.5Z") == NOW + timedelta(milliseconds=500)
