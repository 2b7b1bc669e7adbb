"""Health check results and alert events (rows first; email delivery reads them)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class HealthStatus(models.TextChoices):
    OK = "ok", "OK"
    WARNING = "warning", "Warning"
    FAILING = "failing", "Failing"


class HealthCheck(models.Model):
    """One result of one named check; the latest row per name is the current status."""

    name = models.CharField(max_length=64)
    strategy = models.ForeignKey(
        "strategies.Strategy",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="health_checks",
    )
    status = models.CharField(max_length=8, choices=HealthStatus.choices)
    message = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    duration_ms = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "lt_health_checks"
        ordering = ["-checked_at"]
        indexes = [models.Index(fields=["name", "-checked_at"], name="lt_health_checks_latest")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=HealthStatus.values), name="lt_health_checks_status"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.status}"


class Alert(models.Model):
    """Something a person should know: a pause, a trip, a failed check, a stuck redemption.

    Rows are written in the same transaction as the change they report; a sender claims
    pending rows with a conditional UPDATE so that each is mailed once.
    """

    class Severity(models.TextChoices):
        INFO = "info", "Info"
        WARNING = "warning", "Warning"
        CRITICAL = "critical", "Critical"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SUPPRESSED = "suppressed", "Suppressed (duplicate)"

    reason_code = models.CharField(max_length=64)
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.WARNING)
    strategy = models.ForeignKey(
        "strategies.Strategy",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alerts",
    )
    subject = models.CharField(max_length=200)
    message = models.TextField(blank=True)
    context = models.JSONField(default=dict, blank=True)
    dedupe_key = models.CharField(max_length=200, blank=True, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "lt_alerts"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="lt_alerts_status_created")]
        constraints = [
            models.CheckConstraint(
                condition=Q(severity__in=["info", "warning", "critical"]),
                name="lt_alerts_severity",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sending", "sent", "failed", "suppressed"]),
                name="lt_alerts_status",
            ),
        ]

    def __str__(self) -> str:
        return f"[{self.severity}] {self.subject}"
