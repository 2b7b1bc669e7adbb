"""Every recurring job LT runs, in code. `manage.py setup_schedules` writes them as
django-q2 schedules; later capabilities add their jobs to this tuple."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    func: str
    minutes: int


SCHEDULED_JOBS: tuple[ScheduledJob, ...] = (
    ScheduledJob(
        name="monitoring.health_checks", func="monitoring.tasks.run_health_checks", minutes=5
    ),
)
