"""The owner-unit tree: import from YAML, CSV or XLSX; export the same way.

A unit has a name (unique), an optional short name, parent, area code, contractor and
intact-rate targets per camera class. YAML is a list under `units:`, flat (`parent:`) or
nested (`children:`):

    units:
      - name: 六合区
        area_code: "320116"
        contractor: 南京智安运维有限公司
        targets: {class1: 98%, class2: 0.95, class3: 80}
        children:
          - name: 南京市公安局六合分局

CSV/XLSX: one row per unit, headers 单位名称/上级单位/行政区划代码/维保单位/一类目标/二类目标/
三类目标 (or name/parent/area_code/contractor/target_class1..3). Units are matched by name:
re-importing updates them. All or nothing, like camera imports.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from sqlalchemy.orm import Session

from vmon.registry.errors import FieldError, Issue, RegistryFileError
from vmon.registry.gbcode import parse_area_code
from vmon.registry.models import Contractor, OwnerUnit, table_of, utcnow
from vmon.registry.reader import read_rows
from vmon.registry.sheetio import write_sheets
from vmon.registry.values import Cell, cell_text, fold, is_blank, parse_text

__all__ = ["UNIT_COLUMNS", "UnitImportResult", "export_units", "import_units", "parse_target"]

# key -> (Chinese header, English header, other accepted headers)
UNIT_COLUMNS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "name": ("单位名称", "name", ("名称", "单位", "所属单位", "建设单位")),
    "short_name": ("简称", "short name", ("单位简称", "short_name")),
    "parent": ("上级单位", "parent", ("上级", "父单位", "上级单位名称")),
    "area_code": ("行政区划代码", "area code", ("区划代码", "行政区划", "area_code")),
    "contractor": ("维保单位", "contractor", ("维护单位", "运维单位")),
    "target_class1": ("一类目标", "target class 1", ("一类考核目标", "class1", "target_class1")),
    "target_class2": ("二类目标", "target class 2", ("二类考核目标", "class2", "target_class2")),
    "target_class3": ("三类目标", "target class 3", ("三类考核目标", "class3", "target_class3")),
}
_TARGET_KEYS = ("target_class1", "target_class2", "target_class3")
_UNIT_FIELDS = ("short_name", "area_code", *_TARGET_KEYS)


@dataclass
class UnitImportResult:
    """What a unit-tree import did (nothing when `errors` is not empty)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    contractors_created: list[str] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the file had no errors."""
        return not self.errors


def parse_target(cell: Cell) -> float:
    """An intact-rate target as a ratio: `98%`, `98`, `0.98` all give 0.98."""
    text = cell_text(cell).strip()
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*%?", text)
    if not match:
        raise FieldError("target.invalid")
    value = float(match.group(1))
    if text.endswith("%") or value > 1:
        value /= 100
    if not 0 <= value <= 1:
        raise FieldError("target.invalid")
    return round(value, 6)


def import_units(session: Session, path: str | Path, *, dry_run: bool = False) -> UnitImportResult:
    """Create or update owner units (by name) from a YAML, CSV or XLSX tree; commits on success."""
    source = Path(path)
    result = UnitImportResult()
    try:
        records = list(_read(source))
    except RegistryFileError as exc:
        result.errors.append(Issue(0, "", "", exc.code, exc.zh, exc.en))
        return result
    units = _parse_all(records, result)
    existing = _existing_units(session)
    _check_tree(units, existing, result)
    if result.errors or dry_run:
        session.rollback()
        _count(units, existing, result)
        return result
    _count(units, existing, result)
    try:
        _write(session, units, existing, result)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return result


def _read(source: Path) -> Iterator[tuple[int, dict[str, Cell]]]:
    if source.suffix.lower() in {".yaml", ".yml"}:
        yield from _read_yaml(source)
        return
    aliases = {
        fold(header): key
        for key, names in UNIT_COLUMNS.items()
        for header in (names[0], names[1], *names[2])
    }
    for _name, rows, _total in read_rows(source):
        header: list[str | None] | None = None
        for number, cells in rows:
            if header is None:
                keys = [aliases.get(fold(cell_text(cell))) for cell in cells]
                if "name" in keys:
                    header = keys
                continue
            if not all(is_blank(cell) for cell in cells):
                yield number, {key: cell for key, cell in zip(header, cells, strict=False) if key}
        if header is not None:
            return
    raise RegistryFileError("sheet.no_header")


def _read_yaml(source: Path) -> Iterator[tuple[int, dict[str, Cell]]]:
    try:
        document = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RegistryFileError("file.unreadable", reason=type(exc).__name__) from None
    units = document.get("units") if isinstance(document, Mapping) else document
    if not isinstance(units, list):
        raise RegistryFileError("sheet.no_header")
    counter = iter(range(1, 1_000_000))
    yield from _flatten(units, None, counter)


def _flatten(
    units: list[Any], parent: str | None, counter: Iterator[int]
) -> Iterator[tuple[int, dict[str, Cell]]]:
    for unit in units:
        number = next(counter)
        if not isinstance(unit, Mapping):
            yield number, {"name": None}
            continue
        record: dict[str, Cell] = {
            k: v for k, v in unit.items() if k in UNIT_COLUMNS and not isinstance(v, dict | list)
        }
        if parent is not None and "parent" not in record:
            record["parent"] = parent
        for key, value in (unit.get("targets") or {}).items():
            record[f"target_{key}" if not str(key).startswith("target_") else str(key)] = value
        yield number, record
        if unit.get("children"):
            yield from _flatten(unit["children"], str(unit.get("name")), counter)


def _parse_all(
    records: list[tuple[int, dict[str, Cell]]], result: UnitImportResult
) -> dict[str, dict[str, Any]]:
    units: dict[str, dict[str, Any]] = {}
    for number, record in records:
        parsed = _parse_unit(number, record, result)
        if parsed is not None:
            units[fold(parsed["name"])] = parsed
    return units


def _parse_unit(
    number: int, record: Mapping[str, Cell], result: UnitImportResult
) -> dict[str, Any] | None:
    unit: dict[str, Any] = {"row": number}
    for key in UNIT_COLUMNS:
        cell = record.get(key)
        header = UNIT_COLUMNS[key][0]
        if is_blank(cell):
            unit[key] = None
            if key == "name":
                result.errors.append(Issue.of(number, header, "", "required"))
                return None
            continue
        try:
            unit[key] = _parse_value(key, cell)
        except FieldError as error:
            result.errors.append(Issue.from_error(number, header, cell_text(cell), error))
    return unit


def _parse_value(key: str, cell: Cell) -> Any:
    if key == "area_code":
        return parse_area_code(cell)
    if key in _TARGET_KEYS:
        return parse_target(cell)
    return parse_text(cell, 200 if key != "short_name" else 100)


def _existing_units(session: Session) -> dict[str, dict[str, Any]]:
    unit, contractor = table_of(OwnerUnit), table_of(Contractor)
    parent = unit.alias("parent")
    query = (
        sa.select(
            unit, parent.c.name.label("parent_name"), contractor.c.name.label("contractor_name")
        )
        .outerjoin(parent, parent.c.id == unit.c.parent_id)
        .outerjoin(contractor, contractor.c.id == unit.c.contractor_id)
    )
    rows = session.connection().execute(query).mappings()
    return {fold(row["name"]): dict(row) for row in rows}


def _check_tree(
    units: dict[str, dict[str, Any]], existing: dict[str, dict[str, Any]], result: UnitImportResult
) -> None:
    by_id = {row["id"]: key for key, row in existing.items()}
    parents = {key: by_id.get(row["parent_id"]) for key, row in existing.items()}
    for key, unit in units.items():
        parent = unit["parent"]
        if parent is None:
            parents[key] = None
        elif fold(parent) in units or fold(parent) in existing:
            parents[key] = fold(parent)
        else:
            result.errors.append(
                Issue.of(unit["row"], "上级单位", parent, "unit.parent_missing", parent=parent)
            )
    for key, unit in units.items():
        seen, current = set(), parents.get(key)
        while current is not None and current not in seen:
            if current == key:
                result.errors.append(
                    Issue.of(
                        unit["row"], "上级单位", unit["parent"], "unit.cycle", name=unit["name"]
                    )
                )
                break
            seen.add(current)
            current = parents.get(current)


def _count(
    units: dict[str, dict[str, Any]], existing: dict[str, dict[str, Any]], result: UnitImportResult
) -> None:
    for key, unit in units.items():
        old = existing.get(key)
        if old is None:
            result.created += 1
        elif _unit_changed(unit, old):
            result.updated += 1
        else:
            result.unchanged += 1


def _unit_changed(unit: Mapping[str, Any], old: Mapping[str, Any]) -> bool:
    if any(unit[name] is not None and unit[name] != old[name] for name in _UNIT_FIELDS):
        return True
    for key, old_key in (("parent", "parent_name"), ("contractor", "contractor_name")):
        if unit[key] and fold(unit[key]) != fold(old[old_key] or ""):
            return True
    return False


def _write(
    session: Session,
    units: dict[str, dict[str, Any]],
    existing: dict[str, dict[str, Any]],
    result: UnitImportResult,
) -> None:
    contractors = _contractor_ids(session, units, result)
    objects = {
        key: _unit_object(session, unit, existing.get(key), contractors)
        for key, unit in units.items()
    }
    session.flush()
    ids = {key: row["id"] for key, row in existing.items()}
    ids.update({key: obj.id for key, obj in objects.items() if obj.id is not None})
    for key, unit in units.items():
        if unit["parent"]:
            objects[key].parent_id = ids[fold(unit["parent"])]
    session.flush()


def _unit_object(
    session: Session, unit: dict[str, Any], row: dict[str, Any] | None, contractors: dict[str, int]
) -> OwnerUnit:
    obj = session.get(OwnerUnit, row["id"]) if row else None
    if obj is None:
        obj = OwnerUnit(name=unit["name"], created_at=utcnow())
    for name in _UNIT_FIELDS:
        if unit[name] is not None:
            setattr(obj, name, unit[name])
    if unit["contractor"]:
        obj.contractor_id = contractors[fold(unit["contractor"])]
    session.add(obj)
    return obj


def _contractor_ids(
    session: Session, units: dict[str, dict[str, Any]], result: UnitImportResult
) -> dict[str, int]:
    table = table_of(Contractor)
    ids = {
        fold(name): cid
        for cid, name in session.connection().execute(sa.select(table.c.id, table.c.name))
    }
    for unit in units.values():
        name = unit["contractor"]
        if name and fold(name) not in ids:
            contractor = Contractor(name=name, created_at=utcnow())
            session.add(contractor)
            session.flush()
            assert contractor.id is not None
            ids[fold(name)] = contractor.id
            result.contractors_created.append(name)
    return ids


def export_units(session: Session, path: str | Path, *, lang: str = "zh") -> int:
    """Write the unit tree (YAML, CSV or XLSX by suffix), parents before children."""
    target = Path(path)
    units = _tree_order(session)
    if target.suffix.lower() in {".yaml", ".yml"}:
        records = [{k: v for k, v in unit.items() if v is not None} for unit in units]
        target.write_text(
            yaml.safe_dump({"units": records}, allow_unicode=True, sort_keys=False),
            encoding="utf-8",
        )
        return len(units)
    headers = [en if lang == "en" else zh for zh, en, _aliases in UNIT_COLUMNS.values()]
    rows = [[unit.get(key) for key in UNIT_COLUMNS] for unit in units]
    write_sheets(target, [("units", headers, rows)])
    return len(units)


def _tree_order(session: Session) -> list[dict[str, Any]]:
    unit, contractor = table_of(OwnerUnit), table_of(Contractor)
    query = sa.select(unit, contractor.c.name.label("contractor")).outerjoin(
        contractor, contractor.c.id == unit.c.contractor_id
    )
    rows = [dict(row) for row in session.connection().execute(query.order_by(unit.c.id)).mappings()]
    names = {row["id"]: row["name"] for row in rows}
    children: dict[int | None, list[dict[str, Any]]] = {}
    for row in rows:
        children.setdefault(row["parent_id"], []).append(row)
    ordered: list[dict[str, Any]] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        row = stack.pop()
        ordered.append(row)
        stack.extend(reversed(children.get(row["id"], [])))
    return [
        {
            "name": row["name"],
            "short_name": row["short_name"],
            "parent": names.get(row["parent_id"]),
            "area_code": row["area_code"],
            "contractor": row["contractor"],
            **{key: row[key] for key in _TARGET_KEYS},
        }
        for row in ordered
    ]
