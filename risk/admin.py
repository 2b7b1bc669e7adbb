from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from ltproject.admin_utils import ReadOnlyAdmin

from .models import (
    Breaker,
    BreakerEvent,
    BudgetReservation,
    BudgetWindow,
    RiskDecision,
    RiskRules,
    RiskState,
)
from .services import breaker_override, strategy_halt, strategy_resume


@admin.register(RiskRules)
class RiskRulesAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "budget_daily",
        "max_drawdown_pct",
        "sizing_mode",
        "order_type",
        "updated_at",
    )
    list_filter = ("sizing_mode", "order_type")
    search_fields = ("strategy__slug",)
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (
            "Budgets",
            {
                "description": "Notional reserved when a signal is accepted and spent when "
                "it fills. Empty = no limit.",
                "fields": ("budget_daily", "budget_weekly", "budget_monthly", "budget_timezone"),
            },
        ),
        (
            "Drawdown and loss streaks",
            {
                "fields": (
                    "capital",
                    "max_drawdown_pct",
                    "drawdown_pause_minutes",
                    "max_consecutive_losses",
                    "loss_streak_pause_minutes",
                )
            },
        ),
        (
            "Exposure and positions",
            {
                "fields": (
                    "max_exposure_per_market",
                    "max_exposure_per_event",
                    "max_concurrent_positions",
                    "max_positions_per_market",
                    "min_order_notional",
                    "max_order_notional",
                )
            },
        ),
        (
            "Sizing",
            {
                "fields": (
                    "sizing_mode",
                    "sizing_notional",
                    "sizing_percent",
                    "sizing_multiplier",
                    "sizing_target_vol",
                    "sizing_lookback_minutes",
                )
            },
        ),
        (
            "Exits",
            {
                "fields": (
                    "stop_loss_pct",
                    "take_profit_pct",
                    "trailing_stop_pct",
                    "merge_positions",
                )
            },
        ),
        (
            "Circuit breakers",
            {
                "fields": (
                    "breaker_max_slippage_bps",
                    "breaker_max_spread",
                    "breaker_max_latency_ms",
                    "breaker_min_depth",
                    "breaker_max_error_rate",
                    "breaker_resume_after_minutes",
                    "breaker_resume_when_normal",
                )
            },
        ),
        ("Orders", {"fields": ("order_type", "order_ttl_seconds", "order_max_slippage_bps")}),
        ("Record", {"classes": ("collapse",), "fields": ("created_at", "updated_at")}),
    )


@admin.register(RiskState)
class RiskStateAdmin(ReadOnlyAdmin):
    list_display = (
        "__str__",
        "trading_state",
        "reason_code",
        "paused_until",
        "consecutive_losses",
        "realised_pnl",
        "equity_peak",
        "state_changed_at",
    )
    list_filter = ("trading_state", "is_global")
    actions = ["halt", "resume"]

    @admin.action(description="Halt (the global row halts every strategy)")
    def halt(self, request: HttpRequest, queryset: QuerySet[RiskState]) -> None:
        for row in queryset.select_related("strategy"):
            strategy_halt(strategy=row.strategy, actor=request.user.get_username())
        self.message_user(request, "Halted.", messages.WARNING)

    @admin.action(description="Resume")
    def resume(self, request: HttpRequest, queryset: QuerySet[RiskState]) -> None:
        for row in queryset.select_related("strategy"):
            strategy_resume(strategy=row.strategy, actor=request.user.get_username())
        self.message_user(request, "Resumed.", messages.SUCCESS)


@admin.register(BudgetWindow)
class BudgetWindowAdmin(ReadOnlyAdmin):
    list_display = ("strategy", "period", "window_start", "limit", "reserved", "spent")
    list_filter = ("period", "strategy")


@admin.register(BudgetReservation)
class BudgetReservationAdmin(ReadOnlyAdmin):
    list_display = ("order", "window", "reserved", "spent", "released", "updated_at")


@admin.register(RiskDecision)
class RiskDecisionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "strategy", "outcome", "reason_code", "size", "notional")
    list_filter = ("outcome", "reason_code", "strategy")
    date_hierarchy = "created_at"


@admin.register(Breaker)
class BreakerAdmin(ReadOnlyAdmin):
    list_display = (
        "strategy",
        "kind",
        "state",
        "tripped_at",
        "resume_at",
        "normal_since",
        "last_value",
        "threshold",
    )
    list_filter = ("state", "kind")
    actions = ["override"]

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Needed for the override action; every field stays read-only.
        return bool(request.user.is_superuser)

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        return [f.name for f in Breaker._meta.fields]

    @admin.action(description="Override: close the selected breakers now")
    def override(self, request: HttpRequest, queryset: QuerySet[Breaker]) -> None:
        for breaker in queryset.filter(state=Breaker.State.OPEN):
            breaker_override(breaker=breaker, actor=request.user.get_username())
        self.message_user(request, "Breakers closed.", messages.SUCCESS)


@admin.register(BreakerEvent)
class BreakerEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "breaker", "event", "reason_code", "input_value", "threshold")
    list_filter = ("event", "reason_code")
