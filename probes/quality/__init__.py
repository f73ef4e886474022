"""Picture diagnostics: pure functions over numpy frames.

Decode (`decode_image`) or prepare (`prepare`) a frame, then `diagnose` it, or keep a
`Diagnoser` per camera (previous frame, learnt `Baseline`). Every verdict is kept in the
returned `Evidence` with its score, thresholds and a JPEG thumbnail. Unreadable input raises
`ImageError` (map it with `ImageError.to_probe_error()`).
"""

from probes.quality.baseline import MIN_FRAMES, Baseline, Period, Reference
from probes.quality.checks import CHECKS
from probes.quality.compare import signature
from probes.quality.daynight import NIGHT_ELEVATION, day_or_night, is_grayscale, sun_elevation
from probes.quality.decode import as_bgr, decode_image
from probes.quality.diagnose import Diagnoser, arbitrate, diagnose
from probes.quality.errors import ImageError
from probes.quality.evidence import FAULTS, Evidence, Verdict, thumbnail_jpeg
from probes.quality.thresholds import DiagnosticsConfig, Thresholds, merge
from probes.quality.work import WORK_WIDTH, Work, prepare, to_width

__all__ = [
    "CHECKS",
    "FAULTS",
    "MIN_FRAMES",
    "NIGHT_ELEVATION",
    "WORK_WIDTH",
    "Baseline",
    "Diagnoser",
    "DiagnosticsConfig",
    "Evidence",
    "ImageError",
    "Period",
    "Reference",
    "Thresholds",
    "Verdict",
    "Work",
    "arbitrate",
    "as_bgr",
    "day_or_night",
    "decode_image",
    "diagnose",
    "is_grayscale",
    "merge",
    "prepare",
    "signature",
    "sun_elevation",
    "thumbnail_jpeg",
    "to_width",
]
