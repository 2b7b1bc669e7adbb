"""Health check results, their daily trend, alert events, the leases jobs take, and the daily
rows that stand in for pruned detail (retention).

Rows first: the checks, the alert mails, the status command and the admin all read them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.utils import timezone

from ltproject.domain import Side
from ltproject.money import MoneyField, PriceField

if TYPE_CHECKING:
    from datetime import datetime

    from execution.venue.metrics import CallCounts


class HealthStatus(models.TextChoices):
    OK = "ok", "OK"
    WARNING = "warning", "Warning"
    FAILING = "failing", "Failing"


# Worst first wins: a strategy's status is the worst of the checks that concern it.
STATUS_RANK = {HealthStatus.OK: 0, HealthStatus.WARNING: 1, HealthStatus.FAILING: 2}


class HealthCheck(models.Model):
    """One result of one named check; the latest row per name is the current status.

    `details` holds the figures the check measured and, under "strategies", the status it
    gives each strategy it concerns (slug → status).
    """

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
        indexes = [
            models.Index(fields=["name", "-checked_at"], name="lt_health_checks_latest"),
            models.Index(fields=["checked_at"], name="lt_health_checks_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=HealthStatus.values), name="lt_health_checks_status"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.status}"


class HealthDaily(models.Model):
    """One check's results on one day, once its rows are older than the detail kept.

    The trend stays (how often each status was seen, how long the check took) while the
    table of five-minute rows stays bounded.
    """

    day = models.DateField()
    name = models.CharField(max_length=64)
    runs = models.PositiveIntegerField(default=0)
    ok = models.PositiveIntegerField(default=0)
    warning = models.PositiveIntegerField(default=0)
    failing = models.PositiveIntegerField(default=0)
    worst = models.CharField(max_length=8, choices=HealthStatus.choices)
    avg_duration_ms = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)

    class Meta:
        db_table = "lt_health_daily"
        ordering = ["-day", "name"]
        verbose_name = "health trend (daily)"
        verbose_name_plural = "health trend (daily)"
        constraints = [
            models.UniqueConstraint(fields=["day", "name"], name="lt_health_daily_unique"),
            models.CheckConstraint(
                condition=Q(worst__in=HealthStatus.values), name="lt_health_daily_worst"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.name}: {self.worst}"


class Alert(models.Model):
    """Something a person should know: a pause, a trip, a failed check, a stuck redemption.

    Two state machines live on the row. Its lifecycle, `state`: open → acknowledged →
    resolved (by a person, or by LT when the condition clears). Its mail, `delivery`:
    pending → sending → sent | failed (retried with backoff), set back to pending when the
    alert needs telling again (a repeat after the quiet period, an escalation, a resolution).

    Rows are written in the same transaction as the change they report. A `dedupe_key` names
    the condition: while an alert with that key is not resolved, a repeat counts on that row
    (`count`, `last_seen_at`) instead of writing a new one (lt_alerts_one_open_per_key).
    """

    class Severity(models.TextChoices):
        INFO = "info", "Info"
        WARNING = "warning", "Warning"
        CRITICAL = "critical", "Critical"

    class State(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESOLVED = "resolved", "Resolved"

    class Delivery(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (retrying)"

    reason_code = models.CharField(max_length=64)
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.WARNING)
    strategy = models.ForeignKey(
        "strategies.Strategy",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alerts",
    )
    market = models.ForeignKey(
        "execution.Market",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alerts",
        help_text="The market it concerns, shown by its question.",
    )
    outcome = models.CharField(max_length=100, blank=True, help_text="Outcome in that market.")
    subject = models.CharField(max_length=200)
    message = models.TextField(blank=True)
    action = models.TextField(blank=True, help_text="What LT did about it.")
    context = models.JSONField(default=dict, blank=True, help_text="The figures behind it.")
    dedupe_key = models.CharField(max_length=200, blank=True)
    count = models.PositiveIntegerField(default=1, help_text="Times raised while open.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_seen_at = models.DateTimeField(default=timezone.now)
    # Lifecycle.
    state = models.CharField(max_length=12, choices=State.choices, default=State.OPEN)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.CharField(max_length=150, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.CharField(max_length=150, blank=True)
    resolution = models.TextField(blank=True, help_text="How it ended.")
    # Delivery.
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.PENDING)
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="When the sender may (re)try; empty = the digest."
    )
    lease_until = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(
        max_length=32, blank=True, help_text="The sender holding it while `sending`."
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_count = models.PositiveIntegerField(
        default=0, help_text="`count` as of the last mail, so a repeat mail says what is new."
    )
    message_id = models.CharField(max_length=255, blank=True, help_text="Of the last mail.")

    class Meta:
        db_table = "lt_alerts"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["delivery", "next_attempt_at"], name="lt_alerts_delivery_due"),
            models.Index(fields=["state", "created_at"], name="lt_alerts_state_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(severity__in=["info", "warning", "critical"]),
                name="lt_alerts_severity",
            ),
            models.CheckConstraint(
                condition=Q(delivery__in=["pending", "sending", "sent", "failed"]),
                name="lt_alerts_delivery",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["open", "acknowledged", "resolved"]),
                name="lt_alerts_state",
            ),
            models.CheckConstraint(condition=Q(count__gte=1), name="lt_alerts_count_positive"),
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=~Q(dedupe_key="") & ~Q(state="resolved"),
                name="lt_alerts_one_open_per_key",
            ),
        ]

    def __str__(self) -> str:
        return f"[{self.severity}] {self.subject}"


class Lease(models.Model):
    """A named lease one process holds until `until` (conditional UPDATE to take it).

    For work that must not run in two places at once but must survive its holder dying:
    a lease that is not released simply expires.
    """

    name = models.CharField(max_length=64, unique=True)
    holder = models.CharField(max_length=64, blank=True)
    until = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "lt_leases"

    def __str__(self) -> str:
        return self.name


class VenueCalls(models.Model):
    """One process's calls of one kind to the venue in one minute (execution.venue.metrics).

    Several rows may share a (process, minute, call) when a process flushed a minute early
    (the health check flushes its own); readers sum them.
    """

    process = models.CharField(max_length=100, help_text="host:pid")
    minute = models.DateTimeField()
    call = models.CharField(max_length=32)
    count = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0, help_text="Timeouts, resets, 5xx.")
    rejected = models.PositiveIntegerField(default=0, help_text="Orders the venue refused.")
    rate_limited = models.PositiveIntegerField(default=0, help_text="429 answers.")
    client_errors = models.PositiveIntegerField(default=0, help_text="Other 4xx answers.")
    total_ms = models.FloatField(default=0)
    max_ms = models.FloatField(default=0)
    histogram = models.JSONField(default=dict, help_text="Latency bucket → calls.")
    last_ok_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "lt_venue_calls"
        verbose_name = "venue calls (per minute)"
        verbose_name_plural = "venue calls (per minute)"
        indexes = [models.Index(fields=["minute"], name="lt_venue_calls_minute")]

    def __str__(self) -> str:
        return f"{self.minute:%H:%M} {self.call} ×{self.count}"

    @classmethod
    def from_counts(
        cls, process: str, minute: datetime, call: str, counts: CallCounts
    ) -> VenueCalls:
        return cls(
            process=process,
            minute=minute,
            call=call,
            count=counts.count,
            errors=counts.errors,
            rejected=counts.rejected,
            rate_limited=counts.rate_limited,
            client_errors=counts.client_errors,
            total_ms=round(counts.total_ms, 3),
            max_ms=round(counts.max_ms, 3),
            histogram={str(k): v for k, v in counts.histogram.items()},
            last_ok_at=counts.last_ok_at,
        )

    def to_counts(self) -> CallCounts:
        from execution.venue.metrics import CallCounts

        return CallCounts(
            count=self.count,
            errors=self.errors,
            rejected=self.rejected,
            rate_limited=self.rate_limited,
            client_errors=self.client_errors,
            total_ms=self.total_ms,
            max_ms=self.max_ms,
            histogram={int(k): int(v) for k, v in self.histogram.items()},
            last_ok_at=self.last_ok_at,
        )


# --- retention: daily rows standing in for detail rows past their kept age -------------------


class SignalDaily(models.Model):
    """Rejected signals of one strategy on one day, per side and reason, once their rows (the
    signal and its risk decision) are past the kept age and pruned (monitoring.retention).

    Money never touched them; what stays is how often each check refused, and how much FT
    would have traded.
    """

    day = models.DateField()
    strategy = models.ForeignKey(
        "strategies.Strategy", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    side = models.CharField(max_length=4, choices=Side.choices)
    reason_code = models.CharField(max_length=64)
    signals = models.PositiveIntegerField(default=0)
    ft_notional = MoneyField(default=0, help_text="Σ FT price × size of those that named one.")

    class Meta:
        db_table = "lt_signals_daily"
        ordering = ["-day", "strategy", "reason_code"]
        verbose_name = "rejected signals (daily)"
        verbose_name_plural = "rejected signals (daily)"
        constraints = [
            models.UniqueConstraint(
                fields=["strategy", "day", "side", "reason_code"], name="lt_signals_daily_unique"
            ),
            models.CheckConstraint(
                condition=Q(side__in=Side.values), name="lt_signals_daily_side_valid"
            ),
            models.CheckConstraint(
                condition=Q(ft_notional__gte=0), name="lt_signals_daily_notional"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.reason_code} ×{self.signals}"


class MidPriceDaily(models.Model):
    """One token's recorded mid prices on one day (open, high, low, close), once the rows are
    past the kept age and pruned (monitoring.retention)."""

    day = models.DateField()
    token_id = models.CharField(max_length=100)
    open = PriceField()
    high = PriceField()
    low = PriceField()
    close = PriceField()
    samples = models.PositiveIntegerField(default=0)
    first_at = models.DateTimeField(help_text="When the open was observed.")
    last_at = models.DateTimeField(help_text="When the close was observed.")

    class Meta:
        db_table = "lt_mid_prices_daily"
        ordering = ["-day", "token_id"]
        verbose_name = "mid prices (daily)"
        verbose_name_plural = "mid prices (daily)"
        constraints = [
            models.UniqueConstraint(fields=["token_id", "day"], name="lt_mid_prices_daily_unique"),
            models.CheckConstraint(
                condition=Q(low__gt=0, high__lt=1, low__lte=models.F("high")),
                name="lt_mid_prices_daily_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.token_id[:12]}… {self.day}: {self.open}→{self.close}"
