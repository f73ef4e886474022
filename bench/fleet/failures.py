"""Why probes fail: the last outcome of a sample of cameras, from vmon's camera API.

`/metrics` only says `reason` (a closed set); the API's `message` says where (e.g. "waiting
for an ONVIF setup slot" versus a device that never answered). Messages are redacted by
vmon; digits are folded so that the same message about different cameras counts once.
"""

from __future__ import annotations

import re
from collections import Counter

import httpx

__all__ = ["sample_failures"]

_DIGITS = re.compile(r"\d+(\.\d+)?")


def _fold(message: str) -> str:
    return _DIGITS.sub("N", message)[:120]


def sample_failures(base_url: str, codes: list[str], every: int) -> Counter[str]:
    """`kind: reason: message` counts over every `every`-th camera's last outcomes."""
    counts: Counter[str] = Counter()
    with httpx.Client(timeout=30.0, trust_env=False) as client:
        for code in codes[::every]:
            try:
                response = client.get(f"{base_url}/api/v1/cameras/{code}")
            except httpx.HTTPError as exc:
                counts[f"api: {type(exc).__name__}"] += 1
                continue
            if response.status_code == 404:
                continue  # watched by another shard
            if response.status_code != 200:
                counts[f"api: HTTP {response.status_code}"] += 1
                continue
            for kind, last in response.json().get("last", {}).items():
                if not last.get("success", True):
                    counts[f"{kind}: {last.get('reason')}: {_fold(last.get('message', ''))}"] += 1
    return counts
