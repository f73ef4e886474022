"""What setup learned about each camera, kept between probes by the engine.

A `DeviceRecord` holds the media profile and the stream/snapshot URIs, resolved once and
reused until `ttl_seconds` pass or the camera's serial changes. The URIs come in two forms:
`stream_uri` / `snapshot_uri` with any embedded credentials masked (safe for info, logs,
the database), and `stream_secret` / `snapshot_secret` as the device gave them, for the
frame probe to open.

`OnvifCache.export()` / `OnvifCache.load()` carry the records across restarts as plain
JSON-able dicts without credentials: the user name appears only as a digest, and a record
whose URIs or service addresses embed credentials is left out (it is resolved again on
first contact).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from probes.base import Secret, Target

__all__ = [
    "EXPORT_VERSION",
    "CacheKey",
    "DeviceRecord",
    "OnvifCache",
    "device_url",
    "holds_credentials",
    "redact_uri",
    "user_digest",
]

CacheKey = tuple[str, str, int, str, str, str]
EXPORT_VERSION = 1
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


def holds_credentials(uri: str) -> bool:
    """True when `uri` embeds user info or credential-like query values (or is unparseable)."""
    try:
        parts = urlsplit(uri)
        user, password = parts.username, parts.password
    except ValueError:
        return True
    if user is not None or password is not None:
        return True
    names = (part.partition("=")[0].lower() for part in parts.query.split("&"))
    return any(name in _CREDENTIAL_PARAMS for name in names)


def user_digest(username: str) -> str:
    """How a user name appears in cache keys and exports: a short SHA-256 digest."""
    if not username:
        return ""
    return hashlib.sha256(username.encode()).hexdigest()[:16]


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
        user = user_digest(target.credentials.username) if target.credentials else ""
        profile = str(target.options.get("onvif_profile", ""))
        return (parts.scheme, parts.hostname or "", parts.port or 0, parts.path, user, profile)

    def get(self, target: Target, *, allow_stale: bool = False) -> DeviceRecord | None:
        """The fresh record of `target`, or None; `allow_stale`: whatever its age."""
        record = self._records.get(self.key(target))
        if record is None or allow_stale:
            return record
        if time.time() - record.resolved_at > self.ttl_seconds:
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

    def export(self) -> list[dict[str, Any]]:
        """Every record as a plain JSON-able dict, without credentials (see the module doc).

        Records whose URIs or service addresses embed credentials are left out.
        """
        rows = []
        for key, record in self._records.items():
            uris = (record.stream_secret.reveal(), record.snapshot_secret.reveal())
            if any(holds_credentials(u) for u in (*uris, record.media_xaddr, record.ptz_xaddr)):
                continue
            rows.append(_export_row(key, record, uris, self._skews.get(key)))
        return rows

    def load(self, records: Iterable[Mapping[str, Any]]) -> int:
        """Add records from `export()` (a newer record in the cache is kept); return how many.

        Malformed rows, rows of another format version and rows holding credentials are
        skipped; stale rows are taken (the probe refreshes them).
        """
        taken = 0
        for row in records:
            parsed = _import_row(row)
            if parsed is None:
                continue
            key, record, skew = parsed
            current = self._records.get(key)
            if current is not None and current.resolved_at >= record.resolved_at:
                continue
            self._records[key] = record
            if skew is not None and key not in self._skews:
                self._skews[key] = skew
            taken += 1
        return taken


_KEY_FIELDS = ("scheme", "host", "port", "path", "user_digest", "profile")
_TEXT_FIELDS = (
    "serial", "media_xaddr", "ptz_xaddr", "profile_token", "profile_name", "encoding",
    "resolution", "stream_uri", "snapshot_uri",
)  # fmt: skip
_URI_FIELDS = ("stream_uri", "snapshot_uri", "media_xaddr", "ptz_xaddr")


def _export_row(
    key: CacheKey, record: DeviceRecord, uris: tuple[str, str], skew: float | None
) -> dict[str, Any]:
    row: dict[str, Any] = {"version": EXPORT_VERSION, **dict(zip(_KEY_FIELDS, key, strict=True))}
    for name in _TEXT_FIELDS:
        row[name] = getattr(record, name)
    row["stream_uri"], row["snapshot_uri"] = uris
    row["ptz"] = record.ptz
    row["resolved_at"] = record.resolved_at
    row["clock_skew_seconds"] = skew
    return row


def _import_row(row: Mapping[str, Any]) -> tuple[CacheKey, DeviceRecord, float | None] | None:
    """The key, record and skew of an exported row; None when it is not a valid one."""
    try:
        _check_row(row)
    except (AttributeError, KeyError, TypeError, ValueError):
        return None
    texts = {name: str(row[name]) for name in _TEXT_FIELDS}
    stream, snapshot = texts.pop("stream_uri"), texts.pop("snapshot_uri")
    record = DeviceRecord.from_uris(
        stream=stream, snapshot=snapshot, ptz=row["ptz"], resolved_at=float(row["resolved_at"]),
        **texts,
    )  # fmt: skip
    key: CacheKey = (
        row["scheme"], row["host"], row["port"], row["path"], row["user_digest"], row["profile"]
    )  # fmt: skip
    skew = row.get("clock_skew_seconds")
    return key, record, None if skew is None else float(skew)


def _check_row(row: Mapping[str, Any]) -> None:
    """Raise ValueError unless `row` is an exported record of this version, credential-free."""
    if row.get("version") != EXPORT_VERSION:
        raise ValueError("another format version")
    texts = [row[name] for name in (*_TEXT_FIELDS, *_KEY_FIELDS) if name != "port"]
    if not all(isinstance(value, str) for value in texts):
        raise ValueError("a text field is not a string")
    if type(row["port"]) is not int or type(row["ptz"]) is not bool:
        raise ValueError("port or ptz of the wrong type")
    skew = row.get("clock_skew_seconds")
    if not _number(row["resolved_at"]) or not (skew is None or _number(skew)):
        raise ValueError("a time of the wrong type")
    if any(holds_credentials(row[name]) for name in _URI_FIELDS if row[name]):
        raise ValueError("credentials in a URI")


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
