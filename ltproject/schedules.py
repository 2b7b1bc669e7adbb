"""Every recurring job LT runs, in code. `manage.py setup_schedules` writes them as
django-q2 schedules; later capabilities add their jobs to this tuple."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    func: str
    minutes: int


SCHEDULED_JOBS: tuple[ScheduledJob, ...] = (
    ScheduledJob(name="execution.sweep_orders", func="execution.tasks.sweep_orders", minutes=1),
    ScheduledJob(name="execution.sync_fills", func="execution.tasks.sync_fills", minutes=1),
    ScheduledJob(name="execution.expire_orders", func="execution.tasks.expire_orders", minutes=1),
    ScheduledJob(
        name="execution.reconcile", func="execution.tasks.reconcile_with_venue", minutes=1
    ),
    ScheduledJob(name="execution.monitor_stops", func="execution.tasks.monitor_stops", minutes=1),
    ScheduledJob(
        name="execution.refresh_markets", func="execution.tasks.refresh_markets", minutes=10
    ),
    ScheduledJob(
        name="monitoring.health_checks", func="monitoring.tasks.run_health_checks", minutes=5
    ),
    ScheduledJob(name="monitoring.probe_venue", func="monitoring.tasks.probe_venue", minutes=1),
    # The sweep behind the mail started when an alert commits: retries, lost tasks.
    ScheduledJob(
        name="monitoring.deliver_alerts", func="monitoring.tasks.deliver_alerts", minutes=1
    ),
    ScheduledJob(
        name="monitoring.alert_digest",
        func="monitoring.tasks.send_alert_digest",
        minutes=settings.ALERT_DIGEST_MINUTES,
    ),
    # Tables stay bounded: rows past their kept age pruned or rolled up (LT_RETENTION).
    ScheduledJob(name="monitoring.retention", func="monitoring.tasks.apply_retention", minutes=15),
    ScheduledJob(
        name="strategies.prune_signal_nonces",
        func="strategies.tasks.prune_signal_nonces",
        minutes=10,
    ),
    ScheduledJob(
        name="redemption.detect_resolutions",
        func="redemption.tasks.detect_resolutions",
        minutes=5,
    ),
    ScheduledJob(
        name="redemption.plan_merges",
        func="redemption.tasks.plan_merges",
        minutes=5,
    ),
    ScheduledJob(
        name="redemption.process_redemptions",
        func="redemption.tasks.process_redemptions",
        minutes=1,
    ),
)
