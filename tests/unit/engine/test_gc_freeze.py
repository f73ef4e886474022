"""The freezer: a full collection walks only what was kept since the last one, garbage is
still collected, and a thaw hands everything back now and then."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from vmon.engine.gc_freeze import THRESHOLDS, GcFreezer, collector_paused


class Node:
    """A tracked object that can sit in a reference cycle."""

    def __init__(self) -> None:
        self.other: Node | None = None


def cycle() -> tuple[Node, weakref.ref[Node]]:
    """Two nodes referring to each other (only the collector can free them)."""
    first, second = Node(), Node()
    first.other, second.other = second, first
    return first, weakref.ref(first)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def freezer(clock: FakeClock) -> Iterator[GcFreezer]:
    freezer = GcFreezer(thaw_every=100.0, clock=clock)
    yield freezer
    freezer.remove()


def in_oldest(obj: object) -> bool:
    return any(o is obj for o in gc.get_objects(2))


def test_survivors_of_a_full_collection_are_not_walked_again(freezer: GcFreezer) -> None:
    kept = [Node() for _ in range(1000)]
    freezer.install()
    assert freezer.freezes == 1 and gc.get_freeze_count() >= len(kept)
    later = Node()
    gc.collect()
    assert freezer.freezes == 2
    assert not in_oldest(kept[0]) and not in_oldest(later)  # both frozen, out of the walk
    assert gc.is_tracked(kept[0])


def test_garbage_made_after_a_freeze_is_still_collected(freezer: GcFreezer) -> None:
    freezer.install()
    node, alive = cycle()
    del node
    gc.collect()
    assert alive() is None


def test_a_thaw_hands_frozen_garbage_back_to_the_collector(
    freezer: GcFreezer, clock: FakeClock
) -> None:
    node, alive = cycle()
    freezer.install()  # the cycle is live here, so it is frozen
    del node
    gc.collect()
    assert alive() is not None  # frozen: the collector no longer looks at it
    clock.now = freezer.thaw_every
    gc.collect()  # this full collection thaws, the next one walks everything
    assert freezer.thaws == 1 and gc.get_freeze_count() == 0
    gc.collect()
    assert alive() is None and freezer.freezes == 3


def test_removed_freezer_leaves_nothing_frozen(freezer: GcFreezer) -> None:
    before = gc.get_threshold()
    freezer.install()
    assert gc.get_threshold() == THRESHOLDS != before  # young collections less often
    freezer.remove()
    assert gc.get_freeze_count() == 0 and freezer not in gc.callbacks
    assert gc.get_threshold() == before
    gc.collect()
    assert freezer.freezes == 1


def test_a_paused_collector_collects_nothing_and_resumes() -> None:
    with collector_paused():
        assert not gc.isenabled()
        before = gc.get_stats()[0]["collections"]
        garbage = [[] for _ in range(50_000)]  # far past the young threshold
        assert gc.get_stats()[0]["collections"] == before
        del garbage
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()
