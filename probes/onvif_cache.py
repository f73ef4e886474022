"""What setup learned about each camera, kept between probes by the engine.

A `DeviceRecord` holds the media profile and the stream/snapshot URIs, resolved once and
reused until `ttl_seconds` pass or the camera's serial changes. The URIs come in two forms:
`stream_uri` / `snapshot_uri` with any embedded credentials masked (safe for info, logs,
the database), and `stream_secret` / `snapshot_secret` as the device gave them, for the
frame probe to open.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from probes.base import Secret, Target

__all__ = ["CacheKey", "DeviceRecord", "OnvifCache", "device_url", "redact_uri"]

CacheKey = tuple[str, str, int, str, str, str]
_CREDENTIAL_PARAMS = frozenset(
    {"user", "username", "usr", "password", "pass", "passwd", "pwd", "auth", "token", "key"}
)


def redact_uri(uri: str) -> str:
    """`uri` with user info and credential-like query values replaced by ``***``."""
    try:
        parts = urlsplit(uri)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "<unparseable uri>"
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    if parts.username is not None or parts.password is not None:
        netloc = "***@" + netloc
    query = "&".join(_redact_param(part) for part in parts.query.split("&")) if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def _redact_param(part: str) -> str:
    name, sep, _value = part.partition("=")
    return f"{name}=***" if sep and name.lower() in _CREDENTIAL_PARAMS else part


def device_url(target: Target) -> str:
    """The device service address of a target (options ``onvif_scheme``, ``onvif_path``)."""
    scheme = str(target.options.get("onvif_scheme", "http"))
    port = target.port or (443 if scheme == "https" else 80)
    host = f"[{target.host}]" if ":" in target.host else target.host
    path = str(target.options.get("onvif_path", "/onvif/device_service"))
    return f"{scheme}://{host}:{port}{path}"


@dataclass(frozen=True, slots=True)
class DeviceRecord:
    """A camera's resolved media setup."""

    serial: str
    media_xaddr: str
    ptz_xaddr: str
    profile_token: str
    profile_name: str
    encoding: str
    resolution: str
    stream_uri: str
    snapshot_uri: str
    stream_secret: Secret
    snapshot_secret: Secret
    ptz: bool
    resolved_at: float

    @classmethod
    def from_uris(cls, *, stream: str, snapshot: str, **fields: str | bool | float) -> DeviceRecord:
        """Build a record, deriving the masked URIs from the raw ones."""
        return cls(
            stream_uri=redact_uri(stream) if stream else "",
            snapshot_uri=redact_uri(snapshot) if snapshot else "",
            stream_secret=Secret(stream),
            snapshot_secret=Secret(snapshot),
            **fields,  # type: ignore[arg-type]
        )


class OnvifCache:
    """Device records and last clock skews, keyed by (scheme, host, port, path, user, profile).

    Owned by the engine (one per process, handed to `OnvifProbe`); `get` returns None
    once a record is older than `ttl_seconds`, so the probe resolves it again.
    """

    def __init__(self, ttl_seconds: float = 86400.0) -> None:
        self.ttl_seconds = ttl_seconds
        self._records: dict[CacheKey, DeviceRecord] = {}
        self._skews: dict[CacheKey, float] = {}

    @staticmethod
    def key(target: Target) -> CacheKey:
        """The cache key of a target; new credentials or another profile mean a new key.

        The profile (option ``onvif_profile``) is part of it because the channels of an NVR
        share one address and differ only by profile.
        """
        parts = urlsplit(device_url(target))
        user = target.credentials.username if target.credentials else ""
        profile = str(target.options.get("onvif_profile", ""))
        return (parts.scheme, parts.hostname or "", parts.port or 0, parts.path, user, profile)

    def get(self, target: Target) -> DeviceRecord | None:
        """The fresh record of `target`, or None."""
        record = self._records.get(self.key(target))
        if record is None or time.time() - record.resolved_at > self.ttl_seconds:
            return None
        return record

    def put(self, target: Target, record: DeviceRecord) -> None:
        """Store the record of `target`."""
        self._records[self.key(target)] = record

    def invalidate(self, target: Target) -> None:
        """Forget `target` (e.g. after the engine saw it replaced)."""
        self._records.pop(self.key(target), None)

    def skew(self, target: Target) -> float | None:
        """The last measured clock skew of `target` in seconds (None when never measured)."""
        return self._skews.get(self.key(target))

    def set_skew(self, target: Target, seconds: float) -> None:
        """Remember the clock skew just measured."""
        self._skews[self.key(target)] = seconds

    def __len__(self) -> int:
        return len(self._records)
