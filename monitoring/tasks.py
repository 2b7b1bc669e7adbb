"""django-q2 entry points for monitoring; thin wrappers around services.

Each is safe to run twice at once: health rows are per run, alert mail is claimed row by
row, the breakers take their row locks, retention skips locked rows.
"""

from __future__ import annotations

from .delivery import alerts_deliver, alerts_digest
from .health.runner import health_checks_run
from .probes import breakers_feed
from .retention import retention_apply


def run_health_checks() -> dict[str, str]:
    """Every 5 minutes: run each health check once, store the results, alert on failures."""
    return {row.name: row.status for row in health_checks_run()}


def deliver_alerts() -> int:
    """Once an alert commits, and every minute: mail what is due (waiting out a warning
    batch that is about to close)."""
    return alerts_deliver(wait=True)


def send_alert_digest() -> int:
    """Every ALERT_DIGEST_MINUTES: the info alerts in one mail."""
    return alerts_digest()


def apply_retention() -> dict[str, int]:
    """Every 15 minutes: prune, or roll up into daily rows, what is past its kept age
    (settings.LT_RETENTION), in bounded batches for at most ~40 s."""
    return retention_apply()


def probe_venue() -> dict[str, object]:
    """Every minute: probe the venue and feed the breakers with what it saw."""
    return breakers_feed()
