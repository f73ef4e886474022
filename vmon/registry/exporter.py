"""`vmon export FILE`: the registry as a camera sheet (XLSX or CSV), ready to import again.

Columns follow `fields.FIELDS` (Chinese or English headers), then the columns vmon kept
without understanding them (`Camera.extra`). In a Chinese export, coded cells are written
the way the unit wrote them (`Camera.source`) as long as that still means the stored
value; otherwise, and in an English export, the canonical label. Exporting and importing
into an empty database gives the same records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from vmon.registry.errors import FieldError
from vmon.registry.fields import FIELDS, FieldSpec
from vmon.registry.models import Camera, Contractor, OwnerUnit, UpstreamDevice, table_of
from vmon.registry.sheetio import write_sheets
from vmon.registry.values import Cell

__all__ = ["EXPORT_FIELDS", "export_file", "export_rows"]

# The NVR column folds into the upstream device column on export (one device per camera).
EXPORT_FIELDS: tuple[FieldSpec, ...] = tuple(spec for spec in FIELDS if spec.key != "nvr")
_WIDTH = 16


def export_file(
    session: Session,
    path: str | Path,
    *,
    lang: str = "zh",
    progress: Callable[[int, int | None], None] | None = None,
) -> int:
    """Write every camera to `path` (XLSX for `.xlsx`, else CSV); returns the count.

    `lang`: `zh` (Chinese headers, the unit's own spellings) or `en` (English headers and
    labels).
    """
    lang = "en" if lang.lower().startswith("en") else "zh"
    records = list(_records(session))
    extras = _extra_headers(records)
    headers = [spec.header(lang) for spec in EXPORT_FIELDS] + extras
    total = len(records)

    def rows() -> Iterator[list[Cell]]:
        for done, record in enumerate(export_rows(records, lang, extras), start=1):
            if progress and (done % 5000 == 0 or done == total):
                progress(done, total)
            yield record

    write_sheets(
        Path(path),
        [("点位表" if lang == "zh" else "cameras", headers, rows())],
        widths=[_WIDTH] * len(headers),
    )
    return total


def export_rows(
    records: Sequence[Mapping[str, Any]], lang: str, extras: Sequence[str]
) -> Iterator[list[Cell]]:
    """The sheet rows of camera records (as `_records` yields them)."""
    for record in records:
        source = record["source"] or {}
        extra = record["extra"] or {}
        row = [_value(spec, record, source, lang) for spec in EXPORT_FIELDS]
        row.extend(extra.get(header) for header in extras)
        yield row


def _value(
    spec: FieldSpec, record: Mapping[str, Any], source: Mapping[str, str], lang: str
) -> Cell:
    original = source.get(spec.key) if lang == "zh" else None
    if original is not None and _still_means(spec, original, record):
        return original
    return spec.render(record, lang)


def _still_means(spec: FieldSpec, original: str, record: Mapping[str, Any]) -> bool:
    try:
        parsed = spec.parse(original)
    except FieldError:
        return False
    if len(spec.keys) > 1:
        return tuple(parsed) == tuple(record.get(key) for key in spec.keys)
    return bool(parsed == record.get(spec.key))


def _records(session: Session) -> Iterator[Mapping[str, Any]]:
    camera = table_of(Camera)
    unit = table_of(OwnerUnit)
    contractor = table_of(Contractor)
    upstream = table_of(UpstreamDevice).alias("upstream")
    switch = table_of(UpstreamDevice).alias("switch")
    query = (
        sa.select(
            camera,
            unit.c.name.label("owner_unit"),
            contractor.c.name.label("contractor"),
            sa.func.coalesce(upstream.c.gb_code, upstream.c.host, upstream.c.name).label(
                "upstream"
            ),
            sa.func.coalesce(switch.c.host, switch.c.name, switch.c.gb_code).label("switch"),
        )
        .join(unit, unit.c.id == camera.c.owner_unit_id)
        .outerjoin(contractor, contractor.c.id == camera.c.contractor_id)
        .outerjoin(upstream, upstream.c.id == camera.c.upstream_device_id)
        .outerjoin(switch, switch.c.id == camera.c.switch_id)
        .order_by(camera.c.id)
    )
    for row in session.connection().execute(query).mappings():
        yield dict(row)


def _extra_headers(records: Sequence[Mapping[str, Any]]) -> list[str]:
    known = {spec.zh for spec in FIELDS} | {spec.en for spec in FIELDS}
    headers: dict[str, None] = {}
    for record in records:
        for header in record["extra"] or {}:
            if header not in known:
                headers.setdefault(header, None)
    return list(headers)
