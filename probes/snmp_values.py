"""Device values as measurements: text in the encodings cameras use, numbers with units.

Vendor MIBs mix types: Hikvision reports "15 PERCENT" and "512 MB" as strings, Dahua an
integer percentage, NVR disk tables sizes in MB. `convert` turns each into a float in base
units (ratios 0-1, bytes) or a short str, following the `Kind` in `probes.snmp_oids`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from probes.snmp_oids import Kind

__all__ = ["MAX_TEXT", "convert", "number", "text"]

MAX_TEXT = 256
_SIZE_UNITS = {"": 1, "B": 1, "KB": 2**10, "MB": 2**20, "GB": 2**30, "TB": 2**40}
_NUMBER = re.compile(r"(-?\d+(?:\.\d+)?)\s*([A-Za-z%]*)")


def text(value: Any) -> str | None:
    """Device text as str: UTF-8, else GB18030 (Chinese firmware), capped in length."""
    if value is None:
        return None
    if isinstance(value, bytes):
        for encoding in ("utf-8", "gb18030"):
            try:
                value = value.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            value = value.decode("latin-1")
    text = str(value).replace("\x00", "").strip()
    return text[:MAX_TEXT] or None


def number(value: Any) -> tuple[float, str] | None:
    """(number, unit) from an int or from text such as '15 PERCENT' or '3.4 TB'."""
    if isinstance(value, int):
        return float(value), ""
    match = _NUMBER.search(text(value) or "")
    return (float(match.group(1)), match.group(2).upper()) if match else None


def convert(kind: Kind, value: Any, scale: float = 1.0, ok_values: Iterable[str] = ()) -> Any:
    """A raw value as a float (numbers) or str (TEXT); None when it makes no sense."""
    if value is None or kind is Kind.TEXT:
        return text(value)
    if kind is Kind.OK:
        return 1.0 if (text(value) or "") in set(ok_values) else 0.0
    parsed = number(value)
    if parsed is None:
        return None
    amount, unit = parsed
    if kind is Kind.PERCENT:
        return amount / 100 if 0 <= amount <= 100 else None
    if kind is Kind.SIZE and unit in _SIZE_UNITS and unit:
        return amount * _SIZE_UNITS[unit]
    return amount * scale
