"""Cells as spreadsheets hand them over, turned into clean values.

A cell is whatever the reader yields: text, a number, a boolean, a date or nothing. Every
parser here takes one non-blank cell and returns the understood value or raises
`FieldError`. `fold()` is the one normalisation used to compare text users wrote (headers,
labels, names): full-width to half-width, case folded, spaces and separators removed.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit, urlunsplit

from vmon.registry.errors import FieldError

__all__ = [
    "Cell",
    "cell_text",
    "fold",
    "is_blank",
    "mask_url",
    "parse_bool",
    "parse_credential_ref",
    "parse_host",
    "parse_int",
    "parse_mac",
    "parse_snmp_version",
    "parse_text",
    "parse_url",
]

Cell = str | int | float | bool | date | datetime | time | timedelta | None

_FOLD_DROP = re.compile(r"[\s_\-·•:：.。、/\\()（）\[\]【】*＊'\"“”‘’]+")
_SPACES = re.compile(r"\s+")
_CREDENTIAL_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
_HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
_DOTTED_QUAD = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_MAC_HEX = re.compile(r"^[0-9a-f]{12}$")
_TRUE = {"是", "y", "yes", "true", "1", "启用", "在用", "开", "on", "√", "✓", "有"}
_FALSE = {"否", "n", "no", "false", "0", "停用", "禁用", "关", "off", "×", "✗", "无"}


def is_blank(cell: Cell) -> bool:
    """True for an empty cell: None, or text that is only whitespace."""
    return cell is None or (isinstance(cell, str) and not cell.strip())


def cell_text(cell: Cell) -> str:
    """The cell as the user would read it: integral numbers without `.0`, dates in ISO form."""
    if type(cell) is str:
        return cell.strip()
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() and abs(cell) < 1e15 else repr(cell)
    if isinstance(cell, date):
        return _date_text(cell)
    return str(cell).strip()


def _date_text(value: date) -> str:
    if isinstance(value, datetime) and value.time() != datetime.min.time():
        return value.isoformat(sep=" ")
    return value.isoformat()[:10]


def fold(text: str) -> str:
    """Text reduced for comparison: NFKC, case folded, spaces and separators dropped."""
    return _FOLD_DROP.sub("", unicodedata.normalize("NFKC", text).casefold())


def parse_text(cell: Cell, limit: int) -> str:
    """Free text with runs of whitespace (line breaks too) collapsed to one space."""
    text = _SPACES.sub(" ", cell_text(cell)).strip()
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@'":
        text = text[1:]  # the apostrophe our CSV export puts before formula-like text
    if len(text) > limit:
        raise FieldError("too_long", length=len(text), limit=limit)
    return text


def parse_int(cell: Cell, low: int, high: int) -> int:
    """A whole number within [low, high]; `30.0` and `"30天"` are both 30."""
    if isinstance(cell, bool):
        raise FieldError("int.invalid")
    if isinstance(cell, float):
        if not cell.is_integer():
            raise FieldError("int.invalid")
        number = int(cell)
    elif isinstance(cell, int):
        number = cell
    else:
        text = unicodedata.normalize("NFKC", cell_text(cell))
        match = re.fullmatch(r"\s*(-?\d+)(?:\.0+)?\s*(天|日|days?|d)?\s*", text, re.IGNORECASE)
        if not match:
            raise FieldError("int.invalid")
        number = int(match.group(1))
    if not low <= number <= high:
        raise FieldError("int.range", low=low, high=high)
    return number


def parse_bool(cell: Cell) -> bool:
    """Yes or no, in the many ways sheets write it (是/否, Y/N, 1/0, TRUE/FALSE, 启用/停用)."""
    if isinstance(cell, bool):
        return cell
    word = fold(cell_text(cell))
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise FieldError("bool.invalid")


def parse_host(cell: Cell) -> str:
    """An IP address (canonical form, leading zeros dropped) or a DNS host name."""
    text = cell_text(cell)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).replace("。", ".").strip()
    if _DOTTED_QUAD.fullmatch(text):
        octets = [int(part) for part in text.split(".")]
        if max(octets) > 255:
            raise FieldError("ip.invalid")
        return ".".join(map(str, octets))
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        pass
    labels = text.rstrip(".").split(".")
    if (
        len(text) <= 253
        and not text.replace(".", "").isdigit()
        and all(_HOST_LABEL.match(label) for label in labels)
    ):
        return text.lower()
    raise FieldError("ip.invalid")


def parse_mac(cell: Cell) -> str:
    """A MAC address as `aa:bb:cc:dd:ee:ff`, whatever separators the sheet used."""
    digits = re.sub(r"[\s:\-.]", "", unicodedata.normalize("NFKC", cell_text(cell))).lower()
    if not _MAC_HEX.match(digits):
        raise FieldError("mac.invalid")
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def parse_url(cell: Cell, schemes: tuple[str, ...], limit: int = 1000) -> str:
    """A URL with one of `schemes` and a host, refused when it carries a user or password."""
    text = cell_text(cell)
    try:
        parts = urlsplit(text)
    except ValueError:
        raise FieldError("url.invalid", scheme="/".join(schemes).upper()) from None
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise FieldError("url.credentials")
    if parts.scheme.lower() not in schemes or not parts.hostname or len(text) > limit:
        raise FieldError("url.invalid", scheme="/".join(schemes).upper())
    return text


def mask_url(text: str) -> str:
    """The URL with any user information replaced by `***`, safe to show and log."""
    try:
        parts = urlsplit(text)
    except ValueError:
        return "***"
    if "@" not in parts.netloc:
        return text
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, f"***@{host}", parts.path, parts.query, parts.fragment))


def parse_credential_ref(cell: Cell) -> str:
    """The name of a credential set defined in the configuration (never a password)."""
    text = cell_text(cell)
    if not _CREDENTIAL_REF.match(text):
        raise FieldError("credential_ref.invalid")
    return text


def parse_snmp_version(cell: Cell) -> str:
    """`1`, `2c` or `3` from the ways sheets write it (v2c, SNMPv3, 2 ...)."""
    word = fold(cell_text(cell)).removeprefix("snmp").removeprefix("v")
    versions = {"1": "1", "2": "2c", "2c": "2c", "3": "3"}
    if word not in versions:
        raise FieldError("snmp_version.invalid")
    return versions[word]
