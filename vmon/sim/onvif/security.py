"""WS-Security UsernameToken checks, as an ONVIF device makes them.

ONVIF Core (5.12) requires the UsernameToken profile with a password digest:
``Base64(SHA-1(nonce + created + password))``, where ``nonce`` is the decoded nonce bytes and
``created`` the literal text of ``wsu:Created``. The device also refuses a token whose
``Created`` is too far from its own clock, and a nonce it has already accepted.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree.ElementTree import Element

__all__ = [
    "WSSE_NS",
    "WSU_NS",
    "AuthFailure",
    "AuthPolicy",
    "NonceCache",
    "parse_xs_datetime",
    "password_digest",
    "verify_username_token",
]

WSSE_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
_DIGEST_SUFFIX = "#PasswordDigest"
_TEXT_SUFFIX = "#PasswordText"


class AuthFailure(Exception):
    """The request's credentials were refused; the text is for the device's own log."""


@dataclass(frozen=True)
class AuthPolicy:
    """What the device accepts."""

    username: str
    password: str
    window_seconds: float = 300.0
    accept_password_text: bool = False


class NonceCache:
    """Nonces accepted recently, so that a replayed token is refused.

    Entries expire after `ttl` seconds (twice the freshness window is enough: an older
    token fails the `Created` check anyway); the size is capped so a flood cannot grow it.
    """

    def __init__(self, ttl: float, max_entries: int = 100_000) -> None:
        self._ttl = ttl
        self._max = max_entries
        self._seen: OrderedDict[bytes, float] = OrderedDict()

    def check_and_add(self, nonce: bytes, now: float | None = None) -> bool:
        """Record `nonce`; return False if it was already seen (a replay)."""
        now = time.monotonic() if now is None else now
        self._expire(now)
        if nonce in self._seen:
            return False
        self._seen[nonce] = now + self._ttl
        if len(self._seen) > self._max:
            self._seen.popitem(last=False)
        return True

    def _expire(self, now: float) -> None:
        while self._seen:
            oldest, expires = next(iter(self._seen.items()))
            if expires > now:
                return
            del self._seen[oldest]

    def __len__(self) -> int:
        return len(self._seen)


def password_digest(nonce: bytes, created: str, password: str) -> str:
    """``Base64(SHA-1(nonce + created + password))`` as the UsernameToken profile defines it."""
    raw = hashlib.sha1(nonce + created.encode() + password.encode(), usedforsecurity=False)
    return base64.b64encode(raw.digest()).decode("ascii")


def parse_xs_datetime(text: str) -> datetime:
    """Parse an xs:dateTime (``Z`` or an offset, optional fraction) into an aware UTC time."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def verify_username_token(
    header: Element | None, policy: AuthPolicy, device_now: datetime, nonces: NonceCache
) -> None:
    """Check the UsernameToken in a SOAP header; raise `AuthFailure` when it is not good."""
    token = _find_token(header)
    username = _text(token, WSSE_NS, "Username")
    password = token.find(f"{{{WSSE_NS}}}Password")
    if password is None:
        raise AuthFailure("no password")
    if not hmac.compare_digest(username.encode(), policy.username.encode()):
        raise AuthFailure("unknown user")
    kind = password.get("Type", _TEXT_SUFFIX)
    if kind.endswith(_DIGEST_SUFFIX):
        nonce = _check_digest(token, password.text or "", policy.password)
    elif kind.endswith(_TEXT_SUFFIX) and policy.accept_password_text:
        if not hmac.compare_digest((password.text or "").encode(), policy.password.encode()):
            raise AuthFailure("wrong password")
        return
    else:
        raise AuthFailure("password type not accepted")
    _check_fresh(_text(token, WSU_NS, "Created"), device_now, policy.window_seconds)
    if not nonces.check_and_add(nonce):
        raise AuthFailure("nonce replayed")


def _find_token(header: Element | None) -> Element:
    security = None if header is None else header.find(f"{{{WSSE_NS}}}Security")
    token = None if security is None else security.find(f"{{{WSSE_NS}}}UsernameToken")
    if token is None:
        raise AuthFailure("no UsernameToken")
    return token


def _text(parent: Element, namespace: str, name: str) -> str:
    child = parent.find(f"{{{namespace}}}{name}")
    if child is None or not (child.text or "").strip():
        raise AuthFailure(f"no {name}")
    return (child.text or "").strip()


def _check_digest(token: Element, given: str, password: str) -> bytes:
    created = _text(token, WSU_NS, "Created")
    try:
        nonce = base64.b64decode(_text(token, WSSE_NS, "Nonce"), validate=True)
    except binascii.Error:
        raise AuthFailure("nonce is not base64") from None
    expected = password_digest(nonce, created, password)
    if not hmac.compare_digest(expected.encode(), given.strip().encode()):
        raise AuthFailure("wrong password digest")
    return nonce


def _check_fresh(created: str, device_now: datetime, window: float) -> None:
    try:
        when = parse_xs_datetime(created)
    except ValueError:
        raise AuthFailure("Created is not an xs:dateTime") from None
    if abs((when - device_now).total_seconds()) > window:
        raise AuthFailure("Created outside the freshness window")
