"""HTTP snapshot authentication: answer the camera's challenge, and remember it per camera.

Modes (`snapshot_auth`): `auto` sends nothing until challenged, then answers Digest if the
camera offers it, else Basic, so a password never goes out in clear to a camera that did
not ask for Basic; `digest` answers only Digest; `basic` sends Basic at once.

`ChallengeCache` remembers, per camera (scheme, host, port, user), the scheme it asked for
and its last Digest challenge. The next request to that camera, in this run or the next
one minutes later, goes out authenticated at once (Digest: the same nonce with the next
nonce count, RFC 7616 section 3.6): one round trip per snapshot instead of two. When the
camera refuses it (a stale nonce, a changed password), its fresh challenge is answered
once, exactly as for a camera never seen before.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

from probes.base import Credentials, ProbeError, Reason
from probes.frame_digest import basic_authorization, digest_authorization, parse_auth_header
from probes.frame_urls import CameraUrl

__all__ = ["MAX_CAMERAS", "CacheKey", "ChallengeCache", "cache_key"]

MAX_CAMERAS = 65_536  # a few hundred bytes each; the least recently used go first
CacheKey = tuple[str, str, int, str]


def cache_key(url: CameraUrl, credentials: Credentials) -> CacheKey:
    """Which camera (and user) a remembered challenge belongs to."""
    return (url.scheme, url.host, url.port, credentials.username)


@dataclass
class _Known:
    scheme: str  # "digest" or "basic"
    challenge: dict[str, str] = field(default_factory=dict)
    count: int = 1  # Digest nonce count used so far


class ChallengeCache:
    """Authorization headers for snapshot GETs, from each camera's remembered challenge."""

    def __init__(self, max_cameras: int = MAX_CAMERAS) -> None:
        self._known: OrderedDict[CacheKey, _Known] = OrderedDict()
        self._max = max_cameras

    def __len__(self) -> int:
        return len(self._known)

    def first(
        self, key: CacheKey, credentials: Credentials | None, mode: str, uri: str
    ) -> str | None:
        """The header for the first try of a request to `uri` (None: go unauthenticated)."""
        if credentials is None:
            return None
        if mode == "basic":
            return _basic(credentials)
        known = self._known.get(key)
        if known is None:
            return None
        self._known.move_to_end(key)
        if known.scheme == "basic":
            return _basic(credentials) if mode == "auto" else None
        known.count += 1
        return _digest(known.challenge, credentials, uri, known.count)

    def answer(
        self,
        key: CacheKey,
        credentials: Credentials | None,
        mode: str,
        challenges: Sequence[str],
        uri: str,
    ) -> str | None:
        """The header answering a 401's `challenges` (None: nothing acceptable to answer).

        Whatever was remembered for `key` is dropped; the answered challenge is kept.
        """
        self._known.pop(key, None)
        if credentials is None or mode == "basic":
            return None  # Basic went out on the first try already
        offered = parse_auth_header(list(challenges))
        if "digest" in offered:
            known = _Known("digest", offered["digest"])
            header = _digest(known.challenge, credentials, uri, known.count)
        elif "basic" in offered and mode == "auto":
            known = _Known("basic")
            header = _basic(credentials)
        else:
            return None
        self._remember(key, known)
        return header

    def forget(self, key: CacheKey) -> None:
        """Drop what is remembered for `key` (its credentials were refused)."""
        self._known.pop(key, None)

    def _remember(self, key: CacheKey, known: _Known) -> None:
        self._known[key] = known
        while len(self._known) > self._max:
            self._known.popitem(last=False)


def _basic(credentials: Credentials) -> str:
    return basic_authorization(credentials.username, credentials.password.reveal())


def _digest(challenge: dict[str, str], credentials: Credentials, uri: str, count: int) -> str:
    try:
        return digest_authorization(
            challenge, credentials.username, credentials.password.reveal(), "GET", uri, nc=count
        )
    except ValueError:
        algorithm = challenge.get("algorithm", "?")[:32]
        raise ProbeError(
            Reason.NOT_SUPPORTED, f"snapshot: unsupported Digest algorithm {algorithm}"
        ) from None
