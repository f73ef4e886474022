"""Simulated SNMP agents: snmpsim serving device recordings, and Debian snmpd for SNMPv3.

`SnmpSimAgent` (agent.py) serves the recordings in `data/` (community = file name) on
127.0.0.1:<free port>; `SnmpdAgent` (snmpd.py) runs net-snmp's agent with v2c and v3 users;
`recordings.py` builds the recordings and per-camera copies for a simulated fleet.
"""
