"""A labelled, seeded evaluation set for the picture diagnostics.

Cameras are simulated (`vmon.sim.scenes`): streets, indoor halls, parking lots, plain walls
and scikit-image's CC0 photographs as backdrops; infrared or full-colour at night; D1, qHD
and 720p. Each camera gets reference frames per period (its healthy baseline), healthy test
frames (people and cars moving, light changing, white balance drifting, a bus passing close,
normal JPEG artefacts; and "nudged": a pole swaying or a mount settling, the view off by
0.5-2 % or turned by up to a degree), and faulty frames: every degradation of `scenes.KINDS`
by day and the ones that happen at night. Every test frame comes with the camera's previous
frame, 2 s earlier, so the temporal checks run as they would in service.

Labels: `expected` is the fault a frame must raise (None for a healthy frame); `accepted`
lists faults that are also right for it (a magenta colour cast is also what an open IR-cut
filter looks like), which are not counted as false alarms.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import cv2
import numpy as np

from vmon.sim import scenes

__all__ = ["Camera", "Sample", "cameras", "generate", "load_photos"]

NANJING = (32.06, 118.80)
_DAY_HOURS_UTC = (2.0, 7.0)  # 10:00-15:00 in Nanjing (UTC+8)
_NIGHT_HOURS_UTC = (14.0, 19.0)  # 22:00-03:00
_SIZES = ((960, 540), (960, 540), (960, 540), (704, 576), (1280, 720))
_DAY_FAULTS = (
    "black", "blue", "solid", "no_video", "blurred", "motion_blur", "fogged", "covered",
    "hand", "spray", "leaves", "overexposed", "too_dark", "color_cast", "ir_cut", "noisy",
    "stripes", "moved", "frozen", "jpeg_heavy",
)  # fmt: skip
_NIGHT_FAULTS = (
    "black", "no_video", "blurred", "covered", "hand", "spray", "moved", "frozen",
    "stripes", "noisy", "night_unusable", "jpeg_heavy",
)  # fmt: skip
_NUDGED = "nudged"  # healthy, but the pole swayed: view off by 0.5-2 % or 0.3-1 degree
_NIGHT_LABEL = {"noisy": "night_unusable"}
_ACCEPTED: dict[str, tuple[str, ...]] = {
    "color_cast": ("ir_cut",),  # a magenta cast looks like infrared contamination
    "ir_cut": ("color_cast", "overexposed"),
    "night_unusable": ("blur", "stripes"),
    "noisy": ("night_unusable", "blur"),
    "fogged": ("color_cast", "too_dark", "overexposed"),
    "jpeg_heavy": ("blur",),
    "covered": ("too_dark", "night_unusable", "frozen"),
    "hand": ("too_dark", "night_unusable"),
    "spray": ("too_dark", "night_unusable", "overexposed"),
    "leaves": ("too_dark", "night_unusable"),
    "too_dark": ("signal_loss",),
    "ir_cut_night": ("night_unusable",),
}


@dataclass(frozen=True)
class Camera:
    """One simulated camera: its world, size, night mode and whether it has coordinates."""

    seed: int
    layout: str | None
    size: tuple[int, int]
    night: str  # "ir" or "night" (full colour under street lamps)
    located: bool


@dataclass
class Sample:
    """One test frame (JPEG), the previous frame, the truth, and what the CLI would know."""

    camera: Camera
    period: str
    kind: str
    expected: str | None
    accepted: tuple[str, ...]
    jpeg: bytes
    previous: bytes
    when: datetime | None


@dataclass
class CameraSet:
    """A camera's reference frames by period and its test samples."""

    camera: Camera
    references: dict[str, list[bytes]] = field(default_factory=dict)
    samples: list[Sample] = field(default_factory=list)


def load_photos() -> list[str]:
    """Register scikit-image's CC0 photographs as backdrops; returns their layout names."""
    from skimage import data  # a test dependency, only the benchmark needs it

    colour = {"astronaut": data.astronaut(), "coffee": data.coffee(), "chelsea": data.chelsea()}
    colour["rocket"] = data.rocket()
    tinted = {"brick": (0.75, 0.85, 1.1), "grass": (0.7, 1.1, 0.75), "gravel": (0.9, 0.95, 1.0)}
    names = [scenes.add_backdrop(k, np.ascontiguousarray(v[:, :, ::-1])) for k, v in colour.items()]
    for name, gains in tinted.items():
        gray = getattr(data, name)().astype(np.float32)
        bgr = np.clip(gray[:, :, None] * np.array(gains, np.float32), 0, 255).astype(np.uint8)
        names.append(scenes.add_backdrop(name, bgr))
    return names


