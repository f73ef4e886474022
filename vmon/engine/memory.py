"""Keeping the service's memory close to what it uses (glibc's malloc).

glibc gives threads that allocate at the same time their own malloc arenas, up to eight per
core, and keeps what is freed inside a heap for reuse rather than giving it back. vmon's
probe threads decode pictures (hundreds of KB each) and its event loop builds and drops
`/metrics` blocks all day, so without limits a 10^4-camera engine holds tens of megabytes of
freed memory in idle arenas. Two arenas are enough for a process whose heavy work is one
event loop and a few threads; a trim once a minute hands freed pages back to the system.
Elsewhere (musl, macOS) both are no-ops.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import functools
import logging
import os

__all__ = ["ARENAS", "TRIM_SECONDS", "keep_trimmed", "limit_arenas", "trim"]

log = logging.getLogger(__name__)

ARENAS = 2
TRIM_SECONDS = 60.0
_M_ARENA_MAX = -8  # mallopt parameter, glibc's malloc.h


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


def limit_arenas(arenas: int = ARENAS) -> bool:
    """At most `arenas` malloc arenas in this process (from now on) and in the processes it
    starts (`MALLOC_ARENA_MAX`, unless already set). True when glibc took it."""
    os.environ.setdefault("MALLOC_ARENA_MAX", str(arenas))
    libc = _glibc()
    return libc is not None and libc.mallopt(_M_ARENA_MAX, arenas) == 1


def trim() -> bool:
    """Give freed heap pages back to the system. True when some were."""
    libc = _glibc()
    return libc is not None and libc.malloc_trim(0) == 1


async def keep_trimmed(every: float = TRIM_SECONDS) -> None:
    """`trim` every `every` seconds in a thread, until cancelled."""
    while True:
        await asyncio.sleep(every)
        try:
            await asyncio.to_thread(trim)
        except Exception as exc:  # memory housekeeping must never stop the service
            log.debug("malloc_trim failed: %s", exc)
