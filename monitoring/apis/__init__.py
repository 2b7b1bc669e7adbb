"""The operator's HTTP API under /api/v1/: status, strategies, orders, positions, alerts and
health. Read-only but for acknowledging and resolving alerts; staff session authentication
(never the FT signal keys); every answer is in the OpenAPI schema."""
