"""The `vmon diagnose` contract, through `vmon.diagnose` and a typer app around its command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from probes.quality import FAULTS
from vmon.diagnose import DiagnoseInputError, diagnose_command, diagnose_paths, parse_time
from vmon.sim import scenes

W, H = 640, 360
KEYS = {"path", "frame", "day_night", "faults", "scores"}


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("diagnose")(diagnose_command)

    @app.command("version")
    def version() -> None:  # a second command, so "diagnose" is a subcommand as in vmon
        typer.echo("0")

    return app


def _write(path: Path, img: np.ndarray) -> Path:
    assert cv2.imwrite(str(path), img)
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("diagnose")
    out = {
        "healthy": _write(
            d / "healthy.jpg", scenes.scene("healthy", seed=1, width=W, height=H, t=50)
        ),
        "black": _write(d / "black.jpg", scenes.scene("black", seed=1, width=W, height=H)),
        "blurred": _write(
            d / "blurred.png", scenes.scene("blurred", seed=1, width=W, height=H, t=50)
        ),
        "reference": _write(d / "ref.jpg", scenes.scene("healthy", seed=1, width=W, height=H, t=0)),
        "night": _write(d / "night.jpg", scenes.scene("night_ir", seed=1, width=W, height=H, t=5)),
    }
    (d / "broken.jpg").write_bytes(out["healthy"].read_bytes()[:3000])
    (d / "empty.jpg").write_bytes(b"")
    (d / "notes.txt").write_text("not a picture, not a video")
    out |= {"broken": d / "broken.jpg", "empty": d / "empty.jpg", "text": d / "notes.txt"}
    out["video"] = _video(d / "camera.avi")
    return out


def _video(path: Path) -> Path:
    """10 s at 10 fps: healthy for 5 s, then a cloth over the lens; the last second frozen."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 10.0, (W, H))
    assert writer.isOpened()
    frozen = scenes.scene("covered", seed=1, width=W, height=H, t=8.9)
    for i in range(100):
        t = i / 10
        if i < 50:
            img = scenes.scene("healthy", seed=1, width=W, height=H, t=t)
        elif i < 90:
            img = scenes.scene("covered", seed=1, width=W, height=H, t=t)
        else:
            img = frozen
        writer.write(img)
    writer.release()
    return path


def test_images_give_one_record_each(files: dict[str, Path]) -> None:
    rows = list(diagnose_paths([files["healthy"], files["black"], files["blurred"]]))
    assert [Path(r["path"]).name for r in rows] == ["healthy.jpg", "black.jpg", "blurred.png"]
    for row in rows:
        assert set(row) == KEYS
        assert row["frame"] is None
        assert row["day_night"] in ("day", "night")
        assert set(row["scores"]) <= set(FAULTS) and set(row["faults"]) <= set(FAULTS)
        assert all(isinstance(v, float) for v in row["scores"].values())
    assert rows[0]["faults"] == []
    assert rows[1]["faults"] == ["signal_loss"]
    judged = next(diagnose_paths([files["blurred"]], baselines=[files["reference"]]))
    assert "blur" in judged["faults"]  # against the camera's own sharpness


def test_reference_images_enable_the_baseline_checks(files: dict[str, Path]) -> None:
    without = next(diagnose_paths([files["healthy"]]))
    with_ref = next(diagnose_paths([files["healthy"]], baselines=[files["reference"]]))
    assert "occlusion" not in without["scores"] and "scene_change" not in without["scores"]
    assert "occlusion" in with_ref["scores"] and with_ref["faults"] == []


def test_coordinates_and_time_decide_day_or_night(files: dict[str, Path]) -> None:
    noon = parse_time("2024-05-01T12:00:00+08:00")
    midnight = parse_time("2024-05-01T00:00:00+08:00")
    day = next(diagnose_paths([files["night"]], lat=32.06, lon=118.80, when=noon))
    night = next(diagnose_paths([files["healthy"]], lat=32.06, lon=118.80, when=midnight))
    assert day["day_night"] == "day" and night["day_night"] == "night"
    assert next(diagnose_paths([files["night"]]))["day_night"] == "night"  # grayscale: IR


def test_video_is_sampled_and_judged_over_time(files: dict[str, Path]) -> None:
    rows = list(diagnose_paths([files["video"]], every=10))
    assert [r["frame"] for r in rows] == list(range(0, 100, 10))
    assert all(r["faults"] == [] for r in rows[:5]), rows[:5]
    assert all("occlusion" in r["faults"] for r in rows[6:9]), rows[6:9]
    assert "frozen" not in rows[8]["faults"]
    assert rows[0]["scores"].keys() < rows[5]["scores"].keys()  # no history at the start


def test_frozen_video_is_detected(tmp_path: Path) -> None:
    still = scenes.scene("healthy", seed=2, width=W, height=H, t=3)
    writer = cv2.VideoWriter(
        str(tmp_path / "still.avi"), cv2.VideoWriter.fourcc(*"MJPG"), 10.0, (W, H)
    )
    for i in range(40):
        writer.write(
            scenes.scene("healthy", seed=2, width=W, height=H, t=i / 10) if i < 20 else still
        )
    writer.release()
    rows = list(diagnose_paths([tmp_path / "still.avi"], every=5))
    assert [("frozen" in r["faults"]) for r in rows] == [False] * 5 + [True] * 3


