"""The engine: scheduling, running probes, health state, the ledger and time accounting."""
