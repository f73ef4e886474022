"""Several vmon instances share one registry: every camera watched once, the devices above
each camera by that camera's instance, and few cameras moved when an instance is added."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from vmon.config import ConfigError, load_settings
from vmon.engine.registry_source import RegistrySource
from vmon.engine.service import RegistrySnapshot
from vmon.engine.shards import Shard, jump_hash
from vmon.registry.models import Camera, OwnerUnit, UpstreamDevice


def _device(session: Session, code: str, kind: str, parent: UpstreamDevice | None) -> int:
    device = UpstreamDevice(
        gb_code=code, kind=kind, name=code, host="::1", parent_id=parent.id if parent else None
    )
    session.add(device)
    session.flush()
    assert device.id is not None
    return device.id


def _seed(engine: sa.Engine) -> None:
    """A platform over 2 NVRs over 8 switches of 3 cameras; 6 cameras on no device; a spare
    switch with no camera."""
    with Session(engine) as session:
        unit = OwnerUnit(name="江北新区公安分局")
        session.add(unit)
        platform = UpstreamDevice(gb_code="P", kind="platform", name="P", host="::1")
        session.add(platform)
        session.flush()
        count = 0
        for n in range(2):
            nvr = session.get(UpstreamDevice, _device(session, f"NVR{n}", "nvr", platform))
            for s in range(4):
                switch = _device(session, f"SW{n}{s}", "switch", nvr)
                for _ in range(3):
                    count += 1
                    session.add(_camera(count, unit, switch))
        for _ in range(6):
            count += 1
            session.add(_camera(count, unit, None))
        _device(session, "SPARE", "switch", None)
        session.commit()


def _camera(n: int, unit: OwnerUnit, switch: int | None) -> Camera:
    code = f"320111000013200{n:05d}"
    return Camera(gb_code=code, name=code, owner_unit_id=unit.id, host="::1", switch_id=switch)


def _share(engine: sa.Engine, shard: str | None) -> RegistrySnapshot:
    environ = {"VMON_ENGINE__SHARD": shard} if shard else {}
    return RegistrySource(engine, load_settings(None, environ=environ))()


@pytest.mark.parametrize("count", [2, 3])
def test_shards_split_the_fleet(migrated_engine: sa.Engine, count: int) -> None:
    _seed(migrated_engine)
    whole = _share(migrated_engine, None)
    shares = [_share(migrated_engine, f"{i}/{count}") for i in range(1, count + 1)]
    ids = [c.id for share in shares for c in share.cameras]
    assert sorted(ids) == sorted(c.id for c in whole.cameras)  # each camera exactly once
    for share in shares:
        devices = {d.id for d in share.devices}
        for camera in share.cameras:
            if camera.upstream is not None:  # its switch, that switch's NVR and the platform
                assert camera.upstream in devices and "P" in devices
    assert sum("SPARE" in {d.id for d in s.devices} for s in shares) == 1
    assert sum(len(s.cameras) > 0 for s in shares) == count  # the draw uses every shard


def test_adding_an_instance_moves_only_its_share_of_the_cameras() -> None:
    codes = [f"3201110000132{n:07d}" for n in range(20_000)]
    for count in (2, 3, 4, 8):
        before = [jump_hash(code, count) for code in codes]
        after = [jump_hash(code, count + 1) for code in codes]
        moved = [new for old, new in zip(before, after, strict=True) if old != new]
        assert set(moved) == {count}  # only to the new instance
        assert abs(len(moved) / len(codes) - 1 / (count + 1)) < 0.02
        sizes = [after.count(b) for b in range(count + 1)]
        assert max(sizes) - min(sizes) < 0.1 * len(codes) / (count + 1)


def test_the_shard_names_the_ledger_writer_and_bad_forms_are_refused() -> None:
    settings = load_settings(None, environ={"VMON_ENGINE__SHARD": "2/4"})
    assert settings.engine.ledger_writer == "vmon-2of4" and settings.engine.shard_label == "2of4"
    assert load_settings(None, environ={}).engine.ledger_writer == "vmon"
    for bad in ("0/4", "5/4", "two/four", "2-4"):
        with pytest.raises(ConfigError, match="shard"):
            load_settings(None, environ={"VMON_ENGINE__SHARD": bad})
    assert Shard.parse(" 3 / 8 ") == Shard(3, 8)
