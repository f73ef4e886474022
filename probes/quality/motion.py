"""Global motion: did the camera's view move (pan, tilt, roll, zoom) against its baseline?

A moved camera still sees much of its old view, displaced: a pan or tilt shifts it, a roll
turns it, a zoom magnifies its middle. So the reference thumbnail is warped by a few
candidate zooms and rolls, the remaining shift is found by phase correlation, and the
warped, shifted reference is compared with the current thumbnail over their overlap.

The fixed candidates (zooms 1.4 and 1.8, rolls of +-13 degrees) are tried first, as
before. Only when none of them correlates well (`_GOOD`), and the view no longer matches
in place either (`_IN_PLACE`), does the estimate look further:
the roll and zoom estimated by the Fourier-Mellin transform (see `mellin`), which finds
them in one step however far the camera rolled (a low-texture night view rolled 20
degrees matches no fixed candidate well enough), and the plain shift's next correlation
peaks: on a plain wall the on-screen clock, a lamp's glow or repeated windows may
outscore the true shift.

Both thumbnails are high-passed first (less a Gaussian blur of 3 px): what stays is the
view's structure, not the lighting, which at night moves with the camera (an infrared
lamp's bright middle) and would otherwise pin the match in place.

The view moved when the best displaced match is good (`similarity`), clearly better than
the match in place (`gain` over `identity`), and matches block by block over the overlap
(`blocks`: share of textured 8x9 blocks whose correlation is high, less that share in
place). That last test keeps out a cover: a blurry hand or cloth may correlate loosely
with some displaced view as a whole, but not block by block. A frame that is merely busy
(passers-by, a bus) matches best in place.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np

from probes.quality.baseline import Reference
from probes.quality.mellin import log_polar, turn_and_zoom
from probes.quality.phase import shifts, spectrum
from probes.quality.work import THUMB_SIZE, Array, Work

__all__ = ["Motion", "global_motion"]

_SCALES = (1.4, 1.8)  # optical zooms always tried (besides 1 and the estimated one)
_ANGLES = (-13.0, 13.0)  # rolls always tried, degrees: a grid of bricks misleads the estimate
_GOOD = 0.5  # a fixed candidate's correlation that makes looking further needless
_ESTIMATES = 2  # rolls and zooms estimated tried (the highest peak is not always the true one)
_ESTIMATED_MIN = 0.4  # correlation the estimated roll and zoom need (a freer search, a higher bar)
_PEAKS = 3  # correlation peaks tried for the plain shift
_IN_PLACE = 0.4  # correlation in place at which looking further is needless (see `_matches`)
_STILL_ANGLE, _STILL_ZOOM = 2.0, 0.05  # degrees, log zoom: a smaller estimate is none
_STILL = (1.5, 1.0)  # thumbnail pixels (x, y): a smaller shift is no movement
_BLOCK = (8, 9)  # block width, height in thumbnail pixels
_BLOCK_MATCH = 0.6  # correlation above which a block matches
_TEXTURE = 1.0  # mean square (levels^2) a high-passed block needs to be judged
_MIN_OVERLAP = 200  # thumbnail pixels a comparison needs


@dataclass(frozen=True)
class Motion:
    """The best displaced match of the view: `similarity` (correlation, -1 to 1) and its
    `identity` counterpart in place, `blocks` (share of matching blocks displaced less the
    share in place, `in_place`), and the transform: `shift` (fractions of the width and height),
    `zoom`, `angle` (degrees)."""

    similarity: float
    identity: float
    blocks: float
    in_place: float = 0.0
    shift: tuple[float, float] = (0.0, 0.0)
    zoom: float = 1.0
    angle: float = 0.0

    @property
    def gain(self) -> float:
        """How much better the displaced match is than the match in place."""
        return self.similarity - self.identity


def global_motion(work: Work, ref: Reference) -> Motion:
    """The best displaced match of `work`'s thumbnail with the reference's."""
    return work.memo(f"motion:{id(ref)}", lambda: _motion(_highpass(work.thumb), ref))


def _highpass(thumb: Array) -> Array:
    return thumb - cv2.GaussianBlur(thumb, (0, 0), 3.0)


@dataclass(frozen=True)
class _Match:
    """One candidate transform applied to the reference: its correlation with the current
    thumbnail, the warped reference and where it covers the frame."""

    similarity: float
    aligned: Array
    mask: Array
    shift: tuple[float, float]
    zoom: float
    angle: float


@dataclass(frozen=True)
class _Candidate:
    """The reference high-passed, zoomed and rolled by one candidate (`turn`), before the
    shift that phase correlation finds, and its `spectrum` (see `phase`) when asked for
    (the fixed candidates other than the plain shift never need it)."""

    warped: Array
    turn: Array
    zoom: float
    angle: float

    @functools.cached_property
    def spectrum(self) -> Array:
        """The warped reference's spectrum, computed on first use."""
        return spectrum(self.warped, _window())


