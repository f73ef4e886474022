"""`vmon diagnose`: judge pictures and videos from files (a stable contract for other tools).

    vmon diagnose PATH... [--baseline PATH...] [--lat LAT --lon LON --time ISO8601]
                  [--every N] [--json]

PATH is an image (JPEG, PNG, BMP) or a video file. A video is sampled every N frames; its
first samples without faults are the camera's baseline (learnt on as the engine does) unless
`--baseline` gives reference images (a blank screen is refused as a reference), and the
temporal checks (frozen, scene change, occlusion) run across the samples. With `--json`,
one JSON object per diagnosed frame and line:

    {"path": ..., "frame": <index or null>, "day_night": "day"|"night",
     "faults": [names], "scores": {name: number}}

Exit status 0 whether or not faults were found; 2 when an input cannot be read (the other
inputs are still diagnosed; the reason goes to stderr).

`diagnose_paths()` yields the same dicts for callers in Python; `diagnose_command()` is the
typer command the CLI registers.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import cv2
import typer

from probes.quality import (
    MIN_FRAMES,
    Diagnoser,
    Evidence,
    ImageError,
    Period,
    Thresholds,
    decode_image,
    diagnose,
    prepare,
)

__all__ = ["DiagnoseInputError", "diagnose_command", "diagnose_paths", "parse_time"]

_MAX_FILE_BYTES = 64 * 1024 * 1024  # a snapshot larger than this is not a snapshot
_SCORE_DIGITS = 4


class DiagnoseInputError(Exception):
    """An input that cannot be read; `path` and a human `reason`."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


@dataclass
class _Place:
    """Where and when the pictures were taken, as far as the caller knows."""

    lat: float | None = None
    lon: float | None = None
    when: datetime | None = None

    def at(self, offset_seconds: float) -> datetime | None:
        return None if self.when is None else self.when + timedelta(seconds=offset_seconds)


@dataclass
class _Camera:
    """One input judged as one camera: where and when, and its `Diagnoser` (previous frame,
    baseline learnt as the engine learns it: from frames without faults)."""

    place: _Place
    diagnoser: Diagnoser


def _camera(place: _Place, limits: Thresholds, references: list[tuple[Any, Period]]) -> _Camera:
    """A fresh camera; with reference images, they are its baseline and nothing else is."""
    diagnoser = Diagnoser(
        thresholds=limits, lat=place.lat, lon=place.lon, learn=not references, thumbnail=False
    )
    for work, period in references:
        for _ in range(MIN_FRAMES):  # a reference image given by hand is a settled reference
            diagnoser.baseline.learn(work, period)
    return _Camera(place, diagnoser)


def parse_time(text: str | None) -> datetime | None:
    """An ISO 8601 time; without an offset it is taken as UTC."""
    if text is None:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not an ISO 8601 time: {text!r}") from None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _record(path: Path, frame: int | None, evidence: Evidence) -> dict[str, Any]:
    scores = {name: round(float(value), _SCORE_DIGITS) for name, value in evidence.scores.items()}
    return {
        "path": str(path),
        "frame": frame,
        "day_night": evidence.day_night,
        "faults": list(evidence.faults),
        "scores": scores,
    }


def _read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > _MAX_FILE_BYTES:
            raise DiagnoseInputError(path, f"too large to be a picture ({size} bytes)")
        return path.read_bytes()
    except OSError as exc:
        raise DiagnoseInputError(path, f"cannot read: {exc.strerror or exc}") from None


_IMAGE_SUFFIXES = {
    ".jpg": "JPEG", ".jpeg": "JPEG", ".jpe": "JPEG", ".jfif": "JPEG",
    ".png": "PNG", ".bmp": "BMP", ".dib": "BMP",
}  # fmt: skip
_MAGIC = ((b"\xff\xd8", "JPEG"), (b"\x89PNG", "PNG"), (b"BM", "BMP"))


def _image_kind(path: Path, data: bytes) -> str | None:
    """ "JPEG", "PNG" or "BMP" for a file that is a picture by its first bytes or claims to
    be one by its name; None for anything else (it may be a video)."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    return _IMAGE_SUFFIXES.get(path.suffix.lower())


def _decode(path: Path, data: bytes) -> Any:
    """Decode a picture, or raise `DiagnoseInputError` saying what is wrong with it."""
    try:
        return decode_image(data)
    except ImageError as exc:
        raise DiagnoseInputError(path, _why(exc, _image_kind(path, data))) from None


def _why(exc: ImageError, kind: str | None) -> str:
    """A person's explanation of a picture that cannot be decoded, e.g. "corrupt JPEG: ..."."""
    name = kind or "picture"
    if exc.reason == "unsupported" and exc.message.startswith("not a "):
        return f"corrupt {name}: not a {name} file (no {name} header)"
    if exc.reason in ("decode", "empty"):
        return f"corrupt {name}: {exc.message}"
    return f"{name} {exc.reason.replace('_', ' ')}: {exc.message}"


def _judge(cam: _Camera, frame: Any, offset: float) -> Evidence:
    """Diagnose one frame with the camera's state, then update that state."""
    return cam.diagnoser.diagnose(frame, when=cam.place.at(offset))


