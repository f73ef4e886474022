"""Export, and export -> import into an empty database giving the same records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from tests.integration.registry.sheets import HEADERS, camera_row, code, write_csv
from vmon.db import create_all, create_engine_for
from vmon.registry.exporter import export_file
from vmon.registry.importer import import_file
from vmon.registry.models import Camera, Contractor, OwnerUnit, UpstreamDevice
from vmon.registry.samples import write_sample

_IGNORED = {
    "id",
    "created_at",
    "updated_at",
    "owner_unit_id",
    "contractor_id",
    "upstream_device_id",
    "switch_id",
}


def snapshot(engine: sa.Engine, *, with_source: bool) -> dict[str, dict[str, Any]]:
    """Every camera with its references by name, keyed by GB code."""
    with Session(engine) as session:
        units = {u.id: u.name for u in session.exec(select(OwnerUnit)).all()}
        contractors = {c.id: c.name for c in session.exec(select(Contractor)).all()}
        devices = {
            d.id: (d.kind, d.gb_code or d.host or d.name)
            for d in session.exec(select(UpstreamDevice)).all()
        }
        records = {}
        for camera in session.exec(select(Camera)).all():
            record = camera.model_dump(exclude=_IGNORED | (set() if with_source else {"source"}))
            record["unit"] = units[camera.owner_unit_id]
            record["contractor"] = contractors.get(camera.contractor_id)
            record["upstream"] = devices.get(camera.upstream_device_id)
            record["switch"] = devices.get(camera.switch_id)
            records[camera.gb_code] = record
        return records


@pytest.fixture
def loaded(engine: sa.Engine, tmp_path: Path) -> sa.Engine:
    """The test database holding a 150-camera sample sheet."""
    with Session(engine) as session:
        assert import_file(session, write_sample(tmp_path / "sample.xlsx", 150, seed=7)).ok
    return engine


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_round_trip(loaded: sa.Engine, tmp_path: Path, suffix: str, lang: str) -> None:
    path = tmp_path / f"export{suffix}"
    with Session(loaded) as session:
        assert export_file(session, path, lang=lang) == 150
    target = create_engine_for(f"sqlite:///{tmp_path / 'empty.db'}")
    create_all(target)
    with Session(target) as session:
        result = import_file(session, path)
    assert result.ok and result.created == 150, result.summary("en")
    assert result.unrecognised_columns == ["备注"]
    with_source = lang == "zh"  # a Chinese export carries the unit's own spellings along
    assert snapshot(target, with_source=with_source) == snapshot(loaded, with_source=with_source)
    target.dispose()


def test_chinese_export_gives_back_the_units_spellings(loaded: sa.Engine, tmp_path: Path) -> None:
    path = tmp_path / "zh.xlsx"
    with Session(loaded) as session:
        export_file(session, path, lang="zh")
        stored = {c.gb_code: c for c in session.exec(select(Camera)).all()}
    rows = list(openpyxl.load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:3] == ["设备编码", "设备名称", "建设单位"]
    class_column = header.index("点位类别")
    canonical = {1: "一类", 2: "二类", 3: "三类"}
    for row in rows[1:]:
        camera = stored[row[0]]
        assert row[class_column] == camera.source.get(
            "camera_class", canonical[camera.camera_class or 0]
        )
    assert {row[class_column] for row in rows[1:]} >= {
        "一类视频监控点",
        "二类视频监控点",
        "1",
        "三类",
    }


def test_english_export_uses_english_headers_and_labels(loaded: sa.Engine, tmp_path: Path) -> None:
    path = tmp_path / "en.csv"
    with Session(loaded) as session:
        export_file(session, path, lang="en")
    text = path.read_text(encoding="utf-8-sig")
    first = text.splitlines()[0]
    assert first.startswith("device code,name,owner unit,class,function type,longitude,latitude")
    assert "infrared" in text and "networked" in text


def test_formula_like_text_stays_text(session: Session, engine: sa.Engine, tmp_path: Path) -> None:
    rows = [camera_row(1, 设备名称='=HYPERLINK("http://x")'), camera_row(2, 设备名称="+86路口")]
    assert import_file(session, write_csv(tmp_path / "f.csv", HEADERS, rows)).ok
    xlsx, csv_path = tmp_path / "f.xlsx", tmp_path / "f_out.csv"
    export_file(session, xlsx)
    export_file(session, csv_path)
    sheet = openpyxl.load_workbook(xlsx).active
    assert sheet["B2"].data_type == "s" and sheet["B2"].value == '=HYPERLINK("http://x")'
    assert "'=HYPERLINK" in csv_path.read_text(encoding="utf-8-sig")
    target = create_engine_for(f"sqlite:///{tmp_path / 'f.db'}")
    create_all(target)
    with Session(target) as other:
        assert import_file(other, csv_path).ok
        names = {c.gb_code: c.name for c in other.exec(select(Camera)).all()}
    assert names == {code(1): '=HYPERLINK("http://x")', code(2): "+86路口"}
    target.dispose()


def test_progress_reaches_the_total(loaded: sa.Engine, tmp_path: Path) -> None:
    seen: list[tuple[int, int | None]] = []
    with Session(loaded) as session:
        export_file(
            session, tmp_path / "p.csv", progress=lambda done, total: seen.append((done, total))
        )
    assert seen[-1] == (150, 150)
