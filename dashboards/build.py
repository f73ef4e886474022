"""Generate vmon's Grafana boards: `python -m dashboards.build` (add `--check` to verify only).

The JSON files beside this script are the product (helm mounts them as ConfigMaps); they are
written from dashboards/boards.py so every panel follows the same rules (datasource variable,
unit, description, Chinese title), and a test fails when the files drift from the script.
"""

from __future__ import annotations

import json
from pathlib import Path

from dashboards.boards import BOARDS
from vmon.generated import write_or_check

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
    return write_or_check(build_files(), HERE, "dashboards.build", argv)


if __name__ == "__main__":
    raise SystemExit(main())
