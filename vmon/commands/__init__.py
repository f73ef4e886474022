"""The `vmon` subcommands, one module per area; `vmon.cli` registers them."""
