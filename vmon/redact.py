"""Keeping credentials out of everything people and machines read back."""

from __future__ import annotations

import re

__all__ = ["redact"]

_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]+@")
_QUERY_SECRET = re.compile(r"(?P<key>(?:password|passwd|pwd|token|auth)=)[^&\s]+", re.IGNORECASE)


def redact(text: str) -> str:
    """Text with URL user-info and password-like query values replaced by `***`."""
    text = _USERINFO.sub(r"\g<scheme>***@", text)
    return _QUERY_SECRET.sub(r"\g<key>***", text)
