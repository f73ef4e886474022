"""Splitting one fleet over several vmon instances (`engine.shard: "2/4"`).

One event loop keeps about 10^4 cameras on time on a core (`bench/fleet/RESULTS.md`);
beyond that, N instances each watch a share of the same registry. A camera belongs to the
shard of its access device (switch, else upstream device), so a switch and all its cameras
are watched by one instance and a dead switch is still seen as one root cause; a camera
with no upstream device goes by its own code. Each instance also watches the devices above
its cameras (an NVR or platform shared by several shards is pinged by each of them, which
the alert rules absorb with `max by (device)`); a device with no camera under it belongs to
the shard of its own key. Every instance writes the ledger under its own writer name and
exposes its own `/metrics`; Prometheus scrapes them all, and the rules sum by unit.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

__all__ = ["Shard"]

_FORM = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Shard:
    """Shard `index` (1-based) of `count`."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if not 1 <= self.index <= self.count:
            raise ValueError(f"shard {self.index}/{self.count}: want 1 <= index <= count")

    @classmethod
    def parse(cls, text: str) -> Shard:
        """`"2/4"` -> Shard(2, 4)."""
        match = _FORM.match(text)
        if match is None:
            raise ValueError(f"shard {text!r}: want INDEX/COUNT, e.g. 2/4")
        return cls(int(match[1]), int(match[2]))

    @property
    def label(self) -> str:
        """`2of4`: for writer names and cache keys."""
        return f"{self.index}of{self.count}"

    def owns(self, key: str) -> bool:
        """Whether the camera or device going by `key` (see module doc) is this shard's."""
        return zlib.crc32(key.encode()) % self.count == self.index - 1
