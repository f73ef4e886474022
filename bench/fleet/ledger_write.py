"""CPU time of one ledger write when every camera changes state at once (start-up, a
platform failing): `Ledger.apply` of N changes over N open intervals, SQLite.

    .venv/bin/python -m bench.fleet.ledger_write [--cameras 10000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlmodel import SQLModel

from vmon.db import create_engine_for
from vmon.engine.ledger import Ledger, StateChange

__all__ = ["main", "time_apply"]


def time_apply(cameras: int, folder: Path) -> float:
    """CPU seconds of the second of two writes that each change every camera's state."""
    engine = create_engine_for(f"sqlite:///{folder / 'ledger.db'}")
    SQLModel.metadata.create_all(engine)
    ledger = Ledger(engine)
    ledger.apply([StateChange(f"c{i}", "ok", "", 1000.0, "") for i in range(cameras)], 1000.0)
    changes = [StateChange(f"c{i}", "degraded", "picture", 1100.0, "x") for i in range(cameras)]
    started = time.process_time()
    ledger.apply(changes, 1100.0)
    return time.process_time() - started


def main() -> None:
    """Print the CPU time of one write of every camera's change."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cameras", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        seconds = time_apply(args.cameras, Path(folder))
    print(f"Ledger.apply of {args.cameras:,} changes: {seconds:.2f} s CPU")


if __name__ == "__main__":
    main()
