from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule

from ltproject.schedules import SCHEDULED_JOBS


class Command(BaseCommand):
    help = "Create or update LT's named django-q2 schedules (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Also restore the default interval and un-pause schedules an admin changed.",
        )

    @transaction.atomic
    def handle(self, *args: Any, reset: bool = False, **options: Any) -> None:
        for job in SCHEDULED_JOBS:
            schedule, created = Schedule.objects.get_or_create(
                name=job.name,
                defaults={
                    "func": job.func,
                    "schedule_type": Schedule.MINUTES,
                    "minutes": job.minutes,
                    "repeats": -1,
                    "next_run": timezone.now(),
                },
            )
            changed = schedule.func != job.func
            schedule.func = job.func
            if reset:
                changed |= (schedule.schedule_type, schedule.minutes, schedule.repeats) != (
                    Schedule.MINUTES,
                    job.minutes,
                    -1,
                )
                schedule.schedule_type, schedule.minutes, schedule.repeats = (
                    Schedule.MINUTES,
                    job.minutes,
                    -1,
                )
            if changed:
                schedule.save()
            verb = "created" if created else ("updated" if changed else "unchanged")
            self.stdout.write(f"{job.name}: {verb} (every {schedule.minutes} min)")
