"""The database and the job queue: every job of LT runs through them.

The q-cluster is alive when jobs finish: schedules fire every minute, so no finished task in
the last minutes while schedules exist means no cluster is consuming.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import connection
from django.db.models import Max
from django_q.models import Failure, OrmQ, Schedule, Task

from .base import ALL_MODES, Check, CheckResult, Context, Findings, threshold

FAILURE_WINDOW = timedelta(hours=1)
STALE_LOCK = timedelta(minutes=5)


def check_database(ctx: Context) -> CheckResult:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return Findings().result("database", f"{connection.vendor} answers", {})


def check_jobs(ctx: Context) -> CheckResult:
    now = ctx.now
    queued = OrmQ.objects.count()
    # A task whose lock has expired was taken and not acknowledged: its worker died or
    # overran `retry`, and the broker will hand it out again.
    stale = OrmQ.objects.filter(lock__lt=now - STALE_LOCK).count()
    failures = Failure.objects.filter(stopped__gte=now - FAILURE_WINDOW).count()
    schedules = Schedule.objects.exclude(repeats=0)
    late = {
        name: round((now - next_run).total_seconds() / 60, 1)
        for name, next_run in schedules.filter(
            next_run__lt=now - timedelta(minutes=threshold("jobs_schedule_late_minutes"))
        ).values_list("name", "next_run")
    }
    last_finished = Task.objects.aggregate(last=Max("stopped"))["last"]
    idle_min = (
        None if last_finished is None else round((now - last_finished).total_seconds() / 60, 1)
    )
    details: dict[str, Any] = {
        "queued": queued,
        "stale": stale,
        "failures_last_hour": failures,
        "late_schedules": late,
        "minutes_since_a_job_finished": idle_min,
    }
    found = Findings()
    worst_late = max(late.values(), default=0)
    found.fail_if(
        worst_late > threshold("jobs_schedule_failing_minutes"),
        f"{len(late)} schedule(s) overdue, up to {worst_late:.0f} min: is the q-cluster running?",
    )
    found.warn_if(
        0 < worst_late <= threshold("jobs_schedule_failing_minutes"),
        f"{len(late)} schedule(s) overdue, up to {worst_late:.0f} min",
    )
    found.warn_if(queued > threshold("jobs_queue_depth"), f"{queued} tasks queued")
    found.warn_if(stale > 0, f"{stale} task(s) taken and not finished (a worker died?)")
    found.warn_if(failures > 0, f"{failures} task(s) failed in the last hour")
    return found.result("jobs", f"{queued} queued, schedules on time", details)


DATABASE = Check("database", check_database, ALL_MODES, "Database")
JOBS = Check("jobs", check_jobs, ALL_MODES, "Jobs (q-cluster)")
