"""Frame targets for cameras whose registry record has no stream or snapshot URL: the URIs
the camera itself reported over ONVIF (resolved once and cached by the ONVIF probe)."""

from __future__ import annotations

import dataclasses
from typing import Any

from probes.base import Measurements, ProbeError, Reason, Target

__all__ = ["FROM_ONVIF", "media_target", "media_unknown"]

FROM_ONVIF = "from_onvif"


def media_target(frame: Target, onvif: Target | None, onvif_probe: Any) -> Target | None:
    """`frame` with the camera's ONVIF snapshot/stream URIs filled in.

    Returns `frame` unchanged when it has its own URLs, and None while ONVIF has not yet
    told the URIs (the frame check waits for the ONVIF setup rather than failing).
    """
    if not frame.options.get(FROM_ONVIF):
        return frame
    cache = getattr(onvif_probe, "cache", None)
    record = cache.get(onvif) if cache is not None and onvif is not None else None
    if record is None:
        return None
    options = {k: v for k, v in frame.options.items() if k != FROM_ONVIF}
    snapshot, stream = record.snapshot_secret.reveal(), record.stream_secret.reveal()
    if snapshot:
        options["snapshot_url"] = snapshot
    if stream:
        options["rtsp_url"] = stream
    if "snapshot_url" not in options and "rtsp_url" not in options:
        return None
    return dataclasses.replace(frame, options=options)


def media_unknown(onvif: Measurements | None, patience: float) -> ProbeError | None:
    """The frame check's failure for a camera whose ONVIF answers but whose media setup has
    been pending longer than `patience` s (its media service never tells the URIs).

    None while the camera may still be waiting its turn, or when ONVIF did not answer at all
    (then the ONVIF and ping checks already tell what is wrong).
    """
    if onvif is None:
        return None
    pending = onvif.values.get("onvif_setup_pending_seconds")
    if pending is None or pending < patience:
        return None
    return ProbeError(
        Reason.PROTOCOL,
        f"no media address: the ONVIF media service has not answered for {pending:.0f} s",
    )
