"""Speed of the full picture diagnosis against JPEG decoding alone, 1080p snapshots.

    .venv/bin/python -m bench.diagnostics.speed [--files 24] [--rounds 5] [--write] [--parts]

For the same in-memory 1080p JPEG snapshots, in the same run, alternating round by round:

- reference: `cv2.imdecode(buf, cv2.IMREAD_COLOR)` at full size, nothing else;
- vmon: `decode_image` (a reduced-size JPEG decode, 480 px wide) + `diagnose` with the
  camera's own learnt baseline and its previous frame, so every check runs, and the
  evidence thumbnail encoded.

Each on one core (one process, `cv2.setNumThreads(1)`) and on two cores (two worker
processes, one OpenCV thread each). Rates are frames per second of wall-clock time and of
CPU time (the machine is shared, so CPU time is the steadier comparison), and the ratio of
each round's back-to-back pair. Measures only.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from typing import Any

import cv2
import numpy as np

from bench.diagnostics.results import write_section

__all__ = ["main", "make_files", "measure", "report"]

_KINDS = ("healthy", "healthy", "healthy", "night_ir", "blurred", "covered", "stripes", "black")

_NOON = datetime(2024, 5, 1, 4, 0, tzinfo=UTC)  # the sun's position is part of the work
_FILES: list[bytes] = []
_STATE: dict[str, object] = {}


def make_files(count: int) -> list[bytes]:
    """`count` distinct 1080p JPEG snapshots (quality 80-90) of several cameras and faults."""
    from vmon.sim import scenes

    out = []
    for i in range(count):
        img = scenes.scene(
            _KINDS[i % len(_KINDS)], seed=1 + i % 4, width=1920, height=1080, t=3.0 * i
        )
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 80 + i % 11])
        assert ok
        out.append(buf.tobytes())
    return out


def _seed(index: int) -> int:
    """The simulated camera of file `index` (see `make_files`)."""
    return 1 + index % 4


def _setup(files: list[bytes]) -> None:
    """Per process: one OpenCV thread, the files, and a learnt baseline per camera (three
    healthy 1080p snapshots of it, as the service learns a camera's own reference)."""
    from probes.quality import Baseline, decode_image, prepare
    from vmon.sim import scenes

    cv2.setNumThreads(1)
    _FILES[:] = files
    baselines = {}
    for seed in {_seed(i) for i in range(len(files))}:
        baseline = Baseline()
        for t in (500.0, 530.0, 560.0):
            img = scenes.scene("healthy", seed=seed, width=1920, height=1080, t=t)
            ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 85])
            assert ok
            baseline.learn(prepare(decode_image(buf.tobytes())), "day")
        baselines[seed] = baseline
    _STATE["baselines"] = baselines


def _reference(indices: list[int]) -> float:
    start = time.process_time()
    for i in indices:
        cv2.imdecode(np.frombuffer(_FILES[i], np.uint8), cv2.IMREAD_COLOR)
    return time.process_time() - start


def _vmon(indices: list[int]) -> float:
    from probes.quality import decode_image, diagnose, prepare, signature

    baselines = _STATE["baselines"]
    assert isinstance(baselines, dict)
    previous: dict[int, Any] = {}
    start = time.process_time()
    for i in indices:
        seed = _seed(i)
        work = prepare(decode_image(_FILES[i]))
        diagnose(
            work, baseline=baselines[seed], previous=previous.get(seed), lat=32.06,
            lon=118.80, when=_NOON,
        )  # fmt: skip
        previous[seed] = signature(work)
    return time.process_time() - start


