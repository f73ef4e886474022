"""The classified input errors of the picture diagnostics.

`ImageError.reason` is a closed set, safe for metric labels and for mapping to the probe
contract: `to_probe_error()` gives `ProbeError(Reason.DECODE, ...)`.
"""

from __future__ import annotations

from typing import Literal

from probes.base import ProbeError, Reason

__all__ = ["ImageError", "ImageErrorReason"]

ImageErrorReason = Literal["empty", "decode", "too_small", "too_large", "unsupported"]


class ImageError(ValueError):
    """A picture that cannot be diagnosed, and why.

    - `empty`: no bytes, or an array with no pixels;
    - `decode`: corrupt or truncated data;
    - `too_small`: fewer pixels than a diagnosis needs (e.g. 1x1);
    - `too_large`: more pixels or bytes than allowed (a decompression bomb);
    - `unsupported`: a format, depth or channel layout the diagnostics do not read.
    """

    def __init__(self, reason: ImageErrorReason, message: str = "") -> None:
        self.reason: ImageErrorReason = reason
        self.message = message or reason
        super().__init__(f"{reason}: {self.message}")

    def to_probe_error(self) -> ProbeError:
        """The same failure in the probe contract's terms."""
        return ProbeError(Reason.DECODE, f"{self.reason}: {self.message}")
