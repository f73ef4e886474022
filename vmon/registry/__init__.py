"""The camera registry (一机一档): tables, sheet import/export, validation, completeness.

Entry points: `importer.import_file`, `exporter.export_file`, `units.import_units` /
`units.export_units`, `completeness.completeness`, `samples.write_sample`. Tables live in
`models`. Submodules are imported on use so that `vmon.registry.models` stays light.
"""

__all__: list[str] = []