def _one_core(job: Callable[[list[int]], float], n: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds) for all `n` files in this process."""
    wall = time.perf_counter()
    cpu = job(list(range(n)))
    return time.perf_counter() - wall, cpu


def _two_cores(
    pool: ProcessPoolExecutor, job: Callable[[list[int]], float], n: int
) -> tuple[float, float]:
    halves = [list(range(0, n, 2)), list(range(1, n, 2))]
    wall = time.perf_counter()
    cpu = sum(pool.map(job, halves))
    return time.perf_counter() - wall, cpu


def measure(files: list[bytes], rounds: int) -> dict[str, dict[str, float]]:
    """Median frames per second over `rounds` alternating rounds, per mode and cores."""
    _setup(files)
    n = len(files)
    samples: dict[str, list[tuple[float, float]]] = {
        k: [] for k in ("ref1", "vmon1", "ref2", "vmon2")
    }
    with ProcessPoolExecutor(2, initializer=_setup, initargs=(files,)) as pool:
        list(pool.map(_reference, [[0], [1]]))  # warm both workers
        for _ in range(rounds):
            samples["ref1"].append(_one_core(_reference, n))
            samples["vmon1"].append(_one_core(_vmon, n))
            samples["ref2"].append(_two_cores(pool, _reference, n))
            samples["vmon2"].append(_two_cores(pool, _vmon, n))
    out = {}
    for key, values in samples.items():
        cores = 2 if key.endswith("2") else 1
        out[key] = {
            "wall_fps": n / statistics.median(v[0] for v in values),
            "cpu_fps": n * cores / statistics.median(v[1] for v in values),
        }
    for cores in (1, 2):
        out[f"paired{cores}"] = _paired(samples[f"ref{cores}"], samples[f"vmon{cores}"])
    return out


def _paired(ref: list[tuple[float, float]], ours: list[tuple[float, float]]) -> dict[str, float]:
    """Per clock: the rate ratio (reference time over vmon's) of each round, whose two
    runs were back to back: median, least and most. The host's speed drifts by up to 1.5x
    within minutes, which a ratio of separate medians mixes in; a round's pair shares it."""
    out: dict[str, float] = {}
    for i, clock in enumerate(("wall", "cpu")):
        ratios = [r[i] / o[i] for r, o in zip(ref, ours, strict=True)]
        out |= {f"{clock}_median": statistics.median(ratios)}
        out |= {f"{clock}_min": min(ratios), f"{clock}_max": max(ratios)}
    return out


def _breakdown(files: list[bytes]) -> dict[str, float]:
    """Milliseconds of CPU per frame for the parts, one core."""
    from probes.quality import decode_image, diagnose, prepare, signature

    _setup(files)
    frames = [decode_image(b) for b in files]
    baselines = _STATE["baselines"]
    assert isinstance(baselines, dict)
    # each camera's previous frame is the file four places back (see `_seed`), as in `_vmon`
    previous = [signature(prepare(frames[i - 4])) if i >= 4 else None for i in range(len(frames))]

    def with_baseline() -> None:
        """As `_vmon` judges: the camera's own baseline and its previous frame."""
        for i, f in enumerate(frames):
            diagnose(
                f, baseline=baselines[_seed(i)], previous=previous[i], lat=32.06,
                lon=118.80, when=_NOON,
            )  # fmt: skip

    def cpu_ms(fn: Callable[[], object]) -> float:
        """The least of three runs (the machine is shared)."""
        best = math.inf
        for _ in range(3):
            start = time.process_time()
            fn()
            best = min(best, time.process_time() - start)
        return best * 1000 / len(files)

    parts = {
        "imdecode full size": cpu_ms(
            lambda: [cv2.imdecode(np.frombuffer(b, np.uint8), cv2.IMREAD_COLOR) for b in files]
        ),
        "decode_image (reduced)": cpu_ms(lambda: [decode_image(b) for b in files]),
        "diagnose with baseline and previous frame, thumbnail": cpu_ms(with_baseline),
        "diagnose without baseline, thumbnail": cpu_ms(
            lambda: [diagnose(f, period="day") for f in frames]
        ),
        "diagnose without baseline, no thumbnail": cpu_ms(
            lambda: [diagnose(f, period="day", thumbnail=False) for f in frames]
        ),
    }
    return parts | _per_check(frames, previous)


def _per_check(frames: list[Any], previous: list[Any]) -> dict[str, float]:
    """CPU ms per frame of each check with the camera's baseline and previous frame, in
    the order `diagnose` runs them: a check pays for the shared work it asks for first
    (gradients, spectra, the baseline comparison)."""
    from probes.quality import Thresholds, prepare
    from probes.quality.checks import CHECKS
    from probes.quality.context import Context

    baselines = _STATE["baselines"]
    assert isinstance(baselines, dict)
    spent = dict.fromkeys(CHECKS, math.inf)
    for _ in range(3):
        this = dict.fromkeys(CHECKS, 0.0)
        for i, frame in enumerate(frames):
            work = prepare(frame)
            ctx = Context("day", Thresholds(), baselines[_seed(i)].reference("day"), previous[i])
            for name, check in CHECKS.items():
                start = time.process_time()
                check(work, ctx)
                this[name] += time.process_time() - start
        spent = {k: min(v, this[k]) for k, v in spent.items()}
    return {f"check {k}": v * 1000 / len(frames) for k, v in spent.items()}


def report(result: dict[str, dict[str, float]] | None, parts: dict[str, float]) -> list[str]:
    """Markdown lines (the rates' table only when `result` is given)."""
    lines = []
    if result is not None:
        lines += [
            "| cores | imdecode only (fps) | vmon decode + diagnosis (fps) | ratio "
            "| ratio per round: median (least-most) |",
            "| ---: | ---: | ---: | ---: | ---: |",
        ]
        for cores in (1, 2):
            ref, ours = result[f"ref{cores}"], result[f"vmon{cores}"]
            paired = result[f"paired{cores}"]
            for clock in ("wall", "cpu"):
                r, o = ref[f"{clock}_fps"], ours[f"{clock}_fps"]
                low, mid, high = (paired[f"{clock}_{k}"] for k in ("min", "median", "max"))
                lines.append(
                    f"| {cores} ({clock} clock) | {r:.1f} | {o:.1f} | {o / r:.2f} "
                    f"| {mid:.2f} ({low:.2f}-{high:.2f}) |"
                )
        lines.append("")
    lines += ["| part (one core, CPU ms per frame) | ms |", "| --- | ---: |"]
    lines += [f"| {k} | {v:.2f} |" for k, v in parts.items()]
    return lines


def main() -> None:
    """Run the benchmark from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=24)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="record the results in RESULTS.md")
    parser.add_argument(
        "--parts", action="store_true", help="only the per-part breakdown (quick; no rates)"
    )
    args = parser.parse_args()
    files = make_files(args.files)
    if args.parts:
        print("\n".join(report(None, _breakdown(files))))
        return
    result = measure(files, args.rounds)
    lines = report(result, _breakdown(files))
    print("\n".join(lines))
    if args.write:
        _write(lines, args)


def _write(lines: list[str], args: argparse.Namespace) -> None:
    cmd = (
        ".venv/bin/python -m bench.diagnostics.speed "
        f"--files {args.files} --rounds {args.rounds} --write"
    )
    load = os.getloadavg()[0]
    note = (
        f"2 cores shared with other work (load average {load:.1f} at the end); "
        f"OpenCV {cv2.__version__}."
    )
    write_section("speed", "Speed", cmd, note, lines)


if __name__ == "__main__":
    main()
