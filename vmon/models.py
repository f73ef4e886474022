"""Every table vmon keeps, imported in one place so the metadata is complete (migrations, tests)."""

from vmon.engine import ledger
from vmon.registry import models as registry_models

__all__ = ["ledger", "registry_models"]
