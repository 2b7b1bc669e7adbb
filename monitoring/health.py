"""Health checks of LT's own machinery. Each returns a result; the job stores them as rows.

Venue, chain, fill-lag and redemption checks join this list as those parts land.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import connection
from django.utils import timezone
from django_q.models import Failure, OrmQ, Schedule

from .models import HealthStatus

QUEUE_BACKLOG_WARNING = 100
QUEUE_WAIT_WARNING = timedelta(minutes=5)
SCHEDULE_LATE_WARNING = timedelta(minutes=10)
FAILURE_WINDOW = timedelta(hours=1)


@dataclass
class CheckResult:
    name: str
    status: HealthStatus
    message: str
    details: dict[str, Any] = field(default_factory=dict)
    duration_ms: float = 0.0


def check_database() -> CheckResult:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return CheckResult("database", HealthStatus.OK, f"{connection.vendor} answers")


def check_job_queue() -> CheckResult:
    now = timezone.now()
    queued = OrmQ.objects.count()
    # A task whose lock has expired was dequeued and not acknowledged: its worker died or
    # overran `retry`, and the broker will hand it out again.
    stale = OrmQ.objects.filter(lock__lt=now - QUEUE_WAIT_WARNING).count()
    failures = Failure.objects.filter(stopped__gte=now - FAILURE_WINDOW).count()
    details = {"queued": queued, "stale": stale, "failures_last_hour": failures}
    if queued > QUEUE_BACKLOG_WARNING or stale or failures:
        return CheckResult(
            "job_queue",
            HealthStatus.WARNING,
            f"{queued} queued, {stale} stale, {failures} failed in the last hour",
            details,
        )
    return CheckResult("job_queue", HealthStatus.OK, f"{queued} queued", details)


def check_schedules() -> CheckResult:
    late = list(
        Schedule.objects.exclude(repeats=0)
        .filter(next_run__lt=timezone.now() - SCHEDULE_LATE_WARNING)
        .values_list("name", flat=True)
    )
    if late:
        return CheckResult(
            "schedules",
            HealthStatus.WARNING,
            f"{len(late)} schedule(s) overdue; is the q-cluster running?",
            {"late": late},
        )
    return CheckResult("schedules", HealthStatus.OK, "all schedules on time")


CHECKS: tuple[Callable[[], CheckResult], ...] = (check_database, check_job_queue, check_schedules)


def run_check(check: Callable[[], CheckResult]) -> CheckResult:
    """Run one check; an exception is a failing result, never a crashed job."""
    started = time.perf_counter()
    try:
        result = check()
    except Exception as error:  # noqa: BLE001 - a broken dependency is exactly what we report
        name = check.__name__.removeprefix("check_")
        result = CheckResult(name, HealthStatus.FAILING, f"{type(error).__name__}: {error}")
    result.duration_ms = (time.perf_counter() - started) * 1000
    return result