def test_a_video_starting_on_a_blank_screen_learns_its_view_from_the_picture(
    tmp_path: Path,
) -> None:
    """The blank start is not learnt as the view (the view would then look covered)."""
    path = tmp_path / "late_start.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 10.0, (W, H))
    blank = scenes.scene("black", seed=3, width=W, height=H)
    for i in range(60):
        t = i / 10
        writer.write(blank if i < 20 else scenes.scene("healthy", seed=3, width=W, height=H, t=t))
    writer.release()
    rows = list(diagnose_paths([path], every=5))
    assert all(r["faults"] == ["signal_loss"] for r in rows[:4]), rows[:4]
    later = rows[4:]
    assert all(r["faults"] == [] for r in later), later
    assert "occlusion" in later[-1]["scores"]  # the baseline checks ran, against the picture


def test_a_blank_reference_image_is_refused(files: dict[str, Path]) -> None:
    with pytest.raises(DiagnoseInputError, match="not a usable reference"):
        list(diagnose_paths([files["healthy"]], baselines=[files["black"]]))
    result = CliRunner().invoke(
        _app(), ["diagnose", str(files["healthy"]), "--baseline", str(files["black"]), "--json"]
    )
    assert result.exit_code == 2 and "signal_loss" in result.stderr


@pytest.mark.parametrize("name", ["broken", "empty", "text"])
def test_unreadable_input_raises(files: dict[str, Path], name: str) -> None:
    with pytest.raises(DiagnoseInputError) as caught:
        list(diagnose_paths([files[name]]))
    assert caught.value.path == files[name]


def test_cli_json_lines(files: dict[str, Path]) -> None:
    result = CliRunner().invoke(
        _app(),
        ["diagnose", str(files["healthy"]), str(files["video"]), "--every", "25", "--json",
         "--lat", "32.06", "--lon", "118.80", "--time", "2024-05-01T10:00:00+08:00"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 1 + 4
    assert all(set(obj) == KEYS and obj["day_night"] == "day" for obj in lines)
    assert [obj["frame"] for obj in lines] == [None, 0, 25, 50, 75]


def test_cli_exit_2_on_unreadable_input_but_diagnoses_the_rest(files: dict[str, Path]) -> None:
    result = CliRunner().invoke(
        _app(), ["diagnose", str(files["broken"]), str(files["black"]), "--json"]
    )
    assert result.exit_code == 2
    assert "broken.jpg" in result.stderr and "corrupt JPEG: truncated" in result.stderr
    (line,) = result.stdout.splitlines()
    assert json.loads(line)["faults"] == ["signal_loss"]


def test_cli_missing_file_and_bad_options(files: dict[str, Path], tmp_path: Path) -> None:
    missing = CliRunner().invoke(_app(), ["diagnose", str(tmp_path / "nope.jpg"), "--json"])
    assert missing.exit_code == 2 and "cannot read" in missing.stderr
    bad_time = CliRunner().invoke(_app(), ["diagnose", str(files["black"]), "--time", "noon"])
    assert bad_time.exit_code == 2
    half_place = CliRunner().invoke(_app(), ["diagnose", str(files["black"]), "--lat", "32"])
    assert half_place.exit_code == 2


def test_cli_table_without_json(files: dict[str, Path]) -> None:
    result = CliRunner().invoke(_app(), ["diagnose", str(files["healthy"]), str(files["black"])])
    assert result.exit_code == 0
    assert "Picture diagnosis" in result.stdout
    assert "signal_loss" in result.stdout and " ok " in result.stdout


def _vmon_diagnose(*args: str) -> subprocess.CompletedProcess[str]:
    """The real command in its own process: FFmpeg writes to the process's stderr itself."""
    code = "import sys; from vmon.cli import app; sys.argv[0] = 'vmon'; app()"
    return subprocess.run(
        [sys.executable, "-c", code, "diagnose", *args],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def _corrupt_pictures(d: Path, healthy: Path) -> dict[str, Path]:
    rng = np.random.default_rng(7)
    out = {
        "noise.jpg": rng.integers(0, 256, 5000, dtype=np.uint8).tobytes(),
        "words.jpeg": b"a text file given the name of a picture\n" * 20,
        "cut.jpg": healthy.read_bytes()[:4000],
        "flipped.png": b"\x89PNG\r\n\x1a\n" + rng.integers(0, 256, 900, np.uint8).tobytes(),
    }
    for name, data in out.items():
        (d / name).write_bytes(data)
    return {name: d / name for name in out}


def test_corrupt_picture_gives_the_picture_error_and_no_ffmpeg_chatter(
    files: dict[str, Path], tmp_path: Path
) -> None:
    paths = _corrupt_pictures(tmp_path, files["healthy"])
    result = _vmon_diagnose(*(str(p) for p in paths.values()), "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == len(paths), result.stderr  # one line per file, nothing else
    for line, (name, path) in zip(lines, paths.items(), strict=True):
        kind = "PNG" if name.endswith(".png") else "JPEG"
        assert line.startswith(f"vmon diagnose: {path}: corrupt {kind}: "), line
    assert "truncated" in lines[2]
    assert "video" not in result.stderr and "mjpeg" not in result.stderr


def test_damaged_video_is_diagnosed_without_ffmpeg_chatter(
    files: dict[str, Path], tmp_path: Path
) -> None:
    data = bytearray(files["video"].read_bytes())
    for k in range(4000, len(data), 97):  # damage the JPEG data of every frame
        data[k] ^= 0x5A
    damaged = tmp_path / "damaged.avi"
    damaged.write_bytes(bytes(data))
    result = _vmon_diagnose(str(damaged), "--json", "--every", "20")
    assert result.returncode in (0, 2)
    assert "[mjpeg" not in result.stderr and "error" not in result.stderr.lower(), result.stderr
    assert all(json.loads(line)["path"] == str(damaged) for line in result.stdout.splitlines())