@dataclass(frozen=True)
class _RefView:
    """What the motion estimate derives from a reference, once per reference."""

    highpass: Array
    stacked: Array  # the high-passed thumbnail and a plane of ones (its coverage once warped)
    textured: bool
    candidates: tuple[_Candidate, ...]
    polar: Array  # see `mellin.log_polar`


def _ref_view(ref: Reference) -> _RefView:
    def compute() -> _RefView:
        reference = _highpass(ref.thumb)
        fixed = [(1.0, 0.0), *((z, 0.0) for z in _SCALES), *((1.0, a) for a in _ANGLES)]
        candidates = [_candidate(reference, zoom, angle) for zoom, angle in fixed]
        stacked = cv2.merge([reference, np.ones_like(reference)])
        textured = float(np.mean(reference**2)) >= _TEXTURE
        polar = log_polar(reference, _window())
        return _RefView(reference, stacked, textured, tuple(candidates), polar)

    return ref.derived("motion", compute)


def _candidate(reference: Array, zoom: float, angle: float) -> _Candidate:
    w, h = THUMB_SIZE
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), angle, zoom)
    warped = cv2.warpAffine(reference, turn, THUMB_SIZE)
    return _Candidate(warped, turn, zoom, angle)


def _motion(current: Array, ref: Reference) -> Motion:
    view = _ref_view(ref)
    if float(np.mean(current * current)) < _TEXTURE or not view.textured:
        return Motion(-1.0, -1.0, 0.0)  # a blank picture (or reference) shows no view
    reference = view.highpass
    ones = _ones()
    identity = _correlation(current, reference, ones)
    in_place = _matching_blocks(current, reference, ones)
    found = _matches(current, view, identity)
    if not found:
        return Motion(-1.0, identity, 0.0, in_place)
    best = max(found, key=lambda m: m.similarity)
    aligned, mask = np.ascontiguousarray(best.aligned), np.ascontiguousarray(best.mask)
    blocks = _matching_blocks(current, aligned, mask) - in_place
    return Motion(best.similarity, identity, blocks, in_place, best.shift, best.zoom, best.angle)


def _matches(current: Array, view: _RefView, identity: float) -> list[_Match]:
    """The fixed candidates' displaced matches (each at its highest correlation peak); only
    when none is good, the plain shift's next peaks and the estimated roll and zoom too.

    Not when the view still correlates in place (`identity` of `_IN_PLACE` or more): the
    further search is the costliest stage of the diagnosis, and only a view that moved
    far (a roll or zoom no fixed candidate matches) needs it, which leaves little of the
    view in place (-0.1 to 0.2 measured). Changed views that did not move (grain,
    interference, a cover over part of the view, a picture in the other colour mode)
    correlate 0.45-0.75 in place; a moved one up to about 0.6, but only when the plain
    shift matches it well, and then the search stops anyway."""
    found = []
    for candidate in view.candidates:
        # OpenCV's phaseCorrelate windows its inputs in place: hand it copies
        (dx, dy), _ = cv2.phaseCorrelate(candidate.warped.copy(), current.copy(), _window())
        if not _still(candidate, dx, dy):
            found.append(_displaced(current, view, candidate, dx, dy))
    if max((m.similarity for m in found), default=-1.0) >= _GOOD or identity >= _IN_PLACE:
        return found
    current_spectrum = spectrum(current, _window())
    # its first movement left out: the highest peak is the first fixed candidate's, tried
    found += _shifted(current, view, view.candidates[0], current_spectrum, _PEAKS, skip=1)
    for estimated in _estimated(current, view):
        more = _shifted(current, view, estimated, current_spectrum, 1)
        found += [m for m in more if m.similarity >= _ESTIMATED_MIN]
    return found


