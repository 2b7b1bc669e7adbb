"""django-q2 entry points for resolution and redemption; thin wrappers around services.

Both are safe to run twice at once (django-q2 delivers at least once): resolution booking
locks the market row, and each redemption is claimed with SKIP LOCKED plus a lease.
"""

from __future__ import annotations

from .merging import merges_plan
from .resolution import resolutions_detect
from .services import redemptions_alert_overdue, redemptions_process
from .sources import resolutions_detect_from_venue

# Under the q-cluster's 60 s task timeout, with room for one redemption in progress.
PASS_BUDGET_SECONDS = 25.0


def detect_resolutions() -> dict[str, int]:
    """Every 5 minutes: book markets the chain has resolved (positions, marks, redemptions)."""
    return {"resolved": resolutions_detect()}


def process_redemptions() -> dict[str, int]:
    """Every minute: book what the venue says resolved (if the chain agrees), advance due
    redemptions, then alert on winners unpaid after an hour."""
    resolved = resolutions_detect_from_venue()
    processed = redemptions_process(budget_seconds=PASS_BUDGET_SECONDS)
    return {
        "resolved": resolved,
        "processed": processed,
        "overdue_alerts": redemptions_alert_overdue(),
    }


def plan_merges() -> dict[str, int]:
    """Every 5 minutes: open merges for YES and NO held together (sent by the next pass of
    process_redemptions)."""
    return {"opened": merges_plan()}
