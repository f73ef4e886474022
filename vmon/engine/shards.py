"""Splitting one fleet over several vmon instances (`engine.shard: "2/4"`).

One event loop keeps about 10^4 cameras on time on a core (`bench/fleet/RESULTS.md`);
beyond that, N instances each watch a share of the same registry. Cameras are assigned by a
stable hash of their code (jump consistent hashing, Lamping and Veach 2014): going from N to
N+1 instances moves only a 1/(N+1) share of the cameras, each to the new instance, so the
others keep their learnt baselines and histories. Each instance also watches the devices
above its cameras (a switch whose cameras sit in two shards is pinged by both, and each
marks its own cameras `upstream` when it dies; the alert rules take `max by (device)`); a
device with no camera under it belongs to the shard of its own key. Every instance writes
the ledger under its own writer name and serves its own `/metrics`; Prometheus scrapes them
all and the rules sum by unit.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass

__all__ = ["Shard", "jump_hash"]

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
        """Whether the camera or device going by `key` (its code) is this shard's."""
        return jump_hash(key, self.count) == self.index - 1


@functools.lru_cache(maxsize=1 << 18)  # a registry read asks again for every camera
def jump_hash(key: str, buckets: int) -> int:
    """The bucket (0 to `buckets` - 1) of `key` by jump consistent hashing."""
    state = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little")
    bucket, jump = -1, 0
    while jump < buckets:
        bucket = jump
        state = (state * 2862933555777941757 + 1) % 2**64
        jump = int((bucket + 1) * (2**31 / ((state >> 33) + 1)))
    return bucket
