"""Running the service: the monitor and its HTTP server in one event loop, until told to stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Iterator

import sqlalchemy as sa
import uvicorn

from vmon.config import Settings
from vmon.engine.gc_clock import GcClock
from vmon.engine.gc_freeze import GcFreezer
from vmon.engine.ledger import Ledger
from vmon.engine.loop_watch import LoopWatch
from vmon.engine.memory import keep_trimmed, limit_arenas
from vmon.engine.probe_set import build_runner
from vmon.engine.registry_source import RegistrySource
from vmon.engine.service import Monitor
from vmon.engine.warm_state import ProbeCacheStore
from vmon.web.app import create_app

__all__ = ["build_monitor", "serve", "split_listen"]

log = logging.getLogger(__name__)


class _QuietServer(uvicorn.Server):
    """uvicorn without its own signal handling: `serve()` owns SIGINT/SIGTERM, so the
    monitor always gets to close its ledger before the process ends."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def split_listen(listen: str) -> tuple[str, int]:
    """`host:port` -> (host, port); `[::1]:9108` works too."""
    host, _, port = listen.rpartition(":")
    return host.strip("[]") or "127.0.0.1", int(port)


def build_monitor(settings: Settings, engine: sa.Engine) -> Monitor:
    """A monitor over the database's registry with the real probes."""
    return Monitor(
        settings,
        Ledger(engine, writer=settings.engine.ledger_writer),
        RegistrySource(engine, settings).if_changed,
        build_runner(settings, engine),
        flush_seconds=settings.engine.flush_seconds,
        reload_seconds=settings.engine.reload_seconds,
        warm=ProbeCacheStore(engine, settings.engine.shard_label),
    )


async def serve(
    settings: Settings,
    engine: sa.Engine,
    *,
    on_ready: Callable[[Monitor, str], Awaitable[None]] | None = None,
) -> None:
    """Run until SIGINT/SIGTERM: start the monitor, serve HTTP, stop cleanly."""
    limit_arenas()  # before the monitor starts its threads and picture workers
    monitor = build_monitor(settings, engine)
    host, port = split_listen(settings.http.listen)
    server = _QuietServer(
        uvicorn.Config(
            create_app(monitor), host=host, port=port, log_level="warning", lifespan="off"
        )
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await monitor.start()
    collector = GcClock()
    collector.install()
    freezer = GcFreezer()
    freezer.install()  # collects what start-up built, once, before the loop is watched
    watch = LoopWatch(loop, gc_clock=collector)
    monitor.metrics.loop, monitor.metrics.gc = watch.stats, collector
    monitor.metrics.freezer = freezer
    watch.start()
    serving = asyncio.create_task(server.serve())
    trimming = asyncio.create_task(keep_trimmed())
    try:
        if on_ready is not None:
            await on_ready(monitor, f"http://{host}:{port}")
        await stop.wait()
    finally:
        server.should_exit = True
        trimming.cancel()
        watch.stop()
        freezer.remove()
        collector.remove()
        with contextlib.suppress(Exception):
            await serving
        await monitor.stop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
