"""Benchmarks: they measure and record, they do not assert. See bench/README.md."""