def cameras(count: int, photos: list[str], seed: int = 1) -> list[Camera]:
    """`count` cameras; about a third on photographs, 70 % infrared at night."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        layout = photos[i % len(photos)] if photos and i % 3 == 2 else None
        size = _SIZES[int(rng.integers(len(_SIZES)))]
        night = "ir" if rng.random() < 0.7 else "night"
        out.append(Camera(100 + i, layout, size, night, located=rng.random() < 0.8))
    return out


def _when(rng: np.random.Generator, period: str, t: float) -> datetime:
    lo, hi = _DAY_HOURS_UTC if period == "day" else _NIGHT_HOURS_UTC
    base = datetime(2024, 5, 1, tzinfo=UTC) + timedelta(hours=float(rng.uniform(lo, hi)))
    return base + timedelta(seconds=t)


def _encode(img: np.ndarray, quality: int) -> bytes:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return buf.tobytes()


def _white_balance(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    gains = 1.0 + rng.uniform(-0.04, 0.04, 3)
    return np.clip(img.astype(np.float32) * gains.astype(np.float32), 0, 255).astype(np.uint8)


def _bus(img: np.ndarray, rng: np.random.Generator, t: float) -> np.ndarray:
    """A bus or van passing close to the camera: large, sharp, textured, 10-25 % of the view."""
    h, w = img.shape[:2]
    out = img.copy()
    bw, bh = int(w * rng.uniform(0.35, 0.6)), int(h * rng.uniform(0.3, 0.45))
    x0 = int((rng.uniform(0, 1) + 0.1 * t) % 1.0 * (w - bw // 2)) - bw // 4
    y0 = h - bh - int(rng.uniform(0, 0.05) * h)
    color = tuple(int(c) for c in rng.integers(40, 230, 3))
    cv2.rectangle(out, (x0, y0), (x0 + bw, y0 + bh), color, -1)
    for k in range(6):
        wx = x0 + int(bw * (0.05 + k * 0.155))
        cv2.rectangle(out, (wx, y0 + bh // 8), (wx + bw // 8, y0 + bh // 2), (60, 50, 40), -1)
    for wx in (x0 + bw // 6, x0 + bw * 5 // 6):
        cv2.circle(out, (wx, y0 + bh), max(4, bh // 7), (20, 20, 20), -1)
    cv2.putText(out, "K8", (x0 + bw // 3, y0 + bh * 3 // 4), 0, bh / 90, (250, 250, 250), 2)
    return out


def _clock(img: np.ndarray, t: float) -> np.ndarray:
    """Redraw the on-screen clock, as an encoder does over a frozen sensor picture."""
    out = img.copy()
    h, w = out.shape[:2]
    scale = max(0.35, w / 1400)
    cv2.rectangle(out, (int(0.02 * w), int(0.01 * h)), (int(0.4 * w), int(0.08 * h)), (0, 0, 0), -1)
    text = f"2024-05-01 00:{int(t) // 60 % 60:02d}:{int(t) % 60:02d}"
    cv2.putText(out, text, (int(0.02 * w), int(0.06 * h)), 0, scale, (235, 235, 235), 1)
    return out


def _frame(cam: Camera, kind: str, mode: str, t: float, light: float, variant: int) -> np.ndarray:
    w, h = cam.size
    return scenes.scene(
        kind, seed=cam.seed, width=w, height=h, t=t, light=light, mode=mode,
        layout=cam.layout, variant=variant,
    )  # fmt: skip


def _nudged(cam: Camera, mode: str, t: float, light: float, rng: np.random.Generator) -> np.ndarray:
    """A healthy picture from a camera whose pole sways or whose mount has settled a little:
    the view off by 0.5-2 % of its width or height, or turned by 0.3-1 degree."""
    w, h = cam.size
    sign = float(rng.choice([-1.0, 1.0]))
    pose = (
        scenes.Pose(dx=sign * rng.uniform(0.005, 0.02)),
        scenes.Pose(dy=sign * rng.uniform(0.005, 0.02)),
        scenes.Pose(angle=sign * rng.uniform(0.3, 1.0)),
    )[int(rng.integers(3))]
    lit = scenes.render(
        seed=cam.seed, width=w, height=h, t=t, mode=mode, light=light, pose=pose, layout=cam.layout
    )
    # the camera's own lens, noise and exposure in that mode, as `scenes.scene` gives them
    lens = scenes._camera(cam.seed, w)
    _, sigma, gain = scenes._mode_of("healthy", mode)
    lit = cv2.GaussianBlur(lit, (0, 0), lens.lens_sigma)
    img = scenes.sensor(lit, rng, sigma=sigma * lens.noise, gain=gain)
    return scenes.osd(img, t=t, name=f"CAM-{cam.seed:04d}")


def _pair(
    cam: Camera, kind: str, mode: str, rng: np.random.Generator, variant: int
) -> tuple[bytes, bytes]:
    """(frame, previous frame 2 s earlier), both JPEG, as the camera would send them."""
    t, light = float(rng.uniform(60, 900)), float(rng.uniform(0.8, 1.2))
    quality = int(rng.integers(50, 91))
    if kind == _NUDGED:
        pair = [_nudged(cam, mode, t - dt, light, rng) for dt in (0.0, 2.0)]
        return _encode(pair[0], quality), _encode(pair[1], quality)
    render = "healthy" if kind == "healthy" and mode == "day" else kind
    if kind == "healthy" and mode != "day":
        render = "night_ir" if mode == "ir" else "night"
    frames = [_frame(cam, render, mode, t - dt, light, variant) for dt in (0.0, 2.0)]
    if kind == "frozen" and variant % 2:
        frames = [_clock(frames[0], t), _clock(frames[1], t - 2.0)]
    if kind == "healthy" and mode != "ir":  # an infrared picture has no white balance
        frames = [_white_balance(f, rng) for f in frames]
        if mode == "day" and rng.random() < 0.2:
            frames = [_bus(frames[0], rng, t), _bus(frames[1], rng, t - 2.0)]
    return _encode(frames[0], quality), _encode(frames[1], quality)


def _samples(
    cam: Camera, period: str, kinds: tuple[tuple[str, int], ...], rng: np.random.Generator
) -> Iterator[Sample]:
    mode = "day" if period == "day" else cam.night
    for kind, variant in kinds:
        if kind == "night_unusable" and mode != "ir":
            continue
        jpeg, previous = _pair(cam, kind, mode, rng, variant)
        expected = None if kind == _NUDGED else scenes.FAULT_OF_KIND[kind]
        if period == "night":
            expected = _NIGHT_LABEL.get(kind, expected)
        when = _when(rng, period, 0.0) if cam.located else None
        yield Sample(cam, period, kind, expected, _ACCEPTED.get(kind, ()), jpeg, previous, when)


def generate(cam: Camera, *, healthy: int = 10, references: int = 4, seed: int = 0) -> CameraSet:
    """The reference frames and test samples of one camera (deterministic)."""
    rng = np.random.default_rng([cam.seed, seed])
    out = CameraSet(cam)
    for period, mode in (("day", "day"), ("night", cam.night)):
        kind = "healthy" if mode == "day" else ("night_ir" if mode == "ir" else "night")
        out.references[period] = [
            _encode(_frame(cam, kind, mode, float(t), float(rng.uniform(0.9, 1.1)), 0), 85)
            for t in np.linspace(0, 50, references)
        ]
    day = [("healthy", i) for i in range(healthy)] + [(k, 1) for k in _DAY_FAULTS]
    night = [("healthy", i) for i in range(healthy)] + [(k, 1) for k in _NIGHT_FAULTS]
    if cam.night == "ir":
        night.append(("ir_cut_night", 1))
    out.samples.extend(_samples(cam, "day", tuple(day), rng))
    out.samples.extend(_samples(cam, "night", tuple(night), rng))
    # added later, from a stream of their own: the frames above stay the same as before
    extra = np.random.default_rng([cam.seed, seed, 7])
    for period in ("day", "night"):
        out.samples.extend(_samples(cam, period, ((_NUDGED, 1),), extra))
    return out


def frame_count(n_cameras: int, healthy: int = 10) -> int:
    """About how many test frames `n_cameras` cameras give."""
    per_camera = 2 * healthy + len(_DAY_FAULTS) + len(_NIGHT_FAULTS) + 1 + 2
    return math.ceil(n_cameras * per_camera)
