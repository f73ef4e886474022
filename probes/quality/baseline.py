"""Each camera's learned reference: what its healthy picture looks like, by day and by night.

A `Reference` holds a 64x36 gray thumbnail, two 16x9 grids (mean gradient and share of crisp
edges per cell),
a few statistics (brightness, sharpness, contrast, colour, noise) and the spectral peaks of
the scene's own periodic structure. It is learnt from healthy frames only: the first frames
are averaged, later ones move it slowly (`rate`), so the reference follows the seasons and
the growth of trees but not a fault. `Baseline` keeps one reference per period and
serialises to a few kilobytes (`to_bytes`, `from_bytes`; at most 16 KB).
"""

from __future__ import annotations

import struct
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import numpy as np

from probes.quality.colour import chroma
from probes.quality.levels import levels
from probes.quality.noise import noise_sigma
from probes.quality.sharpness import CELL_GRID, crisp_cells, sharpness, texture_cells
from probes.quality.stripes import Peak, stripes
from probes.quality.work import THUMB_SIZE, Array, Work

__all__ = ["DERIVED_KEPT", "MAX_BYTES", "MIN_FRAMES", "STATS", "Baseline", "Period", "Reference"]

Period = Literal["day", "night"]
MIN_FRAMES = 3  # healthy frames a reference needs before checks rely on it
MAX_BYTES = 16 * 1024
STATS = ("mean", "sharpness", "contrast", "a", "b", "saturation", "noise")
_MAGIC = b"VQB1"
_MAX_PEAKS = 16
# References whose derived arrays stay in memory. They are ~170 KB each and a service judges
# a camera every few minutes, so keeping them for every camera would cost gigabytes; a video
# (or a benchmark) judged frame after frame against a few references keeps its own.
DERIVED_KEPT = 64
T = TypeVar("T")


@dataclass
class Reference:
    """One period's reference picture and statistics (see the module docstring)."""

    thumb: Array
    cells: Array
    crisp: Array
    stats: dict[str, float]
    peaks: list[Peak] = field(default_factory=list)
    frames: int = 1
    _derived: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def derived(self, key: str, compute: Callable[[], T]) -> T:
        """`compute()` once per state of this reference: what the comparisons derive from
        it (gradients, high-passed and warped thumbnails, spectra) is the same for every
        frame judged against it, until it learns again (or its thumbnail is replaced)."""
        stamp = (self.frames, id(self.thumb))
        if self._derived.get("") != stamp:
            self._derived = {"": stamp}
        _RECENT.touch(self)
        if key not in self._derived:
            self._derived[key] = compute()
        result: T = self._derived[key]
        return result

    @classmethod
    def of(cls, work: Work) -> Reference:
        """A reference made of one frame."""
        return cls(
            thumb=work.thumb.copy(),
            cells=texture_cells(work).copy(),
            crisp=crisp_cells(work).copy(),
            stats=_stats(work),
            peaks=list(stripes(work).peaks[:_MAX_PEAKS]),
        )

    @property
    def ready(self) -> bool:
        """True once `MIN_FRAMES` healthy frames have been learnt."""
        return self.frames >= MIN_FRAMES

    def rest(self) -> None:
        """Keep the thumbnail as float16 until the reference is used again: half its memory,
        to ~0.06 gray level (finer than the whole levels `Baseline.to_bytes` stores)."""
        self.thumb = self.thumb.astype(np.float16, copy=False)

    def wake(self) -> None:
        """Back to float32 for use (what the comparisons and learning need)."""
        if self.thumb.dtype != np.float32:
            self.thumb = self.thumb.astype(np.float32)
            self._derived = {}  # derived from the thumbnail before its rest

    def learn(self, work: Work, rate: float) -> None:
        """Blend a healthy frame in: as an average until ready, then with weight `rate`."""
        self.wake()
        weight = max(1.0 / (self.frames + 1), rate)
        self._derived = {}
        self.thumb += weight * (work.thumb - self.thumb)
        self.cells += weight * (texture_cells(work) - self.cells)
        self.crisp += weight * (crisp_cells(work) - self.crisp)
        for name, value in _stats(work).items():
            self.stats[name] += weight * (value - self.stats[name])
        self.peaks = _merge_peaks(self.peaks, stripes(work).peaks)
        self.frames += 1


