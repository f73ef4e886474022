"""Export and import of the ONVIF setup cache: plain JSON, no credentials."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from probes.base import Credentials, Secret, Target
from probes.onvif_cache import (
    EXPORT_VERSION,
    DeviceRecord,
    OnvifCache,
    holds_credentials,
    user_digest,
)

CREDS = Credentials("opsadmin", Secret("Zx9-Tr0ub4dor-77"))


def record(
    stream: str = "rtsp://10.0.0.5:554/Streaming/Channels/101",
    snapshot: str = "http://10.0.0.5/onvif-http/snapshot?Profile_1",
    resolved_at: float | None = None,
    serial: str = "S1",
) -> DeviceRecord:
    return DeviceRecord.from_uris(
        stream=stream, snapshot=snapshot, serial=serial,
        media_xaddr="http://10.0.0.5/onvif/Media", ptz_xaddr="http://10.0.0.5/onvif/PTZ",
        profile_token="Profile_1", profile_name="mainStream", encoding="H264",
        resolution="1920x1080", ptz=True,
        resolved_at=time.time() if resolved_at is None else resolved_at,
    )  # fmt: skip


def round_trip(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = json.loads(json.dumps(rows))
    return loaded


@pytest.mark.parametrize(
    ("uri", "holds"),
    [
        ("rtsp://10.0.0.5:554/Streaming/Channels/101", False),
        ("http://10.0.0.5/onvif-http/snapshot?Profile_1", False),
        ("", False),
        ("rtsp://admin:pw@10.0.0.5/live", True),
        ("rtsp://admin@10.0.0.5/live", True),
        ("http://10.0.0.5/cgi-bin/snapshot.cgi?channel=1&user=admin&pwd=x", True),
        ("http://10.0.0.5/snap?PassWord=x", True),
        ("rtsp://u:p@h:notaport/x", True),
    ],
)
def test_holds_credentials(uri: str, holds: bool) -> None:
    assert holds_credentials(uri) is holds


def test_round_trip_restores_records_and_skews() -> None:
    cache = OnvifCache()
    main = Target("10.0.0.5", 80, CREDS, name="gate")
    sub = Target("10.0.0.5", 80, CREDS, options={"onvif_profile": "subStream"})
    cache.put(main, record())
    cache.put(sub, record(stream="rtsp://10.0.0.5:554/Streaming/Channels/102"))
    cache.set_skew(main, 600.4)

    restored = OnvifCache()
    assert restored.load(round_trip(cache.export())) == 2

    assert restored.get(main) == cache.get(main)
    assert restored.get(sub) == cache.get(sub)
    got = restored.get(main)
    assert got is not None and got.stream_secret.reveal() == got.stream_uri
    assert restored.skew(main) == 600.4 and restored.skew(sub) is None


def test_export_holds_no_credentials() -> None:
    cache = OnvifCache()
    cache.put(Target("10.0.0.5", 80, CREDS), record())
    cache.put(Target("10.0.0.6", 80, CREDS), record(stream="rtsp://opsadmin:Zx9@10.0.0.6/x"))
    cache.put(Target("10.0.0.7", 80, CREDS), record(snapshot="http://10.0.0.7/s?pwd=Zx9"))

    rows = cache.export()
    text = json.dumps(rows)

    assert [row["host"] for row in rows] == ["10.0.0.5"]  # the others are left out
    assert "opsadmin" not in text and "Zx9" not in text
    assert rows[0]["user_digest"] == user_digest("opsadmin") != ""
    assert rows[0]["version"] == EXPORT_VERSION


def test_load_skips_what_is_not_a_valid_credential_free_row() -> None:
    cache = OnvifCache()
    cache.put(Target("10.0.0.5", 80, CREDS), record())
    good = cache.export()[0]
    bad: list[Any] = [
        {**good, "version": EXPORT_VERSION + 1},
        {**good, "port": "80"},
        {**good, "ptz": 1},
        {**good, "resolved_at": "yesterday"},
        {**good, "clock_skew_seconds": "600"},
        {**good, "serial": None},
        {k: v for k, v in good.items() if k != "media_xaddr"},
        {**good, "stream_uri": "rtsp://admin:pw@10.0.0.5/live"},
        {**good, "media_xaddr": "http://admin:pw@10.0.0.5/onvif/Media"},
        "not a row",
        None,
    ]
    fresh = OnvifCache()
    assert fresh.load(bad) == 0 and len(fresh) == 0
    assert fresh.load([*bad, good]) == 1 and len(fresh) == 1


def test_load_keeps_a_newer_record_and_takes_stale_ones_as_due_for_refresh() -> None:
    target = Target("10.0.0.5", 80, CREDS)
    old = OnvifCache()
    old.put(target, record(serial="OLD", resolved_at=time.time() - 7200))
    rows = old.export()

    current = OnvifCache()
    current.put(target, record(serial="NEW"))
    assert current.load(rows) == 0
    assert (got := current.get(target)) is not None and got.serial == "NEW"

    restarted = OnvifCache(ttl_seconds=3600)
    assert restarted.load(rows) == 1
    assert restarted.get(target) is None  # expired: the probe resolves it again
    stale = restarted.get(target, allow_stale=True)
    assert stale is not None and stale.serial == "OLD"


def test_key_holds_a_user_digest_not_the_user_name() -> None:
    key = OnvifCache.key(Target("10.0.0.5", 80, CREDS))
    assert "opsadmin" not in key and user_digest("opsadmin") in key
    assert OnvifCache.key(Target("10.0.0.5", 80))[4] == ""
