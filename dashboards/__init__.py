"""vmon's Grafana dashboards (JSON) and the Python that generates them."""
