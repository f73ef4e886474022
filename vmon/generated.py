"""Files generated from code (recording rules, dashboards): write them, or check for drift."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path

__all__ = ["write_or_check"]


def write_or_check(
    files: Mapping[str, str], folder: Path, module: str, argv: list[str] | None = None
) -> int:
    """Write `files` (name -> text) into `folder`; with `--check`, report drift and return 1."""
    parser = argparse.ArgumentParser(description=f"python -m {module}")
    parser.add_argument("--check", action="store_true", help="fail if the files are out of date")
    args = parser.parse_args(argv)
    stale = []
    for name, text in files.items():
        path = folder / name
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(name)
        if not args.check:
            path.write_text(text, encoding="utf-8")
    if args.check and stale:
        print(f"out of date: {', '.join(stale)}; run python -m {module}", file=sys.stderr)
        return 1
    return 0
