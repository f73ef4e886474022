"""Writing one benchmark's section of bench/diagnostics/RESULTS.md, between its markers."""

from __future__ import annotations

import platform
import time
from pathlib import Path

__all__ = ["RESULTS", "write_section"]

RESULTS = Path(__file__).with_name("RESULTS.md")


def write_section(name: str, title: str, cmd: str, run_note: str, lines: list[str]) -> None:
    """Replace the `name` section (or append it under `title`): the command, when and where
    it ran (`run_note` completes that line), then `lines`."""
    head, tail = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    body = [
        head,
        "",
        f"Command: `{cmd}`  ",
        f"Run: {time.strftime('%Y-%m-%d')}, {platform.machine()}, {run_note}",
        "",
        *lines,
        "",
        tail,
    ]
    text = (
        RESULTS.read_text() if RESULTS.exists() else "# Picture diagnostics: measured results\n\n"
    )
    if head in text and tail in text:
        text = text[: text.index(head)] + "\n".join(body) + text[text.index(tail) + len(tail) :]
    else:
        text += f"\n## {title}\n\n" + "\n".join(body) + "\n"
    RESULTS.write_text(text)
