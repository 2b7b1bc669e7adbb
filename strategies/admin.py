from __future__ import annotations

from decimal import Decimal

from django.contrib import admin, messages
from django.db.models import OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest

from execution.models import Position, PositionStatus
from ltproject.admin_utils import QUESTION, MarketLabelsAdmin, ReadOnlyAdmin
from ltproject.money import ZERO, MoneyField
from risk.services import strategy_halt, strategy_resume

from .models import ApiCredential, Signal, SignalNonce, SignatureLockout, Strategy
from .services import credential_revoke


class ApiCredentialInline(admin.TabularInline):
    model = ApiCredential
    extra = 0
    can_delete = False
    fields = ("key_id", "is_active", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Secrets are shown once, by `lt_credentials`; the admin never sees one.
        return False


def _positions_total(positions: QuerySet[Position], column: str) -> Coalesce:
    """SUM(column) over one strategy's `positions`, as a subquery per strategy row.

    A subquery, not a join with GROUP BY: the list also joins the risk state, and each sum
    stays independent of the other (a join of both would multiply rows).
    """
    total = positions.order_by().values("strategy").annotate(total=Sum(column)).values("total")
    return Coalesce(Subquery(total), Value(ZERO), output_field=MoneyField())


def strategy_money(queryset: QuerySet[Strategy]) -> QuerySet[Strategy]:
    """Realised P&L and open exposure of each strategy's current mode, in the same query.

    The current mode only, as the risk checks count them (`risk.selectors.strategy_portfolio`):
    paper results never move a live strategy's numbers.
    """
    positions = Position.objects.filter(strategy=OuterRef("pk"), mode=OuterRef("mode"))
    open_positions = positions.filter(status=PositionStatus.OPEN)
    return queryset.annotate(
        position_realised_pnl=_positions_total(positions, "realised_pnl"),
        open_cost_basis=_positions_total(open_positions, "cost_basis"),
    )


@admin.register(Strategy)
class StrategyAdmin(admin.ModelAdmin):
    list_display = (
        "slug",
        "name",
        "mode",
        "realised_pnl",
        "open_exposure",
        "trading_state",
        "health_status",
        "updated_at",
    )
    list_filter = ("mode", "health_status", "risk_state__trading_state")
    search_fields = ("slug", "name", "ft_source")
    readonly_fields = ("trading_state", "health_status", "health_checked_at", "created_at")
    fieldsets = (
        (None, {"fields": ("slug", "name", "description", "ft_source")}),
        ("Trading", {"fields": ("mode", "risk_rules", "trading_state")}),
        ("Health", {"fields": ("health_status", "health_checked_at", "created_at")}),
    )
    inlines = [ApiCredentialInline]
    actions = ["halt", "resume"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Strategy]:
        return strategy_money(super().get_queryset(request).select_related("risk_state"))

    @admin.display(description="Realised P&L (pUSD)", ordering="position_realised_pnl")
    def realised_pnl(self, obj: Strategy) -> Decimal:
        return getattr(obj, "position_realised_pnl", ZERO)

    @admin.display(description="Open exposure (pUSD)", ordering="open_cost_basis")
    def open_exposure(self, obj: Strategy) -> Decimal:
        return getattr(obj, "open_cost_basis", ZERO)

    @admin.display(description="Trading state", ordering="risk_state__trading_state")
    def trading_state(self, obj: Strategy) -> str:
        state = getattr(obj, "risk_state", None)
        return state.trading_state if state else "—"

    @admin.action(description="Halt selected strategies (no new entries)")
    def halt(self, request: HttpRequest, queryset: QuerySet[Strategy]) -> None:
        for strategy in queryset:
            strategy_halt(strategy=strategy, actor=request.user.get_username())
        self.message_user(request, f"Halted {queryset.count()} strateg(ies).", messages.WARNING)

    @admin.action(description="Resume selected strategies")
    def resume(self, request: HttpRequest, queryset: QuerySet[Strategy]) -> None:
        for strategy in queryset:
            strategy_resume(strategy=strategy, actor=request.user.get_username())
        self.message_user(request, f"Resumed {queryset.count()} strateg(ies).", messages.SUCCESS)


@admin.register(ApiCredential)
class ApiCredentialAdmin(ReadOnlyAdmin):
    list_display = ("key_id", "strategy", "is_active", "created_at", "last_used_at")
    list_filter = ("is_active",)
    search_fields = ("key_id", "strategy__slug")
    exclude = ("salt",)
    actions = ["revoke"]

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Needed for the revoke action; every field stays read-only.
        return bool(request.user.is_superuser)

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        return ["key_id", "strategy", "is_active", "created_at", "last_used_at", "revoked_at"]

    @admin.action(description="Revoke selected credentials")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiCredential]) -> None:
        for credential in queryset:
            credential_revoke(credential=credential)
        self.message_user(request, "Revoked.", messages.WARNING)


@admin.register(Signal)
class SignalAdmin(MarketLabelsAdmin):
    # Time and strategy, then the amounts, so they stay on screen beside a long question.
    list_display = (
        "received_at",
        "strategy",
        "price",
        "size",
        "market_and_outcome",
        "side",
        "ft_signal_id",
        "response_status",
    )
    # A signal has only its token id; `MarketLabelsAdmin` looks the market up by it.
    list_select_related = ("strategy",)
    list_filter = ("strategy", "side")
    search_fields = ("idempotency_key", "ft_signal_id", "token_id", "leader", QUESTION)
    date_hierarchy = "received_at"
    exclude = ("credential",)


@admin.register(SignalNonce)
class SignalNonceAdmin(ReadOnlyAdmin):
    list_display = ("key_id", "request_ts", "created_at")
    search_fields = ("key_id",)


@admin.register(SignatureLockout)
class SignatureLockoutAdmin(ReadOnlyAdmin):
    list_display = (
        "credential",
        "address",
        "locked_until",
        "failures",
        "refused",
        "last_failure_at",
        "last_reason",
    )
    search_fields = ("credential__key_id", "address")
    actions = ["unlock"]

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Needed for the unlock action; every field stays read-only.
        return bool(request.user.is_superuser)

    @admin.action(description="Unlock selected (key, address) pairs")
    def unlock(self, request: HttpRequest, queryset: QuerySet[SignatureLockout]) -> None:
        unlocked = queryset.update(locked_until=None, failures=0)
        self.message_user(request, f"Unlocked {unlocked}.", messages.SUCCESS)
