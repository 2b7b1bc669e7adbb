"""The alert services other apps call, re-exported from where they live.

Alerts are raised and resolved in `monitoring.alerts` and mailed by `monitoring.delivery`.
Health checks (`monitoring.health`) are not here: they read every other app, which import
this module to raise alerts.
"""

from __future__ import annotations

from .alerts import (
    alert_acknowledge,
    alert_close,
    alert_create,
    alert_resolve,
)
from .delivery import alert_retry_now, alerts_deliver, alerts_digest

__all__ = [
    "alert_acknowledge",
    "alert_close",
    "alert_create",
    "alert_resolve",
    "alert_retry_now",
    "alerts_deliver",
    "alerts_digest",
]
