"""The health job stores one row per check and reports what is wrong."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task

from ltproject.schedules import SCHEDULED_JOBS
from monitoring.health import CheckResult, run_check
from monitoring.models import HealthCheck, HealthStatus
from monitoring.tasks import run_health_checks

pytestmark = pytest.mark.django_db


def test_health_job_stores_one_row_per_check() -> None:
    assert run_health_checks() == {
        "database": "ok",
        "job_queue": "ok",
        "schedules": "ok",
    }
    assert HealthCheck.objects.count() == 3
    assert HealthCheck.objects.get(name="database").duration_ms is not None


def test_overdue_schedule_is_a_warning() -> None:
    call_command("setup_schedules", verbosity=0)
    Schedule.objects.update(next_run=timezone.now())
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        result = run_health_checks()
    assert result["schedules"] == HealthStatus.WARNING
    row = HealthCheck.objects.get(name="schedules")
    assert sorted(row.details["late"]) == sorted(job.name for job in SCHEDULED_JOBS)


def test_a_check_that_raises_is_recorded_as_failing() -> None:
    def check_venue() -> CheckResult:
        raise ConnectionError("connection refused")

    result = run_check(check_venue)
    assert (result.name, result.status) == ("venue", HealthStatus.FAILING)
    assert "connection refused" in result.message


def test_health_job_runs_through_the_queue() -> None:
    # Test settings run django-q2 synchronously; the task path in the schedule resolves.
    task_id = async_task("monitoring.tasks.run_health_checks")
    assert task_id
    assert HealthCheck.objects.filter(name="database").exists()
