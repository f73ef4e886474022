"""Probe caches stored at a clean stop are loaded at the next start."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from vmon.engine.warm_state import ProbeCache, ProbeCacheStore


class _Cache:
    def __init__(self, rows: list[dict[str, Any]] | None = None) -> None:
        self.rows = rows or []

    def export(self) -> list[dict[str, Any]]:
        return list(self.rows)

    def load(self, rows: Iterable[Mapping[str, Any]]) -> int:
        self.rows.extend(dict(r) for r in rows)
        return len(self.rows)


class _Probe:
    def __init__(self, cache: _Cache) -> None:
        self.cache = cache


def test_caches_round_trip_through_the_database(migrated_engine: sa.Engine) -> None:
    store = ProbeCacheStore(migrated_engine)
    before = {
        "onvif": _Probe(_Cache([{"xaddr": "http://198.51.100.7/onvif", "v": 1}])),
        "ping": object(),
    }
    assert store.save_from(before) == {"onvif": 1}
    after = {"onvif": _Probe(_Cache()), "ping": object()}
    assert store.load_into(after) == {"onvif": 1}
    assert after["onvif"].cache.rows == [{"xaddr": "http://198.51.100.7/onvif", "v": 1}]
    assert store.save_from(after) == {"onvif": 1}  # replaced, not duplicated


def test_an_unreadable_stored_cache_is_ignored(migrated_engine: sa.Engine) -> None:
    with Session(migrated_engine) as session:
        session.add(ProbeCache(kind="onvif", data="{not json", saved_at=0))
        session.commit()
    probe = _Probe(_Cache())
    assert ProbeCacheStore(migrated_engine).load_into({"onvif": probe}) == {}
    assert probe.cache.rows == []


def test_each_shard_keeps_its_own_caches(migrated_engine: sa.Engine) -> None:
    first, second = (
        ProbeCacheStore(migrated_engine, "1of2"),
        ProbeCacheStore(migrated_engine, "2of2"),
    )
    first.save_from({"onvif": _Probe(_Cache([{"camera": "a"}]))})
    second.save_from({"onvif": _Probe(_Cache([{"camera": "b"}, {"camera": "c"}]))})
    back = _Probe(_Cache())
    assert first.load_into({"onvif": back}) == {"onvif": 1}  # not overwritten by shard 2
    assert back.cache.rows == [{"camera": "a"}]
    with Session(migrated_engine) as session:
        assert session.get(ProbeCache, "onvif@2of2") is not None
