"""Benchmark: import a large camera sheet into SQLite, re-import it, export it.

    .venv/bin/python -m bench.registry.import_sheet --rows 100000 --format xlsx

The sample sheet is generated once per (rows, seed, format) under the temp folder and
reused; generation time is reported apart. Each phase runs once on a fresh database file.
Measures; asserts nothing.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from sqlmodel import Session

from vmon.db import create_all, create_engine_for
from vmon.registry.exporter import export_file
from vmon.registry.importer import import_file
from vmon.registry.samples import write_sample

T = TypeVar("T")


def timed(label: str, action: Callable[[], T]) -> T:
    """Run `action`, print its wall-clock and CPU time (CPU shows the cost on a busy machine)."""
    started, cpu = time.perf_counter(), time.process_time()
    value = action()
    wall, used = time.perf_counter() - started, time.process_time() - cpu
    print(f"{label:<34} wall {wall:7.2f} s   cpu {used:7.2f} s", flush=True)
    return value


def main() -> None:
    """Run the benchmark with the command-line options."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-export", action="store_true", help="skip the export phases")
    args = parser.parse_args()
    work = Path(tempfile.gettempdir()) / "vmon-bench-registry"
    work.mkdir(exist_ok=True)
    sheet = work / f"sample-{args.rows}-{args.seed}.{args.format}"
    if not sheet.exists():
        timed(
            f"generate {args.rows} rows ({args.format})",
            lambda: write_sample(sheet, args.rows, seed=args.seed),
        )
    database = work / "bench.db"
    for leftover in work.glob("bench.db*"):
        leftover.unlink()
    engine = create_engine_for(f"sqlite:///{database}")
    create_all(engine)
    with Session(engine) as session:
        result = timed(
            "dry run (read + validate)", lambda: import_file(session, sheet, dry_run=True)
        )
        print(f"  {result.summary('en').splitlines()[0]}")
        result = timed("import into empty database", lambda: import_file(session, sheet))
        print(f"  {result.summary('en').splitlines()[0]}")
        result = timed("re-import (all unchanged)", lambda: import_file(session, sheet))
        print(f"  {result.summary('en').splitlines()[0]}")
        if not args.no_export:
            timed("export CSV", lambda: export_file(session, work / "export.csv"))
            timed("export XLSX", lambda: export_file(session, work / "export.xlsx"))
    engine.dispose()


if __name__ == "__main__":
    main()
