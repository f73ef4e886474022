"""The ONVIF cache: keys, freshness, URI redaction."""

from __future__ import annotations

import time

import pytest

from probes.base import Credentials, Secret, Target
from probes.onvif_cache import DeviceRecord, OnvifCache, device_url, redact_uri


def record(serial: str = "S1", resolved_at: float | None = None) -> DeviceRecord:
    return DeviceRecord.from_uris(
        stream="rtsp://admin:pw@10.0.0.5/live", snapshot="", serial=serial,
        media_xaddr="http://10.0.0.5/onvif/media_service", ptz_xaddr="", profile_token="P1",
        profile_name="main", encoding="H264", resolution="1920x1080", ptz=False,
        resolved_at=time.time() if resolved_at is None else resolved_at,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("rtsp://10.0.0.5:554/Streaming/Channels/101", "rtsp://10.0.0.5:554/Streaming/Channels/101"),
        ("rtsp://admin:s3cret@10.0.0.5:554/live", "rtsp://***@10.0.0.5:554/live"),
        ("rtsp://admin@10.0.0.5/live", "rtsp://***@10.0.0.5/live"),
        ("http://10.0.0.5/cgi-bin/snapshot.cgi?channel=1&user=admin&pwd=s3cret",
         "http://10.0.0.5/cgi-bin/snapshot.cgi?channel=1&user=***&pwd=***"),
        ("http://10.0.0.5/onvif-http/snapshot?Profile_1", "http://10.0.0.5/onvif-http/snapshot?Profile_1"),
        ("http://[fe80::1]:8080/snap?PassWord=x", "http://[fe80::1]:8080/snap?PassWord=***"),
        ("rtsp://u:p@h:notaport/x", "<unparseable uri>"),
    ],
)  # fmt: skip
def test_redact_uri(raw: str, shown: str) -> None:
    assert redact_uri(raw) == shown


def test_device_url_defaults_and_options() -> None:
    assert device_url(Target("10.0.0.5")) == "http://10.0.0.5:80/onvif/device_service"
    assert device_url(Target("10.0.0.5", options={"onvif_scheme": "https"})).startswith(
        "https://10.0.0.5:443/"
    )
    assert (
        device_url(Target("fe80::1", 8000, options={"onvif_path": "/x"}))
        == "http://[fe80::1]:8000/x"
    )


def test_record_masks_uris_and_keeps_the_raw_ones_secret() -> None:
    entry = record()
    assert entry.stream_uri == "rtsp://***@10.0.0.5/live"
    assert entry.stream_secret.reveal() == "rtsp://admin:pw@10.0.0.5/live"
    assert "pw@" not in repr(entry)


def test_cache_keys_on_address_user_and_profile() -> None:
    cache = OnvifCache()
    creds = Credentials("admin", Secret("x"))
    main = Target("10.0.0.5", 80, creds)
    cache.put(main, record())
    assert cache.get(Target("10.0.0.5", 80, Credentials("admin", Secret("other")))) is not None
    assert cache.get(Target("10.0.0.5", 80, Credentials("operator", Secret("x")))) is None
    assert cache.get(Target("10.0.0.5", 8080, creds)) is None
    assert cache.get(Target("10.0.0.5", 80, creds, options={"onvif_profile": "ch2"})) is None
    cache.invalidate(main)
    assert cache.get(main) is None and len(cache) == 0


def test_cache_expires_records_and_remembers_skew() -> None:
    cache = OnvifCache(ttl_seconds=60)
    target = Target("10.0.0.5")
    cache.put(target, record(resolved_at=time.time() - 61))
    assert cache.get(target) is None
    cache.put(target, record(resolved_at=time.time() - 59))
    assert cache.get(target) is not None
    assert cache.skew(target) is None
    cache.set_skew(target, 600.4)
    assert cache.skew(target) == 600.4
