"""What the registry's periodic reload costs at N cameras, and how much of it holds the loop.

`.venv/bin/python -m bench.fleet.reload --cameras 10000`

The benchmark fleet's registry (`vmon.sim.fleet.write_registry`) goes into a fresh SQLite
database. Then, with the engine holding that registry already:

- the fingerprint the engine polls every 30 s (`RegistrySource.fingerprint`);
- a full read into specs (`RegistrySource()`, in the database thread in vmon);
- the periodic full reload with nothing changed (`RegistrySource.if_changed` once due), and
  whether it hands a snapshot on to the engine;
- applying a snapshot to the engine (`Monitor._apply_registry`, on the event loop), which
  happens when the registry did change.

CPU time of this process, best and median of `--rounds`.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from vmon.config import load_settings
from vmon.db import create_engine_for, migrate
from vmon.engine.registry_source import RegistrySource
from vmon.engine.runner import Runner
from vmon.engine.service import Monitor, RegistrySnapshot
from vmon.sim.fleet import plan_fleet, write_registry


def _ports(codes: list[str], switches: list[str]) -> dict[str, Any]:
    """Made-up ports, shaped as the fleet server reports them (every other camera RTSP)."""
    return {
        "onvif": {code: 20000 + i % 100 for i, code in enumerate(codes)},
        "rtsp": {code: f"rtsp://127.0.0.1:8554/{code}" for code in codes[::2]},
        "snapshot": 8080,
        "switches": {name: f"127.0.{i // 250}.{1 + i % 250}" for i, name in enumerate(switches)},
    }


def _cpu(what: Callable[[], object], rounds: int) -> tuple[float, float]:
    taken = []
    for _ in range(rounds):
        begin = time.process_time()
        what()
        taken.append(time.process_time() - begin)
    return min(taken), statistics.median(taken)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cameras", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    plan = plan_fleet(args.cameras, light=True)
    settings = load_settings(None, environ={})
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine_for(f"sqlite:///{Path(folder) / 'vmon.db'}")
        migrate(engine)
        ports = _ports([c.code for c in plan.cameras], [s.name for s in plan.switches])
        write_registry(engine, plan, ports)
        source = RegistrySource(engine, settings)
        monitor = Monitor(settings, cast(Any, None), RegistrySnapshot, Runner({}, {}))
        snapshot = source.if_changed()
        assert snapshot is not None, "the first poll reads the registry"
        monitor._apply_registry(snapshot)
        print(f"{len(snapshot.cameras)} cameras, {len(snapshot.devices)} devices")

        def due_reload() -> object:
            source._loaded_at -= source.full_reload_seconds
            return source.if_changed()

        figures = {
            "fingerprint (every 30 s)": _cpu(source.fingerprint, args.rounds),
            "full read into specs": _cpu(source, args.rounds),
            "periodic full reload, nothing changed": _cpu(due_reload, args.rounds),
        }
        handed_on = due_reload() is not None
        fresh = source()  # equal to the one applied, in new objects (what a reload brings)
        figures["apply an unchanged snapshot on the loop"] = _cpu(
            lambda: monitor._apply_registry(fresh), args.rounds
        )
        engine.dispose()
    for label, (best, median) in figures.items():
        print(f"{label:40s} best {best:.3f} s  median {median:.3f} s CPU")
    print(f"an unchanged periodic reload handed on to the loop: {'yes' if handed_on else 'no'}")


if __name__ == "__main__":
    main()
