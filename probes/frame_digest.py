"""HTTP/RTSP authentication headers: challenge parsing, Digest (RFC 7616/2617) and Basic.

Used by the RTSP DESCRIBE check (FFmpeg does its own auth afterwards) and by HTTP snapshots
(`probes.frame_auth`, which reuses a camera's challenge with a growing nonce count); the
snapshot simulator uses `digest_response` to verify clients.
"""

from __future__ import annotations

import base64
import hashlib
import os
from urllib.request import parse_http_list, parse_keqv_list

__all__ = [
    "basic_authorization",
    "digest_authorization",
    "digest_response",
    "parse_auth_header",
]

_HASHES = {
    "MD5": "md5",
    "SHA": "sha1",
    "SHA-256": "sha256",
    "SHA-512": "sha512",
    "SHA-512-256": "sha512_256",
}


def parse_auth_header(headers: list[str]) -> dict[str, dict[str, str]]:
    """`WWW-Authenticate` or `Authorization` values -> {scheme (lower case): parameters}."""
    challenges: dict[str, dict[str, str]] = {}
    for value in headers:
        scheme, _, rest = value.strip().partition(" ")
        try:
            params = parse_keqv_list(parse_http_list(rest)) if rest.strip() else {}
        except ValueError:
            params = {}
        challenges.setdefault(scheme.lower(), {k.lower(): v for k, v in params.items()})
    return challenges


def _hash(algorithm: str, text: str) -> str:
    name = _HASHES.get(algorithm.upper().removesuffix("-SESS"))
    if name is None:
        raise ValueError(f"unsupported digest algorithm {algorithm!r}")
    return hashlib.new(name, text.encode(), usedforsecurity=False).hexdigest()


def digest_response(
    *,
    username: str,
    password: str,
    realm: str,
    nonce: str,
    method: str,
    uri: str,
    algorithm: str = "MD5",
    qop: str = "",
    nc: str = "00000001",
    cnonce: str = "",
) -> str:
    """The `response` value of a Digest Authorization header (qop `auth` or none)."""
    ha1 = _hash(algorithm, f"{username}:{realm}:{password}")
    if algorithm.upper().endswith("-SESS"):
        ha1 = _hash(algorithm, f"{ha1}:{nonce}:{cnonce}")
    ha2 = _hash(algorithm, f"{method}:{uri}")
    if qop:
        return _hash(algorithm, f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")
    return _hash(algorithm, f"{ha1}:{nonce}:{ha2}")


def digest_authorization(
    challenge: dict[str, str],
    username: str,
    password: str,
    method: str,
    uri: str,
    *,
    nc: int = 1,
) -> str:
    """An `Authorization: Digest ...` value answering `challenge` (from `parse_auth_header`).

    `nc` is the nonce count: 1 for a fresh challenge, one more for each reuse of its nonce.
    Raises `ValueError` for a digest algorithm it does not know.
    """
    count = f"{nc:08x}"
    algorithm = challenge.get("algorithm", "MD5")
    offered = [q.strip().lower() for q in challenge.get("qop", "").split(",") if q.strip()]
    qop = "auth" if "auth" in offered else ""
    cnonce = os.urandom(8).hex()
    response = digest_response(
        username=username,
        password=password,
        realm=challenge.get("realm", ""),
        nonce=challenge.get("nonce", ""),
        method=method,
        uri=uri,
        algorithm=algorithm,
        qop=qop,
        nc=count,
        cnonce=cnonce,
    )
    fields = {
        "username": username,
        "realm": challenge.get("realm", ""),
        "nonce": challenge.get("nonce", ""),
        "uri": uri,
        "response": response,
    }
    if "algorithm" in challenge:
        fields["algorithm"] = algorithm
    if "opaque" in challenge:
        fields["opaque"] = challenge["opaque"]
    quoted = ", ".join(f'{k}="{_escape(v)}"' for k, v in fields.items())
    extra = f', qop={qop}, nc={count}, cnonce="{cnonce}"' if qop else ""
    return f"Digest {quoted}{extra}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def basic_authorization(username: str, password: str) -> str:
    """An `Authorization: Basic ...` value."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return f"Basic {token}"
