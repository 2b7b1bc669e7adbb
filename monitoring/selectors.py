"""Reads for the status command, API and dashboard."""

from __future__ import annotations

from typing import Any

from risk.selectors import global_risk_state
from strategies.models import Strategy

from .models import Alert, HealthCheck


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
    latest: dict[str, str] = {}
    for name, status in HealthCheck.objects.order_by("name", "-checked_at").values_list(
        "name", "status"
    ):
        latest.setdefault(name, status)
    return {
        "global": {"trading_state": glob.trading_state, "reason_code": glob.reason_code},
        "strategies": strategies,
        "health": latest,
        "pending_alerts": Alert.objects.filter(status=Alert.Status.PENDING).count(),
    }
