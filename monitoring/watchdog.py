"""The watcher of the job queue, run outside it (by `lt_heartbeat`, every minute).

The health checks run as jobs: if the q-cluster stops, nothing would say so. The watchdog
looks at the schedules from another process; when they are overdue it raises a critical alert
and mails it itself (the queue that would mail it is the thing that stopped). When they run
again, the alert resolves.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from django.db import close_old_connections
from django.db.models import Min
from django.utils import timezone
from django_q.models import Schedule

from .alerts import alert_create, alert_resolve
from .delivery import alerts_deliver
from .models import Alert

log = logging.getLogger(__name__)

OVERDUE = timedelta(minutes=10)
KEY = "watchdog:jobs"
INTERVAL_S = 60.0


def jobs_watch(*, now: datetime | None = None) -> bool:
    """True when the schedules are overdue (the alert is raised and mailed)."""
    now = now or timezone.now()
    oldest = Schedule.objects.exclude(repeats=0).aggregate(oldest=Min("next_run"))["oldest"]
    late = oldest is not None and now - oldest > OVERDUE
    if late:
        assert oldest is not None
        minutes = (now - oldest).total_seconds() / 60
        alert_create(
            reason_code="JOBS_NOT_RUNNING",
            severity=Alert.Severity.CRITICAL,
            subject="Jobs are not running: is the q-cluster down?",
            message=f"The oldest schedule is {minutes:.0f} min overdue: fills, stops, "
            "reconciliation, redemption and health checks are not running.",
            context={"overdue (minutes)": round(minutes, 1)},
            action="Mailed by the watchdog in lt_heartbeat, outside the job queue. Start the "
            "q-cluster (manage.py lt_qcluster); this alert resolves when schedules run again.",
            dedupe_key=KEY,
        )
        alerts_deliver()  # directly: the queue that would send it is what stopped
    else:
        alert_resolve(dedupe_key=KEY, note="the schedules run on time again")
        alerts_deliver()
    return late


def watchdog_loop(stop: threading.Event, interval: float = INTERVAL_S) -> None:
    while not stop.wait(interval):
        try:
            jobs_watch()
        except Exception:
            log.exception("watchdog: the jobs check failed")
        finally:
            close_old_connections()
