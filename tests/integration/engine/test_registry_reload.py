"""The engine's registry poll reads the cameras only when the registry changed."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from vmon.config import Settings
from vmon.engine.registry_source import RegistrySource
from vmon.registry.models import Camera, Excusal, OwnerUnit


def _seed(engine: sa.Engine) -> None:
    with Session(engine) as session:
        unit = OwnerUnit(name="江北新区公安分局")
        session.add(unit)
        session.flush()
        for n in range(3):
            code = f"3201110000132000{n:04d}"
            session.add(Camera(gb_code=code, name=f"点位{n}", owner_unit_id=unit.id, host="::1"))
        session.commit()


def test_an_unchanged_registry_is_not_read_again(migrated_engine: sa.Engine) -> None:
    _seed(migrated_engine)
    source = RegistrySource(migrated_engine, Settings())
    first = source.if_changed()
    assert first is not None and len(first.cameras) == 3
    assert source.if_changed() is None


def test_edits_additions_removals_and_excusals_are_seen(migrated_engine: sa.Engine) -> None:
    _seed(migrated_engine)
    source = RegistrySource(migrated_engine, Settings())
    assert source.if_changed() is not None
    with Session(migrated_engine) as session:
        camera = session.exec(select(Camera)).first()
        assert camera is not None
        camera.name = "改名点位"
        session.add(camera)
        session.commit()
    edited = source.if_changed()
    assert edited is not None and "改名点位" in {c.name for c in edited.cameras}
    with Session(migrated_engine) as session:
        camera = session.exec(select(Camera).where(Camera.name == "改名点位")).one()
        since = datetime.now(UTC)
        session.add(Excusal(camera_id=camera.id, starts_at=since, reason="planned_maintenance"))
        session.commit()
    assert source.if_changed() is not None
    with Session(migrated_engine) as session:
        session.delete(session.exec(select(Camera).where(Camera.name == "点位2")).one())
        session.commit()
    removed = source.if_changed()
    assert removed is not None and len(removed.cameras) == 2
    assert source.if_changed() is None


def test_a_full_read_still_happens_on_its_period(migrated_engine: sa.Engine) -> None:
    _seed(migrated_engine)
    source = RegistrySource(migrated_engine, Settings(), full_reload_seconds=0)
    assert source.if_changed() is not None
    with migrated_engine.begin() as conn:  # behind vmon's back: `updated_at` stays
        conn.execute(sa.text("UPDATE camera SET name = '手工改名' WHERE name = '点位1'"))
    edited = source.if_changed()
    assert edited is not None and "手工改名" in {c.name for c in edited.cameras}


def test_a_periodic_read_that_finds_nothing_new_hands_nothing_on(
    migrated_engine: sa.Engine,
) -> None:
    _seed(migrated_engine)
    source = RegistrySource(migrated_engine, Settings(), full_reload_seconds=0)
    first = source.if_changed()
    assert first is not None
    assert source.if_changed() is None  # read in full, equal to the last: the engine is spared
    assert source() == first
