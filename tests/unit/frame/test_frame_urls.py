"""Camera URL parsing, credential handling and redaction."""

from __future__ import annotations

import pytest

from probes.base import Credentials, ProbeError, Reason, Secret
from probes.frame_urls import parse_camera_url, redact, scrub, with_userinfo

RTSP = ("rtsp",)
HTTP = ("http", "https")


def test_credentials_are_split_off_and_decoded() -> None:
    url = parse_camera_url("rtsp://ad%40min:p%40ss%3Aw@10.0.0.7:8554/ch1?sub=1", schemes=RTSP)
    assert url.bare == "rtsp://10.0.0.7:8554/ch1?sub=1"
    assert url.credentials is not None
    assert url.credentials.username == "ad@min"
    assert url.credentials.password.reveal() == "p@ss:w"
    assert "p@ss" not in str(url) and "p@ss" not in repr(url)


def test_default_ports_and_relative_paths() -> None:
    assert parse_camera_url("rtsp://cam/ch1", schemes=RTSP).port == 554
    assert parse_camera_url("https://cam/snap.jpg", schemes=HTTP).port == 443
    url = parse_camera_url("/Streaming/Channels/101", schemes=RTSP, host="10.1.2.3")
    assert url.bare == "rtsp://10.1.2.3:554/Streaming/Channels/101"
    v6 = parse_camera_url("/ch1", schemes=RTSP, host="fe80::1")
    assert v6.bare == "rtsp://[fe80::1]:554/ch1"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        None,
        42,
        "rtsp://",
        "http://cam/x.jpg",  # wrong scheme for RTSP
        "rtsp://cam:99999/ch1",
        "rtsp://cam/ch 1",
        "/relative/without/host",
    ],
)
def test_unusable_urls_are_config_errors(raw: object) -> None:
    with pytest.raises(ProbeError) as caught:
        parse_camera_url(raw, schemes=RTSP)
    assert caught.value.reason is Reason.CONFIG


def test_config_error_messages_never_show_the_password() -> None:
    with pytest.raises(ProbeError) as caught:
        parse_camera_url("ftp://admin:Hunter22@cam/x", schemes=RTSP)
    assert "Hunter22" not in str(caught.value)


def test_with_userinfo_percent_encodes() -> None:
    url = parse_camera_url("rtsp://cam:554/ch1", schemes=RTSP)
    creds = Credentials("admin", Secret("p@ss:w/rd#1"))
    assert with_userinfo(url, creds) == "rtsp://admin:p%40ss%3Aw%2Frd%231@cam:554/ch1"
    assert with_userinfo(url, None) == "rtsp://cam:554/ch1"


def test_redact_masks_userinfo_and_sensitive_query_values() -> None:
    shown = redact("http://admin:Hunter22@cam/cgi?channel=1&pwd=Hunter22&loginuse=admin")
    assert "Hunter22" not in shown
    assert shown.startswith("http://***@cam/cgi?")
    assert "channel=1" in shown and "loginuse=admin" in shown


def test_scrub_masks_urls_and_secret_values_in_free_text() -> None:
    text = "failed rtsp://admin:p@ss@cam/ch1 with p@ss and p%40ss"
    cleaned = scrub(text, Secret("p@ss"), None)
    assert "p@ss" not in cleaned and "p%40ss" not in cleaned
    assert "rtsp://***@cam/ch1" in cleaned
