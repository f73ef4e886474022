"""The HTTP side: /metrics, health endpoints, the JSON API and (later) the contractor portal."""
