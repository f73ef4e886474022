"""The Prometheus text exposition format (0.0.4), written directly.

vmon renders `/metrics` itself rather than through client_python's families: at 10^4
cameras that is some 4x10^5 samples, which client_python needs seconds to build on every
scrape; vmon keeps each camera's lines and re-renders only what changed (see
`vmon.metrics`). This module is the small, exact part: names, label escaping, values.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

__all__ = [
    "CONTENT_TYPE",
    "camera_labels",
    "camera_sample",
    "format_value",
    "header",
    "histogram",
    "sample",
]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def format_value(value: float) -> str:
    """A sample value as Prometheus writes it (`+Inf`, `NaN`, shortest float text)."""
    if -1e15 < value < 1e15:  # the common case first (False for NaN and infinities)
        return str(int(value)) if value == int(value) else repr(float(value))
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def _escape(value: str) -> str:
    if "\\" in value or "\n" in value or '"' in value:
        return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")
    return value


def camera_labels(camera_id: str) -> str:
    """The opening of a per-camera label set, `camera="ID"`, kept by callers per camera."""
    return f'camera="{_escape(camera_id)}"'


def camera_sample(name: str, camera: str, value: float, extra: str = "") -> str:
    """A per-camera sample: `camera` from `camera_labels`, `extra` like `,probe="ping"`
    (closed-set label values only: they are not escaped)."""
    return f"{name}{{{camera}{extra}}} {format_value(value)}\n"


def labels_text(labels: Iterable[tuple[str, str]]) -> str:
    """`{a="x",b="y"}`, or nothing for no labels."""
    inner = ",".join(f'{key}="{_escape(value)}"' for key, value in labels)
    return f"{{{inner}}}" if inner else ""


def sample(name: str, labels: Sequence[tuple[str, str]], value: float) -> str:
    """One sample line, newline included."""
    return f"{name}{labels_text(labels)} {format_value(value)}\n"


def header(name: str, kind: str, help_text: str) -> str:
    """The HELP and TYPE lines of a family."""
    escaped = help_text.replace("\\", r"\\").replace("\n", r"\n")
    return f"# HELP {name} {escaped}\n# TYPE {name} {kind}\n"


def histogram(
    name: str,
    labels: Sequence[tuple[str, str]],
    bounds: Sequence[float],
    counts: Sequence[int],
    *,
    total: float,
    count: int,
) -> Iterable[str]:
    """A histogram's sample lines from cumulative `counts` per upper bound (`+Inf` added)."""
    for bound, in_bucket in zip(bounds, counts, strict=True):
        yield sample(f"{name}_bucket", [*labels, ("le", format_value(bound))], in_bucket)
    yield sample(f"{name}_bucket", [*labels, ("le", "+Inf")], count)
    yield sample(f"{name}_sum", labels, total)
    yield sample(f"{name}_count", labels, count)
