"""Evidence as the engine keeps it, one per camera: its repeated parts shared.

A picture's evidence arrives unpickled from a picture worker with its own copy of every
threshold table and of every name in it: ~17 KB per camera, 170 MB at 10^4 cameras. The
thresholds a check judged by are the same for every camera of a class in the same period,
and the names are a fixed set; sharing them brings a kept evidence to ~7.5 KB (measured in
`tests/unit/engine/test_kept_evidence.py`). The shared tables are never written to: evidence
is read-only once made (frozen dataclasses), and nothing in vmon edits its dicts.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from probes.quality import Evidence
from probes.quality.evidence import Verdict

__all__ = ["MAX_SHARED_TABLES", "kept"]

MAX_SHARED_TABLES = 4096  # tables differ by class, period and per-camera override only
_tables: dict[tuple[tuple[str, Any], ...], dict[str, Any]] = {}
_lock = threading.Lock()  # the runner's picture threads call `kept` concurrently


def kept(evidence: Evidence) -> Evidence:
    """The same evidence with its threshold tables and names shared with other cameras'."""
    verdicts = {sys.intern(name): _verdict(v) for name, v in evidence.verdicts.items()}
    return replace(
        evidence,
        day_night=sys.intern(evidence.day_night),
        verdicts=verdicts,
        faults=[sys.intern(f) for f in evidence.faults],
        suppressed={sys.intern(k): sys.intern(v) for k, v in evidence.suppressed.items()},
    )


def _verdict(verdict: Verdict) -> Verdict:
    return replace(
        verdict,
        fault=sys.intern(verdict.fault),
        thresholds=_shared(verdict.thresholds),
        details={sys.intern(k): v for k, v in verdict.details.items()},
    )


def _shared(table: Mapping[str, Any]) -> dict[str, Any]:
    try:
        key = tuple(sorted((sys.intern(k), v) for k, v in table.items()))
        hash(key)
    except TypeError:  # an unhashable value (a list): kept as it is
        return dict(table)
    with _lock:
        shared = _tables.get(key)
        if shared is None:
            if len(_tables) >= MAX_SHARED_TABLES:
                _tables.clear()
            shared = _tables[key] = dict(key)
        return shared
