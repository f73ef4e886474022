"""Reports from the ledger: uptime, the monthly assessment (考核), the inspection (在线核查)."""