def _references(
    paths: Sequence[Path], place: _Place, limits: Thresholds
) -> list[tuple[Any, Period]]:
    """Decode the reference images once: (prepared frame, period) pairs.

    A blank or no-signal screen is refused: judged against it, every real picture of the
    view would look covered or moved."""
    out: list[tuple[Any, Period]] = []
    for path in paths:
        work = prepare(_decode(path, _read_bytes(path)))
        evidence = diagnose(
            work, thresholds=limits, lat=place.lat, lon=place.lon, when=place.when,
            thumbnail=False,
        )  # fmt: skip
        if "signal_loss" in evidence.faults:
            raise DiagnoseInputError(
                path, "not a usable reference: a blank or no-signal screen (signal_loss)"
            )
        period: Period = "night" if evidence.day_night == "night" else "day"
        out.append((work, period))
    return out


def _quiet_video_logs() -> None:
    """Keep FFmpeg's and OpenCV's own messages about a damaged file off stderr: the reason a
    file cannot be read is reported once, in our words. FFmpeg's level is read when OpenCV
    first opens a capture in the process, so this runs before that (AV_LOG_QUIET is -8)."""
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)


def _video_frames(path: Path, every: int) -> Iterator[tuple[int, float, Any]]:
    """(index, seconds from the start, frame) for every `every`-th frame of a video."""
    _quiet_video_logs()
    capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    if not capture.isOpened():
        raise DiagnoseInputError(path, "not a picture, and no video could be opened")
    try:
        fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
        index, yielded = 0, 0
        while True:
            if index % every == 0:
                ok, frame = capture.read()
                if not ok:
                    break
                yielded += 1
                yield index, index / fps, frame
            elif not capture.grab():
                break
            index += 1
        if yielded == 0:
            raise DiagnoseInputError(path, "a video without any readable frame")
    finally:
        capture.release()


def _one_path(path: Path, cam: _Camera, every: int) -> Iterator[dict[str, Any]]:
    data = _read_bytes(path)
    if not data:
        raise DiagnoseInputError(path, "empty file")
    if _image_kind(path, data) is not None:
        yield _record(path, None, _judge(cam, _decode(path, data), 0.0))
        return
    for index, offset, frame in _video_frames(path, every):
        yield _record(path, index, _judge(cam, frame, offset))


def diagnose_paths(
    paths: Sequence[Path | str],
    *,
    baselines: Sequence[Path | str] = (),
    lat: float | None = None,
    lon: float | None = None,
    when: datetime | None = None,
    every: int = 25,
    thresholds: Thresholds | None = None,
    errors: list[DiagnoseInputError] | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield one result dict per diagnosed frame (see the module docstring).

    An unreadable input raises `DiagnoseInputError`, unless `errors` is given: then it is
    appended there and the next input is diagnosed. Reference images that cannot be read
    always raise.
    """
    if every < 1:
        raise ValueError("--every must be at least 1")
    place = _Place(lat, lon, when)
    limits = thresholds or Thresholds()
    references = _references([Path(p) for p in baselines], place, limits)
    for raw in paths:
        path = Path(raw)
        cam = _camera(place, limits, references)  # each input is its own camera
        try:
            yield from _one_path(path, cam, every)
        except DiagnoseInputError as exc:
            if errors is None:
                raise
            errors.append(exc)


def _table(rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Picture diagnosis")
    for column in ("path", "frame", "day/night", "faults", "key scores"):
        table.add_column(column)
    for row in rows:
        key = {
            k: row["scores"][k]
            for k in ("blur", "too_dark", "noise", "stripes")
            if k in row["scores"]
        }
        shown = ", ".join(f"{k} {v:g}" for k, v in key.items())
        frame = "-" if row["frame"] is None else str(row["frame"])
        faults = ", ".join(row["faults"]) or "ok"
        table.add_row(row["path"], frame, row["day_night"], faults, shown)
    Console().print(table)


def diagnose_command(
    paths: Annotated[list[Path], typer.Argument(help="Images or video files to diagnose.")],
    *,
    baseline: Annotated[
        list[Path] | None,
        typer.Option("--baseline", help="Reference image(s) of the healthy view (repeat)."),
    ] = None,
    lat: Annotated[float | None, typer.Option(help="Camera latitude (decimal degrees).")] = None,
    lon: Annotated[float | None, typer.Option(help="Camera longitude (decimal degrees).")] = None,
    time: Annotated[
        str | None,
        typer.Option("--time", help="When the picture was taken, ISO 8601 (UTC if no offset)."),
    ] = None,
    every: Annotated[int, typer.Option(min=1, help="Sample every N frames of a video.")] = 25,
    json_lines: Annotated[
        bool, typer.Option("--json", help="One JSON object per frame and line.")
    ] = False,
) -> None:
    """Diagnose pictures (black, blurred, covered, moved ...) from image or video files."""
    if (lat is None) != (lon is None):
        raise typer.BadParameter("--lat and --lon go together")
    try:
        when = parse_time(time)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    errors: list[DiagnoseInputError] = []
    rows: list[dict[str, Any]] = []
    try:
        results = diagnose_paths(
            paths, baselines=baseline or (), lat=lat, lon=lon, when=when, every=every, errors=errors
        )
        for row in results:
            if json_lines:
                typer.echo(json.dumps(row, ensure_ascii=False))
            else:
                rows.append(row)
    except DiagnoseInputError as bad_reference:
        errors.append(bad_reference)
    if rows:
        _table(rows)
    for error in errors:
        print(f"vmon diagnose: {error}", file=sys.stderr)
    if errors:
        raise typer.Exit(code=2)
