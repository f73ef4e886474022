"""Importing the ONVIF probe leaves the process's logging alone.

onvif-zeep-async calls ``logging.basicConfig(level=INFO)`` when it is imported; the probe
undoes that so the service keeps its own logging set-up.
"""

from __future__ import annotations

import subprocess
import sys

CHECK = (
    "import logging; import probes.onvif; root = logging.getLogger(); "
    "print(len(root.handlers), root.level)"
)


def test_import_does_not_configure_root_logging() -> None:
    result = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.split() == ["0", str(30)]  # no handler, WARNING: Python's defaults
