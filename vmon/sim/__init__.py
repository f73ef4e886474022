"""A simulated fleet on loopback: ONVIF devices, snapshot and RTSP servers, SNMP agents.

Used by the demo, the tests and the benchmarks. Every server binds to 127.0.0.1 (or lives in
a network namespace the caller created) and is stopped by its PID.
"""
