"""SNMP benchmarks: gets per second and CPU per get against snmpsim and snmpd."""
