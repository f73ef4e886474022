"""Learnt picture baselines survive a restart: stored by the engine, restored on first judge."""

from __future__ import annotations

import sqlalchemy as sa

from probes.quality import MIN_FRAMES, Baseline
from vmon.engine.baselines import BaselineKeeper, BaselineStore
from vmon.engine.fleet import CameraSpec
from vmon.engine.picture_workers import PictureWorkers
from vmon.engine.pictures import PictureJudge
from vmon.sim.scenes import scene

SPEC = CameraSpec(id="32011100001320000001", name="c1", unit="u", camera_class="1")


def _grabs(count: int) -> list[list[object]]:
    return [[scene("healthy", seed=11, width=640, height=360, t=float(t))] for t in range(count)]


def test_a_learnt_baseline_is_restored_by_the_next_judge(migrated_engine: sa.Engine) -> None:
    store = BaselineStore(migrated_engine)
    keeper = BaselineKeeper(store)
    judge = PictureJudge(keeper=keeper, save_every=0)
    for grab in _grabs(MIN_FRAMES + 2):
        assert judge(grab, SPEC) is not None
    assert keeper.flush() == 1
    learnt = judge.diagnoser(SPEC).baseline.to_bytes()
    stored = store.load(SPEC.id)
    assert stored == learnt and len(stored) <= 16 * 1024
    assert Baseline.from_bytes(stored).reference("day") is not None  # ready to judge by

    restarted_keeper = BaselineKeeper(store)
    restarted = PictureJudge(keeper=restarted_keeper)
    assert restarted(_grabs(1)[0], SPEC) is not None
    assert restarted.diagnoser(SPEC).baseline.reference("day") is not None
    assert restarted_keeper.flush() == 0  # just restored: not written back at once


def test_a_restored_baseline_is_stored_again_once_due(migrated_engine: sa.Engine) -> None:
    store = BaselineStore(migrated_engine)
    first = PictureJudge(keeper=BaselineKeeper(store), save_every=0)
    for grab in _grabs(MIN_FRAMES + 2):
        first(grab, SPEC)
    first.close()
    assert first.keeper is not None and first.keeper.flush() == 1
    keeper = BaselineKeeper(store)
    restarted = PictureJudge(keeper=keeper, save_every=0)  # due at once when changed
    for grab in _grabs(3):
        restarted(grab, SPEC)
    assert keeper.flush() == 1


def test_removed_cameras_lose_their_stored_baseline(migrated_engine: sa.Engine) -> None:
    store = BaselineStore(migrated_engine)
    keeper = BaselineKeeper(store)
    keeper.keep("a", b"x" * 10)
    keeper.keep("b", b"y" * 10)
    assert keeper.restore("a") == b"x" * 10  # kept, not flushed yet: the newest wins
    keeper.flush()
    assert sorted(store.cameras()) == ["a", "b"]
    keeper.forget(["a"])
    assert keeper.restore("a") is None
    keeper.flush()
    assert store.cameras() == ["b"]


def test_a_corrupt_stored_baseline_means_learning_afresh(migrated_engine: sa.Engine) -> None:
    store = BaselineStore(migrated_engine)
    store.write({SPEC.id: b"garbage"})
    judge = PictureJudge(keeper=BaselineKeeper(store))
    assert judge(_grabs(1)[0], SPEC) is not None
    assert judge.diagnoser(SPEC).baseline.day is not None  # learnt from the frame itself


def test_worker_processes_hand_their_baselines_back_at_close(migrated_engine: sa.Engine) -> None:
    store = BaselineStore(migrated_engine)
    workers = PictureWorkers(workers=1, keeper=BaselineKeeper(store))
    try:
        for grab in _grabs(MIN_FRAMES + 2):
            assert workers(grab, SPEC, (640, 360)) is not None
    finally:
        workers.close()
    assert workers.keeper is not None and workers.keeper.flush() == 1
    stored = store.load(SPEC.id)
    assert stored is not None and Baseline.from_bytes(stored).day is not None