class _Recent:
    """The references that used `derived` last, at most `DERIVED_KEPT`: an older one
    drops its derived arrays (they are recomputed if it is used again)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # judges run in several threads
        self._refs: OrderedDict[int, Reference] = OrderedDict()

    def touch(self, ref: Reference) -> None:
        with self._lock:
            self._refs[id(ref)] = ref  # held here, so its id is not reused meanwhile
            self._refs.move_to_end(id(ref))
            while len(self._refs) > DERIVED_KEPT:
                _, old = self._refs.popitem(last=False)
                old._derived = {}


_RECENT = _Recent()


def _stats(work: Work) -> dict[str, float]:
    lv, ch = levels(work), chroma(work)
    return {
        "mean": lv.mean,
        "sharpness": sharpness(work).score,
        "contrast": lv.contrast,
        "a": ch.a,
        "b": ch.b,
        "saturation": ch.saturation,
        "noise": noise_sigma(work),
    }


def _merge_peaks(old: list[Peak], new: tuple[Peak, ...]) -> list[Peak]:
    merged = {(p.channel, p.fy, p.fx): p for p in old}
    for p in new:
        near = [
            k
            for k in merged.values()
            if k.channel == p.channel and abs(k.fy - p.fy) <= 1 and abs(k.fx - p.fx) <= 1
        ]
        if not near or max(k.prominence for k in near) < p.prominence:
            merged[(p.channel, p.fy, p.fx)] = p
    return sorted(merged.values(), key=lambda p: -p.prominence)[:_MAX_PEAKS]


@dataclass
class Baseline:
    """A camera's references by period. `rate` is the weight of each new healthy frame."""

    day: Reference | None = None
    night: Reference | None = None
    rate: float = 0.05

    def reference(self, period: Period) -> Reference | None:
        """The period's reference once it is ready, else None."""
        ref = self.day if period == "day" else self.night
        if ref is None or not ref.ready:
            return None
        ref.wake()
        return ref

    def rest(self) -> None:
        """Between judgements: the references' thumbnails at half their memory (see
        `Reference.rest`); `reference` and `learn` wake them."""
        for ref in (self.day, self.night):
            if ref is not None:
                ref.rest()

    def learn(self, work: Work, period: Period) -> None:
        """Learn a frame judged healthy in `period`."""
        ref = self.day if period == "day" else self.night
        if ref is None or ref.thumb.shape != work.thumb.shape:
            ref = Reference.of(work)
            if period == "day":
                self.day = ref
            else:
                self.night = ref
            return
        ref.learn(work, self.rate)

    def to_bytes(self) -> bytes:
        """A compact serialisation (a few KB, never more than `MAX_BYTES`)."""
        out = bytearray(_MAGIC)
        out += struct.pack("<f", self.rate)
        for ref in (self.day, self.night):
            out += _pack(ref)
        if len(out) > MAX_BYTES:
            raise ValueError(f"baseline of {len(out)} bytes exceeds {MAX_BYTES}")
        return bytes(out)

    @classmethod
    def from_bytes(cls, data: bytes) -> Baseline:
        """Read what `to_bytes` wrote; raises ValueError on anything else."""
        if not data.startswith(_MAGIC):
            raise ValueError("not a vmon picture baseline")
        try:
            (rate,) = struct.unpack_from("<f", data, 4)
            day, pos = _unpack(data, 8)
            night, _ = _unpack(data, pos)
        except (struct.error, ValueError) as exc:
            raise ValueError(f"corrupt baseline: {exc}") from None
        return cls(day=day, night=night, rate=rate)


_THUMB_BYTES = THUMB_SIZE[0] * THUMB_SIZE[1]
_CELL_COUNT = CELL_GRID[0] * CELL_GRID[1]


def _pack(ref: Reference | None) -> bytes:
    if ref is None:
        return b"\x00"
    thumb = np.clip(np.rint(ref.thumb), 0, 255).astype(np.uint8).tobytes()
    cells = ref.cells.astype("<f2").tobytes() + ref.crisp.astype("<f2").tobytes()
    stats = struct.pack(f"<{len(STATS)}f", *(ref.stats[name] for name in STATS))
    peaks = b"".join(
        struct.pack("<Bhhe", p.channel, p.fy, p.fx, p.prominence) for p in ref.peaks[:_MAX_PEAKS]
    )
    head = struct.pack("<BIB", 1, ref.frames, len(ref.peaks[:_MAX_PEAKS]))
    return head + stats + thumb + cells + peaks


def _unpack(data: bytes, pos: int) -> tuple[Reference | None, int]:
    if data[pos] == 0:
        return None, pos + 1
    _, frames, npeaks = struct.unpack_from("<BIB", data, pos)
    pos += 6
    values = struct.unpack_from(f"<{len(STATS)}f", data, pos)
    pos += 4 * len(STATS)
    thumb = np.frombuffer(data, np.uint8, _THUMB_BYTES, pos).astype(np.float32)
    pos += _THUMB_BYTES
    cells = np.frombuffer(data, "<f2", _CELL_COUNT, pos).astype(np.float32)
    pos += 2 * _CELL_COUNT
    crisp = np.frombuffer(data, "<f2", _CELL_COUNT, pos).astype(np.float32)
    pos += 2 * _CELL_COUNT
    peaks = []
    for _ in range(npeaks):
        channel, fy, fx, prom = struct.unpack_from("<Bhhe", data, pos)
        peaks.append(Peak(channel, fy, fx, float(prom)))
        pos += 7
    ref = Reference(
        thumb=thumb.reshape(THUMB_SIZE[1], THUMB_SIZE[0]),
        cells=cells.reshape(CELL_GRID[1], CELL_GRID[0]),
        crisp=crisp.reshape(CELL_GRID[1], CELL_GRID[0]),
        stats=dict(zip(STATS, (float(v) for v in values), strict=True)),
        peaks=peaks,
        frames=frames,
    )
    return ref, pos
