"""Every table vmon keeps, imported in one place so the metadata is complete (migrations, tests)."""

from vmon.engine import baselines, ledger, warm_state
from vmon.registry import models as registry_models

__all__ = ["baselines", "ledger", "registry_models", "warm_state"]
