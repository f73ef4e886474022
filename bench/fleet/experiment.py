"""vmon with one proposed change applied in its own process, to measure the proposal.

    python -m bench.fleet.experiment gc-census -c vmon.yaml run

Used by `bench.fleet.run --experiment`; the benchmark's normal runs measure vmon unchanged.
(`drop-frames`, which measured forgetting the grabbed pictures once diagnosed, is gone:
`vmon.engine.runner` does that now.)

`allocations`: not a change but a look inside: Python's allocations are traced
(tracemalloc, which slows vmon down, so on-time figures of such a run mean nothing) and every
minute the 40 biggest allocation sites of the engine process are written to
`allocations.txt` in vmon's working folder (the run's `--out`).

`gc-census`: a look at what the cyclic garbage collector walks: every minute the number of
objects it tracks, per generation and frozen, is added to `gc-census.txt` in vmon's working
folder, with the 30 commonest types among them (counting takes a moment of the GIL).

`scrape-phases`: where a scrape's time goes inside vmon: for each `/metrics`, the build on
the event loop (wall and the loop thread's CPU), the wait for a compression thread and the
compression, appended to `scrape-phases.txt` in vmon's working folder.

`stalls`: not a change either: vmon's event-loop watch (`vmon.engine.loop_watch`) logs at
debug level, so each stall's warning in vmon's log is followed by what the other threads
(ledger writer, frame grabs, picture hand-over) were running meanwhile.
"""

from __future__ import annotations

import sys
import threading
import time
import tracemalloc
from pathlib import Path

__all__ = ["EXPERIMENTS", "allocations", "gc_census", "main", "scrape_phases", "stalls"]

ALLOCATIONS_EVERY = 60.0


def allocations() -> None:
    """Trace allocations and write the biggest sites every `ALLOCATIONS_EVERY` s."""
    tracemalloc.start(1)
    threading.Thread(target=_write_allocations, daemon=True).start()


def _write_allocations(path: Path = Path("allocations.txt")) -> None:
    while True:
        time.sleep(ALLOCATIONS_EVERY)
        stats = tracemalloc.take_snapshot().statistics("lineno")
        traced, peak = tracemalloc.get_traced_memory()
        lines = [f"traced {traced / 2**20:.1f} MiB (peak {peak / 2**20:.1f} MiB)"]
        lines += [str(stat) for stat in stats[:40]]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def gc_census() -> None:
    """Count the collector's tracked objects by generation and type every minute."""
    threading.Thread(target=_write_census, daemon=True).start()


def _write_census(path: Path = Path("gc-census.txt")) -> None:
    import gc
    from collections import Counter

    started = time.monotonic()
    while True:
        time.sleep(ALLOCATIONS_EVERY)
        sizes = [len(gc.get_objects(generation)) for generation in range(3)]
        types = Counter(type(o).__qualname__ for o in gc.get_objects())
        minute = (time.monotonic() - started) / 60
        lines = [
            f"minute {minute:.0f}: tracked per generation {sizes}, frozen {gc.get_freeze_count()}"
        ]
        lines += [f"{count:>10} {name}" for name, count in types.most_common(30)]
        with path.open("a", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")


def scrape_phases(path: Path = Path("scrape-phases.txt")) -> None:
    """Patch the renderer and the compression to time each scrape's phases."""
    import asyncio
    import zlib

    from vmon.metrics import MetricsRenderer
    from vmon.web import app, encoding

    render = MetricsRenderer.render

    def timed_render(self: MetricsRenderer) -> bytes:
        wall, cpu = time.perf_counter(), time.thread_time()
        body = render(self)
        built = f"build {time.perf_counter() - wall:.3f} s (cpu {time.thread_time() - cpu:.3f})"
        with path.open("a", encoding="utf-8") as out:
            out.write(f"{time.strftime('%H:%M:%S')} {built}")
        return body

    async def timed_negotiated(body: bytes, accept: str | None) -> tuple[bytes, dict[str, str]]:
        asked = time.perf_counter()
        phases: dict[str, float] = {}

        def compress() -> bytes:
            phases["began"] = time.perf_counter()
            packed = zlib.compress(body, encoding.GZIP_LEVEL, 31)
            phases["done"] = time.perf_counter()
            return packed

        packed = await asyncio.to_thread(compress)
        back = time.perf_counter()
        with path.open("a", encoding="utf-8") as out:
            out.write(
                f", thread wait {phases['began'] - asked:.3f} s, compress "
                f"{phases['done'] - phases['began']:.3f} s, back on the loop "
                f"{back - phases['done']:.3f} s\n"
            )
        return packed, {"Vary": "Accept-Encoding", "Content-Encoding": "gzip"}

    MetricsRenderer.render = timed_render  # type: ignore[method-assign]
    app.negotiated = timed_negotiated  # type: ignore[assignment]


def stalls() -> None:
    """Log the event-loop watch at debug level: other threads' stacks during each stall."""
    import logging

    logging.getLogger("vmon.engine.loop_watch").setLevel(logging.DEBUG)


EXPERIMENTS = {
    "allocations": allocations,
    "gc-census": gc_census,
    "scrape-phases": scrape_phases,
    "stalls": stalls,
}


def main() -> None:
    """Apply the named experiment, then run the `vmon` command line with the rest."""
    name, *rest = sys.argv[1:]
    EXPERIMENTS[name]()
    from vmon.cli import app

    sys.argv = ["vmon", *rest]
    app()


if __name__ == "__main__":
    main()
