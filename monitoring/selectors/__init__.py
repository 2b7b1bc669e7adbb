"""Reads for the status command, API and dashboard."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from monitoring.alerts import UNRESOLVED
from monitoring.models import Alert, HealthCheck
from risk.selectors import global_risk_state
from strategies.models import Strategy

# Checks run every 5 minutes; a day of rows covers a stopped cluster and keeps the scan short.
LATEST_WITHIN = timedelta(days=1)


def latest_health() -> list[HealthCheck]:
    """The newest row of each check run in the last day, by name."""
    rows = HealthCheck.objects.filter(checked_at__gte=timezone.now() - LATEST_WITHIN)
    found: dict[str, HealthCheck] = {}
    for row in rows.order_by("name", "-checked_at", "-pk"):
        found.setdefault(row.name, row)
    return sorted(found.values(), key=lambda r: r.name)


def alerts_open() -> QuerySet[Alert]:
    """Alerts not resolved yet, worst and newest first (info alerts are digest material)."""
    return (
        Alert.objects.filter(state__in=UNRESOLVED)
        .exclude(severity=Alert.Severity.INFO)
        .select_related("strategy", "market")
        .order_by("-last_seen_at", "-pk")
    )


def alerts_undelivered() -> int:
    return (
        Alert.objects.exclude(severity=Alert.Severity.INFO)
        .filter(delivery__in=(Alert.Delivery.PENDING, Alert.Delivery.FAILED))
        .count()
    )


def status_summary() -> dict[str, Any]:
    """Global state, each strategy's mode and trading state, latest health and open alerts."""
    glob = global_risk_state()
    strategies = [
        {
            "slug": s.slug,
            "mode": s.mode,
            "trading_state": getattr(getattr(s, "risk_state", None), "trading_state", None),
            "health_status": s.health_status,
        }
        for s in Strategy.objects.select_related("risk_state").order_by("slug")
    ]
    return {
        "global": {"trading_state": glob.trading_state, "reason_code": glob.reason_code},
        "strategies": strategies,
        "health": {row.name: row.status for row in latest_health()},
        "open_alerts": alerts_open().count(),
        "undelivered_alerts": alerts_undelivered(),
    }
