from __future__ import annotations

from decimal import Decimal

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from ltproject.admin_utils import QUESTION, MarketLabelsAdmin, ReadOnlyAdmin
from ltproject.money import quantize_pusd

from .budgets import period_limit
from .models import (
    Breaker,
    BreakerEvent,
    BudgetPeriod,
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
                    "max_orders_per_minute",
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


def _limit_text(limit: Decimal | None) -> str:
    # To the pUSD unit, as the stored column reads, so equal limits read the same.
    return "no limit" if limit is None else str(quantize_pusd(Decimal(limit)))


@admin.register(BudgetWindow)
class BudgetWindowAdmin(ReadOnlyAdmin):
    list_display = (
        "strategy",
        "period",
        "window_start",
        "stored_limit",
        "limit_in_force",
        "reserved",
        "spent",
    )
    list_filter = ("period", "strategy")
    # The rules the limit in force is read from, in the list's one query.
    list_select_related = ("strategy__risk_rules",)
    readonly_fields = ("limit_in_force",)

    @admin.display(description="Stored limit", ordering="limit")
    def stored_limit(self, obj: BudgetWindow) -> str:
        return _limit_text(obj.limit)

    @admin.display(description="Limit in force")
    def limit_in_force(self, obj: BudgetWindow) -> str | SafeString:
        """The limit the strategy's current rules set for this period.

        The stored `limit` is the copy the database checks spending against, written when the
        window opened and rewritten only when an order reserves in it, so after an operator
        edits the rules it can be stale. A difference is marked so nobody reads the stored
        one as the limit in force.
        """
        in_force = period_limit(obj.strategy.risk_rules, BudgetPeriod(obj.period))
        if in_force == obj.limit:
            return _limit_text(in_force)
        return format_html(
            '<strong title="The stored limit ({}) was copied from earlier rules.">'
            "{} ≠ stored</strong>",
            _limit_text(obj.limit),
            _limit_text(in_force),
        )


@admin.register(BudgetReservation)
class BudgetReservationAdmin(ReadOnlyAdmin):
    list_display = ("order", "window", "reserved", "spent", "released", "updated_at")


@admin.register(RiskDecision)
class RiskDecisionAdmin(MarketLabelsAdmin):
    # Time and strategy, then the amounts, so they stay on screen beside a long question.
    list_display = (
        "created_at",
        "strategy",
        "notional",
        "limit_price",
        "size",
        "market_and_outcome",
        "outcome",
        "reason_code",
    )
    list_select_related = ("strategy",)
    # A decision knows its market only through its signal's token id.
    token_path = "signal__token_id"
    list_filter = ("outcome", "reason_code", "strategy")
    search_fields = ("signal__token_id", QUESTION)
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
