"""Top hotspots from a py-spy profile in raw (collapsed stacks) format.

    .venv/bin/python -m bench.fleet.hotspots profile.txt [--top 25]

`py-spy record --format raw` writes one line per distinct stack, `frame;frame;... count`,
each frame `function (file:line)`. Self time goes to the innermost frame; inclusive time
to every function on the stack (once per stack). Line numbers are dropped so a function
counts as one.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Profile", "load_profile", "main"]

_LINE = re.compile(r":\d+\)$")
_SITE = re.compile(r"/(?:site-packages|lib/python3\.\d+)/")
_POOL_INDEX = re.compile(r"_\d+$")
# frames every stack passes through: left out of the inclusive ranking
_PLUMBING = (
    "(threading.py)",
    "(concurrent/futures/thread.py)",
    "(asyncio/base_events.py)",
    "(asyncio/runners.py)",
    "(asyncio/events.py)",
    "(typer/",
    "(selectors.py)",
    "(vmon)",
    "(vmon/cli.py)",
    "(vmon/commands/service.py)",
    "(vmon/engine/serve.py)",
)


def _function(frame: str) -> str:
    """`name (path:line)` -> `name (short path)`."""
    frame = _LINE.sub(")", frame.strip())
    name, _, path = frame.partition(" (")
    path = _SITE.split(path)[-1]
    path = path.split("/work/main/")[-1]
    return f"{name} ({path}" if path else name


@dataclass
class Profile:
    """Sample counts by function."""

    total: int
    own: Counter[str]
    inclusive: Counter[str]
    threads: Counter[str]


def load_profile(path: Path) -> Profile:
    """Read a py-spy raw profile."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        if frames[0].startswith(("thread ", "process ")):
            threads[_POOL_INDEX.sub("", frames.pop(0).partition(": ")[2]) or "?"] += count
        if not frames:
            continue
        total += count
        names = [_function(f) for f in frames]
        own[names[-1]] += count
        for name in set(names):
            if not any(part in name for part in _PLUMBING):
                inclusive[name] += count
    return Profile(total, own, inclusive, threads)


def _table(title: str, counts: Counter[str], total: int, top: int) -> list[str]:
    lines = [f"{title}", "| share | samples | function |", "| ---: | ---: | --- |"]
    for name, count in counts.most_common(top):
        lines.append(f"| {100 * count / total:.1f}% | {count} | `{name}` |")
    return lines


def _threads(profile: Profile) -> str:
    total = max(sum(profile.threads.values()), 1)
    return ", ".join(f"{name} {100 * n / total:.0f}%" for name, n in profile.threads.most_common())


def report(profile: Profile, top: int = 25) -> str:
    """Markdown tables of the top self and inclusive functions."""
    total = max(profile.total, 1)
    lines = [f"samples: {profile.total}; by thread: " + _threads(profile), ""]
    lines += _table("Self time (innermost frame):", profile.own, total, top)
    lines.append("")
    lines += _table("Inclusive time:", profile.inclusive, total, top)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Print the hotspots of a raw py-spy profile."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    print(report(load_profile(args.profile), args.top))


if __name__ == "__main__":
    main()
