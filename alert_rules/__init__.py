"""vmon Prometheus rules (YAML) and the script that generates the recording rules."""
