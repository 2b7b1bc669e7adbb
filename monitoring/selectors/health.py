"""Health as operators read it: each check's latest result and its recent trend."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import QuerySet

from monitoring.models import HealthCheck, HealthDaily

TREND_RUNS = 12  # an hour of five-minute runs


@dataclass
class HealthTile:
    latest: HealthCheck
    trend: list[str] = field(default_factory=list)  # oldest first


def health_tiles(*, now: datetime) -> list[HealthTile]:
    """Each check's latest result with the statuses of its runs of the last hour, by name."""
    recent = HealthCheck.objects.filter(checked_at__gte=now - timedelta(hours=1, minutes=5))
    runs: dict[str, list[HealthCheck]] = defaultdict(list)
    for row in recent.order_by("name", "checked_at", "pk"):
        runs[row.name].append(row)
    return [
        HealthTile(latest=rows[-1], trend=[r.status for r in rows[-TREND_RUNS:]])
        for name, rows in sorted(runs.items())
    ]


def health_history(*, name: str = "", status: str = "") -> QuerySet[HealthCheck]:
    rows = HealthCheck.objects.order_by("-checked_at", "name")
    if name:
        rows = rows.filter(name=name)
    if status:
        rows = rows.filter(status=status)
    return rows


def health_days(*, name: str = "") -> QuerySet[HealthDaily]:
    rows = HealthDaily.objects.order_by("-day", "name")
    return rows.filter(name=name) if name else rows
