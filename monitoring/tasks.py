"""django-q2 entry points for monitoring; thin wrappers around services."""

from __future__ import annotations

from .services import health_checks_run


def run_health_checks() -> dict[str, str]:
    """Every 5 minutes: run each health check once and store the results."""
    return {row.name: row.status for row in health_checks_run()}
