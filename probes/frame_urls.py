"""Camera stream and snapshot URLs: validation, credentials kept apart, redaction.

A camera URL from the registry may carry credentials (`rtsp://admin:12345@10.0.0.7/ch1`). They
are taken out at parse time and held as a `Secret`; the URL kept and shown everywhere is the
bare one. `with_userinfo` puts them back only at the moment a URL is handed to OpenCV.
`redact` and `scrub` clean any text that might still carry a URL or a password.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import SplitResult, parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from probes.base import Credentials, ProbeError, Reason, Secret

__all__ = ["CameraUrl", "parse_camera_url", "redact", "scrub", "with_userinfo"]

DEFAULT_PORTS = {"rtsp": 554, "http": 80, "https": 443}
SENSITIVE_QUERY_KEYS = frozenset(
    {"auth", "key", "loginpas", "pass", "passwd", "password", "pwd", "sig", "signature", "token"}
)
MASK = "***"
# Any scheme://userinfo@ in free text: the userinfo runs up to the last '@' before the host.
_USERINFO_RE = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^\s/?#]*@")
_MIN_SCRUB_LEN = 3


@dataclass(frozen=True)
class CameraUrl:
    """A parsed camera URL without credentials; `credentials` are the ones it carried."""

    scheme: str
    host: str
    port: int
    path: str
    query: str
    credentials: Credentials | None = None

    @property
    def bare(self) -> str:
        """The URL without credentials (safe to use as an RTSP request URI)."""
        netloc = _netloc(self.host, self.port)
        return urlunsplit((self.scheme, netloc, self.path or "/", self.query, ""))

    def __str__(self) -> str:
        return redact(self.bare)


def _netloc(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"{shown}:{port}"


def parse_camera_url(
    raw: object, *, schemes: tuple[str, ...], host: str = "", port: int | None = None
) -> CameraUrl:
    """Validate `raw` and split off its credentials; raise `ProbeError(config)` if unusable.

    A bare path (`/Streaming/Channels/101`) is joined to `host` and `port` (or the scheme's
    default port) with the first of `schemes`.
    """
    if not isinstance(raw, str) or not raw.strip():
        raise ProbeError(Reason.CONFIG, "camera URL missing or not a string")
    text = raw.strip()
    if text.startswith("/"):
        if not host:
            raise ProbeError(Reason.CONFIG, "relative camera URL but the target has no host")
        text = f"{schemes[0]}://{_netloc(host, port or DEFAULT_PORTS[schemes[0]])}{text}"
    try:
        parts = urlsplit(text)
        parsed_port = parts.port
    except ValueError:
        raise ProbeError(Reason.CONFIG, f"malformed camera URL {redact(text)}") from None
    return _from_parts(parts, parsed_port, schemes, text)


def _from_parts(
    parts: SplitResult, parsed_port: int | None, schemes: tuple[str, ...], text: str
) -> CameraUrl:
    scheme = parts.scheme.lower()
    if scheme not in schemes:
        raise ProbeError(Reason.CONFIG, f"unsupported URL scheme in {redact(text)}")
    if not parts.hostname:
        raise ProbeError(Reason.CONFIG, f"no host in camera URL {redact(text)}")
    if any(ch.isspace() for ch in text):
        raise ProbeError(Reason.CONFIG, f"whitespace in camera URL {redact(text)}")
    credentials = None
    if parts.username is not None:
        credentials = Credentials(unquote(parts.username), Secret(unquote(parts.password or "")))
    return CameraUrl(
        scheme=scheme,
        host=parts.hostname,
        port=parsed_port or DEFAULT_PORTS[scheme],
        path=parts.path,
        query=parts.query,
        credentials=credentials,
    )


def with_userinfo(url: CameraUrl, credentials: Credentials | None) -> str:
    """The URL with percent-encoded credentials: only for handing to OpenCV, never to log."""
    if credentials is None:
        return url.bare
    user = quote(credentials.username, safe="")
    password = quote(credentials.password.reveal(), safe="")
    netloc = f"{user}:{password}@{_netloc(url.host, url.port)}"
    return urlunsplit((url.scheme, netloc, url.path or "/", url.query, ""))


def redact(url: str) -> str:
    """`url` with its userinfo and sensitive query values masked."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return scrub(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{MASK}@{netloc.rpartition('@')[2]}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        masked = [(k, MASK if k.lower() in SENSITIVE_QUERY_KEYS else v) for k, v in pairs]
        query = urlencode(masked, safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def scrub(text: str, *secrets: Secret | None) -> str:
    """Mask URL userinfo anywhere in `text`, and every occurrence of the given secrets."""
    cleaned = _USERINFO_RE.sub(lambda m: f"{m.group('scheme')}{MASK}@", text)
    for secret in secrets:
        value = secret.reveal() if secret is not None else ""
        if len(value) >= _MIN_SCRUB_LEN:
            for form in {value, quote(value, safe="")}:
                cleaned = cleaned.replace(form, MASK)
    return cleaned
