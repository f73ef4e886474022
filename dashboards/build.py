"""Generate vmon's Grafana boards: `python -m dashboards.build` (add `--check` to verify only).

The JSON files beside this script are the product (helm mounts them as ConfigMaps); they are
written from dashboards/boards.py so every panel follows the same rules (datasource variable,
unit, description, Chinese title), and a test fails when the files drift from the script.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from dashboards.boards import BOARDS

__all__ = ["build_files", "main", "render"]

HERE = Path(__file__).resolve().parent


def render(board: dict[str, object]) -> str:
    """Stable JSON text: sorted keys, two-space indent, UTF-8 (Chinese kept readable)."""
    return json.dumps(board, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def build_files() -> dict[str, str]:
    """The dashboard files: file name -> JSON text."""
    return {name: render(make()) for name, make in BOARDS.items()}


def main(argv: list[str] | None = None) -> int:
    """Write the files (or with --check, report drift and exit 1)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the files are out of date")
    args = parser.parse_args(argv)
    stale = []
    for name, text in build_files().items():
        path = HERE / name
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(name)
        if not args.check:
            path.write_text(text, encoding="utf-8")
    if args.check and stale:
        print(f"out of date: {', '.join(stale)}; run python -m dashboards.build", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
