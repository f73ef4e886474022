"""Ping benchmarks: bulk ping against loopback targets, side by side with fping."""
