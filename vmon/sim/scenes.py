"""Synthetic camera scenes and picture faults that behave like real ones.

Used by the simulated fleet (snapshot and RTSP servers), the picture-diagnostics tests and the
quality benchmark. Everything is deterministic for a given seed and time.

A picture is made in the order a real camera makes it:

1. `render`: the world in front of the lens (street, indoor, parking lot or plain wall; day,
   colour night under street lamps, or infrared night), with people and cars that move with
   `t`, seen through a camera pose (a moved camera is just another pose);
2. optical faults act on that light (defocus, motion blur, fog, a covered lens, a wrong
   exposure, an infrared-cut filter stuck open);
3. `sensor`: photon and read noise scaled by the gain;
4. signal faults act on the video signal (snow, interference stripes, heavy compression);
5. `osd`: the on-screen clock and camera name drawn by the encoder.

`scene(kind, seed=, width=, height=, t=)` runs all five for one of `KINDS`. The building blocks
are public so a benchmark can degrade any picture (`degrade(kind, image, rng)`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeAlias

import cv2
import numpy as np
from numpy.typing import NDArray

__all__ = [
    "FAULT_OF_KIND",
    "KINDS",
    "LAYOUTS",
    "OPTICAL_KINDS",
    "SCREEN_KINDS",
    "SIGNAL_KINDS",
    "Image",
    "Pose",
    "add_backdrop",
    "degrade",
    "jpeg",
    "osd",
    "render",
    "scene",
    "screen",
    "sensor",
]

Image: TypeAlias = NDArray[Any]
"""A picture, BGR uint8 (OpenCV's type stubs do not keep dtypes, so neither do we)."""
FloatImage: TypeAlias = NDArray[Any]
"""Light reaching the sensor, BGR (or gray) float32 in 0-1."""

LAYOUTS = ("street", "indoor", "parking", "wall")
_WORLD_SCALE = (1.6, 1.5)  # world canvas / view, so a moved camera sees real content
_DAY_NOISE, _NIGHT_NOISE, _IR_NOISE = 1.2, 2.5, 2.5


@dataclass(frozen=True)
class Pose:
    """Where the camera looks inside its world: a pan (fractions of the view), a roll, a zoom."""

    dx: float = 0.0
    dy: float = 0.0
    angle: float = 0.0
    zoom: float = 1.0


# --------------------------------------------------------------------------- the world


@dataclass(frozen=True)
class _World:
    """A static scene: reflectance by day, by infrared, and the lights that burn at night."""

    albedo: FloatImage  # BGR 0-1
    ir: FloatImage  # gray 0-1, infrared reflectance (foliage bright, glass dark)
    lamps: FloatImage  # gray 0-1, pools of street light at night
    glow: FloatImage  # BGR 0-1, lit windows and lamps at night
    lanes: tuple[tuple[float, float, float], ...]  # (y, speed px/s, scale) for movers
    walkway: tuple[float, float]  # y range people walk on


def _texture(rng: np.random.Generator, shape: tuple[int, int], scale: float) -> FloatImage:
    """Band-limited noise in -1..1: asphalt, plaster, foliage."""
    h, w = shape
    own = np.random.default_rng(int(rng.integers(2**31)))  # same draws from `rng` at any size
    small = own.standard_normal((max(2, int(h / scale)), max(2, int(w / scale))))
    grown = cv2.resize(small.astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    return np.clip(grown / 2.5, -1.0, 1.0).astype(np.float32)


def _fill(img: FloatImage, rect: tuple[int, int, int, int], color: tuple[float, ...]) -> None:
    x0, y0, x1, y1 = rect
    img[max(y0, 0) : max(y1, 0), max(x0, 0) : max(x1, 0)] = color


def _muted(rng: np.random.Generator, lo: float = 0.3, hi: float = 0.75) -> tuple[float, ...]:
    base = rng.uniform(lo, hi)
    return tuple(float(np.clip(base + rng.uniform(-0.12, 0.12), 0, 1)) for _ in range(3))


def _windows(
    w: _Canvas, rng: np.random.Generator, rect: tuple[int, int, int, int], cell: int
) -> None:
    x0, y0, x1, y1 = rect
    rng = np.random.default_rng(int(rng.integers(2**31)))  # same draws at any size
    for y in range(y0 + cell // 2, y1 - cell, cell):
        for x in range(x0 + cell // 3, x1 - cell // 2, cell):
            win = (x, y, x + cell // 2, y + int(cell * 0.6))
            _fill(w.albedo, win, (0.35, 0.3, 0.25))
            _fill(w.ir, win, (0.1,))
            if rng.random() < 0.35:
                _fill(w.glow, win, (0.45, 0.75, 0.95))


@dataclass
class _Canvas:
    albedo: FloatImage
    ir: FloatImage
    lamps: FloatImage
    glow: FloatImage


def _canvas(h: int, w: int) -> _Canvas:
    return _Canvas(
        albedo=np.zeros((h, w, 3), np.float32),
        ir=np.zeros((h, w), np.float32),
        lamps=np.zeros((h, w), np.float32),
        glow=np.zeros((h, w, 3), np.float32),
    )


def _sky(c: _Canvas, bottom: int) -> None:
    rows = np.linspace(0.0, 1.0, max(bottom, 1), dtype=np.float32)[:, None]
    c.albedo[:bottom, :, 0] = 0.95 - 0.1 * rows
    c.albedo[:bottom, :, 1] = 0.8 - 0.05 * rows
    c.albedo[:bottom, :, 2] = 0.6 + 0.15 * rows
    c.ir[:bottom] = 0.35


def _buildings(c: _Canvas, rng: np.random.Generator, top: int, ground: int) -> None:
    width = c.albedo.shape[1]
    x = 0
    while x < width:
        bw = int(rng.uniform(0.08, 0.2) * width)
        by = int(rng.uniform(0.0, 0.7) * (ground - top)) + top
        color = _muted(rng)
        _fill(c.albedo, (x, by, x + bw, ground), color)
        _fill(c.ir, (x, by, x + bw, ground), (float(np.mean(color)) * 0.8,))
        _windows(c, rng, (x, by, x + bw, ground), max(8, bw // 6))
        x += bw + int(rng.uniform(0, 0.02) * width)


def _trees(c: _Canvas, rng: np.random.Generator, base: int, count: int) -> None:
    h, w = c.ir.shape
    for _ in range(count):
        cx, r = int(rng.uniform(0, w)), int(rng.uniform(0.03, 0.07) * h)
        trunk = (cx - r // 8, base - 2 * r, cx + r // 8, base)
        _fill(c.albedo, trunk, (0.15, 0.2, 0.3))
        _fill(c.ir, trunk, (0.3,))
        for _ in range(5):
            ox, oy = int(rng.uniform(-r, r) * 0.6), int(rng.uniform(-r, r) * 0.5)
            center = (cx + ox, base - 2 * r + oy)
            green = (0.1 + rng.uniform(0, 0.1), 0.35 + rng.uniform(0, 0.2), 0.15)
            cv2.circle(c.albedo, center, int(r * 0.7), green, -1, cv2.LINE_AA)
            cv2.circle(c.ir, center, int(r * 0.7), (0.8,), -1, cv2.LINE_AA)


def _lamp_pools(c: _Canvas, rng: np.random.Generator, y: int, count: int) -> None:
    h, w = c.ir.shape
    for i in range(count):
        cx = int((i + 0.5 + rng.uniform(-0.2, 0.2)) * w / count)
        pole = (cx - 2, y - int(0.3 * h), cx + 2, y)
        _fill(c.albedo, pole, (0.3, 0.3, 0.3))
        _fill(c.ir, pole, (0.3,))
        head = (cx, y - int(0.3 * h))
        cv2.circle(c.glow, head, max(3, h // 80), (0.7, 0.9, 1.0), -1, cv2.LINE_AA)
        cv2.ellipse(c.lamps, (cx, y), (int(0.18 * w), int(0.12 * h)), 0, 0, 360, (1.0,), -1)
    blur = max(3, (h // 12) | 1)
    c.lamps[:] = cv2.GaussianBlur(c.lamps, (0, 0), blur)


def _asphalt(c: _Canvas, rng: np.random.Generator, top: int, shade: float) -> None:
    h, w = c.ir.shape
    tex = _texture(rng, (h - top, w), 2.0) * 0.04 + _texture(rng, (h - top, w), 25.0) * 0.03
    c.albedo[top:] = (shade + tex)[:, :, None]
    c.ir[top:] = shade * 0.9 + tex


def _street(c: _Canvas, rng: np.random.Generator) -> tuple[tuple, tuple]:
    h, w = c.ir.shape
    horizon, ground = int(0.25 * h), int(0.5 * h)
    _sky(c, ground)
    _buildings(c, rng, horizon, ground)
    walk_end = int(0.6 * h)
    _asphalt(c, rng, ground, 0.62)
    for x in range(0, w, max(8, w // 20)):
        cv2.line(c.albedo, (x, ground), (x - w // 40, walk_end), (0.45, 0.45, 0.45), 1)
    _asphalt(c, rng, walk_end, 0.33)
    cv2.line(c.albedo, (0, walk_end), (w, walk_end), (0.75, 0.75, 0.75), max(2, h // 150))
    mid = int(0.78 * h)
    for x in range(0, w, max(20, w // 10)):
        _fill(c.albedo, (x, mid, x + w // 25, mid + max(2, h // 120)), (0.9, 0.9, 0.9))
    _trees(c, rng, walk_end - 2, 5)
    _lamp_pools(c, rng, int(0.7 * h), 4)
    lanes = ((0.72 * h, 60.0, 1.0), (0.88 * h, -45.0, 1.2))
    return lanes, (0.52 * h, 0.6 * h)


def _indoor(c: _Canvas, rng: np.random.Generator) -> tuple[tuple, tuple]:
    h, w = c.ir.shape
    floor = int(0.62 * h)
    wall = _muted(rng, 0.65, 0.85)
    c.albedo[:floor] = wall
    c.albedo[:floor] += _texture(rng, (floor, w), 40.0)[:, :, None] * 0.02
    c.ir[:floor] = float(np.mean(wall))
    tile = _muted(rng, 0.45, 0.65)
    c.albedo[floor:] = tile
    c.ir[floor:] = float(np.mean(tile))
    step = max(6, h // 30)
    for i, y in enumerate(range(floor, h, step)):
        cv2.line(c.albedo, (0, y + i * i // 4), (w, y + i * i // 4), (0.3, 0.3, 0.3), 1)
    for x in range(-w, 2 * w, max(10, w // 12)):
        cv2.line(c.albedo, (w // 2 + (x - w // 2) // 4, floor), (x, h), (0.3, 0.3, 0.3), 1)
    for _ in range(3):
        dx, dw = int(rng.uniform(0.05, 0.85) * w), int(0.07 * w)
        door = (dx, int(0.25 * h), dx + dw, floor)
        _fill(c.albedo, door, _muted(rng, 0.2, 0.5))
        cv2.rectangle(c.albedo, door[:2], door[2:], (0.15, 0.15, 0.15), max(2, h // 200))
        cv2.circle(c.albedo, (dx + dw - dw // 6, (door[1] + floor) // 2), 3, (0.8, 0.8, 0.7), -1)
    poster = (int(0.4 * w), int(0.3 * h), int(0.52 * w), int(0.45 * h))
    _fill(c.albedo, poster, _muted(rng, 0.2, 0.9))
    for x in range(w // 8, w, w // 4):
        cv2.rectangle(c.glow, (x, 2), (x + w // 10, max(6, h // 80)), (0.9, 0.95, 1.0), -1)
    c.lamps[:] = 0.6
    return ((0.8 * h, 35.0, 1.4),), (0.62 * h, 0.75 * h)


def _parking(c: _Canvas, rng: np.random.Generator) -> tuple[tuple, tuple]:
    h, w = c.ir.shape
    top = int(0.3 * h)
    _sky(c, top)
    _buildings(c, rng, int(0.1 * h), top)
    _asphalt(c, rng, top, 0.4)
    for i in range(12):
        x = int((i + 0.5) * w / 12)
        cv2.line(c.albedo, (x, int(0.45 * h)), (x - w // 30, int(0.6 * h)), (0.85,) * 3, 2)
        if rng.random() < 0.6:
            _car(c.albedo, (x + w // 50, int(0.52 * h)), w // 16, _muted(rng, 0.1, 0.8), 1)
    _lamp_pools(c, rng, int(0.55 * h), 3)
    return ((0.75 * h, 40.0, 1.3),), (0.62 * h, 0.68 * h)


def _wall(c: _Canvas, rng: np.random.Generator) -> tuple[tuple, tuple]:
    """A plain wall: little texture, a few fittings (door, window, sign, pipes, a unit)."""
    h, w = c.ir.shape
    ground = int(0.8 * h)
    shade = _muted(rng, 0.55, 0.8)
    c.albedo[:ground] = shade
    c.albedo[:ground] += _texture(rng, (ground, w), 60.0)[:, :, None] * 0.03
    c.ir[:ground] = float(np.mean(shade))
    _asphalt(c, rng, ground, 0.45)
    for i in range(4):  # fittings spread along the wall, one per quarter
        x = int((i + rng.uniform(0.1, 0.6)) * w / 4)
        kind = int(rng.integers(4))
        if kind == 0:  # a door
            _fill(c.albedo, (x, int(0.35 * h), x + w // 14, ground), _muted(rng, 0.15, 0.4))
        elif kind == 1:  # a barred window
            _fill(c.albedo, (x, int(0.25 * h), x + w // 10, int(0.45 * h)), (0.3, 0.28, 0.25))
            for bx in range(x, x + w // 10, max(4, w // 80)):
                cv2.line(c.albedo, (bx, int(0.25 * h)), (bx, int(0.45 * h)), (0.6,) * 3, 1)
        elif kind == 2:  # a sign
            _fill(c.albedo, (x, int(0.4 * h), x + w // 16, int(0.48 * h)), _muted(rng, 0.1, 0.9))
        else:  # an outdoor unit
            _fill(c.albedo, (x, int(0.55 * h), x + w // 12, int(0.66 * h)), (0.85, 0.85, 0.82))
            cv2.circle(c.albedo, (x + w // 24, int(0.605 * h)), h // 30, (0.3, 0.3, 0.3), 2)
    cv2.line(c.albedo, (int(0.15 * w), 0), (int(0.15 * w), ground), (0.4, 0.4, 0.45), 4)
    cv2.line(c.albedo, (0, ground - h // 60), (w, ground - h // 60), (0.35, 0.35, 0.35), 3)
    _lamp_pools(c, rng, ground, 1)
    return ((0.92 * h, 30.0, 1.5),), (0.8 * h, 0.86 * h)


_LAYOUT_BUILDERS: dict[str, Callable[[_Canvas, np.random.Generator], tuple[tuple, tuple]]] = {
    "street": _street,
    "indoor": _indoor,
    "parking": _parking,
    "wall": _wall,
}


_BACKDROPS: dict[str, Image] = {}


def add_backdrop(name: str, image: Image) -> str:
    """Register a photograph (BGR uint8) as a world; returns its layout name for `render`.

    The photo fills the world canvas (scaled to cover it); people and cars walk and drive
    along its lower part, and infrared night is derived from its brightness and greens.
    """
    layout = f"photo:{name}"
    _BACKDROPS[layout] = np.ascontiguousarray(image)
    _world.cache_clear()
    _lit.cache_clear()
    return layout


def _photo(c: _Canvas, rng: np.random.Generator, photo: Image) -> tuple[tuple, tuple]:
    h, w = c.ir.shape
    scale = max(h / photo.shape[0], w / photo.shape[1])
    big = cv2.resize(photo, (math.ceil(photo.shape[1] * scale), math.ceil(photo.shape[0] * scale)))
    y0, x0 = (big.shape[0] - h) // 2, (big.shape[1] - w) // 2
    c.albedo[:] = big[y0 : y0 + h, x0 : x0 + w].astype(np.float32) / 255.0
    green = np.clip(c.albedo[:, :, 1] - c.albedo[:, :, 2], 0, 1)
    c.ir[:] = np.clip(c.albedo.mean(axis=2) * 0.9 + green * 1.5, 0, 1)
    _lamp_pools(c, rng, int(0.8 * h), 3)
    c.albedo[:] = big[y0 : y0 + h, x0 : x0 + w].astype(np.float32) / 255.0  # no poles
    return ((0.88 * h, 50.0, 1.0),), (0.72 * h, 0.8 * h)


@functools.lru_cache(maxsize=32)
def _world(seed: int, width: int, height: int, layout: str) -> _World:
    rng = np.random.default_rng([seed, 7])
    h, w = int(height * _WORLD_SCALE[1]), int(width * _WORLD_SCALE[0])
    c = _canvas(h, w)
    if layout in _BACKDROPS:
        lanes, walkway = _photo(c, rng, _BACKDROPS[layout])
    else:
        lanes, walkway = _LAYOUT_BUILDERS[layout](c, rng)
    albedo = cv2.GaussianBlur(np.clip(c.albedo, 0.0, 1.0), (0, 0), 0.7)
    # what the builders drew in colour shows in infrared too, in its own tones
    ir = 0.5 * c.ir + 0.45 * cv2.cvtColor(albedo, cv2.COLOR_BGR2GRAY)
    return _World(albedo, np.clip(ir, 0.0, 1.0), c.lamps, c.glow, lanes, walkway)


# --------------------------------------------------------------------------- movers


def _car(img: FloatImage, at: tuple[int, int], size: int, color: tuple, facing: int) -> None:
    x, y = at
    body = (x - size, y - size // 3, x + size, y + size // 5)
    _fill(img, body, color)
    roof = (x - size // 2, y - size * 2 // 3, x + size // 2, y - size // 3)
    _fill(img, roof, color)
    glass = (x - size // 2 + 3, y - size * 2 // 3 + 3, x + size // 2 - 3, y - size // 3)
    _fill(img, glass, (0.35, 0.25, 0.2))
    for wx in (x - size * 2 // 3, x + size * 2 // 3):
        cv2.circle(img, (wx, y + size // 5), max(2, size // 5), (0.05, 0.05, 0.05), -1)
    lamp_x = x + facing * (size - 3)
    cv2.circle(img, (lamp_x, y - size // 8), max(1, size // 10), (0.8, 0.9, 1.0), -1)


def _person(img: FloatImage, at: tuple[int, int], size: int, color: tuple, phase: float) -> None:
    x, y = at
    swing = int(math.sin(phase) * size * 0.25)
    thick = max(1, size // 8)
    cv2.line(img, (x, y - size // 2), (x - swing, y), (0.2, 0.2, 0.25), thick)
    cv2.line(img, (x, y - size // 2), (x + swing, y), (0.2, 0.2, 0.25), thick)
    _fill(img, (x - size // 7, y - size, x + size // 7, y - size // 2), color)
    cv2.circle(img, (x, y - size - size // 8), max(2, size // 8), (0.55, 0.65, 0.85), -1)


def _movers(
    img: FloatImage, world: _World, seed: int, t: float, *, light: float, origin: tuple[int, int]
) -> None:
    """Draw the cars and people of `world` at time `t` into `img`, whose top-left is `origin`."""
    rng = np.random.default_rng([seed, 11])
    w, h = world.ir.shape[1], world.ir.shape[0]
    ox, oy = origin
    span = w * 1.4
    for lane_y, speed, scale in world.lanes:
        for _ in range(3):
            x0 = rng.uniform(0, span)
            color = tuple(c * light for c in _muted(rng, 0.1, 0.9))
            x = int((x0 + speed * t) % span - 0.2 * w)
            at = (x - ox, int(lane_y) - oy)
            _car(img, at, int(scale * w / 28), color, 1 if speed > 0 else -1)
    y_lo, y_hi = world.walkway
    for _ in range(4):
        x0, speed = rng.uniform(0, span), rng.uniform(-25, 25)
        y = int(rng.uniform(y_lo, y_hi))
        size = int(h / 9 * (0.6 + 0.6 * (y - y_lo) / max(y_hi - y_lo, 1)))
        color = tuple(c * light for c in _muted(rng, 0.05, 0.9))
        x = int((x0 + speed * t) % span - 0.2 * w)
        _person(img, (x - ox, y - oy), size, color, phase=t * 4.0 + x0)


# --------------------------------------------------------------------------- lighting and view


@functools.lru_cache(maxsize=32)
def _lit(seed: int, width: int, height: int, layout: str, mode: str) -> FloatImage:
    """The static world as the sensor sees it in `mode`, 0-1 float BGR (cached)."""
    world = _world(seed, width, height, layout)
    if mode == "day":
        return world.albedo
    if mode == "ir":
        h, w = world.ir.shape
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        falloff = 1.0 - 0.55 * (((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (h / 2)) ** 2)
        gray = world.ir * np.clip(falloff, 0.15, 1.0) * 0.9
        return np.repeat(gray[:, :, None], 3, axis=2)
    sodium = np.array([0.55, 0.8, 1.0], np.float32)
    lit = world.albedo * (0.12 + 0.9 * world.lamps[:, :, None] * sodium)
    return np.clip(lit + world.glow * 0.8, 0.0, 1.0).astype(np.float32)


def _affine(world_shape: tuple[int, ...], width: int, height: int, pose: Pose) -> NDArray:
    h, w = world_shape[:2]
    cx, cy = w / 2 + pose.dx * width, h / 2 + pose.dy * height
    m = cv2.getRotationMatrix2D((cx, cy), pose.angle, pose.zoom)
    m[0, 2] += width / 2 - cx
    m[1, 2] += height / 2 - cy
    return m


def render(
    *,
    seed: int = 0,
    width: int = 640,
    height: int = 480,
    t: float = 0.0,
    mode: str = "day",
    light: float = 1.0,
    pose: Pose | None = None,
    layout: str | None = None,
) -> FloatImage:
    """The light reaching the sensor, BGR float 0-1 (before noise and faults).

    `mode` is "day", "night" (colour, street lamps) or "ir" (infrared, grayscale);
    `light` scales the illumination (0.6 dusk ... 1.3 bright noon); `layout` defaults to
    one of `LAYOUTS` chosen by `seed` (or a name returned by `add_backdrop`).
    """
    name = layout or LAYOUTS[seed % len(LAYOUTS)]
    pose = pose or Pose()
    if pose.zoom > 1.0:  # an optical zoom: the same world rendered finer, then framed
        big = render(
            seed=seed, width=round(width * pose.zoom), height=round(height * pose.zoom), t=t,
            mode=mode, light=light, layout=layout, pose=Pose(pose.dx, pose.dy, pose.angle),
        )  # fmt: skip
        y0, x0 = (big.shape[0] - height) // 2, (big.shape[1] - width) // 2
        return big[y0 : y0 + height, x0 : x0 + width].copy()
    world = _world(seed, width, height, name)
    lit = _lit(seed, width, height, name, mode)
    obj_light = {"day": light, "night": 0.3 * light, "ir": 0.8 * light}[mode]
    if pose == Pose():
        x0, y0 = (lit.shape[1] - width) // 2, (lit.shape[0] - height) // 2
        img: FloatImage = lit[y0 : y0 + height, x0 : x0 + width] * np.float32(light)
        _movers(img, world, seed, t, light=obj_light, origin=(x0, y0))
    else:
        img = lit * np.float32(light)
        _movers(img, world, seed, t, light=obj_light, origin=(0, 0))
        m = _affine(lit.shape, width, height, pose)
        img = cv2.warpAffine(img, m, (width, height), flags=cv2.INTER_LINEAR)
    if mode == "ir":
        gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
        img = cv2.merge([gray, gray, gray])
    return img


# --------------------------------------------------------------------------- the camera


def sensor(
    light: FloatImage, rng: np.random.Generator, *, sigma: float, gain: float = 1.0
) -> Image:
    """Expose `light` (0-1) with photon and read noise; `sigma` in 8-bit levels at gain 1.

    The noise grows with the square root of the signal (photon noise) and with the gain.
    """
    signal = light * np.float32(255.0 * gain)
    luma = cv2.cvtColor(light, cv2.COLOR_BGR2GRAY)
    shot = cv2.sqrt(np.maximum(luma, 0.0)) * np.float32(1.5) + np.float32(1.0)
    noise: FloatImage = np.asarray(rng.standard_normal(luma.shape, dtype=np.float32))
    noise *= np.float32(sigma * gain)
    noise = cv2.multiply(noise, shot)
    out = signal + cv2.merge([noise, noise, noise])
    if gain > 2.0:
        chroma = rng.standard_normal(light.shape, dtype=np.float32) * np.float32(sigma * gain * 0.4)
        out = out + chroma
    return cv2.convertScaleAbs(out)


def osd(img: Image, *, t: float = 0.0, name: str = "CAM-0001") -> Image:
    """Draw the encoder's clock and camera name (white with a dark outline), in place."""
    h, w = img.shape[:2]
    scale = max(0.35, w / 1400)
    secs = int(t) % 86400
    stamp = f"2024-05-01 {secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}"
    thick = max(1, int(scale * 2))
    for text, org in ((stamp, (int(0.02 * w), int(0.06 * h))), (name, (int(0.75 * w), h - 10))):
        cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), thick + 2)
        cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (235, 235, 235), thick)
    return img


def jpeg(img: Image, quality: int) -> Image:
    """Round-trip through JPEG at `quality` (1-100)."""
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ValueError("JPEG encoding failed")
    out = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    if out is None:
        raise ValueError("JPEG decoding failed")
    return out


# --------------------------------------------------------------------------- faults: optics


def _disk(radius: float) -> NDArray[np.float32]:
    r = max(1, round(radius))
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)).astype(np.float32)
    return k / k.sum()


def defocus(light: FloatImage, rng: np.random.Generator) -> FloatImage:
    """Out of focus: a disk point-spread function, 0.6-1.4 % of the picture width in radius."""
    radius = rng.uniform(0.006, 0.014) * light.shape[1]
    return cv2.filter2D(light, -1, _disk(radius), borderType=cv2.BORDER_REFLECT)


def motion_blur(light: FloatImage, rng: np.random.Generator) -> FloatImage:
    """A shaking pole or a slow shutter: a line point-spread function at any angle."""
    length = max(3, int(rng.uniform(0.015, 0.04) * light.shape[1]))
    k: FloatImage = np.zeros((length, length), np.float32)
    k[length // 2, :] = 1.0
    rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), rng.uniform(0, 180), 1.0)
    k = cv2.warpAffine(k, rot, (length, length))
    return cv2.filter2D(light, -1, k / k.sum(), borderType=cv2.BORDER_REFLECT)


def fog(light: FloatImage, rng: np.random.Generator) -> FloatImage:
    """A fogged or dirty lens: veiling glare (contrast loss towards a haze) and some blur."""
    h, w = light.shape[:2]
    density = rng.uniform(0.5, 0.8)
    veil = np.clip(density + _texture(rng, (h, w), w / 6) * 0.15, 0.0, 0.95)[:, :, None]
    haze = rng.uniform(0.65, 0.9) * np.array([1.0, 1.0, rng.uniform(0.95, 1.05)], np.float32)
    soft = cv2.GaussianBlur(light, (0, 0), rng.uniform(0.002, 0.006) * w)
    return (soft * (1 - veil) + haze * veil).astype(np.float32)


def _soft_mask(h: int, w: int, rng: np.random.Generator, fraction: float) -> FloatImage:
    """A covering shape entering from one edge (or the whole frame), with soft edges."""
    mask = np.zeros((h, w), np.float32)
    if fraction >= 0.97:
        mask[:] = 1.0
    else:
        edge = int(rng.integers(4))
        sx = sy = fraction
        if edge in (0, 1):  # top or bottom: a cloth hanging down, a bag from below
            pts = _blob(w, int(h * sy), rng, vertical=True)[:h]
            mask[: pts.shape[0]] = pts
            mask = mask if edge == 0 else mask[::-1]
        else:
            pts = _blob(h, int(w * sx), rng, vertical=False)[:, :w]
            mask[:, : pts.shape[1]] = pts
            mask = mask if edge == 2 else mask[:, ::-1]
    sigma = rng.uniform(0.01, 0.04) * w
    return cv2.GaussianBlur(np.ascontiguousarray(mask), (0, 0), sigma)


def _blob(length: int, depth: int, rng: np.random.Generator, *, vertical: bool) -> FloatImage:
    """A covering region `depth` deep along an edge `length` long, with a wavy border."""
    wave = _texture(rng, (1, length), max(4.0, length / 5))[0] * 0.12 * max(depth, 1)
    limits = np.clip(depth + wave, 1, None).astype(np.int32)
    grid = np.arange(int(limits.max()) + 1)[:, None] < limits[None, :]
    out = grid.astype(np.float32)
    return out if vertical else out.T


def _cloth(h: int, w: int, rng: np.random.Generator) -> FloatImage:
    """A textured covering object close to the lens: weave and folds, out of focus."""
    color = np.array(_muted(rng, 0.05, 0.7), np.float32)
    folds = 1.0 + _texture(rng, (h, w), w / 5) * 0.35
    period = rng.uniform(4, 14)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    weave = 1.0 + 0.12 * np.sin(xx / period * 6.28) * np.sin(yy / period * 6.28)
    cloth = color[None, None, :] * (folds * weave)[:, :, None]
    return cv2.GaussianBlur(cloth.astype(np.float32), (0, 0), rng.uniform(0.004, 0.012) * w)


def _infrared(color: NDArray[Any], rng: np.random.Generator, ir: bool) -> NDArray[Any]:
    """An object near the lens of a camera in IR mode reflects its illuminator: bright gray."""
    if not ir:
        return color
    return np.full(3, rng.uniform(0.55, 1.0), np.float32) * (color / max(float(color.mean()), 1e-3))


def cover(light: FloatImage, rng: np.random.Generator, *, ir: bool = False) -> FloatImage:
    """A cloth or bag over the lens, covering 30-100 % of the picture."""
    h, w = light.shape[:2]
    fraction = float(rng.choice([rng.uniform(0.35, 0.7), rng.uniform(0.7, 1.0)]))
    mask = _soft_mask(h, w, rng, fraction)[:, :, None]
    cloth = _cloth(h, w, rng)
    if ir:
        cloth = cloth.mean(axis=2, keepdims=True) / max(float(cloth.mean()), 1e-3)
        cloth = cloth * rng.uniform(0.55, 1.0)
    return (light * (1 - mask) + cloth * mask).astype(np.float32)


def hand(light: FloatImage, rng: np.random.Generator, *, ir: bool = False) -> FloatImage:
    """A hand held close to the lens: a blurry, shadowed, skin-coloured blob."""
    h, w = light.shape[:2]
    mask = _soft_mask(h, w, rng, rng.uniform(0.4, 0.85))
    mask = cv2.GaussianBlur(mask, (0, 0), 0.04 * w)[:, :, None]
    mask = np.clip(mask * 1.3, 0, 1)
    skin = _infrared(np.array([0.45, 0.55, 0.75], np.float32) * rng.uniform(0.3, 0.9), rng, ir)
    shade = 1.0 + _texture(rng, (h, w), w / 4)[:, :, None] * 0.2
    return (light * (1 - mask) + skin * shade * mask).astype(np.float32)


def spray(light: FloatImage, rng: np.random.Generator, *, ir: bool = False) -> FloatImage:
    """Paint sprayed on the lens: an opaque-to-milky, very blurry patch."""
    h, w = light.shape[:2]
    mask = _soft_mask(h, w, rng, rng.uniform(0.4, 1.0))
    mask = np.clip(cv2.GaussianBlur(mask, (0, 0), 0.05 * w) * 1.2, 0, 1)[:, :, None]
    paint = _infrared(np.array(_muted(rng, 0.05, 0.9), np.float32), rng, ir)
    opacity = rng.uniform(0.85, 1.0)
    behind = cv2.GaussianBlur(light, (0, 0), 0.02 * w)
    veiled = behind * (1 - opacity) + paint * opacity
    return (light * (1 - mask) + veiled * mask).astype(np.float32)


def leaves(light: FloatImage, rng: np.random.Generator, *, ir: bool = False) -> FloatImage:
    """A branch grown in front of the lens: many leaves, near and so out of focus."""
    h, w = light.shape[:2]
    region = _soft_mask(h, w, rng, rng.uniform(0.45, 0.9))
    layer: FloatImage = np.zeros((h, w), np.float32)
    count = int(region.sum() / (w * h) * 500) + 20
    ys, xs = np.nonzero(region > 0.5)
    if len(ys) == 0:
        return light
    idx = rng.integers(0, len(ys), count)
    for y, x in zip(ys[idx], xs[idx], strict=True):
        axes = (int(rng.uniform(0.03, 0.07) * w), int(rng.uniform(0.012, 0.025) * w))
        cv2.ellipse(layer, (int(x), int(y)), axes, rng.uniform(0, 180), 0, 360, (1.0,), -1)
    layer = np.maximum(layer, (region > 0.8).astype(np.float32))
    layer = cv2.GaussianBlur(layer, (0, 0), rng.uniform(0.004, 0.01) * w)
    green = _infrared(np.array([0.08, 0.28, 0.12], np.float32), rng, ir)
    green = green * (1 + _texture(rng, (h, w), 8)[:, :, None])
    green = cv2.GaussianBlur(green.astype(np.float32), (0, 0), 0.004 * w)
    return (light * (1 - layer[:, :, None]) + green * layer[:, :, None]).astype(np.float32)


def overexpose(light: FloatImage, rng: np.random.Generator) -> FloatImage:
    """Iris stuck open or backlight compensation gone wrong: a washed-out, clipped picture."""
    return light * rng.uniform(1.8, 3.2) + rng.uniform(0.05, 0.2)


def underexpose(light: FloatImage, rng: np.random.Generator) -> FloatImage:
    """By day, far too little light reaches the sensor (iris closed, lens capped by dirt)."""
    return light * rng.uniform(0.07, 0.18)


_CASTS = (
    (1.0, 1.0, 1.5),  # red
    (1.45, 1.0, 0.75),  # blue
    (0.7, 1.35, 0.7),  # green
    (0.55, 1.1, 1.25),  # yellow
    (1.35, 1.25, 0.55),  # cyan
    (1.3, 0.7, 1.3),  # magenta
)


def color_cast(light: FloatImage, rng: np.random.Generator) -> FloatImage:
    """A failed white balance or a faulty colour cable: one hue dominates."""
    gains = np.array(_CASTS[int(rng.integers(len(_CASTS)))], np.float32)
    gains = 1.0 + (gains - 1.0) * rng.uniform(0.8, 1.3)
    return light * gains


def ir_leak(light: FloatImage, rng: np.random.Generator) -> FloatImage:
    """IR-cut filter stuck open by day: infrared floods the sensor, pink/purple and washed out.

    Foliage reflects infrared strongly, so greens turn pale pink; silicon's response to
    infrared is strongest in red, then blue, then green.
    """
    gray = light.mean(axis=2, keepdims=True)
    green = np.clip(light[:, :, 1:2] - light[:, :, 2:3], 0, 1) * 2.0
    ir = np.clip(gray * 0.8 + green, 0, 1) * rng.uniform(0.5, 0.9)
    washed = light * 0.6 + gray * 0.4
    return washed + ir * np.array([0.75, 0.35, 1.0], np.float32)


# --------------------------------------------------------------------------- faults: signal


def snow(img: Image, rng: np.random.Generator) -> Image:
    """Analogue snow: strong, horizontally smeared grain and speckles over the picture."""
    h, w = img.shape[:2]
    sigma = rng.uniform(20, 45)
    grain: FloatImage = rng.standard_normal((h, max(1, w // 2)), dtype=np.float32) * sigma
    grain = cv2.resize(grain, (w, h), interpolation=cv2.INTER_LINEAR)
    out = img.astype(np.float32) + grain[:, :, None]
    speckles = rng.random((h, w)) < rng.uniform(0.01, 0.05)
    out[speckles] = rng.choice([0.0, 255.0], size=(int(speckles.sum()), 1))
    return np.clip(out, 0, 255).astype(np.uint8)


def stripes(img: Image, rng: np.random.Generator, t: float = 0.0) -> Image:
    """Interference: sinusoidal bands, mostly horizontal and rolling, sometimes tilted."""
    h, w = img.shape[:2]
    period = rng.uniform(0.03, 0.25) * h
    angle = float(rng.choice([0.0, 0.0, rng.uniform(-35, 35), 90.0]))
    amp = rng.uniform(12, 35)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    phase = rng.uniform(0, 6.28) + t * rng.uniform(1, 4)
    rad = math.radians(angle)
    coord = yy * math.cos(rad) + xx * math.sin(rad)
    band = np.sin(coord / period * 2 * math.pi + phase) * amp
    tint = np.array([1.0, 1.0, 1.0], np.float32)
    if rng.random() < 0.3:
        tint = np.array([1.0, -0.6, 1.0], np.float32)  # green/magenta chroma interference
    out = img.astype(np.float32) + band[:, :, None] * tint
    return np.clip(out, 0, 255).astype(np.uint8)


def heavy_jpeg(img: Image, rng: np.random.Generator) -> Image:
    """An overloaded encoder: heavy blocking and ringing (quality 5-15)."""
    return jpeg(img, int(rng.integers(5, 16)))


# --------------------------------------------------------------------------- screens


def screen(kind: str, width: int, height: int, rng: np.random.Generator) -> Image:
    """What an encoder or platform shows when it has no video: black, blue, solid, "NO VIDEO"."""
    palette = {
        "black": (2, 2, 2),
        "blue": (200, 60, 16),
        "solid": tuple(int(v) for v in rng.integers(0, 256, 3)),
        "no_video": ((200, 60, 16), (0, 0, 0), (90, 90, 90))[int(rng.integers(3))],
    }
    img = np.empty((height, width, 3), np.uint8)
    img[:] = palette[kind]
    if kind == "no_video":
        text = ("NO VIDEO", "VIDEO LOSS", "NO SIGNAL")[int(rng.integers(3))]
        scale = width / 500
        size = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 2)[0]
        org = ((width - size[0]) // 2, (height + size[1]) // 2)
        cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 2)
    if kind == "black" and rng.random() < 0.5:  # a dead sensor still shows some read noise
        noise = rng.normal(0, 1.2, (height, width, 1))
        img = np.clip(img.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    return img


# --------------------------------------------------------------------------- catalogue

OpticalFault = Callable[..., FloatImage]
"""(light, rng) -> light; occluders also take `ir=True` for a camera in infrared mode."""
SignalFault = Callable[[Image, np.random.Generator], Image]

OPTICAL_KINDS: dict[str, OpticalFault] = {
    "blurred": defocus,
    "motion_blur": motion_blur,
    "fogged": fog,
    "covered": cover,
    "hand": hand,
    "spray": spray,
    "leaves": leaves,
    "overexposed": overexpose,
    "too_dark": underexpose,
    "color_cast": color_cast,
    "ir_cut": ir_leak,
}
SIGNAL_KINDS: dict[str, SignalFault] = {"noisy": snow, "stripes": stripes, "jpeg_heavy": heavy_jpeg}
SCREEN_KINDS = ("black", "blue", "solid", "no_video")
_SPECIAL = ("healthy", "night", "night_ir", "frozen", "moved", "night_unusable", "ir_cut_night")
KINDS: tuple[str, ...] = (*_SPECIAL, *SCREEN_KINDS, *OPTICAL_KINDS, *SIGNAL_KINDS)

FAULT_OF_KIND: dict[str, str | None] = {
    "healthy": None,
    "night": None,
    "night_ir": None,
    "jpeg_heavy": None,
    "frozen": "frozen",
    "moved": "scene_change",
    "night_unusable": "night_unusable",
    "ir_cut_night": "ir_cut",
    "black": "signal_loss",
    "blue": "signal_loss",
    "solid": "signal_loss",
    "no_video": "signal_loss",
    "blurred": "blur",
    "motion_blur": "blur",
    "fogged": "blur",
    "covered": "occlusion",
    "hand": "occlusion",
    "spray": "occlusion",
    "leaves": "occlusion",
    "overexposed": "overexposed",
    "too_dark": "too_dark",
    "color_cast": "color_cast",
    "ir_cut": "ir_cut",
    "noisy": "noise",
    "stripes": "stripes",
}
"""The diagnosis fault each kind should raise (None: a healthy picture)."""


def degrade(kind: str, image: Image, rng: np.random.Generator) -> Image:
    """Apply one optical or signal fault of `KINDS` to an 8-bit BGR picture."""
    if kind in OPTICAL_KINDS:
        light = image.astype(np.float32) / 255.0
        out = OPTICAL_KINDS[kind](light, rng)
        return np.clip(out * 255.0, 0, 255).astype(np.uint8)
    if kind in SIGNAL_KINDS:
        return SIGNAL_KINDS[kind](image, rng)
    raise ValueError(f"not a picture fault: {kind!r}")


def _moved_pose(rng: np.random.Generator, *, zoom: bool = True) -> Pose:
    """A camera turned, tilted, rolled or zoomed (no zoom on a photograph: too coarse)."""
    choice = int(rng.integers(4 if zoom else 3))
    sign = float(rng.choice([-1.0, 1.0]))
    if choice == 0:
        return Pose(dx=sign * rng.uniform(0.15, 0.3))
    if choice == 1:
        return Pose(dy=sign * rng.uniform(0.12, 0.22))
    if choice == 2:
        return Pose(angle=sign * rng.uniform(8, 20))
    return Pose(dx=sign * rng.uniform(0.05, 0.15), zoom=rng.uniform(1.4, 1.9))


_MODE_NOISE = {"day": (_DAY_NOISE, 1.0), "night": (_NIGHT_NOISE, 1.6), "ir": (_IR_NOISE, 1.0)}


def _mode_of(kind: str, mode: str | None) -> tuple[str, float, float]:
    """(lighting mode, noise sigma, gain) of the picture a kind starts from."""
    fixed = {"night": "night", "night_ir": "ir", "ir_cut_night": "night", "night_unusable": "ir"}
    mode = fixed.get(kind) or mode or "day"
    sigma, gain = _MODE_NOISE[mode]
    if kind == "ir_cut_night":
        gain = 2.5
    if kind == "night_unusable":
        gain = 4.0
    return mode, sigma, gain


@dataclass(frozen=True)
class _Camera:
    """What makes one simulated camera differ from the next: lens softness, noise."""

    lens_sigma: float
    noise: float


def _camera(seed: int, width: int) -> _Camera:
    rng = np.random.default_rng([seed, 13])
    return _Camera(lens_sigma=rng.uniform(0.3, 0.9) * width / 640, noise=rng.uniform(0.7, 1.4))


def scene(
    kind: str,
    *,
    seed: int = 0,
    width: int = 640,
    height: int = 480,
    t: float = 0.0,
    light: float = 1.0,
    mode: str | None = None,
    layout: str | None = None,
    variant: int = 0,
) -> Image:
    """One camera picture of `kind` (see `KINDS`), BGR uint8, `height` x `width`.

    `seed` picks the camera (layout, colours, traffic, lens, noise); `t` (seconds) moves
    people and cars and changes the sensor noise, except for "frozen", which is the same
    picture whatever `t`. Optional: `light` scales the daylight or lamps, `mode` ("day",
    "night", "ir") sets the lighting a fault kind starts from, `layout` picks the world,
    `variant` draws another instance of the fault's random parameters.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown scene kind {kind!r}; known: {', '.join(KINDS)}")
    fault_rng = np.random.default_rng([seed, 3, KINDS.index(kind), variant])
    if kind in SCREEN_KINDS:
        return osd(screen(kind, width, height, fault_rng), t=t, name=f"CAM-{seed:04d}")
    t = 0.0 if kind == "frozen" else t
    mode, sigma, gain = _mode_of(kind, mode)
    cam = _camera(seed, width)
    pose = (
        _moved_pose(fault_rng, zoom=not (layout or "").startswith("photo:"))
        if kind == "moved"
        else None
    )
    lit = render(
        seed=seed, width=width, height=height, t=t, mode=mode, light=light, pose=pose, layout=layout
    )
    lit = cv2.GaussianBlur(lit, (0, 0), cam.lens_sigma)
    lit = _optical(kind, lit, fault_rng, mode)
    noise_rng = np.random.default_rng([seed, 5, round(t * 1000), variant])
    img = sensor(lit, noise_rng, sigma=sigma * cam.noise, gain=gain)
    if kind == "stripes":
        img = stripes(img, fault_rng, t)
    elif kind in SIGNAL_KINDS:
        img = SIGNAL_KINDS[kind](img, fault_rng)
    return osd(img, t=t, name=f"CAM-{seed:04d}")


_OCCLUDERS = ("covered", "hand", "spray", "leaves")


def _optical(kind: str, light: FloatImage, rng: np.random.Generator, mode: str) -> FloatImage:
    if kind == "night_unusable":
        return light * rng.uniform(0.03, 0.1)
    if kind == "ir_cut_night":
        # stuck closed at night: the IR lamp's light is blocked, colour stays on, gain climbs
        return light * rng.uniform(0.4, 0.7)
    if kind in _OCCLUDERS and mode == "ir":
        out = OPTICAL_KINDS[kind](light, rng, ir=True)
        gray = cv2.cvtColor(out, cv2.COLOR_BGR2GRAY)
        return cv2.merge([gray, gray, gray])
    if kind in OPTICAL_KINDS:
        return OPTICAL_KINDS[kind](light, rng)
    return light
