"""vmon with one proposed change applied in its own process, to measure the proposal.

    python -m bench.fleet.experiment drop-frames -c vmon.yaml run

`drop-frames`: the engine keeps each camera's last frame `Outcome`, and with it the decoded
pictures of the grab (`Measurements.frames`, 2 x 640x360 BGR = 1.4 MB per camera). This
drops them once the runner has diagnosed them (the diagnosis keeps its own thumbnail), as
the lead could in `vmon.engine.runner.Runner.run`. Used by `bench.fleet.run --experiment`;
the benchmark's normal runs measure vmon unchanged.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["EXPERIMENTS", "drop_frames", "main"]


def drop_frames() -> None:
    """Patch `Runner.run` to forget the pictures after their diagnosis."""
    from vmon.engine.fleet import Outcome
    from vmon.engine.runner import Runner

    original = Runner.run

    async def run(self: Runner, kind: str, target: Any, context: Any = None) -> Outcome:
        outcome = await original(self, kind, target, context)
        if outcome.measurements is not None:
            outcome.measurements.frames = []
        return outcome

    Runner.run = run  # type: ignore[method-assign]


EXPERIMENTS = {"drop-frames": drop_frames}


def main() -> None:
    """Apply the named experiment, then run the `vmon` command line with the rest."""
    name, *rest = sys.argv[1:]
    EXPERIMENTS[name]()
    from vmon.cli import app

    sys.argv = ["vmon", *rest]
    app()


if __name__ == "__main__":
    main()
