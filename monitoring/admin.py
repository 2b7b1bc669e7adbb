from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from ltproject.admin_utils import MarketLabelsAdmin, ReadOnlyAdmin

from .alerts import alert_acknowledge, alert_close
from .delivery import alert_retry_now
from .models import Alert, HealthCheck, HealthDaily, MidPriceDaily, SignalDaily, VenueCalls


@admin.register(HealthCheck)
class HealthCheckAdmin(ReadOnlyAdmin):
    list_display = ("checked_at", "name", "status", "message", "duration_ms")
    list_filter = ("status", "name")
    date_hierarchy = "checked_at"


@admin.register(HealthDaily)
class HealthDailyAdmin(ReadOnlyAdmin):
    list_display = ("day", "name", "worst", "runs", "ok", "warning", "failing", "avg_duration_ms")
    list_filter = ("worst", "name")
    date_hierarchy = "day"


@admin.register(SignalDaily)
class SignalDailyAdmin(ReadOnlyAdmin):
    list_display = ("day", "strategy", "side", "reason_code", "signals", "ft_notional")
    list_filter = ("reason_code", "strategy")
    list_select_related = ("strategy",)
    date_hierarchy = "day"


@admin.register(MidPriceDaily)
class MidPriceDailyAdmin(MarketLabelsAdmin):
    list_display = ("day", "market_and_outcome", "open", "high", "low", "close", "samples")
    search_fields = ("token_id",)
    date_hierarchy = "day"


@admin.register(VenueCalls)
class VenueCallsAdmin(ReadOnlyAdmin):
    list_display = ("minute", "call", "count", "errors", "rejected", "rate_limited", "max_ms")
    list_filter = ("call",)
    date_hierarchy = "minute"


def _actor(request: HttpRequest) -> str:
    return str(getattr(request.user, "username", "") or "admin")


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    """Alerts as they stand: acknowledge, resolve or re-send from the list (bulk actions)."""

    list_display = (
        "created_at",
        "severity",
        "subject",
        "strategy",
        "market_shown",
        "count",
        "state",
        "delivery",
        "last_seen_at",
    )
    list_filter = ("state", "severity", "delivery", "reason_code", "strategy")
    search_fields = ("subject", "message", "dedupe_key")
    date_hierarchy = "created_at"
    list_select_related = ("strategy", "market")
    actions = ("acknowledge", "resolve", "retry_mail")
    fieldsets = (
        (None, {"fields": ("subject", "severity", "reason_code", "strategy", "market_shown")}),
        ("What happened", {"fields": ("message", "context", "action")}),
        ("Occurrences", {"fields": ("count", "created_at", "last_seen_at", "dedupe_key")}),
        (
            "Lifecycle",
            {
                "fields": (
                    "state",
                    "acknowledged_by",
                    "acknowledged_at",
                    "resolved_by",
                    "resolved_at",
                    "resolution",
                )
            },
        ),
        (
            "Mail",
            {
                "fields": (
                    "delivery",
                    "attempts",
                    "next_attempt_at",
                    "sent_at",
                    "last_error",
                    "message_id",
                )
            },
        ),
    )

    @admin.display(description="market")
    def market_shown(self, alert: Alert) -> str:
        if alert.market is None:
            return ""
        question = alert.market.question or alert.market.condition_id
        return format_html("{} — <b>{}</b>", question, alert.outcome) if alert.outcome else question

    @admin.action(description="Acknowledge (I have seen it)")
    def acknowledge(self, request: HttpRequest, queryset: QuerySet[Alert]) -> None:
        done = sum(alert_acknowledge(alert=a, actor=_actor(request)) for a in queryset)
        self.message_user(request, f"{done} alert(s) acknowledged.", messages.SUCCESS)

    @admin.action(description="Resolve")
    def resolve(self, request: HttpRequest, queryset: QuerySet[Alert]) -> None:
        done = sum(alert_close(alert=a, actor=_actor(request)) for a in queryset)
        self.message_user(request, f"{done} alert(s) resolved.", messages.SUCCESS)

    @admin.action(description="Send the mail again now (failed ones)")
    def retry_mail(self, request: HttpRequest, queryset: QuerySet[Alert]) -> None:
        done = sum(alert_retry_now(alert=a) for a in queryset)
        self.message_user(request, f"{done} alert mail(s) queued again.", messages.SUCCESS)
