"""The service's malloc housekeeping: arenas limited for it and its workers, freed pages trimmed."""

from __future__ import annotations

import asyncio
import os
import platform

import pytest

from vmon.engine import memory


def test_arenas_are_limited_here_and_for_the_processes_it_starts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    taken = memory.limit_arenas()
    assert os.environ["MALLOC_ARENA_MAX"] == str(memory.ARENAS)
    assert taken is (platform.libc_ver()[0] == "glibc")


def test_an_operator_setting_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    memory.limit_arenas()
    assert os.environ["MALLOC_ARENA_MAX"] == "4"


async def test_trimming_runs_in_the_background_until_cancelled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []

    def fake_trim() -> bool:
        calls.append(1)
        return True

    monkeypatch.setattr(memory, "trim", fake_trim)
    task = asyncio.create_task(memory.keep_trimmed(every=0.01))
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(calls) >= 3


def test_trim_gives_back_freed_memory_on_glibc() -> None:
    blocks = [bytearray(64 * 1024) for _ in range(2000)]  # ~128 MB through malloc
    del blocks
    assert memory.trim() is (platform.libc_ver()[0] == "glibc")