def _shifted(
    current: Array,
    view: _RefView,
    candidate: _Candidate,
    current_spectrum: Array,
    peaks: int,
    *,
    skip: int = 0,
) -> list[_Match]:
    """The candidate's matches at its `peaks` highest correlation peaks (no movement left
    out), less the first `skip` of them (not computed)."""
    found = []
    for dx, dy, _ in shifts(candidate.spectrum, current_spectrum, peaks):
        if _still(candidate, dx, dy):
            continue
        if skip:
            skip -= 1
            continue
        found.append(_displaced(current, view, candidate, dx, dy))
    return found


def _estimated(current: Array, view: _RefView) -> list[_Candidate]:
    """The rolls and zooms the Fourier-Mellin estimate finds (its best `_ESTIMATES`), less
    those that are neither (the plain shift is always tried)."""
    found = turn_and_zoom(view.polar, log_polar(current, _window()), _ESTIMATES)
    return [
        _candidate(view.highpass, zoom, angle)
        for zoom, angle in found
        if abs(angle) >= _STILL_ANGLE or abs(np.log(zoom)) >= _STILL_ZOOM
    ]


@functools.cache
def _window() -> Array:
    return cv2.createHanningWindow(THUMB_SIZE, cv2.CV_32F)


@functools.cache
def _ones() -> Array:
    ones = np.ones((THUMB_SIZE[1], THUMB_SIZE[0]), np.float32)
    ones.flags.writeable = False
    return ones


def _still(candidate: _Candidate, dx: float, dy: float) -> bool:
    """The candidate shifted by (`dx`, `dy`) is no movement at all."""
    plain = (candidate.zoom, candidate.angle) == (1.0, 0.0)
    return plain and abs(dx) < _STILL[0] and abs(dy) < _STILL[1]


def _displaced(
    current: Array, view: _RefView, candidate: _Candidate, dx: float, dy: float
) -> _Match:
    """The reference zoomed, rolled, then shifted by (`dx`, `dy`) onto `current`."""
    w, h = THUMB_SIZE
    turn = candidate.turn.copy()
    turn[0, 2] += dx
    turn[1, 2] += dy
    warped = cv2.warpAffine(view.stacked, turn, THUMB_SIZE)
    aligned, mask = warped[..., 0], warped[..., 1]  # views: only the best match is copied
    similarity = _correlation(current, aligned, mask)
    return _Match(similarity, aligned, mask, (dx / w, dy / h), candidate.zoom, candidate.angle)


def _correlation(a: Array, b: Array, mask: Array) -> float:
    """Zero-mean normalised correlation of `a` and `b` where `mask` is (nearly) 1."""
    inside = mask > 0.5
    count = int(np.count_nonzero(inside))
    if count < _MIN_OVERLAP:
        return -1.0
    x, y = a[inside], b[inside]
    x -= _mean(x, count)
    y -= _mean(y, count)
    norm = float(np.sqrt(np.dot(x, x) * np.dot(y, y)))
    return float(np.dot(x, y)) / norm if norm > 0 else -1.0


def _mean(x: Array, count: int) -> np.float32:
    """`x.mean()` of a float32 vector of `count` values, to the bit, without its overhead."""
    return np.float32(float(np.add.reduce(x)) / count)


def _block_means(x: Array) -> Array:
    bw, bh = _BLOCK
    rows, cols = x.shape[0] // bh, x.shape[1] // bw
    return cv2.resize(x[: rows * bh, : cols * bw], (cols, rows), interpolation=cv2.INTER_AREA)


def _matching_blocks(a: Array, b: Array, mask: Array) -> float:
    """Share of the textured blocks wholly inside `mask` whose correlation is high."""
    ma, mb = _block_means(a), _block_means(b)
    ea = _block_means(a * a) - ma * ma
    eb = _block_means(b * b) - mb * mb
    cov = _block_means(a * b) - ma * mb
    inside = _block_means(np.where(mask > 0.99, 1.0, 0.0).astype(np.float32)) > 0.999
    judged = inside & (ea >= _TEXTURE) & (eb >= _TEXTURE)
    count = np.count_nonzero(judged)
    if count < 4:
        return 0.0
    corr = cov / np.sqrt(np.maximum(ea * eb, 1e-9))
    return float(np.count_nonzero(judged & (corr > _BLOCK_MATCH))) / float(count)
