"""Pure checks: probes of cameras and platforms, and picture diagnostics.

Nothing here imports `vmon`. See `probes.base` for the contract every probe follows.
"""
