from __future__ import annotations

from django.contrib import admin

from ltproject.admin_utils import QUESTION, MarketLabelsAdmin, ReadOnlyAdmin

from .models import (
    Fill,
    Market,
    MarketToken,
    MidPrice,
    Order,
    Position,
    ReconcileRun,
    SyncCursor,
)


class MarketTokenInline(admin.TabularInline):
    model = MarketToken
    extra = 0
    can_delete = False
    readonly_fields = ("token_id", "outcome", "outcome_index", "winner")

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Market)
class MarketAdmin(ReadOnlyAdmin):
    list_display = (
        "__str__",
        "condition_id",
        "neg_risk",
        "tick_size",
        "accepting_orders",
        "closed",
    )
    list_filter = ("neg_risk", "closed", "accepting_orders")
    search_fields = ("condition_id", "question", "slug", "event_id")
    inlines = [MarketTokenInline]


@admin.register(MarketToken)
class MarketTokenAdmin(ReadOnlyAdmin):
    list_display = ("token_id", "market", "outcome", "winner")
    search_fields = ("token_id",)


class FillInline(admin.TabularInline):
    model = Fill
    extra = 0
    can_delete = False
    fields = (
        "venue_trade_id",
        "status",
        "price",
        "size",
        "notional",
        "fee",
        "legs",
        "match_time",
        "voided_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(MarketLabelsAdmin):
    # Time and strategy, then the pUSD amounts, so they stay on screen beside a long question.
    list_display = (
        "created_at",
        "strategy",
        "notional",
        "price",
        "size",
        "size_matched",
        "market_and_outcome",
        "side",
        "purpose",
        "status",
        "mode",
        "redemption",
    )
    # The market's question comes with the annotation's join (see `with_market_labels`).
    list_select_related = ("strategy", "redemption")
    market_path = "market"
    list_filter = ("status", "mode", "purpose", "side", "strategy")
    search_fields = ("venue_order_id", "token_id", QUESTION)
    date_hierarchy = "created_at"
    inlines = [FillInline]


@admin.register(Fill)
class FillAdmin(MarketLabelsAdmin):
    list_display = (
        "match_time",
        "strategy",
        "price",
        "size",
        "notional",
        "fee",
        "realised_pnl",
        "market_and_outcome",
        "side",
        "status",
        "is_paper",
        "venue_trade_id",
    )
    list_select_related = ("order__strategy",)
    # A fill's market is its order's.
    token_path = "order__token_id"
    market_path = "order__market"
    list_filter = ("status", "is_paper")
    search_fields = ("venue_trade_id", "transaction_hash", "order__token_id", QUESTION)

    @admin.display(description="Strategy", ordering="order__strategy__slug")
    def strategy(self, obj: Fill) -> str:
        # Empty for fills of venue orders reconciliation imported and no strategy owns.
        return str(obj.order.strategy) if obj.order.strategy else "—"


@admin.register(Position)
class PositionAdmin(MarketLabelsAdmin):
    list_display = (
        "opened_at",
        "strategy",
        "cost_basis",
        "realised_pnl",
        "size",
        "avg_cost",
        "mark_price",
        "market_and_outcome",
        "mode",
        "status",
    )
    list_select_related = ("strategy",)
    market_path = "market"
    list_filter = ("status", "mode", "strategy")
    search_fields = ("token_id", QUESTION)


@admin.register(MidPrice)
class MidPriceAdmin(MarketLabelsAdmin):
    list_display = ("observed_at", "mid", "market_and_outcome")
    # By token id only: a search by question would evaluate the subquery on every recorded mid.
    search_fields = ("token_id",)


@admin.register(SyncCursor)
class SyncCursorAdmin(ReadOnlyAdmin):
    list_display = ("name", "cursor", "updated_at")


@admin.register(ReconcileRun)
class ReconcileRunAdmin(ReadOnlyAdmin):
    list_display = (
        "started_at",
        "agreed",
        "fills_recorded",
        "orders_imported",
        "orders_closed",
        "collateral",
        "persisting",
        "error",
    )
    list_filter = ("agreed",)
    date_hierarchy = "started_at"
