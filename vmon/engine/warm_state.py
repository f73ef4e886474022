"""Probe caches kept across restarts, so a restarted vmon does not set up 10^4 cameras again.

A probe whose object has a `cache` with `export() -> rows` and `load(rows) -> int` (the ONVIF
probe's `OnvifCache`: service addresses, profiles, media URIs, never credentials) gets its
cache stored at a clean stop and loaded at start. Losing it (a kill -9) only costs the
first-contact setups again.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, Session, SQLModel

__all__ = ["ProbeCache", "ProbeCacheStore"]

log = logging.getLogger(__name__)


class ProbeCache(SQLModel, table=True):
    """One probe kind's exported cache (JSON rows)."""

    __tablename__ = "probe_caches"

    kind: str = Field(primary_key=True, max_length=16, description="probe kind[@shard label]")
    data: str = Field(description="JSON list of the probe cache's exported rows")
    saved_at: float = Field(description="unix time")


def _cache_of(probe: Any) -> Any:
    cache = getattr(probe, "cache", None)
    if callable(getattr(cache, "export", None)) and callable(getattr(cache, "load", None)):
        return cache
    return None


class ProbeCacheStore:
    """Saves and loads the caches of the probes that have one (see module doc)."""

    def __init__(self, engine: sa.Engine, shard: str = "") -> None:
        self.engine = engine
        self.shard = shard  # a shard's label: each shard keeps the caches of its own cameras

    def _key(self, kind: str) -> str:
        return f"{kind}@{self.shard}" if self.shard else kind

    def load_into(self, probes: Mapping[str, Any]) -> dict[str, int]:
        """Load each stored cache into its probe; returns the rows taken per kind."""
        taken: dict[str, int] = {}
        with Session(self.engine) as session:
            for kind, probe in probes.items():
                cache, row = _cache_of(probe), session.get(ProbeCache, self._key(kind))
                if cache is None or row is None:
                    continue
                try:
                    taken[kind] = cache.load(json.loads(row.data))
                except ValueError as exc:
                    log.warning("stored %s cache unreadable, ignored: %s", kind, exc)
        return taken

    def save_from(self, probes: Mapping[str, Any]) -> dict[str, int]:
        """Store each probe's exported cache; returns the rows stored per kind."""
        stored: dict[str, int] = {}
        with Session(self.engine) as session:
            for kind, probe in probes.items():
                cache = _cache_of(probe)
                if cache is None:
                    continue
                rows = cache.export()
                row = ProbeCache(kind=self._key(kind), data=json.dumps(rows), saved_at=time.time())
                session.merge(row)
                stored[kind] = len(rows)
            session.commit()
        return stored
