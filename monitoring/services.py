"""Writes for alerts and health results."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from strategies.models import Strategy

from .health import CHECKS, run_check
from .models import Alert, HealthCheck


def alert_create(
    *,
    reason_code: str,
    subject: str,
    message: str = "",
    severity: str = Alert.Severity.WARNING,
    strategy: Strategy | None = None,
    context: dict[str, Any] | None = None,
    dedupe_key: str = "",
) -> Alert:
    """Record an alert in the caller's transaction; delivery picks pending rows up later."""
    return Alert.objects.create(
        reason_code=reason_code,
        subject=subject[:200],
        message=message,
        severity=severity,
        strategy=strategy,
        context=context or {},
        dedupe_key=dedupe_key,
    )


def health_checks_run() -> list[HealthCheck]:
    """Run every health check and store one row per check (safe to run twice at once)."""
    rows = []
    for check in CHECKS:
        result = run_check(check)
        rows.append(
            HealthCheck.objects.create(
                name=result.name,
                status=result.status,
                message=result.message,
                details=result.details,
                duration_ms=Decimal(f"{result.duration_ms:.3f}"),
            )
        )
    return rows
